package hopfield

import (
	"fmt"
	"io"
)

// WriteText writes the report for people: a header naming the memory and
// the recall, a line per pattern count, and the theory.
func (r *CapacityReport) WriteText(w io.Writer) error {
	n := r.Neurons
	p := &errWriter{w: w}
	switch r.Kind {
	case KindDense:
		p.printf("dense memory, interaction %s, N = %d, noise %g, %d trials, %s recall (%.1fs)\n", r.Rule, n, r.Noise, r.Trials, r.Mode, r.Seconds)
	case KindContinuous:
		p.printf("continuous memory, β = %g, N = %d, noise %g, %d trials, recall = signs equal the pattern (%.1fs)\n", *r.Beta, n, r.Noise, r.Trials, r.Seconds)
	default:
		p.printf("%s rule, N = %d, noise %g, %d trials, %s recall (%.1fs)\n", r.Rule, n, r.Noise, r.Trials, r.Mode, r.Seconds)
	}
	p.printf("%8s %7s %10s %10s %10s %10s %8s\n", "patterns", "load", "fixed", "recall", "overlap", "bit_err", "sweeps")
	for _, x := range r.Results {
		p.printf("%8d %7.3f %10.4f %10.4f %10.4f %10.4f %8.2f\n",
			x.Patterns, x.Load, x.FixedPointFraction, x.RecallFraction, x.MeanOverlap, x.BitErrorRate, x.MeanSweeps)
	}
	t := r.Theory
	switch {
	case r.Kind != KindClassical:
	case Rule(r.Rule) == Hebbian:
		p.printf("theory: α_c ≈ 0.138 (p ≈ %.0f); exactly stable: most patterns up to N/(2 ln N) = %.1f, all up to N/(4 ln N) = %.1f\n",
			AGSCapacity*float64(n), t["hebbian_most_stable_count"], t["hebbian_all_stable_count"])
	case Rule(r.Rule) == Storkey:
		p.printf("theory: Storkey capacity N/√(2 ln N) = %.1f patterns (α = %.3f)\n", t["storkey_count"], t["storkey_count"]/float64(n))
	case Rule(r.Rule) == PseudoInverse:
		p.printf("theory: every pattern is a fixed point up to p = N = %d\n", n)
	}
	if v, ok := t["dense_error_free_count"]; ok {
		p.printf("theory: error-free up to N^{n−1}/(2(2n−3)!! ln N) = %.0f patterns (α = %.2f)\n", v, v/float64(n))
	}
	if v, ok := t["exp_count"]; ok {
		p.printf("theory: exponential capacity ~2^{N/2} = %.3g patterns\n", v)
	}
	return p.err
}

// WriteText writes the report for people: the cue, how the dynamics ended
// (for the continuous kind, the fixed point), the energy, the overlap with
// the target and what the final state is, then the files written (Out,
// Plot).
func (r *RecallReport) WriteText(w io.Writer) error {
	p := &errWriter{w: w}
	cue := r.Input
	if r.Flipped > 0 {
		cue += fmt.Sprintf(" with %d units flipped (noise %g)", r.Flipped, r.Noise)
	}
	if r.Masked > 0 {
		cue += fmt.Sprintf(", last %d units masked", r.Masked)
	}
	e0 := r.Energies[0]
	if rt := r.Retrieval; rt != nil {
		status := "stopped at the step limit"
		if rt.Converged {
			status = "converged"
		}
		what := fmt.Sprintf("a single pattern (%d, weight %.4f)", rt.Top, rt.TopWeight)
		switch rt.Fixed {
		case FixedMetastable:
			what = fmt.Sprintf("a metastable average of %.2f effective patterns (largest weight %.4f on pattern %d)", rt.Effective, rt.TopWeight, rt.Top)
		case FixedGlobal:
			what = fmt.Sprintf("the global average (%.1f effective patterns)", rt.Effective)
		}
		p.printf("continuous retrieval (β = %g) from %s: %s after %d step(s); energy %.4g → %.4g; state: %s\n",
			*r.Beta, cue, status, r.Sweeps, e0, r.FinalEnergy, what)
	} else {
		status := "stopped at the sweep limit"
		switch {
		case r.Converged:
			status = "converged to a fixed point"
		case r.Cycle:
			status = "entered a 2-cycle"
		case r.Temperature != nil:
			status = fmt.Sprintf("ran at temperature %g", *r.Temperature)
		}
		p.printf("%s recall from %s: %s after %d sweeps; energy %.4g → %.4g\n", r.Mode, cue, status, r.Sweeps, e0, r.FinalEnergy)
	}
	if r.InitialOverlap != nil {
		p.printf("overlap with pattern %d: %.4f → %.4f\n", *r.TargetPattern, *r.InitialOverlap, *r.FinalOverlap)
	}
	if c := r.Classification; c != nil {
		what := string(c.Class)
		switch c.Class {
		case ClassStored, ClassReversed:
			what = fmt.Sprintf("%s pattern %d", c.Class, c.Patterns[0])
		case ClassMixture:
			what = fmt.Sprintf("mixture of patterns %v with signs %v", c.Patterns, c.Signs)
		}
		switch {
		case c.Class == ClassOther:
		case c.Exact:
			what += " (exact)"
		default:
			what += fmt.Sprintf(" (overlap %.4f)", c.Overlap)
		}
		p.printf("nearest stored pattern %d (overlap %.4f); final state: %s\n", *r.NearestPattern, *r.Overlap, what)
	}
	for _, f := range []string{r.Out, r.Plot} {
		if f != "" {
			p.printf("wrote %s\n", f)
		}
	}
	return p.err
}

// RetrievalStats count what a batch of retrievals converged to.
type RetrievalStats struct {
	Converged int `json:"converged"`
	// FixedPoints counts the queries by kind of fixed point.
	FixedPoints   map[string]int `json:"fixed_points"`
	MeanEffective float64        `json:"mean_effective_patterns"`
}

// Stats counts the retrievals reps.
func Stats(reps []Retrieval) RetrievalStats {
	st := RetrievalStats{FixedPoints: map[string]int{}}
	for _, x := range reps {
		st.FixedPoints[string(x.Fixed)]++
		st.MeanEffective += x.Effective / float64(len(reps))
		if x.Converged {
			st.Converged++
		}
	}
	return st
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (p *errWriter) printf(format string, a ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, a...)
	}
}

// WriteText writes the report for people, naming the file written (Out).
func (r *StoreReport) WriteText(w io.Writer) error {
	p := &errWriter{w: w}
	settings, bin := "", ""
	if r.Settings != "" {
		settings = " (" + r.Settings + ")"
	}
	if r.Binarized {
		bin = " (thresholded at 0.5)"
	}
	units := "units"
	if r.Kind == KindClassical {
		units = "neurons"
	}
	p.printf("wrote %s: %s of %d %s, %d patterns%s from %s%s\n", r.Out, r.Description, r.Neurons, units, r.Patterns, settings, r.Source, bin)
	if r.ValueDim > 0 {
		p.printf("the patterns are keys with values of length %d: recall --query returns V softmax(β Kᵀξ)\n", r.ValueDim)
	}
	what := "fixed points"
	if r.Kind == KindContinuous {
		what = "kept (signs unchanged by one update)"
	}
	switch {
	case r.FixedPoints != nil:
		p.printf("%d of %d stored patterns are %s (load α = p/N = %.3f)\n", *r.FixedPoints, r.Patterns, what, float64(r.Patterns)/float64(r.Neurons))
	case r.Kind != KindClassical:
		p.printf("(fixed points not checked: %d patterns of %d units is too many to check quickly)\n", r.Patterns, r.Neurons)
	}
	return p.err
}

// WriteText writes the report for people, naming the memory file (Net)
// and the file of the retrieved states (Out).
func (r *BatchReport) WriteText(w io.Writer) error {
	p, fp := &errWriter{w: w}, r.FixedPoints
	what := "states"
	if r.ValueDim > 0 {
		what = fmt.Sprintf("values of length %d", r.ValueDim)
	}
	p.printf("retrieved %d queries from %s (β = %g, normalization %s, at most %d steps) in %.3fs (%.0f queries/s); wrote %s (%s)\n",
		r.Queries, r.Net, r.Beta, r.Normalize, r.Steps, r.Seconds, r.QueriesPerSecond, r.Out, what)
	if r.Weights != "" {
		p.printf("wrote the softmax weights (%d × %d) to %s\n", r.Queries, r.Patterns, r.Weights)
	}
	p.printf("fixed points: %d single pattern, %d metastable, %d global average; %d converged; mean effective patterns %.3g\n",
		fp[string(FixedSingle)], fp[string(FixedMetastable)], fp[string(FixedGlobal)], r.Converged, r.MeanEffective)
	return p.err
}
