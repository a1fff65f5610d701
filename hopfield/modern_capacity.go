package hopfield

import (
	"context"

	"github.com/ebm-go/ebm/internal/tensor"
)

// aggregate reduces the trials to one result per pattern count, in a fixed
// order (as Capacity does).
func aggregate(opt *CapacityOptions, outs []trialOut, trials int) []CapacityResult {
	results := make([]CapacityResult, len(opt.Patterns))
	for pi, p := range opt.Patterns {
		r := &results[pi]
		r.Patterns, r.Load, r.Trials, r.Probes = p, float64(p)/float64(opt.Neurons), trials, p*trials
		var fx, rc, ov stats
		var conv, cyc, sw int
		for t := 0; t < trials; t++ {
			o := outs[pi*trials+t]
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
// and measures one dense or continuous memory.
func modernTrial(opt *CapacityOptions, p int, rng *tensor.Rand) trialOut {
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
	mem, err := New(n, opt.Spec)
	if err != nil {
		return out // validated before: cannot happen
	}
	switch m := mem.(type) {
	case *Dense:
		m.patterns, m.xt = x, transpose(x)
		m.trial(&out, probes, &dyn{mode: opt.Mode, maxSweeps: opt.MaxSweeps, rng: rng})
	case *Continuous:
		m.patterns, m.maxNorm2 = x, float64(x.Cols)
		m.trial(&out, probes, opt.MaxSweeps)
	}
	return out
}

// trial measures the stored patterns and the probes of a dense memory.
// The overlaps of every stored pattern and probe with every pattern come
// from two products, exact integers while N < 2²⁴.
func (m *Dense) trial(out *trialOut, probes *tensor.Matrix, d *dyn) {
	x, p := m.patterns, m.patterns.Rows
	g := tensor.New(p, p)
	o := make([]float64, p)
	s := make([]float32, m.n)
	rowDots := func(nu int) []float64 {
		for mu, v := range g.Row(nu) {
			o[mu] = float64(v)
		}
		return o
	}
	tensor.MatMulTB(g, x, x)
	for nu := 0; nu < p; nu++ {
		copy(s, x.Row(nu))
		f := m.fields(s, rowDots(nu))
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
	for nu := 0; nu < p; nu++ {
		s := probes.Row(nu)
		res, _ := d.run(nil, m.fields(s, rowDots(nu)), s, nil)
		out.add(Overlap(x.Row(nu), s), res.sweeps, res.converged, res.cycle)
	}
}

// trial measures the stored patterns (one update) and the probes (at most
// steps updates) of a continuous memory, each as one batched retrieval.
func (c *Continuous) trial(out *trialOut, probes *tensor.Matrix, steps int) {
	ctx := context.Background()
	x := c.patterns
	r, _, err := c.Retrieve(ctx, x, RetrieveOptions{Steps: 1})
	if err != nil {
		return
	}
	for nu := 0; nu < x.Rows; nu++ {
		if signOverlap(x.Row(nu), r.Row(nu)) == 1 {
			out.fixed++
		}
	}
	r, reps, err := c.Retrieve(ctx, probes, RetrieveOptions{Steps: steps})
	if err != nil {
		return
	}
	for nu := 0; nu < x.Rows; nu++ {
		out.add(signOverlap(x.Row(nu), r.Row(nu)), reps[nu].Steps, reps[nu].Converged, false)
	}
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
