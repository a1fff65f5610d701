package hopfield

import (
	"errors"
	"math"
	"runtime"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

// storkeyBrute is the Storkey rule re-derived literally from the formula,
// in float64, with a triple loop: for every ordered pair i ≠ j,
// h_ij = Σ_{k≠i,j} W_ik ξ_k over the weights before the pattern, and
// W_ij += (1/N)(ξ_iξ_j − ξ_i h_ji − h_ij ξ_j). The diagonal is untouched.
func storkeyBrute(w [][]float64, xi []float64) [][]float64 {
	n := len(xi)
	field := func(i, j int) float64 {
		var s float64
		for k := 0; k < n; k++ {
			if k != i && k != j {
				s += w[i][k] * xi[k]
			}
		}
		return s
	}
	out := make([][]float64, n)
	for i := range out {
		out[i] = append([]float64(nil), w[i]...)
		for j := 0; j < n; j++ {
			if i != j {
				out[i][j] += (xi[i]*xi[j] - xi[i]*field(j, i) - field(i, j)*xi[j]) / float64(n)
			}
		}
	}
	return out
}

// storkeyWrong is the common mistake: fields read from weights already
// updated for this pattern (updating in place, row by row).
func storkeyWrong(w [][]float64, xi []float64) [][]float64 {
	n := len(xi)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i == j {
				continue
			}
			var hij, hji float64
			for k := 0; k < n; k++ {
				if k != i && k != j {
					hij += w[i][k] * xi[k]
					hji += w[j][k] * xi[k]
				}
			}
			w[i][j] += (xi[i]*xi[j] - xi[i]*hji - hij*xi[j]) / float64(n)
		}
	}
	return w
}

func toF64(m *tensor.Matrix) [][]float64 {
	out := make([][]float64, m.Rows)
	for i := range out {
		out[i] = make([]float64, m.Cols)
		for j := range out[i] {
			out[i][j] = float64(m.At(i, j))
		}
	}
	return out
}

func row64(r []float32) []float64 {
	out := make([]float64, len(r))
	for i, v := range r {
		out[i] = float64(v)
	}
	return out
}

func mustNet(t testing.TB, n int, rule Rule) *Network {
	t.Helper()
	net, err := NewNetwork(n, rule)
	if err != nil {
		t.Fatal(err)
	}
	return net
}

func mustStore(t testing.TB, net *Network, x *tensor.Matrix) {
	t.Helper()
	if err := net.Store(x); err != nil {
		t.Fatal(err)
	}
}

// storedNet returns a network of n neurons learning by rule that has stored
// the rows of x.
func storedNet(t testing.TB, n int, rule Rule, x *tensor.Matrix) *Network {
	t.Helper()
	net := mustNet(t, n, rule)
	mustStore(t, net, x)
	return net
}

// TestStorkeyHandExample works the rule out by hand for N = 3,
// ξ¹ = (+1, +1, −1), ξ² = (+1, −1, +1).
//
// After ξ¹ (W = 0, all fields 0): W_ij = ξ_iξ_j/3, so W_12 = 1/3,
// W_13 = −1/3, W_23 = −1/3. For ξ² each h_ij has the single term k ∉ {i,j}:
//
//	h_12 = W_13ξ_3 = −1/3   h_21 = W_23ξ_3 = −1/3
//	h_13 = W_12ξ_2 = −1/3   h_31 = W_32ξ_2 = +1/3
//	h_23 = W_21ξ_1 = +1/3   h_32 = W_31ξ_1 = −1/3
//
//	ΔW_12 = (1/3)(ξ_1ξ_2 − ξ_1h_21 − h_12ξ_2) = (1/3)(−1 + 1/3 − 1/3) = −1/3
//	ΔW_13 = (1/3)(ξ_1ξ_3 − ξ_1h_31 − h_13ξ_3) = (1/3)(1 − 1/3 + 1/3)  = +1/3
//	ΔW_23 = (1/3)(ξ_2ξ_3 − ξ_2h_32 − h_23ξ_3) = (1/3)(−1 − 1/3 − 1/3) = −5/9
//
// so W = [[0, 0, 0], [0, 0, −8/9], [0, −8/9, 0]]. Both patterns are fixed
// points, and unit 1 has a zero field in both: the sgn(0) convention
// (keep the state) is what keeps ξ¹ and ξ² stable.
func TestStorkeyHandExample(t *testing.T) {
	net := mustNet(t, 3, Storkey)
	x := tensor.FromSlice(2, 3, []float32{1, 1, -1, 1, -1, 1})
	mustStore(t, net, x)
	want := [][]float64{{0, 0, 0}, {0, 0, -8.0 / 9}, {0, -8.0 / 9, 0}}
	for i := range want {
		for j := range want[i] {
			// One float32 rounding per pattern of values ≤ 1: 2 · 2⁻²⁴ < 1e-7.
			if d := math.Abs(float64(net.W.At(i, j)) - want[i][j]); d > 1e-7 {
				t.Errorf("W[%d][%d] = %v, want %v", i, j, net.W.At(i, j), want[i][j])
			}
		}
	}
	for mu := 0; mu < 2; mu++ {
		ok, err := net.IsFixedPoint(x.Row(mu))
		if err != nil || !ok {
			t.Errorf("pattern %d is not a fixed point (%v)", mu, err)
		}
	}
	// The literal triple loop agrees.
	w := storkeyBrute(storkeyBrute(toF64(tensor.New(3, 3)), row64(x.Row(0))), row64(x.Row(1)))
	for i := range want {
		for j := range want[i] {
			if math.Abs(w[i][j]-want[i][j]) > 1e-15 {
				t.Fatalf("brute force W[%d][%d] = %v, want %v", i, j, w[i][j], want[i][j])
			}
		}
	}
}

// TestStorkeyMatchesBruteForce compares the O(N²) implementation with the
// triple loop on random patterns, from an empty network and from a random
// symmetric start with a non-zero diagonal (which the rule must leave
// alone). Tolerance: weights stay O(1); each stored pattern adds one float32
// rounding (≤ 2⁻²⁴ relative) to each weight and propagates earlier ones
// through fields of N terms; 1e-5 is ≥ 10× that for N = 9, p = 6.
// The wrong variant (fields from updated weights) must differ by far more.
func TestStorkeyMatchesBruteForce(t *testing.T) {
	rng := tensor.NewRand(7)
	const n, p = 9, 6
	for _, start := range []string{"empty", "random"} {
		net := mustNet(t, n, Storkey)
		if start == "random" {
			for i := 0; i < n; i++ {
				for j := i; j < n; j++ {
					v := float32(rng.NormFloat64() * 0.3)
					net.W.Set(i, j, v)
					net.W.Set(j, i, v)
				}
			}
		}
		ref := toF64(net.W)
		wrong := toF64(net.W)
		x := RandomPatterns(p, n, rng)
		mustStore(t, net, x)
		for mu := 0; mu < p; mu++ {
			ref = storkeyBrute(ref, row64(x.Row(mu)))
			wrong = storkeyWrong(wrong, row64(x.Row(mu)))
		}
		var maxErr, maxWrong float64
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				maxErr = max(maxErr, math.Abs(float64(net.W.At(i, j))-ref[i][j]))
				maxWrong = max(maxWrong, math.Abs(wrong[i][j]-ref[i][j]))
				if net.W.At(i, j) != net.W.At(j, i) {
					t.Fatalf("%s: W not exactly symmetric at (%d,%d)", start, i, j)
				}
			}
		}
		if maxErr > 1e-5 {
			t.Errorf("%s: max |W − brute force| = %g", start, maxErr)
		}
		if maxWrong < 1e-2 {
			t.Errorf("%s: the wrong variant is indistinguishable (%g): the test has no power", start, maxWrong)
		}
	}
}

// TestStorkeyOneAtATime: storing patterns one by one, in batches, or all at
// once gives the same weights, for a size where the rows are updated in
// parallel, under different GOMAXPROCS. Bit-identical for the same calls
// under GOMAXPROCS 1 and the default. Across different splits the bits
// differ since blocks of ≥ storkeyMinBlock patterns are stored with
// matrix products (storkeyBlock: float32 fields and one float32 update
// per block) and shorter ones pattern by pattern (storkeyStep): each
// result is within storkeyTol of the exact weights, so two of them differ
// by at most twice that.
func TestStorkeyOneAtATime(t *testing.T) {
	rng := tensor.NewRand(11)
	const n, p = 300, 8
	x := RandomPatterns(p, n, rng)
	all := storedNet(t, n, Storkey, x)
	one := mustNet(t, n, Storkey)
	for mu := 0; mu < p; mu++ {
		mustStore(t, one, x.SliceRows(mu, mu+1))
	}
	prev := runtime.GOMAXPROCS(1)
	serial := storedNet(t, n, Storkey, x.SliceRows(0, 5))
	mustStore(t, serial, x.SliceRows(5, p))
	serialAll := storedNet(t, n, Storkey, x)
	runtime.GOMAXPROCS(prev)
	split := storedNet(t, n, Storkey, x.SliceRows(0, 5))
	mustStore(t, split, x.SliceRows(5, p))
	var wmax, rmax float64
	for i := 0; i < n; i++ {
		var r2 float64
		for _, v := range one.W.Row(i) {
			wmax = max(wmax, math.Abs(float64(v)))
			r2 += float64(v) * float64(v)
		}
		rmax = max(rmax, math.Sqrt(r2))
	}
	tol := 2 * storkeyTol(n, p, wmax, rmax)
	for k := range all.W.Data {
		if all.W.Data[k] != serialAll.W.Data[k] || split.W.Data[k] != serial.W.Data[k] {
			t.Fatalf("weights differ at %d between GOMAXPROCS=1 and %d: all at once %v vs %v, in batches %v vs %v",
				k, prev, serialAll.W.Data[k], all.W.Data[k], serial.W.Data[k], split.W.Data[k])
		}
		a := float64(all.W.Data[k])
		if math.Abs(a-float64(one.W.Data[k])) > tol || math.Abs(a-float64(split.W.Data[k])) > tol {
			t.Fatalf("weights differ at %d by more than %g: all %v, one at a time %v, batches %v",
				k, tol, all.W.Data[k], one.W.Data[k], split.W.Data[k])
		}
	}
	if one.Count() != p || all.Count() != p || one.Patterns().Rows != p {
		t.Fatalf("counts %d %d", one.Count(), all.Count())
	}
}

// TestHebbianWeights: W = XᵀX/N with a zero diagonal, and storing in two
// steps equals storing at once (up to one float32 rounding per step).
func TestHebbianWeights(t *testing.T) {
	rng := tensor.NewRand(3)
	const n, p = 20, 5
	x := RandomPatterns(p, n, rng)
	net := storedNet(t, n, Hebbian, x.SliceRows(0, 2))
	mustStore(t, net, x.SliceRows(2, p))
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			var want float64
			if i != j {
				for mu := 0; mu < p; mu++ {
					want += float64(x.At(mu, i) * x.At(mu, j))
				}
				want /= n
			}
			if d := math.Abs(float64(net.W.At(i, j)) - want); d > 2e-7 {
				t.Fatalf("W[%d][%d] = %v, want %v", i, j, net.W.At(i, j), want)
			}
		}
	}
}

// TestPseudoInverse: W is the projection onto the span of the patterns
// (W² = W, Wξ = ξ), every pattern is a fixed point, with and without the
// diagonal, including past the Hebbian and Storkey capacities (p = N/2).
// Errors: float32 products of N terms with entries ≤ 1: 1e-4 is generous.
func TestPseudoInverse(t *testing.T) {
	rng := tensor.NewRand(5)
	const n, p = 40, 20
	x := RandomPatterns(p, n, rng)
	for _, zero := range []bool{false, true} {
		net := mustNet(t, n, PseudoInverse)
		net.ZeroDiagonal = zero
		mustStore(t, net, x)
		if net.Rank() != p {
			t.Fatalf("rank %d, want %d", net.Rank(), p)
		}
		for mu := 0; mu < p; mu++ {
			ok, err := net.IsFixedPoint(x.Row(mu))
			if err != nil || !ok {
				t.Fatalf("zero diagonal %v: pattern %d not a fixed point", zero, mu)
			}
		}
		if zero {
			for i := 0; i < n; i++ {
				if net.W.At(i, i) != 0 {
					t.Fatalf("W[%d][%d] = %v", i, i, net.W.At(i, i))
				}
			}
			continue
		}
		w2 := tensor.New(n, n)
		tensor.MatMul(w2, net.W, net.W)
		for k := range w2.Data {
			if math.Abs(float64(w2.Data[k]-net.W.Data[k])) > 1e-4 {
				t.Fatalf("W² ≠ W at %d: %v vs %v", k, w2.Data[k], net.W.Data[k])
			}
		}
		for mu := 0; mu < p; mu++ {
			f, _ := net.Fields(x.Row(mu))
			for i, v := range x.Row(mu) {
				if math.Abs(f[i]-float64(v)) > 1e-4 {
					t.Fatalf("(Wξ)_%d = %v, want %v", i, f[i], v)
				}
			}
		}
		// The trace of a projection is its rank; W_ii ≈ p/N on average.
		var tr float64
		for i := 0; i < n; i++ {
			tr += float64(net.W.At(i, i))
		}
		if math.Abs(tr-p) > 1e-3 {
			t.Fatalf("trace %v, want %d", tr, p)
		}
	}
}

// TestPseudoInverseDependent: duplicated, reversed and linearly dependent
// patterns are accepted (Moore–Penrose: the projection onto their span),
// the rank is reported and every pattern is still a fixed point. Storing
// in two steps equals storing at once.
func TestPseudoInverseDependent(t *testing.T) {
	a := []float32{1, 1, 1, 1, -1, -1, -1, -1}
	b := []float32{1, 1, -1, -1, 1, 1, -1, -1}
	c := []float32{1, -1, 1, -1, 1, -1, 1, -1}
	neg := func(v []float32) []float32 {
		o := make([]float32, len(v))
		for i, x := range v {
			o[i] = -x
		}
		return o
	}
	// a, b, c are orthogonal; add a duplicate of a and the reverse of b.
	rows := [][]float32{a, b, a, neg(b), c}
	x := tensor.New(len(rows), 8)
	for i, r := range rows {
		copy(x.Row(i), r)
	}
	net := storedNet(t, 8, PseudoInverse, x)
	if net.Rank() != 3 {
		t.Fatalf("rank %d, want 3", net.Rank())
	}
	for mu := range rows {
		ok, _ := net.IsFixedPoint(x.Row(mu))
		if !ok {
			t.Fatalf("pattern %d not a fixed point", mu)
		}
	}
	two := storedNet(t, 8, PseudoInverse, x.SliceRows(0, 2))
	mustStore(t, two, x.SliceRows(2, 5))
	for k := range net.W.Data {
		if math.Abs(float64(net.W.Data[k]-two.W.Data[k])) > 1e-6 {
			t.Fatalf("two-step pinv differs at %d", k)
		}
	}
	// Exact projection onto span{a, b, c} (orthogonal, |·|² = 8):
	// P = (aaᵀ + bbᵀ + ccᵀ)/8.
	for i := 0; i < 8; i++ {
		for j := 0; j < 8; j++ {
			want := float64(a[i]*a[j]+b[i]*b[j]+c[i]*c[j]) / 8
			if math.Abs(float64(net.W.At(i, j))-want) > 1e-6 {
				t.Fatalf("P[%d][%d] = %v, want %v", i, j, net.W.At(i, j), want)
			}
		}
	}
}

func TestStoreErrors(t *testing.T) {
	net := mustNet(t, 4, Hebbian)
	for _, c := range []struct {
		name string
		x    *tensor.Matrix
		want error
	}{
		{"nil", nil, ErrNoPatterns},
		{"zero patterns", tensor.New(0, 4), ErrNoPatterns},
		{"different length", tensor.New(1, 5), ErrDimension},
		{"bad value", tensor.FromSlice(1, 4, []float32{1, 0.5, -1, 1}), ErrValue},
		{"mixed encodings", tensor.FromSlice(1, 4, []float32{1, 0, -1, 1}), ErrValue},
		{"NaN", tensor.FromSlice(1, 4, []float32{1, float32(math.NaN()), -1, 1}), ErrValue},
	} {
		err := net.Store(c.x)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
		}
	}
	if net.Count() != 0 {
		t.Fatalf("failed stores changed the count to %d", net.Count())
	}
	if _, err := NewNetwork(0, Hebbian); !errors.Is(err, ErrOption) {
		t.Errorf("NewNetwork(0): %v", err)
	}
	if _, err := NewNetwork(3, "oja"); !errors.Is(err, ErrOption) {
		t.Errorf("New with unknown rule: %v", err)
	}
	// 0/1 patterns are converted.
	mustStore(t, net, tensor.FromSlice(1, 4, []float32{1, 0, 0, 1}))
	if got := net.Patterns().Row(0); got[1] != -1 || got[3] != 1 {
		t.Fatalf("0/1 pattern stored as %v", got)
	}
	// A pinv network that lost its patterns cannot add more.
	pn := storedNet(t, 4, PseudoInverse, tensor.FromSlice(1, 4, []float32{1, -1, 1, -1}))
	pn.patterns = nil
	if err := pn.Store(tensor.FromSlice(1, 4, []float32{1, 1, 1, -1})); !errors.Is(err, ErrNoPatterns) {
		t.Fatalf("pinv without patterns: %v", err)
	}
}
