package hopfield

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

func netFromWeights(t testing.TB, w [][]float64, theta []float64) *Network {
	t.Helper()
	n := len(w)
	net := mustNet(t, n, Hebbian)
	for i := range w {
		for j := range w[i] {
			net.W.Set(i, j, float32(w[i][j]))
		}
	}
	for i, v := range theta {
		net.Theta[i] = float32(v)
	}
	if err := net.Validate(); err != nil {
		t.Fatal(err)
	}
	return net
}

// TestSyncTwoCycle: W = [[0,−1],[−1,0]] from (−1,−1): both fields are +1,
// so the synchronous update gives (+1,+1), whose fields are −1: back to
// (−1,−1). Recall must report the cycle after two sweeps, not loop.
func TestSyncTwoCycle(t *testing.T) {
	net := netFromWeights(t, [][]float64{{0, -1}, {-1, 0}}, nil)
	tr, err := net.Recall(context.Background(), []float32{-1, -1}, RecallOptions{Mode: Sync, MaxSweeps: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Cycle || tr.Converged || tr.Sweeps != 2 {
		t.Fatalf("cycle %v converged %v sweeps %d, want a 2-cycle after 2 sweeps", tr.Cycle, tr.Converged, tr.Sweeps)
	}
	if !slices.Equal(tr.Final, []float32{-1, -1}) || !slices.Equal(tr.Flips, []int{2, 2}) {
		t.Fatalf("final %v flips %v", tr.Final, tr.Flips)
	}
	// E(±(1,1)) = −½·2·(−1) = +1 both times.
	if !slices.Equal(tr.Energies, []float64{1, 1, 1}) {
		t.Fatalf("energies %v", tr.Energies)
	}
	// The same network from (+1,−1) is at a fixed point (E = −1) ...
	tr, _ = net.Recall(context.Background(), []float32{1, -1}, RecallOptions{Mode: Sync})
	if !tr.Converged || tr.Cycle || tr.Sweeps != 1 || tr.FinalEnergy() != -1 {
		t.Fatalf("from (1,−1): %+v", tr)
	}
	// ... and asynchronous dynamics from (−1,−1) cannot cycle: one unit
	// flips, the other is then stable.
	tr, _ = net.Recall(context.Background(), []float32{-1, -1}, RecallOptions{Rand: tensor.NewRand(1)})
	if !tr.Converged || tr.Final[0] == tr.Final[1] || tr.FinalEnergy() != -1 {
		t.Fatalf("async from (−1,−1): %+v", tr)
	}
}

// TestAsyncEnergyNeverIncreases is a property test over random symmetric
// networks with W_ii ≥ 0 and random thresholds: recording the state after
// every single-unit update, the energy (recomputed from scratch) never
// goes up, and the run ends at a fixed point. Energies are float64 sums of
// N² float32 products of size ≤ 1, so recomputation noise is < 1e-9 for
// N ≤ 40; any increase beyond that is a failure.
func TestAsyncEnergyNeverIncreases(t *testing.T) {
	rng := tensor.NewRand(2024)
	for trial := 0; trial < 300; trial++ {
		n := 2 + rng.IntN(39)
		w := make([][]float64, n)
		for i := range w {
			w[i] = make([]float64, n)
		}
		theta := make([]float64, n)
		for i := 0; i < n; i++ {
			w[i][i] = rng.Float64() * 0.5 * float64(trial%2) // half the networks have a zero diagonal
			theta[i] = rng.NormFloat64() * 0.3
			for j := i + 1; j < n; j++ {
				v := rng.NormFloat64()
				if trial%3 == 0 { // some with integer weights: many exact ties
					v = float64(rng.IntN(5) - 2)
				}
				w[i][j], w[j][i] = v, v
			}
		}
		if trial%3 == 0 {
			clear(theta)
		}
		net := netFromWeights(t, w, theta)
		s := make([]float32, n)
		fillRandomSigns(s, rng)
		tr, err := net.Recall(context.Background(), s, RecallOptions{Rand: rng, Frames: n, MaxSweeps: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if !tr.Converged {
			t.Fatalf("trial %d (N=%d): no fixed point after %d sweeps", trial, n, tr.Sweeps)
		}
		prev := math.Inf(1)
		for k, f := range tr.Frames {
			e := net.Energy(f.State)
			if e > prev+1e-9 {
				t.Fatalf("trial %d (N=%d): energy rose from %v to %v at frame %d (sweep %.3f)", trial, n, prev, e, k, f.Sweep)
			}
			prev = e
		}
		for k := 1; k < len(tr.Energies); k++ {
			if tr.Energies[k] > tr.Energies[k-1]+1e-9 {
				t.Fatalf("trial %d: recorded energies rise: %v", trial, tr.Energies)
			}
		}
		if d := math.Abs(tr.FinalEnergy() - net.Energy(tr.Final)); d > 1e-9 {
			t.Fatalf("trial %d: incremental final energy off by %g", trial, d)
		}
		if ok, _ := net.IsFixedPoint(tr.Final); !ok {
			t.Fatalf("trial %d: final state is not a fixed point", trial)
		}
	}
}

// TestIncrementalFields: after a long run of flips the incrementally
// updated fields equal fields recomputed from scratch (float64 sums of
// float32 weights: agreement to 1e-9 for N = 200, |W| ≤ 1).
func TestIncrementalFields(t *testing.T) {
	rng := tensor.NewRand(9)
	const n = 200
	net := storedNet(t, n, Hebbian, RandomPatterns(40, n, rng))
	for _, mode := range []Mode{Async, Sync, Glauber} {
		s := make([]float32, n)
		fillRandomSigns(s, rng)
		f := newDenseFields(net.W, net.Theta, 2)
		f.init(s)
		d := &dyn{mode: mode, maxSweeps: 20, temp: 0.5, rng: rng}
		if _, err := d.run(context.Background(), f, s, nil); err != nil {
			t.Fatal(err)
		}
		want, _ := net.Fields(s)
		for i := range want {
			if math.Abs(f.local(i)-want[i]) > 1e-9 {
				t.Fatalf("%s: field %d = %v, recomputed %v", mode, i, f.local(i), want[i])
			}
		}
	}
}

// TestZeroFieldKeepsState checks the sgn(0) convention where it matters.
func TestZeroFieldKeepsState(t *testing.T) {
	// The Storkey example of TestStorkeyHandExample: unit 0 has no
	// couplings, so its field is always 0 and it keeps whatever state it
	// has, in both modes.
	net := storedNet(t, 3, Storkey, tensor.FromSlice(2, 3, []float32{1, 1, -1, 1, -1, 1}))
	for _, mode := range []Mode{Async, Sync} {
		for _, s0 := range []float32{-1, 1} {
			start := []float32{s0, 1, -1}
			tr, err := net.Recall(context.Background(), start, RecallOptions{Mode: mode, Rand: tensor.NewRand(1)})
			if err != nil {
				t.Fatal(err)
			}
			if !tr.Converged || tr.Sweeps != 1 || !slices.Equal(tr.Final, start) {
				t.Fatalf("%s from %v: %+v", mode, start, tr)
			}
		}
	}
	// A tie that float32 rounding breaks: 0.6 − 0.2 − 0.4 is 0, but the
	// float32 weights sum to +1.5e-8. Units 1–3 are held by strong mutual
	// couplings, so both (−1,1,1,1) and (1,1,1,1) must be fixed points.
	w := [][]float64{
		{0, 0.6, -0.2, -0.4},
		{0.6, 0, 1, 1},
		{-0.2, 1, 0, 1},
		{-0.4, 1, 1, 0},
	}
	net = netFromWeights(t, w, nil)
	f, _ := net.Fields([]float32{-1, 1, 1, 1})
	if f[0] == 0 {
		t.Fatal("the float32 weights happen to cancel exactly: the case tests nothing")
	}
	for _, s0 := range []float32{-1, 1} {
		s := []float32{s0, 1, 1, 1}
		if ok, _ := net.IsFixedPoint(s); !ok {
			t.Errorf("%v is not a fixed point (field of unit 0: %g)", s, f[0])
		}
		for _, mode := range []Mode{Async, Sync} {
			tr, _ := net.Recall(context.Background(), s, RecallOptions{Mode: mode, Rand: tensor.NewRand(2)})
			if !slices.Equal(tr.Final, s) {
				t.Errorf("%s from %v ended at %v", mode, s, tr.Final)
			}
		}
	}
}

// TestGlauberBoltzmann: Glauber dynamics samples p(s) ∝ exp(−E(s)/T).
// N = 4 (16 states), random weights with a non-zero diagonal (which the
// heat bath must leave out of the field: E's diagonal term is a constant)
// and thresholds, T = 1, scaled so that every row has Σ_{j≠i} |W_ij| ≤ 0.75.
//
// Mixing: changing s_j moves P(s_i = +1) = σ(2h/T) by at most
// |W_ij|·4/T · max σ' = |W_ij|/T, so Dobrushin's coefficient is
// α = max_i Σ_j |W_ij|/T ≤ 0.75 and after t sweeps (each unit updated once,
// in any order) the distance to the Boltzmann distribution is ≤ N·α^t:
// 4·0.75⁶⁰ ≈ 1e-7 for t = 60, negligible.
//
// Statistics: C = 20,000 independent chains give independent samples, so
// each state's frequency has standard deviation √(π(1−π)/C); we allow 5 of
// them (a false alarm has probability ≈ 16·6e-7 per seed).
func TestGlauberBoltzmann(t *testing.T) {
	rng := tensor.NewRand(77)
	const n, chains, sweeps = 4, 20000, 60
	w := make([][]float64, n)
	for i := range w {
		w[i] = make([]float64, n)
	}
	for i := 0; i < n; i++ {
		w[i][i] = 0.2 + 0.3*rng.Float64()
		for j := i + 1; j < n; j++ {
			v := (rng.Float64()*2 - 1) * 0.25 // |W_ij| ≤ 0.25: row sums ≤ 0.75
			w[i][j], w[j][i] = v, v
		}
	}
	theta := []float64{0.3, -0.2, 0.1, -0.4}
	net := netFromWeights(t, w, theta)
	// Exact distribution.
	pi := make([]float64, 1<<n)
	state := func(k int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(2*((k>>i)&1) - 1)
		}
		return s
	}
	var z float64
	for k := range pi {
		pi[k] = math.Exp(-net.Energy(state(k)))
		z += pi[k]
	}
	for k := range pi {
		pi[k] /= z
	}
	counts := make([]int, 1<<n)
	for c := 0; c < chains; c++ {
		s := make([]float32, n)
		fillRandomSigns(s, rng)
		tr, err := net.Recall(context.Background(), s, RecallOptions{Mode: Glauber, Temperature: 1, MaxSweeps: sweeps, Rand: rng})
		if err != nil {
			t.Fatal(err)
		}
		if tr.Converged || tr.Sweeps != sweeps {
			t.Fatalf("Glauber run: converged %v after %d sweeps", tr.Converged, tr.Sweeps)
		}
		k := 0
		for i, v := range tr.Final {
			if v > 0 {
				k |= 1 << i
			}
		}
		counts[k]++
	}
	for k, p := range pi {
		f := float64(counts[k]) / chains
		sd := math.Sqrt(p * (1 - p) / chains)
		if math.Abs(f-p) > 5*sd {
			t.Errorf("state %v: frequency %.4f, Boltzmann %.4f (±%.4f)", state(k), f, p, sd)
		}
	}
}

func TestRecallTrajectory(t *testing.T) {
	rng := tensor.NewRand(4)
	const n, p = 100, 5
	net := mustNet(t, n, Hebbian)
	x := RandomPatterns(p, n, rng)
	mustStore(t, net, x)
	probe := slices.Clone(x.Row(2))
	if k, err := Corrupt(probe, 0.1, rng); err != nil || k != 10 {
		t.Fatalf("Corrupt: %d, %v", k, err)
	}
	in := slices.Clone(probe)
	tr, err := net.Recall(context.Background(), probe, RecallOptions{Rand: tensor.NewRand(5), Frames: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(probe, in) {
		t.Fatal("Recall modified its input")
	}
	if !tr.Converged || !slices.Equal(tr.Final, x.Row(2)) {
		t.Fatalf("did not recall pattern 2 (α = 0.05, 10%% noise): %+v", tr.FinalOverlaps())
	}
	if len(tr.Energies) != tr.Sweeps+1 || len(tr.Overlaps) != tr.Sweeps+1 || len(tr.Flips) != tr.Sweeps {
		t.Fatalf("lengths: %d energies, %d overlaps, %d flips for %d sweeps", len(tr.Energies), len(tr.Overlaps), len(tr.Flips), tr.Sweeps)
	}
	if tr.Overlaps[0][2] != 0.8 || tr.FinalOverlaps()[2] != 1 {
		t.Fatalf("overlap with the target: start %v, end %v", tr.Overlaps[0][2], tr.FinalOverlaps()[2])
	}
	for k, m := range Overlaps(x, tr.Final) {
		if math.Abs(m-tr.FinalOverlaps()[k]) > 1e-12 {
			t.Fatalf("incremental overlap %d = %v, recomputed %v", k, tr.FinalOverlaps()[k], m)
		}
	}
	// Frames: the start, 3 inside each sweep (after 25, 50, 75 updates) and
	// each sweep's end.
	if len(tr.Frames) != 1+4*tr.Sweeps || tr.Frames[0].Sweep != 0 || tr.Frames[1].Sweep != 0.25 {
		t.Fatalf("%d frames for %d sweeps", len(tr.Frames), tr.Sweeps)
	}
	if !slices.Equal(tr.Frames[len(tr.Frames)-1].State, tr.Final) || !slices.Equal(tr.Frames[0].State, in) {
		t.Fatal("first/last frame is not the input/final state")
	}
	// Reproducible, and 0/1 input gives the same run.
	bin := make([]float32, n)
	for i, v := range in {
		bin[i] = (v + 1) / 2
	}
	tr2, err := net.Recall(context.Background(), bin, RecallOptions{Rand: tensor.NewRand(5), Frames: 4})
	if err != nil || !slices.Equal(tr2.Energies, tr.Energies) || !slices.Equal(tr2.Flips, tr.Flips) {
		t.Fatalf("same seed, 0/1 input: %v %v vs %v", err, tr2.Flips, tr.Flips)
	}
	// Reversed patterns are attractors too (no thresholds: s → −s symmetry).
	rev := make([]float32, n)
	for i, v := range x.Row(1) {
		rev[i] = -v
	}
	tr3, _ := net.Recall(context.Background(), rev, RecallOptions{Rand: rng})
	if c := Classify(x, tr3.Final, 0); c.Class != ClassReversed || !c.Exact || c.Patterns[0] != 1 {
		t.Fatalf("reversed pattern classified %+v", c)
	}
}

func TestRecallErrors(t *testing.T) {
	net := mustNet(t, 3, Hebbian)
	ctx := context.Background()
	rng := tensor.NewRand(1)
	for _, c := range []struct {
		name  string
		state []float32
		opt   RecallOptions
		want  error
	}{
		{"short state", []float32{1, -1}, RecallOptions{Rand: rng}, ErrDimension},
		{"bad value", []float32{1, 2, -1}, RecallOptions{Rand: rng}, ErrValue},
		{"no rand", []float32{1, -1, 1}, RecallOptions{}, ErrOption},
		{"glauber T=0", []float32{1, -1, 1}, RecallOptions{Mode: Glauber, Rand: rng}, ErrOption},
		{"glauber T<0", []float32{1, -1, 1}, RecallOptions{Mode: Glauber, Temperature: -1, Rand: rng}, ErrOption},
		{"glauber T=NaN", []float32{1, -1, 1}, RecallOptions{Mode: Glauber, Temperature: math.NaN(), Rand: rng}, ErrOption},
		{"mode", []float32{1, -1, 1}, RecallOptions{Mode: "chaotic", Rand: rng}, ErrOption},
		{"sweeps", []float32{1, -1, 1}, RecallOptions{MaxSweeps: -1, Rand: rng}, ErrOption},
		{"frames", []float32{1, -1, 1}, RecallOptions{Frames: -1, Rand: rng}, ErrOption},
	} {
		if _, err := net.Recall(ctx, c.state, c.opt); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// Sync needs no random source.
	if _, err := net.Recall(ctx, []float32{1, -1, 1}, RecallOptions{Mode: Sync}); err != nil {
		t.Errorf("sync without Rand: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := net.Recall(cctx, []float32{1, -1, 1}, RecallOptions{Rand: rng}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	for _, m := range []string{"async", "SYNC", " glauber"} {
		if _, err := ParseMode(m); err != nil {
			t.Errorf("ParseMode(%q): %v", m, err)
		}
	}
}

// TestShuffleUniform: every permutation of 4 elements appears with
// frequency 1/24 (5 standard deviations of a binomial over 48,000 draws).
func TestShuffleUniform(t *testing.T) {
	rng := tensor.NewRand(8)
	const draws = 48000
	counts := map[[4]int]int{}
	p := []int{0, 1, 2, 3}
	for k := 0; k < draws; k++ {
		shuffle(p, rng)
		counts[[4]int(p)]++
	}
	if len(counts) != 24 {
		t.Fatalf("%d distinct permutations", len(counts))
	}
	q := 1.0 / 24
	sd := math.Sqrt(q * (1 - q) / draws)
	for perm, c := range counts {
		if f := float64(c) / draws; math.Abs(f-q) > 5*sd {
			t.Errorf("%v: frequency %.4f, want %.4f ± %.4f", perm, f, q, sd)
		}
	}
}
