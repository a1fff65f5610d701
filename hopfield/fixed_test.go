package hopfield

import (
	"context"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

// TestFixedFlagsMatchIsFixedPoint: the batched check (one float32 product
// per block of states, float64 fields near the threshold) gives exactly
// IsFixedPoint's answer for every state — stored patterns, patterns with a
// few flipped units and random states — for every rule, with and without
// thresholds, across the block boundary, and Hebbian with an even number
// of patterns, whose fields are often exactly 0 (ties at the threshold).
func TestFixedFlagsMatchIsFixedPoint(t *testing.T) {
	rng := tensor.NewRand(7)
	for _, tc := range []struct {
		rule  Rule
		n, p  int
		theta bool
	}{
		{Hebbian, 40, 4, false}, {Hebbian, 40, 6, true}, {Hebbian, 60, 8, false},
		{Storkey, 50, 7, false}, {Storkey, 50, 7, true},
		{PseudoInverse, 48, 12, false}, {PseudoInverse, 48, 12, true},
	} {
		net, err := NewNetwork(tc.n, tc.rule)
		if err != nil {
			t.Fatal(err)
		}
		pats := tensor.New(tc.p, tc.n)
		randomBipolar(rng, pats.Data)
		if err := net.Store(pats); err != nil {
			t.Fatal(err)
		}
		if tc.theta {
			net.Theta = make([]float32, tc.n)
			rng.Normal(net.Theta, 0, 0.05)
		}
		var states [][]float32
		for mu := range tc.p {
			states = append(states, pats.Row(mu))
			for flips := 1; flips <= 3; flips++ {
				s := append([]float32(nil), pats.Row(mu)...)
				for f := range flips {
					s[(mu*7+f*13)%tc.n] *= -1
				}
				states = append(states, s)
			}
		}
		for len(states) < 300 { // past fixedBlock
			s := make([]float32, tc.n)
			randomBipolar(rng, s)
			states = append(states, s)
		}
		got, err := net.fixedFlags(context.Background(), states)
		if err != nil {
			t.Fatal(err)
		}
		nfixed := 0
		for k, s := range states {
			want, err := net.IsFixedPoint(s)
			if err != nil {
				t.Fatal(err)
			}
			if got[k] != want {
				t.Fatalf("%s N=%d P=%d theta=%v: state %d: batched %v, IsFixedPoint %v", tc.rule, tc.n, tc.p, tc.theta, k, got[k], want)
			}
			if want {
				nfixed++
			}
		}
		if nfixed == 0 || nfixed == len(states) {
			t.Fatalf("%s: %d of %d states fixed: the comparison tests nothing", tc.rule, nfixed, len(states))
		}
	}
}

func randomBipolar(rng *tensor.Rand, dst []float32) {
	p := make([]float32, len(dst))
	for i := range p {
		p[i] = 0.5
	}
	rng.Bernoulli(dst, p)
	for i, v := range dst {
		dst[i] = 2*v - 1
	}
}

// TestFixedFlagsNearThreshold: a field the float32 product gets wrong
// across the tie tolerance. Row 0 of W holds 1, sixty weights of −2⁻²⁶ and
// −1; for the all-ones state, float32 fused multiply–adds in order lose
// every −2⁻²⁶ against the running 1 (half an ulp is 2⁻²⁴) and give 0,
// while the true field −60·2⁻²⁶ ≈ −8.9e−7 is below −tol = −2⁻²²·Σ|W_0j|
// ≈ −4.8e−7: unit 0 flips, so the state is not fixed. Only the float64
// recheck near the threshold gets this right.
func TestFixedFlagsNearThreshold(t *testing.T) {
	const n = 64
	net, err := NewNetwork(n, Hebbian)
	if err != nil {
		t.Fatal(err)
	}
	row := net.W.Row(0)
	row[1] = 1
	for j := 2; j < 62; j++ {
		row[j] = -0x1p-26
	}
	row[62] = -1
	s := make([]float32, n)
	for i := range s {
		s[i] = 1
	}
	want, err := net.IsFixedPoint(s)
	if err != nil {
		t.Fatal(err)
	}
	if want {
		t.Fatal("IsFixedPoint: the all-ones state is fixed; the construction is wrong")
	}
	got, err := net.fixedFlags(context.Background(), [][]float32{s})
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != want {
		t.Fatalf("batched check: fixed = %v, IsFixedPoint %v", got[0], want)
	}
}
