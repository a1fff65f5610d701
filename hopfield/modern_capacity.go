package hopfield

import (
	"context"
	"fmt"
	"strings"

	"github.com/ebm-go/ebm/internal/tensor"
)

// ModernCapacityOptions configure a capacity experiment for the dense and
// continuous kinds. It mirrors CapacityOptions: trial t at pattern count p
// draws from tensor.NewRand(TrialSeed(Seed, p, t)) its patterns, then the
// noise of each probe, then (dense) the sweep orders, in the same order as
// Capacity — so every kind and rule compared with one seed sees the same
// patterns and probes.
type ModernCapacityOptions struct {
	// Kind is KindDense or KindContinuous.
	Kind string
	// Interaction is F of the dense kind.
	Interaction Interaction
	// Beta is β of the exp interaction or of the continuous kind (0: 1).
	Beta float64
	// Neurons, Patterns, Noise, Trials, Seed, Workers and OnTrial are as in
	// CapacityOptions.
	Neurons  int
	Patterns []int
	Noise    float64
	Trials   int
	Seed     uint64
	Workers  int
	OnTrial  func(done, total int)
	// Mode is the dense dynamics, Async ("") or Sync.
	Mode Mode
	// MaxSweeps is the dense sweep limit (0: DefaultMaxSweeps) or the
	// continuous step limit (0: one step).
	MaxSweeps int
}

// ModernCapacity measures a dense or continuous memory like Capacity does
// a classical network, with the same result fields. For the continuous
// kind a state counts as its pattern when its signs equal the pattern's
// (an entry of exactly 0 does not), the overlap is that of the sign vector,
// FixedPointFraction counts stored patterns whose one-step update keeps
// their signs, and every probe is one row of a single batched retrieval.
func ModernCapacity(ctx context.Context, opt ModernCapacityOptions) ([]CapacityResult, error) {
	base := CapacityOptions{Neurons: opt.Neurons, Patterns: opt.Patterns, Noise: opt.Noise, Trials: opt.Trials,
		Seed: opt.Seed, Mode: opt.Mode, MaxSweeps: opt.MaxSweeps, Workers: opt.Workers}
	if err := base.validate(); err != nil {
		return nil, err
	}
	var mk func(x *tensor.Matrix) (Memory, error)
	switch strings.ToLower(opt.Kind) {
	case KindDense:
		if base.Mode == Glauber {
			return nil, fmt.Errorf("hopfield: capacity: a dense memory has async and sync dynamics, not glauber: %w", ErrOption)
		}
		if _, err := NewDense(opt.Neurons, opt.Interaction, opt.Beta); err != nil {
			return nil, fmt.Errorf("hopfield: capacity: %w", err)
		}
		mk = func(x *tensor.Matrix) (Memory, error) {
			m, err := NewDense(opt.Neurons, opt.Interaction, opt.Beta)
			if err != nil {
				return nil, err
			}
			m.patterns, m.xt = x, transpose(x)
			return m, nil
		}
	case KindContinuous:
		beta := opt.Beta
		if beta == 0 {
			beta = 1
		}
		if _, err := NewContinuous(opt.Neurons, beta); err != nil {
			return nil, fmt.Errorf("hopfield: capacity: %w", err)
		}
		mk = func(x *tensor.Matrix) (Memory, error) {
			c, err := NewContinuous(opt.Neurons, beta)
			if err != nil {
				return nil, err
			}
			c.patterns, c.maxNorm2 = x, float64(x.Cols)
			return c, nil
		}
	default:
		return nil, fmt.Errorf("hopfield: capacity: kind %q (want dense or continuous; Capacity measures classical networks): %w", opt.Kind, ErrOption)
	}
	steps := opt.MaxSweeps
	if steps == 0 {
		steps = 1
	}
	outs, err := runTrials(ctx, &base, opt.OnTrial, func() func(p int, rng *tensor.Rand) trialOut {
		return func(p int, rng *tensor.Rand) trialOut { return modernTrial(&base, steps, p, rng, mk) }
	})
	if err != nil {
		return nil, err
	}
	return aggregate(&base, outs), nil
}

// aggregate reduces the trials to one result per pattern count, in a fixed
// order (as Capacity does).
func aggregate(opt *CapacityOptions, outs []trialOut) []CapacityResult {
	results := make([]CapacityResult, len(opt.Patterns))
	for pi, p := range opt.Patterns {
		r := &results[pi]
		r.Patterns, r.Load, r.Trials, r.Probes = p, float64(p)/float64(opt.Neurons), opt.Trials, p*opt.Trials
		var fx, rc, ov stats
		var conv, cyc, sw int
		for t := 0; t < opt.Trials; t++ {
			o := outs[pi*opt.Trials+t]
			fp := float64(p)
			fx.add(float64(o.fixed) / fp)
			rc.add(float64(o.recalled) / fp)
			ov.add(o.overlap / fp)
			conv += o.converged
			cyc += o.cycles
			sw += o.sweeps
		}
		probes := float64(r.Probes)
		r.FixedPointFraction, r.FixedPointFractionSE = fx.mean(), fx.se()
		r.RecallFraction, r.RecallFractionSE = rc.mean(), rc.se()
		r.MeanOverlap, r.MeanOverlapSE = ov.mean(), ov.se()
		r.BitErrorRate = (1 - r.MeanOverlap) / 2
		r.MeanSweeps = float64(sw) / probes
		r.ConvergedFraction = float64(conv) / probes
		r.CycleFraction = float64(cyc) / probes
	}
	return results
}

// modernTrial draws the patterns and probes exactly as trialWork.run does
// and measures one memory.
func modernTrial(opt *CapacityOptions, steps, p int, rng *tensor.Rand, mk func(*tensor.Matrix) (Memory, error)) trialOut {
	n := opt.Neurons
	x := tensor.New(p, n)
	fillRandomSigns(x.Data, rng)
	k := NoiseFlips(opt.Noise, n)
	probes := x.Clone()
	idx := make([]int, n)
	for nu := 0; nu < p; nu++ {
		corrupt(probes.Row(nu), k, idx, rng)
	}
	out := trialOut{p: p}
	mem, err := mk(x)
	if err != nil {
		return out // validated before: cannot happen
	}
	switch m := mem.(type) {
	case *Dense:
		// Overlaps of every stored pattern and probe with every pattern:
		// two products, exact integers while N < 2²⁴.
		g := tensor.New(p, p)
		tensor.MatMulTB(g, x, x)
		o := make([]float64, p)
		s := make([]float32, n)
		for nu := 0; nu < p; nu++ {
			for mu, v := range g.Row(nu) {
				o[mu] = float64(v)
			}
			copy(s, x.Row(nu))
			f := m.fields(s, o)
			stable := true
			for i, v := range s {
				if decide(v, f.local(i), f.tolerance(i)) != v {
					stable = false
					break
				}
			}
			if stable {
				out.fixed++
			}
		}
		tensor.MatMulTB(g, probes, x)
		d := &dyn{mode: opt.Mode, maxSweeps: opt.MaxSweeps, rng: rng}
		for nu := 0; nu < p; nu++ {
			for mu, v := range g.Row(nu) {
				o[mu] = float64(v)
			}
			s := probes.Row(nu)
			res, _ := d.run(nil, m.fields(s, o), s, nil)
			ov := Overlap(x.Row(nu), s)
			out.overlap += ov
			if ov == 1 {
				out.recalled++
			}
			out.sweeps += res.sweeps
			if res.converged {
				out.converged++
			}
			if res.cycle {
				out.cycles++
			}
		}
	case *Continuous:
		ctx := context.Background()
		r, _, err := m.Retrieve(ctx, x, RetrieveOptions{Steps: 1})
		if err != nil {
			return out
		}
		for nu := 0; nu < p; nu++ {
			if signOverlap(x.Row(nu), r.Row(nu)) == 1 {
				out.fixed++
			}
		}
		r, reps, err := m.Retrieve(ctx, probes, RetrieveOptions{Steps: steps})
		if err != nil {
			return out
		}
		for nu := 0; nu < p; nu++ {
			ov := signOverlap(x.Row(nu), r.Row(nu))
			out.overlap += ov
			if ov == 1 {
				out.recalled++
			}
			out.sweeps += reps[nu].Steps
			if reps[nu].Converged {
				out.converged++
			}
		}
	}
	return out
}

// signOverlap is ξ·sgn(r)/N with sgn(0) = 0 (a zero entry matches
// nothing).
func signOverlap(xi, r []float32) float64 {
	var s float64
	for j, v := range r {
		switch {
		case v > 0:
			s += float64(xi[j])
		case v < 0:
			s -= float64(xi[j])
		}
	}
	return s / float64(len(xi))
}

// Sign returns sgn(r) as a ±1 vector, mapping 0 to +1; use it to read a
// binary answer off a continuous state.
func Sign(r []float32) []float32 {
	out := make([]float32, len(r))
	for j, v := range r {
		out[j] = 1
		if v < 0 {
			out[j] = -1
		}
	}
	return out
}
