package estimate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/ebm-go/ebm/internal/shard"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/rbm"
)

// Estimate is a log partition function with its uncertainty.
type Estimate struct {
	Method string  // "exact", "ais"
	LogZ   float64 // the estimate
	// Std is the standard deviation of log Ẑ by the delta method,
	// sd(w)/(√M·mean(w)); 0 for exact values.
	Std float64
	// Low and High bound log Z at ±3 standard errors of the mean importance
	// weight, taken in log space: log(mean(w) ∓ 3·sd(w)/√M). Low is −Inf
	// when the lower bound of the mean is not positive.
	Low, High float64
	Chains    int // independent AIS runs
	Betas     int // intermediate distributions, including β = 0 and β = 1
	LogZBase  float64
	// LogWeights are the final log importance weights of every chain.
	LogWeights []float64
	// FirstChain is the index of LogWeights[0] among all the run's chains:
	// 0 unless the run was one part of several (Options.Parts).
	FirstChain int
}

// Options configure AIS.
type Options struct {
	Chains int       // independent runs M (default 100)
	Betas  []float64 // schedule from 0 to 1 (default PaperSchedule())
	// BaseBias is the visible bias of the base-rate model; nil means a zero
	// bias (uniform base). Use BaseRate for the paper's choice.
	BaseBias []float32
	Seed     uint64
	// Progress, when set, is called now and then with the number of β steps
	// done and the total.
	Progress func(done, total int)
	// Part of Parts (when Parts > 1) runs only that part of the chains:
	// the groups of GroupSize chains Part·G/Parts to (Part+1)·G/Parts−1 of
	// the G groups. Each group draws from its own stream, the g-th split of
	// the seed's, so the parts' log weights, put together in order, are
	// bit-identical to those of one run of all the chains (FromLogWeights
	// then gives the same estimate).
	Part, Parts int
}

// ErrOptions reports invalid options.
var ErrOptions = errors.New("invalid options")

// ErrNotFinite reports a result that came out NaN or infinite (a model
// whose numbers overflow on this data): Evaluate returns it, naming the
// quantity, instead of printing NaN.
var ErrNotFinite = errors.New("result is not a finite number")

// PaperSchedule returns Salakhutdinov & Murray's schedule: β from 0 to 0.5 in
// steps of 1e-3, 0.5 to 0.9 in steps of 1e-4 and 0.9 to 1 in steps of 1e-5
// (14,501 values).
func PaperSchedule() []float64 {
	var b []float64
	add := func(lo, hi, step float64) {
		n := int(math.Round((hi - lo) / step))
		for i := 0; i < n; i++ {
			b = append(b, lo+float64(i)*step)
		}
	}
	add(0, 0.5, 1e-3)
	add(0.5, 0.9, 1e-4)
	add(0.9, 1, 1e-5)
	return append(b, 1)
}

// LinearSchedule returns n ≥ 2 values evenly spaced from 0 to 1.
func LinearSchedule(n int) []float64 {
	b := make([]float64, n)
	for i := range b {
		b[i] = float64(i) / float64(n-1)
	}
	b[n-1] = 1
	return b
}

// BaseRate returns the base-rate model's visible biases for m's units and
// data (in the model's units, already standardized for a model that has a
// Standardization): for Bernoulli units the log-odds of the column means,
// smoothed as in Salakhutdinov & Murray's code by a pseudo-count of 5 per
// 100 examples, p_i = (Σ_n v_ni + 0.05·N) / (1.05·N); for Gaussian units the
// column means (the base model is then N(b_A, σ²) with the model's σ).
func BaseRate(m *rbm.RBM, data *tensor.Matrix) []float32 {
	return m.Units().BaseRate(data)
}

// baseLogZ is log Z_A of the base model (W = 0, c = 0): the visible layer
// summed out with bias b_A, plus H·log 2 — Σ_i softplus(b_A,i) + H log 2
// for Bernoulli units, Σ_i log(√(2π) σ_i) + H log 2 for Gaussian ones.
func baseLogZ(u rbm.Units, bA []float32, nh int) float64 {
	return u.LogPartition(make([]float32, len(bA)), bA) + float64(nh)*math.Ln2
}

func checkSchedule(b []float64) error {
	if len(b) < 2 || b[0] != 0 || b[len(b)-1] != 1 {
		return fmt.Errorf("β schedule must start at 0 and end at 1 with at least 2 values: %w", ErrOptions)
	}
	for i := 1; i < len(b); i++ {
		if !(b[i] > b[i-1]) {
			return fmt.Errorf("β schedule must increase strictly (β[%d]=%g after %g): %w", i, b[i], b[i-1], ErrOptions)
		}
	}
	return nil
}

// annealing returns the schedule (PaperSchedule when nil) and the base
// model's visible bias (zero when nil) for m, checked.
func annealing(m *rbm.RBM, betas []float64, base []float32) ([]float64, []float32, error) {
	if betas == nil {
		betas = PaperSchedule()
	}
	if err := checkSchedule(betas); err != nil {
		return nil, nil, err
	}
	if base == nil {
		base = make([]float32, m.NVisible())
	}
	if len(base) != m.NVisible() {
		return nil, nil, fmt.Errorf("base bias has %d values, model has %d visible units: %w", len(base), m.NVisible(), ErrOptions)
	}
	return betas, base, nil
}

// annealer holds one group of chains and their buffers.
type annealer struct {
	m     *rbm.RBM
	u     rbm.Units
	bA    []float32
	rng   *tensor.Rand
	v, pv *tensor.Matrix // n × V
	a     *tensor.Matrix // n × H: c + x(v)W
	x     *tensor.Matrix // x(v) for units that rescale (Gaussian)
	h, ph *tensor.Matrix // n × H
	wt    *tensor.Matrix // Wᵀ (H × V): h·Wᵀ as h·(Wᵀ), so the binary h takes the gather path
	dotA  []float64      // −E_v(v; b_A) per chain (b_Aᵀv for Bernoulli units)
	dotB  []float64      // −E_v(v; b) per chain
}

func newAnnealer(m *rbm.RBM, bA []float32, n int, rng *tensor.Rand) *annealer {
	nv, nh := m.NVisible(), m.NHidden()
	wt := tensor.New(nh, nv)
	tensor.Transpose(wt, m.W)
	return &annealer{m: m, u: m.Units(), bA: bA, rng: rng,
		v: tensor.New(n, nv), pv: tensor.New(n, nv), a: tensor.New(n, nh),
		h: tensor.New(n, nh), ph: tensor.New(n, nh), wt: wt,
		dotA: make([]float64, n), dotB: make([]float64, n)}
}

// prepare computes a = c + x(v)W and the visible energies for the current v
// (x(v) kept in s.x for units that rescale, so the β loop allocates nothing).
func (s *annealer) prepare() {
	x := s.u.Input(s.x, s.v)
	if x != s.v {
		s.x = x
	}
	tensor.MatMul(s.a, x, s.m.W)
	tensor.AddRowVector(s.a, s.m.C)
	_, bernoulli := s.u.(rbm.Bernoulli)
	for r := 0; r < s.v.Rows; r++ {
		if bernoulli { // −E_v(v; b) = bᵀv: both dots in one pass, the same bits
			s.dotA[r], s.dotB[r] = tensor.Dot2(s.bA, s.m.B, s.v.Row(r))
			continue
		}
		s.dotA[r] = -s.u.Energy(s.v.Row(r), s.bA)
		s.dotB[r] = -s.u.Energy(s.v.Row(r), s.m.B)
	}
}

// start draws v_0 from the base model: v_i ~ σ(b_A,i), or N(b_A,i, σ_i²).
func (s *annealer) start() {
	for r := 0; r < s.pv.Rows; r++ {
		copy(s.pv.Row(r), s.bA)
	}
	s.u.SampleAt(s.v, s.pv, 1, s.rng)
}

// logF returns log f_β(v_r) = −(1−β) E_v(v; b_A) − β E_v(v; b) + Σ_j softplus(β a_j)
// (for Bernoulli units (1−β) b_Aᵀv + β bᵀv + …) for the prepared row r.
func (s *annealer) logF(r int, beta float64) float64 {
	return (1-beta)*s.dotA[r] + beta*s.dotB[r] + tensor.SoftplusSum64(s.a.Row(r), beta)
}

// transition applies one Gibbs step v → h → v that leaves p_β invariant,
// using the prepared a: h ~ σ(β a), then v from the visible units at the
// location (1−β) b_A + β·Field(Wh) — σ((1−β) b_A + β (b + W h)) for
// Bernoulli units, N((1−β) b_A + β (b + σ⊙Wh), σ²) for Gaussian ones (the
// quadratic terms of the two ends share σ, so the interpolation keeps it).
func (s *annealer) transition(beta float64) {
	bf := float32(beta)
	for i, x := range s.a.Data {
		s.ph.Data[i] = bf * x
	}
	tensor.SigmoidInto(s.ph.Data, s.ph.Data)
	s.rng.BernoulliFast(s.h.Data, s.ph.Data)
	tensor.MatMul(s.pv, s.h, s.wt) // = m.VisibleField(pv, h), bit for bit
	s.u.Field(s.pv, s.m.B)
	nv := s.m.NVisible()
	for r := 0; r < s.pv.Rows; r++ {
		row := s.pv.Row(r)
		for i := 0; i < nv; i++ {
			row[i] = (1-bf)*s.bA[i] + bf*row[i]
		}
	}
	s.u.SampleAt(s.v, s.pv, 1, s.rng)
}

// GroupSize is the number of chains per work unit. Groups, not cores, fix
// the random streams — group g (chains 25g to 25g+24) draws from the g-th
// split of the seed's stream — so results do not depend on GOMAXPROCS, and
// a run split into parts (Options.Parts) at group boundaries draws exactly
// what one run would.
const GroupSize = 25

// partChains returns the chains [lo, hi) of part of parts (the whole run
// when parts ≤ 1) of a run of chains, cut at group boundaries; a part with
// no chains is an error.
func partChains(chains, part, parts int) (lo, hi int, err error) {
	nG := (chains + GroupSize - 1) / GroupSize
	if parts <= 1 {
		return 0, chains, nil
	}
	if part < 0 || part >= parts {
		return 0, 0, fmt.Errorf("part %d of %d does not exist: %w", part, parts, ErrOptions)
	}
	glo, ghi := shard.Shard{Index: part, Count: parts}.Range(nG)
	if glo == ghi {
		return 0, 0, fmt.Errorf("%d chains are %d groups of up to %d: too few for %d parts: %w", chains, nG, GroupSize, parts, ErrOptions)
	}
	return glo * GroupSize, min(ghi*GroupSize, chains), nil
}

// runGroups splits the chains [first, last) — whole groups of a run of
// chains — into groups with their own seeded sources and runs f on each
// group concurrently, reporting progress of the first group.
func runGroups(ctx context.Context, first, last int, seed uint64, f func(g, lo, hi int, rng *tensor.Rand) error) error {
	g0, nG := first/GroupSize, (last+GroupSize-1)/GroupSize
	master := tensor.NewRand(seed)
	rngs := make([]*tensor.Rand, nG)
	for g := range rngs {
		rngs[g] = master.Split()
	}
	errs := make([]error, nG)
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for g := g0; g < nG; g++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			lo, hi := g*GroupSize, min((g+1)*GroupSize, last)
			errs[g] = f(g-g0, lo-first, hi-first, rngs[g])
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// count returns n, or def when n is 0; a negative n is an error naming what.
func count(n, def int, what string) (int, error) {
	if n == 0 {
		return def, nil
	}
	if n < 1 {
		return 0, fmt.Errorf("%s must be at least 1, got %d: %w", what, n, ErrOptions)
	}
	return n, nil
}

// tick is the check an annealing loop makes at step k: every 256 steps it
// stops on a cancelled ctx and, in group 0, reports done of total steps to
// progress (when not nil).
func tick(ctx context.Context, g, k, done, total int, progress func(done, total int)) error {
	if k%256 != 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if g == 0 && progress != nil {
		progress(done, total)
	}
	return nil
}

// AIS estimates log Z of m — any visible units — by annealed importance
// sampling from the base-rate model (W = 0, c = 0, visible bias
// opt.BaseBias, the model's σ for Gaussian units) through the distributions
// f_β(v) ∝ exp(−(1−β) E_v(v; b_A) − β E_v(v; b)) Π_j (1 + exp(β(c_j + (x(v)ᵀW)_j))),
// for Bernoulli units exp((1−β) b_Aᵀv + β bᵀv) Π_j (…).
func AIS(ctx context.Context, m *rbm.RBM, opt Options) (Estimate, error) {
	var err error
	if opt.Chains, err = count(opt.Chains, 100, "chain count"); err != nil {
		return Estimate{}, err
	}
	betas, bA, err := annealing(m, opt.Betas, opt.BaseBias)
	if err != nil {
		return Estimate{}, err
	}
	first, last, err := partChains(opt.Chains, opt.Part, opt.Parts)
	if err != nil {
		return Estimate{}, err
	}
	K := len(betas) - 1
	logw := make([]float64, last-first)
	err = runGroups(ctx, first, last, opt.Seed, func(g, lo, hi int, rng *tensor.Rand) error {
		if last-first > GroupSize { // several groups share the cores
			defer tensor.OwnCore()()
		}
		s := newAnnealer(m, bA, hi-lo, rng)
		s.start()
		w := logw[lo:hi]
		for k := 1; k <= K; k++ {
			if err := tick(ctx, g, k, k, K, opt.Progress); err != nil {
				return err
			}
			s.prepare()
			for r := range w {
				w[r] += s.logF(r, betas[k]) - s.logF(r, betas[k-1])
			}
			if k < K {
				s.transition(betas[k])
			}
		}
		return nil
	})
	if err != nil {
		return Estimate{}, err
	}
	if opt.Progress != nil {
		opt.Progress(K, K)
	}
	est := FromLogWeights(logw, baseLogZ(m.Units(), bA, m.NHidden()), len(betas))
	est.FirstChain = first
	return est, nil
}

// FromLogWeights is the AIS estimate from the final log importance weights
// of every chain, in chain order, with the base model's log Z and the
// number of βs: what AIS returns, so the weights of a run's parts put
// together give exactly the estimate of one run.
func FromLogWeights(logw []float64, logZBase float64, betas int) Estimate {
	est := summarize(logw, logZBase)
	est.Method, est.Betas, est.LogZBase = "ais", betas, logZBase
	return est
}

// summarize turns log importance weights into log Ẑ = offset +
// log mean(w), the delta-method standard deviation, and the ±3σ interval
// in log space.
func summarize(logw []float64, offset float64) Estimate {
	M := float64(len(logw))
	mx := math.Inf(-1)
	for _, x := range logw {
		mx = math.Max(mx, x)
	}
	var mean, sq float64
	for _, x := range logw {
		e := math.Exp(x - mx)
		mean += e
		sq += e * e
	}
	mean /= M
	variance := 0.0
	if len(logw) > 1 {
		variance = math.Max(sq/M-mean*mean, 0) * M / (M - 1)
	}
	se := math.Sqrt(variance / M) // standard error of mean(w), scaled by e^{-mx}
	est := Estimate{
		LogZ:       offset + mx + math.Log(mean),
		Std:        se / mean,
		High:       offset + mx + math.Log(mean+3*se),
		Chains:     len(logw),
		LogWeights: append([]float64(nil), logw...),
	}
	if lo := mean - 3*se; lo > 0 {
		est.Low = offset + mx + math.Log(lo)
	} else {
		est.Low = math.Inf(-1)
	}
	return est
}
