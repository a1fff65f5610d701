package hopfield

import (
	"context"
	"errors"
	"math"
	"reflect"
	"runtime"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

// TestExactOneStepByEnumeration checks ExactOneStepErrorProbability against
// a complete enumeration: every set of p = 3 patterns of N = 3 or 4 units,
// Hebbian weights, and the fraction of units of stored patterns that the
// deterministic update would change (zero fields keep their state).
func TestExactOneStepByEnumeration(t *testing.T) {
	for _, c := range []struct{ n, p int }{{3, 3}, {4, 3}, {3, 2}, {5, 2}} {
		bits := c.n * c.p
		var unstable, total int
		for code := 0; code < 1<<bits; code++ {
			x := tensor.New(c.p, c.n)
			for k := range x.Data {
				x.Data[k] = float32(2*((code>>k)&1) - 1)
			}
			net := storedNet(t, c.n, Hebbian, x)
			for mu := 0; mu < c.p; mu++ {
				f, _ := net.Fields(x.Row(mu))
				for i, v := range x.Row(mu) {
					total++
					if decide(v, f[i], 1e-6) != v { // Hebbian fields are multiples of 1/N
						unstable++
					}
				}
			}
		}
		got := float64(unstable) / float64(total)
		if want := ExactOneStepErrorProbability(c.n, c.p); math.Abs(got-want) > 1e-12 {
			t.Errorf("N=%d p=%d: enumeration %v, formula %v", c.n, c.p, got, want)
		}
	}
	// Large N, p: the formula tends to ½ erfc(√(N/2p)); at N = 10⁵,
	// p = 10⁴ the finite-size corrections (N−1)/(p−1) vs N/p are 0.01%, and
	// the binomial tail's lattice and kurtosis corrections O(1/√(Np)), so
	// agreement to 2% is expected.
	e, a := ExactOneStepErrorProbability(100000, 10000), OneStepErrorProbability(100000, 10000)
	if math.Abs(e/a-1) > 0.02 {
		t.Errorf("N=1e5, p=1e4: exact %v, asymptotic %v", e, a)
	}
}

// TestOneStepErrorProbability measures, at N = 200 and loads 0.1, 0.15
// and 0.2, the fraction of units of stored Hebbian patterns that one update
// would flip, over T random networks, and compares it with theory.
//
// Law: each unit's crosstalk is an exact binomial (see
// ExactOneStepErrorProbability), so the count of unstable bits among
// B = T·p·N has mean B·P. Its variance is B·P(1−P) times an inflation for
// the weak correlations between units: two units of one pattern share p−1
// of the (N−1)(p−1) crosstalk terms (ρ = 1/(N−1)), one unit in two
// patterns shares N−1 terms (ρ = 1/(p−1)), different units in different
// patterns share 1 term. With Mehler's expansion Cov ≈ ρφ(z)² for tail
// events at z = √((N−1)/(p−1)), each of the three kinds of pairs adds
// B·φ(z)² to the variance: inflation 1 + 3φ(z)²/P. We allow 5 standard
// deviations.
//
// The large-N formula ½ erfc(√(N/(2p))) is biased at N = 200 (it uses N/p
// for (N−1)/(p−1) and a Gaussian for the binomial): we check the measured
// rate against it within 5σ plus that known bias, which the test prints.
func TestOneStepErrorProbability(t *testing.T) {
	const n, trials = 200, 150
	rng := tensor.NewRand(31)
	for _, p := range []int{20, 30, 40} {
		var unstable int
		for tr := 0; tr < trials; tr++ {
			x := RandomPatterns(p, n, rng)
			net := storedNet(t, n, Hebbian, x)
			f := tensor.New(p, n)
			tensor.MatMul(f, x, net.W) // batched fields of all stored patterns
			tol := tieTolerance(net.W, nil, 1)
			for mu := 0; mu < p; mu++ {
				for i, v := range x.Row(mu) {
					if decide(v, float64(f.At(mu, i)), tol) != v {
						unstable++
					}
				}
			}
		}
		b := float64(trials * p * n)
		got := float64(unstable) / b
		exact := ExactOneStepErrorProbability(n, p)
		asym := OneStepErrorProbability(n, p)
		z := math.Sqrt(float64(n-1) / float64(p-1))
		phi := math.Exp(-z*z/2) / math.Sqrt(2*math.Pi)
		sd := math.Sqrt(exact * (1 - exact) * (1 + 3*phi*phi/exact) / b)
		t.Logf("N=%d p=%d (α=%.2f): measured %.5f, exact %.5f ± %.5f, ½erfc(√(N/2p)) = %.5f",
			n, p, float64(p)/n, got, exact, sd, asym)
		if math.Abs(got-exact) > 5*sd {
			t.Errorf("p=%d: measured one-step error rate %.5f, exact law %.5f ± %.5f", p, got, exact, sd)
		}
		if math.Abs(got-asym) > 5*sd+math.Abs(exact-asym) {
			t.Errorf("p=%d: measured %.5f, ½erfc(√(N/2p)) = %.5f (finite-size bias %.5f)", p, got, asym, exact-asym)
		}
	}
}

// TestHebbianCapacityNearAGS: at N = 500, start each stored pattern with
// 10% of its bits flipped and run asynchronous dynamics. Below the
// Amit–Gutfreund–Sompolinsky load α_c ≈ 0.138 the retrieval state has
// overlap m ≥ 0.967 (1.6% wrong bits at α_c, fewer below); above it there
// is no retrieval state and the network falls into spin-glass states of
// small overlap. The load where the mean final overlap crosses 0.967 is
// therefore near α_c; at N = 500 the transition is smeared over a width of
// order N^(−1/2) ≈ 0.045 in relative terms, so we require the crossing in
// [0.10, 0.17], the mean overlap ≥ 0.967 at α = 0.08 and < 0.9 (clearly no
// retrieval) at α = 0.22.
func TestHebbianCapacityNearAGS(t *testing.T) {
	const n = 500
	var ps []int
	for a := 0.08; a < 0.225; a += 0.02 {
		ps = append(ps, int(math.Round(a*n)))
	}
	res, err := Capacity(context.Background(), CapacityOptions{Neurons: n, Patterns: ps, Noise: 0.1, Trials: 6, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	cross := math.NaN()
	for k, r := range res {
		t.Logf("α=%.3f  mean overlap %.4f ± %.4f  recall %.3f  fixed %.3f", r.Load, r.MeanOverlap, r.MeanOverlapSE, r.RecallFraction, r.FixedPointFraction)
		if k > 0 && math.IsNaN(cross) && res[k-1].MeanOverlap >= 0.967 && r.MeanOverlap < 0.967 {
			a0, a1, m0, m1 := res[k-1].Load, r.Load, res[k-1].MeanOverlap, r.MeanOverlap
			cross = a0 + (a1-a0)*(m0-0.967)/(m0-m1)
		}
	}
	t.Logf("mean overlap crosses 0.967 at α ≈ %.3f (AGS: 0.138)", cross)
	if res[0].MeanOverlap < 0.967 {
		t.Errorf("α=%.2f: mean overlap %.4f < 0.967", res[0].Load, res[0].MeanOverlap)
	}
	if last := res[len(res)-1]; last.MeanOverlap >= 0.9 {
		t.Errorf("α=%.2f: mean overlap %.4f: retrieval should have broken down", last.Load, last.MeanOverlap)
	}
	if !(cross >= 0.10 && cross <= 0.17) {
		t.Errorf("crossing at α = %v, want within [0.10, 0.17] of α_c = 0.138", cross)
	}
}

// TestRulesCompared: at N = 200 and p = 50 (α = 0.25), beyond the Hebbian
// capacity. Hebbian: a pattern is a fixed point only if all 200 units are
// stable, probability ≈ (1 − P)^N with the exact one-step P ≈ 0.022:
// ≈ 0.012, so at most 0.2 of the patterns. Storkey: 50 is below
// N/√(2 ln N) ≈ 61.5, so most patterns are fixed points: at least 0.9.
// Pseudo-inverse: every one of p ≤ N independent patterns is a fixed point,
// exactly. Recall from 10% noise follows the same order.
func TestRulesCompared(t *testing.T) {
	const n, p = 200, 50
	got := map[Rule]CapacityResult{}
	for _, rule := range []Rule{Hebbian, Storkey, PseudoInverse} {
		res, err := Capacity(context.Background(), CapacityOptions{Neurons: n, Patterns: []int{p}, Spec: Spec{Rule: rule}, Noise: 0.1, Trials: 4, Seed: 8})
		if err != nil {
			t.Fatal(err)
		}
		got[rule] = res[0]
		t.Logf("%-8s fixed %.3f  recall %.3f  overlap %.4f", rule, res[0].FixedPointFraction, res[0].RecallFraction, res[0].MeanOverlap)
	}
	if f := got[Hebbian].FixedPointFraction; f > 0.2 {
		t.Errorf("Hebbian fixed-point fraction %.3f at α = 0.25", f)
	}
	if f := got[Storkey].FixedPointFraction; f < 0.9 {
		t.Errorf("Storkey fixed-point fraction %.3f below its capacity", f)
	}
	if f := got[PseudoInverse].FixedPointFraction; f != 1 {
		t.Errorf("pseudo-inverse fixed-point fraction %.3f, want 1", f)
	}
	if !(got[Storkey].RecallFraction > got[Hebbian].RecallFraction+0.5 && got[PseudoInverse].RecallFraction > got[Hebbian].RecallFraction+0.5) {
		t.Errorf("recall fractions: Hebbian %.3f, Storkey %.3f, pinv %.3f", got[Hebbian].RecallFraction, got[Storkey].RecallFraction, got[PseudoInverse].RecallFraction)
	}
}

// TestCapacityDeterministic: results do not depend on the number of
// workers or on GOMAXPROCS, for every rule and mode.
func TestCapacityDeterministic(t *testing.T) {
	base := CapacityOptions{Neurons: 300, Patterns: []int{10, 45}, Noise: 0.15, Trials: 3, Seed: 42}
	for _, rule := range []Rule{Hebbian, Storkey, PseudoInverse} {
		for _, mode := range []Mode{Async, Sync, Glauber} {
			o := base
			o.Spec.Rule, o.Mode, o.Temperature, o.MaxSweeps = rule, mode, 0.2, 20
			o.Workers = 1
			prev := runtime.GOMAXPROCS(1)
			a, err := Capacity(context.Background(), o)
			runtime.GOMAXPROCS(prev)
			if err != nil {
				t.Fatal(err)
			}
			o.Workers = 3
			b, err := Capacity(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("%s/%s: results differ:\n%+v\n%+v", rule, mode, a, b)
			}
		}
	}
}

// TestHebbianPathsAgree: the exact integer path of Hebbian capacity trials
// and the float path (the weights W = XᵀX/N in float32, with the tie
// tolerance) make the same decisions, so the same seed gives the same
// outcome; and the specialised asynchronous loop equals the generic one.
func TestHebbianPathsAgree(t *testing.T) {
	for _, mode := range []Mode{Async, Sync} {
		for _, p := range []int{6, 20, 31, 60} { // even p gives many exact ties
			opt := CapacityOptions{Neurons: 150, Patterns: []int{p}, Noise: 0.2, Trials: 1, Mode: mode, MaxSweeps: 50}
			if err := opt.validate(); err != nil {
				t.Fatal(err)
			}
			for tr := 0; tr < 3; tr++ {
				seed := TrialSeed(9, p, tr)
				var w1, w2 trialWork
				fast := w1.run(&opt, p, tensor.NewRand(seed))
				dense := func() trialOut {
					// The same draws as run, then the float path.
					rng := tensor.NewRand(seed)
					ws := &w2
					ws.x = tensor.New(p, opt.Neurons)
					fillRandomSigns(ws.x.Data, rng)
					ws.probes = ws.x.Clone()
					ws.idx = make([]int, opt.Neurons)
					for nu := 0; nu < p; nu++ {
						corrupt(ws.probes.Row(nu), NoiseFlips(opt.Noise, opt.Neurons), ws.idx, rng)
					}
					ws.dyn = dyn{mode: opt.Mode, maxSweeps: opt.MaxSweeps, rng: rng}
					return ws.dense(&opt, p)
				}()
				if !reflect.DeepEqual(fast, dense) {
					t.Fatalf("%s p=%d trial %d: integer path %+v, float path %+v", mode, p, tr, fast, dense)
				}
			}
		}
	}
	// The specialised loop against the generic one (forced by an observer).
	rng := tensor.NewRand(3)
	const n, p = 120, 20
	x := RandomPatterns(p, n, rng)
	k := tensor.New(n, n)
	tensor.MatMulTA(k, x, x)
	for i := 0; i < n; i++ {
		k.Set(i, i, 0)
	}
	for trial := 0; trial < 20; trial++ {
		s := make([]float32, n)
		fillRandomSigns(s, rng)
		s2 := append([]float32(nil), s...)
		h := make([]float32, n)
		for i := 0; i < n; i++ {
			var v float32
			for j := 0; j < n; j++ {
				v += k.At(i, j) * s[j]
			}
			h[i] = v
		}
		h2 := append([]float32(nil), h...)
		seed := uint64(trial)
		d1 := dyn{mode: Async, maxSweeps: 100, rng: tensor.NewRand(seed)}
		d2 := dyn{mode: Async, maxSweeps: 100, rng: tensor.NewRand(seed)}
		r1, _ := d1.run(nil, &intFields{n: n, k: k.Data, h: h, invN: 1.0 / n}, s, nil)
		r2, _ := d2.run(nil, &intFields{n: n, k: k.Data, h: h2, invN: 1.0 / n}, s2, nopObserver{})
		if r1 != r2 || !reflect.DeepEqual(s, s2) {
			t.Fatalf("trial %d: fast loop %+v, generic %+v", trial, r1, r2)
		}
	}
}

type nopObserver struct{}

func (nopObserver) flipped(int, []float32, float64)     {}
func (nopObserver) frame(float64, []float32)            {}
func (nopObserver) sweepDone(int, int, []float32) error { return nil }

func TestCapacityErrors(t *testing.T) {
	ok := CapacityOptions{Neurons: 20, Patterns: []int{2}, Noise: 0.1, Trials: 1}
	for _, c := range []struct {
		name string
		edit func(*CapacityOptions)
		want error
	}{
		{"neurons", func(o *CapacityOptions) { o.Neurons = 1 }, ErrOption},
		{"no counts", func(o *CapacityOptions) { o.Patterns = nil }, ErrNoPatterns},
		{"count 0", func(o *CapacityOptions) { o.Patterns = []int{3, 0} }, ErrNoPatterns},
		{"noise > 1", func(o *CapacityOptions) { o.Noise = 1.5 }, ErrOption},
		{"noise < 0", func(o *CapacityOptions) { o.Noise = -0.1 }, ErrOption},
		{"noise NaN", func(o *CapacityOptions) { o.Noise = math.NaN() }, ErrOption},
		{"trials", func(o *CapacityOptions) { o.Trials = 0 }, ErrOption},
		{"rule", func(o *CapacityOptions) { o.Spec.Rule = "oja" }, ErrOption},
		{"kind", func(o *CapacityOptions) { o.Spec.Kind = "boltzmann" }, ErrOption},
		{"classical beta", func(o *CapacityOptions) { o.Spec.Beta = 2 }, ErrOption},
		{"continuous interaction", func(o *CapacityOptions) { o.Spec = Spec{Kind: KindContinuous, Interaction: Interaction{Kind: Exp}} }, ErrOption},
		{"dense rule", func(o *CapacityOptions) { o.Spec = Spec{Kind: KindDense, Rule: Storkey} }, ErrOption},
		{"dense glauber", func(o *CapacityOptions) { o.Spec.Kind, o.Mode, o.Temperature = KindDense, Glauber, 1 }, ErrOption},
		{"dense beta overflow", func(o *CapacityOptions) {
			o.Spec = Spec{Kind: KindDense, Interaction: Interaction{Kind: Exp}, Beta: 1e307}
		}, ErrOption},
		{"mode", func(o *CapacityOptions) { o.Mode = "parallel" }, ErrOption},
		{"temperature", func(o *CapacityOptions) { o.Mode = Glauber }, ErrOption},
	} {
		o := ok
		c.edit(&o)
		if _, err := Capacity(context.Background(), o); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Capacity(ctx, ok); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	// Progress reports every trial once, in order of completion.
	o := ok
	o.Patterns, o.Trials = []int{2, 3}, 4
	var calls []int
	o.OnTrial = func(done, total int) {
		if total != 8 {
			t.Errorf("total %d", total)
		}
		calls = append(calls, done)
	}
	if _, err := Capacity(context.Background(), o); err != nil || len(calls) != 8 || calls[7] != 8 {
		t.Fatalf("progress calls %v (%v)", calls, err)
	}
}
