package hopfield

import (
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/ebm-go/ebm/internal/shard"
	"github.com/ebm-go/ebm/internal/tensor"
)

// CapacityOptions configure a capacity experiment, for every kind of
// memory: for each pattern count p, Trials independent memories of Neurons
// units built by Spec store p random ±1 patterns, and every stored pattern
// is checked for stability and probed with noise.
type CapacityOptions struct {
	// Spec is the memory to measure (the zero Spec: classical, Hebbian).
	Spec Spec
	// Neurons is N (at least 2).
	Neurons int
	// Patterns lists the pattern counts p to measure (each at least 1).
	Patterns []int
	// Noise is the fraction of bits flipped in each probe, in [0, 1]:
	// exactly NoiseFlips(Noise, N) distinct units.
	Noise float64
	// Trials is the number of memories per pattern count (at least 1).
	Trials int
	// Seed determines everything: trial t at pattern count p draws from
	// tensor.NewRand(TrialSeed(Seed, p, t)) — its patterns, then the noise
	// of each probe in turn, then the sweep orders of each probe's recall.
	// The patterns do not depend on the Spec, so kinds and rules compared
	// with the same seed see the same patterns and probes.
	Seed uint64
	// Mode is the recall dynamics ("" = Async; the dense kind has no
	// Glauber, the continuous kind ignores it); Temperature is for Glauber.
	Mode        Mode
	Temperature float64
	// MaxSweeps bounds each probe's recall: sweeps (0: DefaultMaxSweeps),
	// or for the continuous kind updates (0: one).
	MaxSweeps int
	// Workers is the number of trials run in parallel (0: GOMAXPROCS). The
	// results do not depend on it.
	Workers int
	// OnTrial, if set, is called after each finished trial with the number
	// done and the total, from one goroutine at a time.
	OnTrial func(done, total int)
	// Part of Parts (when Parts > 1) runs only trials
	// Part·Trials/Parts to (Part+1)·Trials/Parts−1 of every pattern count.
	// Each trial draws from its own TrialSeed, so the parts' outcomes
	// (CapacityReport.Part) put together by MergeCapacity give exactly the
	// report of one run.
	Part, Parts int
}

// CapacityResult holds the measurements at one pattern count.
type CapacityResult struct {
	// Patterns is p and Load is α = p/N.
	Patterns int     `json:"patterns"`
	Load     float64 `json:"load"`
	// Trials is the number of networks; Probes = Trials·p noisy probes.
	Trials int `json:"trials"`
	Probes int `json:"probes"`
	// FixedPointFraction is the fraction of stored patterns that one sweep
	// of the deterministic dynamics leaves unchanged (every unit's field
	// agrees with its state, or is zero).
	FixedPointFraction float64 `json:"fixed_point_fraction"`
	// RecallFraction is the fraction of probes (a stored pattern with Noise
	// of its bits flipped) whose recall ends exactly on that pattern.
	RecallFraction float64 `json:"recall_fraction"`
	// MeanOverlap is the mean overlap of the probes' final states with
	// their patterns, and BitErrorRate the mean fraction of wrong bits,
	// (1 − m)/2.
	MeanOverlap  float64 `json:"mean_overlap"`
	BitErrorRate float64 `json:"bit_error_rate"`
	// The standard errors of the three fractions above, from the spread
	// between trials (probes within a network are not independent).
	FixedPointFractionSE float64 `json:"fixed_point_fraction_se"`
	RecallFractionSE     float64 `json:"recall_fraction_se"`
	MeanOverlapSE        float64 `json:"mean_overlap_se"`
	// MeanSweeps is the mean number of sweeps per probe; ConvergedFraction
	// the fraction of probes that reached a fixed point within MaxSweeps;
	// CycleFraction the fraction that ended in a 2-cycle (Sync).
	MeanSweeps        float64 `json:"mean_sweeps"`
	ConvergedFraction float64 `json:"converged_fraction"`
	CycleFraction     float64 `json:"cycle_fraction"`
}

// TrialSeed is the seed of trial t at pattern count p (a splitmix64 hash),
// exported so that a single trial can be reproduced.
func TrialSeed(seed uint64, p, t int) uint64 {
	return splitmix(splitmix(splitmix(seed)^uint64(p)) ^ uint64(t))
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func (o *CapacityOptions) validate() error {
	if o.Neurons < 2 {
		err := fmt.Errorf("hopfield: capacity: need at least 2 neurons, got %d: %w", o.Neurons, ErrOption)
		return &OptionError{Option: "neurons", Err: err}
	}
	if len(o.Patterns) == 0 {
		return &OptionError{Option: "patterns", Err: fmt.Errorf("hopfield: capacity: no pattern counts given: %w", ErrNoPatterns)}
	}
	for _, p := range o.Patterns {
		if p < 1 {
			err := fmt.Errorf("hopfield: capacity: a pattern count of %d (each must be at least 1): %w", p, ErrNoPatterns)
			return &OptionError{Option: "patterns", Err: err}
		}
	}
	if !(o.Noise >= 0 && o.Noise <= 1) {
		return &OptionError{Option: "noise", Err: fmt.Errorf("hopfield: capacity: noise %g is outside [0, 1]: %w", o.Noise, ErrOption)}
	}
	if o.Trials < 1 {
		return &OptionError{Option: "trials", Err: fmt.Errorf("hopfield: capacity: need at least 1 trial, got %d: %w", o.Trials, ErrOption)}
	}
	if lo, hi := o.trialRange(); lo == hi || o.Part < 0 || (o.Parts > 1 && o.Part >= o.Parts) {
		return &OptionError{Option: "shard", Err: fmt.Errorf("hopfield: capacity: part %d of %d of %d trials holds no trial: %w", o.Part, o.Parts, o.Trials, ErrOption)}
	}
	spec, err := o.Spec.Normalize()
	if err != nil {
		return err
	}
	if _, err := New(o.Neurons, spec); err != nil {
		return fmt.Errorf("hopfield: capacity: %w", err)
	}
	o.Spec = spec
	if spec.Kind == KindContinuous {
		o.Mode, o.Temperature = "", 0
		if o.MaxSweeps == 0 {
			o.MaxSweeps = 1
		}
	}
	ro := RecallOptions{Mode: o.Mode, MaxSweeps: o.MaxSweeps, Temperature: o.Temperature, Rand: tensor.NewRand(0)}
	if err := ro.normalize(); err != nil {
		return err
	}
	o.Mode, o.MaxSweeps = ro.Mode, ro.MaxSweeps
	if spec.Kind == KindDense && o.Mode == Glauber {
		return &OptionError{Option: "mode", Err: fmt.Errorf("hopfield: capacity: a dense memory has async and sync dynamics, not glauber: %w", ErrOption)}
	}
	if o.Workers <= 0 {
		o.Workers = workers()
	}
	return nil
}

// trialRange is the trials [lo, hi) of the part the options run.
func (o *CapacityOptions) trialRange() (lo, hi int) {
	return shard.Shard{Index: o.Part, Count: o.Parts}.Range(o.Trials)
}

// trialOut is what one trial contributes.
type trialOut struct {
	p                         int
	fixed, recalled           int
	converged, cycles, sweeps int
	overlap                   float64 // sum over probes
}

// Capacity runs the experiment, trials in parallel on opt.Workers
// goroutines, and returns one result per pattern count, in the order given.
// Results depend only on the options, not on GOMAXPROCS or Workers: every
// trial has its own generator and the sums are reduced in a fixed order.
//
// Classical networks: the fields of all stored patterns come from one
// matrix product (tensor.Gemm), which also decides the fixed points; a
// probe's fields are the pattern's corrected for the flipped bits, O(N) per
// bit; the recall updates the fields in O(N) per flip. For the Hebbian rule
// everything is exact integer arithmetic on K = XᵀX − pI = N·W, held in
// float32 while p·N < 2²⁴, and the pattern fields are computed as
// (XXᵀ)X − pX, which costs 4p²N instead of 2pN² flops.
//
// Dense and continuous memories are measured the same way, with the same
// result fields. For the continuous kind a state counts as its pattern when
// its signs equal the pattern's (an entry of exactly 0 does not), the
// overlap is that of the sign vector, FixedPointFraction counts stored
// patterns whose one-step update keeps their signs, and every probe is one
// row of a single batched retrieval.
func Capacity(ctx context.Context, opt CapacityOptions) ([]CapacityResult, error) {
	res, _, err := capacity(ctx, opt)
	return res, err
}

// capacity is Capacity, also returning every trial's outcome (pattern
// count major, then trial).
func capacity(ctx context.Context, opt CapacityOptions) ([]CapacityResult, []trialOut, error) {
	if err := opt.validate(); err != nil {
		return nil, nil, err
	}
	newWorker := func() func(p int, rng *tensor.Rand) trialOut {
		var ws trialWork // per-goroutine scratch
		return func(p int, rng *tensor.Rand) trialOut { return ws.run(&opt, p, rng) }
	}
	if opt.Spec.Kind != KindClassical {
		newWorker = func() func(p int, rng *tensor.Rand) trialOut {
			return func(p int, rng *tensor.Rand) trialOut { return modernTrial(&opt, p, rng) }
		}
	}
	outs, err := runTrials(ctx, &opt, opt.OnTrial, newWorker)
	if err != nil {
		return nil, nil, err
	}
	lo, hi := opt.trialRange()
	return aggregate(&opt, outs, hi-lo), outs, nil
}

// runTrials runs every (pattern count, trial) pair of opt on opt.Workers
// goroutines, each with its own trial function from newWorker, and returns
// the outcomes in a fixed order (pattern count major). Trial t at p patterns
// draws from TrialSeed(opt.Seed, p, t), so results do not depend on the
// number of workers. onTrial, if set, is called after each trial.
func runTrials(ctx context.Context, opt *CapacityOptions, onTrial func(done, total int), newWorker func() func(p int, rng *tensor.Rand) trialOut) ([]trialOut, error) {
	type job struct{ pi, t int }
	lo, hi := opt.trialRange()
	total := len(opt.Patterns) * (hi - lo)
	outs := make([]trialOut, total)
	jobs := make(chan job)
	var (
		mu   sync.Mutex
		done int
		wg   sync.WaitGroup
	)
	go func() {
		defer close(jobs)
		for pi := range opt.Patterns {
			for t := lo; t < hi; t++ {
				select {
				case jobs <- job{pi, t}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	for w := 0; w < min(opt.Workers, total); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			trial := newWorker()
			for j := range jobs {
				if ctx.Err() != nil {
					continue
				}
				p := opt.Patterns[j.pi]
				outs[j.pi*(hi-lo)+j.t-lo] = trial(p, tensor.NewRand(TrialSeed(opt.Seed, p, j.t)))
				if onTrial != nil {
					mu.Lock()
					done++
					onTrial(done, total)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return outs, nil
}

// stats accumulates a mean and the standard error of the mean.
type stats struct {
	n         int
	sum, sum2 float64
}

func (s *stats) add(x float64) { s.n++; s.sum += x; s.sum2 += x * x }
func (s *stats) mean() float64 { return s.sum / float64(s.n) }
func (s *stats) se() float64 {
	if s.n < 2 {
		return 0
	}
	m := s.mean()
	v := (s.sum2 - float64(s.n)*m*m) / float64(s.n-1)
	return math.Sqrt(max(v, 0) / float64(s.n))
}

// trialWork is one worker's scratch, reused across trials.
type trialWork struct {
	x, f, w, g, k *tensor.Matrix
	probes        *tensor.Matrix
	idx           []int
	h             []float32
	tol           float64
	dyn           dyn
}

// exactLimit bounds p·N for the float32 integer arithmetic of the Hebbian
// path: every partial sum stays below 2²⁴ in magnitude, where float32
// integers are exact.
const exactLimit = 1 << 24

func (ws *trialWork) run(opt *CapacityOptions, p int, rng *tensor.Rand) trialOut {
	n := opt.Neurons
	ws.x = ws.x.Resize(p, n)
	fillRandomSigns(ws.x.Data, rng)
	// Probes: each stored pattern with k distinct bits flipped, drawn in
	// pattern order.
	k := NoiseFlips(opt.Noise, n)
	ws.probes = ws.probes.Resize(p, n)
	copy(ws.probes.Data, ws.x.Data)
	if cap(ws.idx) < n {
		ws.idx = make([]int, n)
	}
	ws.idx = ws.idx[:n]
	for nu := 0; nu < p; nu++ {
		corrupt(ws.probes.Row(nu), k, ws.idx, rng)
	}
	ws.dyn = dyn{mode: opt.Mode, maxSweeps: opt.MaxSweeps, temp: opt.Temperature, rng: rng, perm: ws.dyn.perm}
	if opt.Spec.Rule == Hebbian && p*n < exactLimit {
		return ws.hebbian(opt, p)
	}
	return ws.dense(opt, p)
}

// probe starts from the fields of stored pattern ν (already in f), applies
// the flips that turn ξ^ν into the probe (O(N) each, as in the dynamics),
// runs the recall and adds the outcome to out.
func (ws *trialWork) probe(out *trialOut, f fieldSet, nu int) {
	xi, s := ws.x.Row(nu), ws.probes.Row(nu)
	for j, v := range s {
		if v != xi[j] {
			f.flip(j, float64(v-xi[j]))
		}
	}
	res, _ := ws.dyn.run(nil, f, s, nil)
	out.add(Overlap(xi, s), res.sweeps, res.converged, res.cycle)
}

// add counts one probe that ended at overlap ov with its pattern.
func (out *trialOut) add(ov float64, sweeps int, converged, cycle bool) {
	out.overlap += ov
	if ov == 1 {
		out.recalled++
	}
	out.sweeps += sweeps
	if converged {
		out.converged++
	}
	if cycle {
		out.cycles++
	}
}

// dense is the path with float weights (Storkey, pinv, and Hebbian beyond
// the exact range): W from the rule, the fields of all stored patterns from
// one product XW, recall with incremental float64 fields.
func (ws *trialWork) dense(opt *CapacityOptions, p int) trialOut {
	n := opt.Neurons
	ws.w = ws.w.Resize(n, n)
	ws.w.Zero()
	net := Network{W: ws.w, Theta: make([]float32, n), rule: opt.Spec.Rule, ZeroDiagonal: opt.Spec.ZeroDiagonal}
	if err := net.store(ws.x, 1); err != nil {
		// Only a failed eigen-decomposition can get here; count the trial
		// as storing nothing.
		return trialOut{p: p}
	}
	w := net.W
	ws.tol = tieTolerance(w, nil, 1) // thresholds are zero
	ws.f = ws.f.Resize(p, n)
	tensor.MatMul(ws.f, ws.x, w) // batched fields of every stored pattern
	out := trialOut{p: p}
	for nu := 0; nu < p; nu++ {
		xi, h := ws.x.Row(nu), ws.f.Row(nu)
		stable := true
		for i, v := range xi {
			if decide(v, float64(h[i]), ws.tol) != v {
				stable = false
				break
			}
		}
		if stable {
			out.fixed++
		}
	}
	fields := newDenseFields(w, nil, 1)
	for nu := 0; nu < p; nu++ {
		fields.initFrom(ws.f.Row(nu), ws.tol)
		ws.probe(&out, fields, nu)
	}
	return out
}

// intFields are Hebbian fields in integer units: K = XᵀX − pI (so
// W = K/N) and H = N·h, both exact integers held in float32.
type intFields struct {
	n    int
	k    []float32 // n×n
	h    []float32
	invN float64
}

func (f *intFields) local(i int) float64 { return float64(f.h[i]) * f.invN }

// tolerance: N·h is an integer, so any |N·h| < 1 is a zero field.
func (f *intFields) tolerance(int) float64 { return 0.5 * f.invN }
func (f *intFields) self(int) float64      { return 0 }
func (f *intFields) flip(i int, delta float64) {
	axpy32(float32(delta), f.k[i*f.n:(i+1)*f.n], f.h)
}

// asyncInt is run's Async loop specialised to intFields (the hot loop of
// Hebbian capacity experiments): the same decisions in the same order as
// the generic loop — |N·h| < 1 is a zero field — without interface calls.
func (d *dyn) asyncInt(ctx context.Context, f *intFields, s []float32) (runResult, error) {
	var res runResult
	n := f.n
	for sweep := 1; sweep <= d.maxSweeps; sweep++ {
		if ctx != nil {
			if err := ctx.Err(); err != nil {
				return res, err
			}
		}
		shuffle(d.perm, d.rng)
		flips := 0
		h := f.h[:n]
		for _, i := range d.perm {
			// decide would flip s_i iff its field has the opposite sign and
			// |N·h_i| ≥ 1, i.e. s_i·N·h_i < −0.5: one rarely taken branch.
			if si := s[i]; si*h[i] < -0.5 {
				s[i] = -si
				axpy32(-2*si, f.k[i*n:(i+1)*n], h)
				flips++
			}
		}
		res.sweeps = sweep
		if flips == 0 {
			res.converged = true
			return res, nil
		}
	}
	return res, nil
}

// hebbian is the exact integer path: K = XᵀX (zero diagonal) by one
// product; the fields of the stored patterns in pattern space,
// N·h(ξ^ν) = (GX)_ν − pξ^ν with G = XXᵀ (4p²N flops instead of 2pN²);
// probes and recall with incremental integer fields.
func (ws *trialWork) hebbian(opt *CapacityOptions, p int) trialOut {
	n := opt.Neurons
	x := ws.x
	ws.k = ws.k.Resize(n, n)
	tensor.MatMulTA(ws.k, x, x)
	for i := 0; i < n; i++ {
		ws.k.Set(i, i, 0)
	}
	ws.g = ws.g.Resize(p, p)
	tensor.MatMulTB(ws.g, x, x)
	ws.f = ws.f.Resize(p, n)
	tensor.MatMul(ws.f, ws.g, x)
	fp := float32(p)
	out := trialOut{p: p}
	for nu := 0; nu < p; nu++ {
		xi, h := x.Row(nu), ws.f.Row(nu)
		stable := true
		for i, v := range xi {
			h[i] -= fp * v // now N·h_i, an integer
			if decide(v, float64(h[i]), 0.5) != v {
				stable = false
			}
		}
		if stable {
			out.fixed++
		}
	}
	if cap(ws.h) < n {
		ws.h = make([]float32, n)
	}
	f := &intFields{n: n, k: ws.k.Data, h: ws.h[:n], invN: 1 / float64(n)}
	for nu := 0; nu < p; nu++ {
		copy(f.h, ws.f.Row(nu))
		ws.probe(&out, f, nu)
	}
	return out
}
