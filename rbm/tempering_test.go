package rbm

import (
	"math"
	"math/bits"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/internal/testutil"
)

// The bimodal test model: switch weight 10, random part of scale 0.5,
// seed 1 (p(on) ≈ 0.80, p(off) ≈ 0.20, p(between) < 10⁻⁴). Picked from a
// scan of w ∈ {4,…,12}: below w ≈ 8 the "off" mode is leaky (each visible
// unit is on with probability σ(−w/2) there) and block Gibbs crosses in a
// few hundred steps.
const (
	testW    = 10
	testStd  = 0.5
	testSeed = 1
)

// bimodalRBM returns a 6×3 RBM whose p(v) has two modes far apart, all
// units on and all units off, with unequal masses: hidden unit 0 is a
// "switch" (weight w to every visible unit, bias −3w, visible biases −w/2
// added, so that apart from the random part E(v,h) = 0 at both v = 0,
// h_0 = 0 and v = 1, h_0 = 1), and every parameter has a random part of
// scale std that tilts the balance and shapes each mode. Leaving the
// all-off mode by block Gibbs needs h_0 = 1, that is about three visible
// units on at once, each with probability ≈ σ(−w/2).
func bimodalRBM(w, std float32, seed uint64) *RBM {
	m := randomRBM(6, 3, std, seed)
	for i := range 6 {
		m.W.Set(i, 0, w)
		m.B[i] += -w / 2
	}
	m.C[0] = -3 * w
	return m
}

// popIndex returns the state index (bit j = unit j) of a binary row.
func popIndex(v []float32) int {
	idx := 0
	for j, x := range v {
		idx |= int(x) << j
	}
	return idx
}

// modeMass returns the exact p(v) mass of the "on" mode (at least four of
// the six units on), of the "off" mode (at most two) and of the rest.
func modeMass(logPV []float64) (on, off, mid float64) {
	for i, lp := range logPV {
		p := math.Exp(lp)
		switch n := bits.OnesCount(uint(i)); {
		case n >= 4:
			on += p
		case n <= 2:
			off += p
		default:
			mid += p
		}
	}
	return on, off, mid
}

// tvBound is the largest total-variation distance ½Σ|f_k − p_k| between
// the empirical distribution f of n independent draws from p and p itself
// that we accept. E[TV] ≤ ½ Σ_k √(p_k(1−p_k)/n) (Jensen, per state: the
// mean absolute deviation of a binomial frequency is at most its standard
// deviation), and moving one of the n draws changes TV by at most 1/n, so
// by McDiarmid's inequality P(TV ≥ E[TV] + t) ≤ exp(−2nt²). With
// t = √(ln(1/δ)/(2n)) a correct sampler fails with probability below δ.
func tvBound(p []float64, n int, delta float64) float64 {
	var s float64
	for _, pk := range p {
		s += math.Sqrt(pk * (1 - pk) / float64(n))
	}
	return s/2 + math.Sqrt(math.Log(1/delta)/(2*float64(n)))
}

// totalVariation returns ½Σ_k |f_k − p_k| for the frequencies f of counts
// (any non-negative weights; a distribution works too).
func totalVariation(counts []float64, p []float64) float64 {
	var n, tv float64
	for _, c := range counts {
		n += c
	}
	for k := range p {
		tv += math.Abs(counts[k]/n - p[k])
	}
	return tv / 2
}

// marginalAtBeta returns p_β(v) ∝ Σ_h exp(−βE(v,h)) by enumeration.
func marginalAtBeta(m *RBM, beta float64) []float64 {
	V, H := testutil.States(m.NVisible()), testutil.States(m.NHidden())
	lv := make([]float64, V.Rows)
	for i := range V.Rows {
		lj := make([]float64, H.Rows)
		for k := range H.Rows {
			lj[k] = -beta * m.Energy(V.Row(i), H.Row(k))
		}
		lv[i] = tensor.LogSumExp(lj)
	}
	lz := tensor.LogSumExp(lv)
	p := make([]float64, len(lv))
	for i := range lv {
		p[i] = math.Exp(lv[i] - lz)
	}
	return p
}

// TestTemperedChainsMatchExactDistributions checks the chains of parallel
// tempering against the exact distributions of a strongly bimodal 6×3 RBM
// (enumerated): the β = 1 chains against p(v), and every other temperature
// against its own p_β(v) ∝ Σ_h exp(−βE(v,h)). Row r of every temperature
// forms one ladder and ladders never interact, so the n final states at a
// temperature are n independent draws of the same distribution: the
// number of effectively independent samples is exactly n, with no
// autocorrelation to estimate. If that distribution is the exact one, the
// total-variation distance stays below tvBound (false alarm probability
// below 10⁻⁶ per temperature). The test resolves neighbouring
// temperatures: the β = 1 frequencies must be further than the bound from
// p_β(v) of the next temperature, the error a wrong swap rule would leak in.
func TestTemperedChainsMatchExactDistributions(t *testing.T) {
	m := bimodalRBM(testW, testStd, testSeed)
	b := enumerate(m)
	on, off, mid := modeMass(b.logPV)
	if on < 0.15 || off < 0.15 || mid > 0.01 {
		t.Fatalf("test model is not bimodal enough: p(on) %.3f p(off) %.3f p(between) %.4f", on, off, mid)
	}
	const n, T, rounds = 20000, 8, 200
	rng := tensor.NewRand(3)
	pt, err := m.NewTempered(PTBetas(T), nil, n, rng)
	if err != nil {
		t.Fatal(err)
	}
	for range rounds {
		m.TemperedStep(pt, 1, rng)
	}
	if pt.Rounds() != rounds {
		t.Errorf("Rounds() = %d, want %d", pt.Rounds(), rounds)
	}
	rates := pt.SwapRates()
	for i, r := range rates {
		if !(r > 0.05 && r <= 1) {
			t.Errorf("swap rate of pair (%d,%d) = %.3f", i, i+1, r)
		}
	}
	t.Logf("p(on) %.4f p(off) %.4f; swap rates %.3f", on, off, rates)
	var f0 []float64
	for i, c := range pt.Chains {
		p := marginalAtBeta(m, float64(pt.Betas[i]))
		counts := make([]float64, len(p))
		for r := range n {
			counts[popIndex(c.V.Row(r))]++
		}
		tv, bound := totalVariation(counts, p), tvBound(p, n, 1e-6)
		t.Logf("β = %.3f: TV(chains, exact p_β) = %.4f, bound %.4f", pt.Betas[i], tv, bound)
		if tv > bound {
			t.Errorf("β = %.3f: TV distance to the exact p_β(v) %.4f > %.4f", pt.Betas[i], tv, bound)
		}
		if i == 0 {
			f0 = counts
		}
	}
	// The β = 1 marginal computed two ways agrees, and the test resolves it
	// from the next temperature's.
	for i, lp := range b.logPV {
		if q := marginalAtBeta(m, 1)[i]; math.Abs(q-math.Exp(lp)) > 1e-9 {
			t.Fatalf("state %d: p(v) %v by enumerate, %v by marginalAtBeta", i, math.Exp(lp), q)
		}
	}
	p1 := marginalAtBeta(m, 1)
	next := marginalAtBeta(m, float64(pt.Betas[1]))
	if d, bound := totalVariation(f0, next), tvBound(p1, n, 1e-6); d <= bound {
		t.Errorf("vacuous: the β = 1 frequencies are within %.4f of p_β(v) at β = %.3f (bound %.4f)", d, pt.Betas[1], bound)
	}
}

// TestTemperingMixesWhereGibbsIsStuck starts every chain in the "off" mode
// of the bimodal model and gives plain block Gibbs and parallel tempering
// the same number of Gibbs steps at β = 1. The final states of independent
// chains (ladders) are independent, so the fraction in the "on" mode is a
// binomial proportion: PT must be within 5 standard errors of the exact
// mass p(on), and Gibbs must fall short of it by more than that — it
// leaves it only when three of the six units switch on together. Either
// half fails if the sampler is wrong: PT without working swaps stays in
// the off mode like Gibbs, and a model that Gibbs crosses easily fails the
// second half.
func TestTemperingMixesWhereGibbsIsStuck(t *testing.T) {
	m := bimodalRBM(testW, testStd, testSeed)
	b := enumerate(m)
	on, _, _ := modeMass(b.logPV)
	const n, steps = 4000, 200
	init := tensor.New(n, 6) // all units off
	fracOn := func(s *tensor.Matrix) float64 {
		k := 0
		for r := range s.Rows {
			if bits.OnesCount(uint(popIndex(s.Row(r)))) >= 4 {
				k++
			}
		}
		return float64(k) / float64(s.Rows)
	}
	gibbs, _ := m.Sample(n, steps, init, tensor.NewRand(4))
	pt, _, rates, err := m.SampleTempered(n, steps, PTBetas(10), init, tensor.NewRand(4))
	if err != nil {
		t.Fatal(err)
	}
	se := math.Sqrt(on * (1 - on) / n)
	fg, fp := fracOn(gibbs), fracOn(pt)
	t.Logf("exact p(on) %.4f (5σ = %.4f); after %d steps from the off mode: Gibbs %.4f, PT %.4f (swap rates %.3f)", on, 5*se, steps, fg, fp, rates)
	if math.Abs(fp-on) > 5*se {
		t.Errorf("parallel tempering: fraction in the on mode %.4f, exact %.4f (5σ = %.4f)", fp, on, 5*se)
	}
	if math.Abs(fg-on) <= 5*se {
		t.Errorf("plain Gibbs reached the exact proportion (%.4f vs %.4f): the model does not separate the samplers", fg, on)
	}
}

func TestSampleTemperedReproducibleAndChecked(t *testing.T) {
	m := randomRBM(5, 4, 1, 9)
	a, pa, ra, err := m.SampleTempered(7, 20, PTBetas(3), nil, tensor.NewRand(11))
	if err != nil {
		t.Fatal(err)
	}
	b, pb, rb, _ := m.SampleTempered(7, 20, PTBetas(3), nil, tensor.NewRand(11))
	if !bitsEqual(a.Data, b.Data) || !bitsEqual(pa.Data, pb.Data) || len(ra) != 2 || ra[0] != rb[0] || ra[1] != rb[1] {
		t.Fatal("same seed, different samples")
	}
	// A single temperature is block Gibbs sampling: no swaps, no rates.
	if _, _, r, err := m.SampleTempered(3, 5, []float32{1}, nil, tensor.NewRand(1)); err != nil || len(r) != 0 {
		t.Fatalf("β = [1]: rates %v, err %v", r, err)
	}
	for _, bad := range [][]float32{nil, {0.5, 0.25}, {1, 1}, {1, 0.5, 0.6}, {1, 0}, {1, float32(math.NaN())}} {
		if _, _, _, err := m.SampleTempered(3, 5, bad, nil, tensor.NewRand(1)); err == nil {
			t.Errorf("betas %v accepted", bad)
		}
	}
	if _, _, _, err := m.SampleTempered(3, 5, PTBetas(2), tensor.New(2, 5), tensor.NewRand(1)); err == nil {
		t.Error("2 initial rows for 3 chains accepted")
	}
	if _, _, _, err := m.SampleTempered(3, 5, PTBetas(2), tensor.New(3, 4), tensor.NewRand(1)); err == nil {
		t.Error("initial rows of the wrong width accepted")
	}
	if _, _, _, err := m.SampleTempered(0, 5, PTBetas(2), nil, tensor.NewRand(1)); err == nil {
		t.Error("0 chains accepted")
	}
}

// TestTemperedGaussianMatchesHiddenEnumeration runs parallel tempering on a
// Gaussian–Bernoulli RBM (3 visible, 4 hidden) and compares, at every
// temperature, the hidden states of the chains with the exact
// p_β(h) ∝ exp(β [cᵀh + Σ_i (b_i u_i/σ_i + u_i²/2)]), u = Wh — the visible
// layer integrated out of exp(−βE) (a Gaussian of variance σ²/β; its
// log √(2π)σ/√β term does not depend on h). After a Gibbs step (V, H) is a
// joint sample, so H's marginal is p_β(h). The 2,000 rows are independent
// ladders; tvBound with δ = 1e-4 per temperature.
func TestTemperedGaussianMatchesHiddenEnumeration(t *testing.T) {
	rng := tensor.NewRand(12)
	g := NewGaussianUnits(3, 1, false)
	rng.Normal(g.LogSigma, 0, 0.3)
	m := NewUnits(g, 3, 4)
	rng.Normal(m.W.Data, 0, 1.2)
	rng.Normal(m.B, 0, 0.5)
	rng.Normal(m.C, 0, 0.5)
	betas := []float32{1, 0.6, 0.3}
	const n = 2000
	p, err := m.NewTempered(betas, nil, n, rng)
	if err != nil {
		t.Fatal(err)
	}
	for range 300 {
		m.TemperedStep(p, 1, rng)
	}
	sig := g.Sigma()
	for ti, beta := range betas {
		logp := make([]float64, 16)
		for code := range logp {
			var e float64
			u := make([]float64, 3)
			for j := range 4 {
				if code>>j&1 == 1 {
					e += float64(m.C[j])
					for i := range u {
						u[i] += float64(m.W.At(i, j))
					}
				}
			}
			for i, ui := range u {
				e += float64(m.B[i])*ui/float64(sig[i]) + ui*ui/2
			}
			logp[code] = float64(beta) * e
		}
		lz := tensor.LogSumExp(logp)
		exact := make([]float64, 16)
		for k := range exact {
			exact[k] = math.Exp(logp[k] - lz)
		}
		counts := make([]float64, 16)
		for r := range n {
			counts[popIndex(p.Chains[ti].H.Row(r))]++
		}
		tv, bound := totalVariation(counts, exact), tvBound(exact, n, 1e-4)
		t.Logf("β = %.1f: TV %.4f (bound %.4f), swap rates %v", beta, tv, bound, p.SwapRates())
		if tv > bound {
			t.Errorf("β = %.1f: hidden states are %.4f from p_β(h) in total variation (bound %.4f)", beta, tv, bound)
		}
	}
	if r := p.SwapRates(); r[0] == 0 || r[1] == 0 {
		t.Errorf("no swaps accepted: %v", r)
	}
}

// TestAdaptiveLadderEqualizesSwapRates runs parallel tempering on a
// strongly coupled model whose evenly spaced ladder swaps unevenly, with
// and without adaptation, and measures each pair's swap rate over 1,000
// further rounds. Each rate is then a mean over 500 rounds × 200 chains
// of accept/reject outcomes, standard error ≤ 0.5/√100000 ≈ 0.0016; the
// adaptive ladder's gaps still jitter with its running averages (about
// 100 rounds × 200 chains: ±0.004 in rate), so a spread under 0.05 is
// equality well beyond noise, and the fixed ladder's spread must be wider
// than 0.15 for the comparison to mean anything. The ends stay at 1 and
// 1/T, and the ladder keeps decreasing.
func TestAdaptiveLadderEqualizesSwapRates(t *testing.T) {
	m := randomRBM(12, 8, 1.5, 3)
	spread := func(adapt bool) (float64, []float32) {
		rng := tensor.NewRand(4)
		p, err := m.NewTempered(PTBetas(6), nil, 200, rng)
		if err != nil {
			t.Fatal(err)
		}
		if adapt {
			p.AdaptLadder()
		}
		for range 3000 {
			m.TemperedStep(p, 1, rng)
		}
		clear(p.tries)
		clear(p.accepts)
		for range 1000 {
			m.TemperedStep(p, 1, rng)
		}
		r := p.SwapRates()
		lo, hi := r[0], r[0]
		for _, x := range r {
			lo, hi = min(lo, x), max(hi, x)
		}
		t.Logf("adapt %v: betas %v, swap rates %.3f", adapt, p.Betas, r)
		return hi - lo, p.Betas
	}
	fixed, _ := spread(false)
	adapted, betas := spread(true)
	if fixed < 0.15 {
		t.Fatalf("the even ladder's swap rates spread only %.3f: the test cannot show equalization", fixed)
	}
	if adapted > 0.05 {
		t.Errorf("adaptive ladder: swap rates spread %.3f, want < 0.05 (even ladder: %.3f)", adapted, fixed)
	}
	if betas[0] != 1 || betas[5] != PTBetas(6)[5] || checkBetas(betas) != nil {
		t.Errorf("ladder %v: the ends moved or it stopped decreasing", betas)
	}
}

// TestSwapEnergiesReuseTheField: the swap energies computed from the last
// down pass's H·Wᵀ (kept by the sweeps) are jointEnergies' recomputed
// ones bit for bit, for Bernoulli and Gaussian visible units, with one and
// with three Gibbs steps a round; and a round of zero steps still swaps
// on energies it computes itself.
func TestSwapEnergiesReuseTheField(t *testing.T) {
	g := NewGaussianUnits(30, 1, false)
	rng := tensor.NewRand(4)
	rng.Normal(g.LogSigma, 0, 0.3)
	for _, m := range []*RBM{New(30, 20), NewUnits(g, 30, 20)} {
		rng.Normal(m.W.Data, 0, 0.5)
		rng.Normal(m.B, 0, 0.5)
		rng.Normal(m.C, 0, 0.5)
		p, err := m.NewTempered([]float32{1, 0.7, 0.4}, nil, 17, rng)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []int{1, 3, 0, 2} {
			m.TemperedStep(p, k, rng)
			if k == 0 {
				continue
			}
			// The states as the sweeps left them, before any swap: run one
			// more round's sweeps by hand and compare before swapping.
			for i, c := range p.Chains {
				var wt *tensor.PackedB
				if i%2 == 1 { // W packed once, as the parallel sweeps do
					wt = new(tensor.PackedB)
					wt.Pack(m.W, true)
				}
				m.sweepBeta(c, p.Betas[i], k, rng, &p.hw[i], wt)
				got, want := make([]float64, c.V.Rows), make([]float64, c.V.Rows)
				var dots [2][]float64
				m.swapEnergies(got, c, p.hw[i], &dots)
				m.jointEnergies(want, c, nil)
				for r := range got {
					if math.Float64bits(got[r]) != math.Float64bits(want[r]) {
						t.Fatalf("%s k=%d temperature %d row %d: %v from the kept field, %v recomputed", m.Units().Name(), k, i, r, got[r], want[r])
					}
				}
			}
		}
	}
}
