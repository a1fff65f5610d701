package hopfield

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/nanjson"
	"github.com/ebm-go/ebm/internal/tensor"
)

// CapacityReport is one memory's capacity sweep with its settings and the
// theory to compare it with: what `ebm hopfield capacity --json` prints.
type CapacityReport struct {
	Kind string `json:"kind"`
	// Rule is Spec.Label: the learning rule (classical), the interaction
	// (dense) or "continuous"; Interaction is set for the dense kind and
	// Beta for the exp interaction and the continuous kind.
	Rule        string   `json:"rule"`
	Interaction string   `json:"interaction,omitempty"`
	Beta        *float64 `json:"beta,omitempty"`
	Neurons     int      `json:"neurons"`
	Noise       float64  `json:"noise"`
	Trials      int      `json:"trials"`
	// Mode is the dynamics, "continuous" for the continuous kind;
	// Temperature is set for Glauber dynamics.
	Mode        string   `json:"mode"`
	Temperature *float64 `json:"temperature,omitempty"`
	Seed        uint64   `json:"seed"`
	Seconds     float64  `json:"seconds"`
	// Theory holds the capacities the literature gives for this kind (see
	// TheoryMarks).
	Theory  map[string]float64 `json:"theory"`
	Results []CapacityResult   `json:"results"`
	// Part holds the trials' outcomes of one part of an experiment
	// (CapacityOptions.Parts > 1), whose Results are those of its trials
	// alone; MergeCapacity joins the parts.
	Part *CapacityPart `json:"part,omitempty"`
}

// CapacityPart is what one part of a capacity experiment measured: trials
// FirstTrial to FirstTrial+Trials−1 of every pattern count.
type CapacityPart struct {
	FirstTrial int            `json:"first_trial"`
	Trials     int            `json:"trials"`
	Outcomes   []TrialOutcome `json:"outcomes"` // pattern count major, then trial
}

// TrialOutcome is what one trial counted: stable stored patterns,
// recalled, converged and cycling probes, sweeps, and the sum of the
// probes' final overlaps.
type TrialOutcome struct {
	Patterns  int     `json:"patterns"`
	Fixed     int     `json:"fixed"`
	Recalled  int     `json:"recalled"`
	Converged int     `json:"converged"`
	Cycles    int     `json:"cycles"`
	Sweeps    int     `json:"sweeps"`
	Overlap   float64 `json:"overlap"`
}

// MergeCapacity joins the parts of one experiment — MeasureCapacity with
// Part 0…n−1 of Parts and otherwise the same options, in part order — into
// exactly the report of one run of all the trials (Seconds is the sum of
// the parts'). It refuses parts of different experiments and trials that
// are missing or repeated.
func MergeCapacity(parts []*CapacityReport) (*CapacityReport, error) {
	if len(parts) == 0 || parts[0].Part == nil {
		return nil, fmt.Errorf("hopfield: merge capacity: no parts: %w", ErrOption)
	}
	r := *parts[0]
	opt := CapacityOptions{Neurons: r.Neurons, Trials: r.Trials}
	for _, res := range r.Results {
		opt.Patterns = append(opt.Patterns, res.Patterns)
	}
	outs := make([]trialOut, len(opt.Patterns)*r.Trials)
	next, seconds := 0, 0.0
	for i, p := range parts {
		pt := p.Part
		if pt == nil || p.Kind != r.Kind || p.Rule != r.Rule || p.Neurons != r.Neurons || p.Trials != r.Trials || p.Seed != r.Seed ||
			p.Noise != r.Noise || p.Mode != r.Mode || len(p.Results) != len(r.Results) {
			return nil, fmt.Errorf("hopfield: merge capacity: part %d is not a part of the experiment of part 0: %w", i, ErrOption)
		}
		if pt.FirstTrial != next || len(pt.Outcomes) != pt.Trials*len(opt.Patterns) {
			return nil, fmt.Errorf("hopfield: merge capacity: part %d holds trials from %d, want %d: parts missing or out of order: %w", i, pt.FirstTrial, next, ErrOption)
		}
		for k, o := range pt.Outcomes {
			pi, t := k/pt.Trials, next+k%pt.Trials
			if o.Patterns != opt.Patterns[pi] {
				return nil, fmt.Errorf("hopfield: merge capacity: part %d has %d patterns where part 0 has %d: %w", i, o.Patterns, opt.Patterns[pi], ErrOption)
			}
			outs[pi*r.Trials+t] = trialOut{p: o.Patterns, fixed: o.Fixed, recalled: o.Recalled, converged: o.Converged,
				cycles: o.Cycles, sweeps: o.Sweeps, overlap: o.Overlap}
		}
		next += pt.Trials
		seconds += p.Seconds
	}
	if next != r.Trials {
		return nil, fmt.Errorf("hopfield: merge capacity: the parts hold %d of %d trials: %w", next, r.Trials, ErrOption)
	}
	r.Results, r.Part, r.Seconds = aggregate(&opt, outs, r.Trials), nil, seconds
	return &r, nil
}

// MarshalJSON writes NaN and ±Inf as null.
func (r CapacityReport) MarshalJSON() ([]byte, error) {
	type plain CapacityReport
	return nanjson.Marshal(plain(r))
}

// MarshalJSON writes NaN and ±Inf as null.
func (r CapacityResult) MarshalJSON() ([]byte, error) {
	type plain CapacityResult
	return nanjson.Marshal(plain(r))
}

// MarshalJSON writes NaN and ±Inf as null.
func (r Retrieval) MarshalJSON() ([]byte, error) {
	type plain Retrieval
	return nanjson.Marshal(plain(r))
}

// MeasureCapacity runs Capacity and reports its results with the settings,
// the time it took and the theory marks.
func MeasureCapacity(ctx context.Context, opt CapacityOptions) (*CapacityReport, error) {
	start := time.Now()
	res, outs, err := capacity(ctx, opt)
	if err != nil {
		return nil, err
	}
	opt.validate() // the defaults Capacity used; it cannot fail now
	s := opt.Spec
	r := &CapacityReport{Kind: s.Kind, Rule: s.Label(), Neurons: opt.Neurons, Noise: opt.Noise, Trials: opt.Trials,
		Mode: string(opt.Mode), Seed: opt.Seed, Seconds: time.Since(start).Seconds(),
		Theory: TheoryMarks(s, opt.Neurons), Results: res}
	if s.Kind == KindDense {
		r.Interaction = s.Interaction.String()
	}
	if s.TakesBeta() {
		r.Beta = &s.Beta
	}
	if s.Kind == KindContinuous {
		r.Mode = KindContinuous
	}
	if opt.Mode == Glauber {
		r.Temperature = &opt.Temperature
	}
	if opt.Parts > 1 {
		lo, hi := opt.trialRange()
		r.Part = &CapacityPart{FirstTrial: lo, Trials: hi - lo, Outcomes: make([]TrialOutcome, len(outs))}
		for i, o := range outs {
			r.Part.Outcomes[i] = TrialOutcome{Patterns: o.p, Fixed: o.fixed, Recalled: o.recalled, Converged: o.converged,
				Cycles: o.cycles, Sweeps: o.sweeps, Overlap: o.overlap}
		}
	}
	return r, nil
}

// TheoryMarks are the capacities the literature gives for memories built
// by s with n neurons, by name: for the classical kind
// hebbian_ags_load (α_c), hebbian_most_stable_count, hebbian_all_stable_count,
// storkey_count and pseudo_inverse_count_limit; for the dense kind
// dense_error_free_count (poly:n, relu:n) or exp_count; none for the
// continuous kind. s should be normalized.
func TheoryMarks(s Spec, n int) map[string]float64 {
	switch {
	case s.Kind == KindContinuous:
		return map[string]float64{}
	case s.Kind == KindDense && s.Interaction.Kind == Exp:
		return map[string]float64{"exp_count": ExpCapacity(n)}
	case s.Kind == KindDense:
		return map[string]float64{"dense_error_free_count": DenseCapacity(n, s.Interaction.Degree)}
	}
	return map[string]float64{
		"hebbian_ags_load":           AGSCapacity,
		"hebbian_most_stable_count":  MostStableCapacity(n),
		"hebbian_all_stable_count":   AllStableCapacity(n),
		"storkey_count":              StorkeyCapacity(n),
		"pseudo_inverse_count_limit": float64(n),
	}
}

// Mark is a theoretical capacity, as a load α = p/N, for plots.
type Mark struct {
	Name string
	Load float64
}

// Marks are the report's theory marks to draw: α_c, N/(2 ln N),
// N/(4 ln N) and N/√(2 ln N) for the classical kind, the error-free count
// of poly:n and relu:n, 2^{N/2} for exp.
func (r *CapacityReport) Marks() []Mark {
	n := float64(r.Neurons)
	switch r.Kind {
	case KindClassical:
		return []Mark{{"α_c ≈ 0.138", AGSCapacity}, {"N/(2 ln N)", MostStableCapacity(r.Neurons) / n},
			{"N/(4 ln N)", AllStableCapacity(r.Neurons) / n}, {"N/√(2 ln N)", StorkeyCapacity(r.Neurons) / n}}
	case KindDense:
		if v, ok := r.Theory["exp_count"]; ok {
			return []Mark{{"exp: 2^{N/2}", v / n}}
		}
		_, deg, _ := strings.Cut(r.Interaction, ":")
		return []Mark{{fmt.Sprintf("n=%s: N^{n−1}/(2(2n−3)!! ln N)", deg), r.Theory["dense_error_free_count"] / n}}
	}
	return nil
}

// RecallReport summarizes one recall: what `ebm hopfield recall --json`
// prints. The cue fields (Seed, Input, TargetPattern, Noise, Flipped,
// Masked) and the files (Net, Out, Plot) are the caller's to fill;
// Summarize fills the rest.
type RecallReport struct {
	// Net is the memory's file; Out and Plot are the files of the states
	// and of the energy plot written, "" when none was.
	Net            string    `json:"net,omitempty"`
	Kind           string    `json:"kind"`
	Mode           string    `json:"mode"`
	Temperature    *float64  `json:"temperature,omitempty"`
	Seed           uint64    `json:"seed"`
	Input          string    `json:"input"`
	TargetPattern  *int      `json:"target_pattern"`
	Noise          float64   `json:"noise"`
	Flipped        int       `json:"flipped"`
	Converged      bool      `json:"converged"`
	Sweeps         int       `json:"sweeps"`
	Cycle          bool      `json:"cycle"`
	FinalEnergy    float64   `json:"final_energy"`
	Energies       []float64 `json:"energies"`
	Flips          []int     `json:"flips"`
	NearestPattern *int      `json:"nearest_pattern"`
	Overlap        *float64  `json:"overlap"`
	// InitialOverlap and FinalOverlap are the overlaps with the target
	// pattern before and after, when there is one.
	InitialOverlap *float64        `json:"initial_overlap,omitempty"`
	FinalOverlap   *float64        `json:"target_overlap,omitempty"`
	Classification *Classification `json:"classification"`
	Masked         int             `json:"masked,omitempty"`
	// Beta is set for the dense and continuous kinds, Interaction for the
	// dense kind.
	Beta        *float64 `json:"beta,omitempty"`
	Interaction string   `json:"interaction,omitempty"`
	// Retrieval is the continuous kind's fixed point; the nearest pattern
	// and the classification are then those of the signs of the state.
	Retrieval *Retrieval `json:"retrieval,omitempty"`
	Out       string     `json:"out,omitempty"`
	Plot      string     `json:"plot,omitempty"`
}

// Target is the stored pattern the cue came from, or −1.
func (r *RecallReport) Target() int {
	if r.TargetPattern == nil {
		return -1
	}
	return *r.TargetPattern
}

// MarshalJSON writes NaN and ±Inf as null.
func (r RecallReport) MarshalJSON() ([]byte, error) {
	type plain RecallReport
	return nanjson.Marshal(plain(r))
}

// Summarize reports the recall tr that m ran with opt from the cue that
// cue describes (its Seed, Input, TargetPattern, Noise, Flipped and Masked
// are kept, as Cue and the caller filled them).
func Summarize(m Memory, opt RecallOptions, tr *Trajectory, cue RecallReport) RecallReport {
	s := m.Spec()
	rep := RecallReport{Kind: s.Kind, Mode: string(opt.Mode), Converged: tr.Converged, Sweeps: tr.Sweeps, Cycle: tr.Cycle,
		FinalEnergy: tr.FinalEnergy(), Energies: tr.Energies, Flips: tr.Flips, Retrieval: tr.Retrieval,
		Seed: cue.Seed, Input: cue.Input, Noise: cue.Noise, Flipped: cue.Flipped, Masked: cue.Masked}
	if rep.Mode == "" {
		rep.Mode = string(Async)
	}
	if opt.Mode == Glauber {
		rep.Temperature = &opt.Temperature
	}
	if s.Kind != KindClassical {
		rep.Beta = &s.Beta
	}
	if s.Kind == KindDense {
		rep.Interaction = s.Interaction.String()
	}
	final := tr.Final
	if s.Kind == KindContinuous {
		rep.Mode = KindContinuous
		final = Sign(tr.Final)
	}
	if pats := m.Patterns(); pats != nil && pats.Rows > 0 {
		k, ov := Nearest(pats, final)
		cl := Classify(pats, final, 0)
		rep.NearestPattern, rep.Overlap, rep.Classification = &k, &ov, &cl
	}
	if t := cue.TargetPattern; t != nil && len(tr.Overlaps) > 0 {
		rep.TargetPattern = t
		rep.InitialOverlap, rep.FinalOverlap = &tr.Overlaps[0][*t], &tr.FinalOverlaps()[*t]
	}
	return rep
}

// PickFrames drops frames equal to the one before (a sweep that changed
// nothing), keeping the last, and returns at most k (at least 2) of the
// rest, evenly spread, always the first and the last.
func PickFrames(fr []Frame, k int) []Frame {
	var distinct []Frame
	for i, f := range fr {
		if i > 0 && i < len(fr)-1 && slices.Equal(f.State, fr[i-1].State) {
			continue
		}
		if i == len(fr)-1 && len(distinct) > 0 && len(fr) > 1 && slices.Equal(f.State, distinct[len(distinct)-1].State) {
			distinct[len(distinct)-1] = f
			continue
		}
		distinct = append(distinct, f)
	}
	k = max(k, 2)
	if len(distinct) <= k {
		return distinct
	}
	out := make([]Frame, 0, k)
	for i := 0; i < k; i++ {
		out = append(out, distinct[int(math.Round(float64(i)*float64(len(distinct)-1)/float64(k-1)))])
	}
	return out
}

// CueOptions say how to make a recall cue: a given state or a stored
// pattern, with noise and a mask.
type CueOptions struct {
	// State is the cue (±1, 0/1 or, for the continuous kind, reals; it is
	// copied). When it is nil the cue is row Row of the data set Input
	// (LoadState), or, without an Input, stored pattern Pattern.
	State   []float32
	Input   string
	Row     int
	Pattern int
	// Noise is the fraction of units flipped (see Corrupt); Mask the
	// fraction of the last units hidden: set to −1 for the binary kinds,
	// to 0 (unknown) for the continuous kind. Both in [0, 1].
	Noise, Mask float64
}

// Cue makes the cue o describes for m, drawing the noise from rng, and
// returns it with a report whose Input (o.Input, or "pattern K" for a
// stored pattern), TargetPattern (when the cue is a stored pattern),
// Noise, Flipped and Masked are filled. Errors in an option are
// OptionErrors naming input (with the file), pattern, mask or noise.
func Cue(m Memory, o CueOptions, rng *tensor.Rand) ([]float32, RecallReport, error) {
	rep := RecallReport{Noise: o.Noise, Input: o.Input}
	n := m.Neurons()
	if o.State == nil && o.Input != "" {
		var err error
		if o.State, err = LoadState(o.Input, o.Row); err != nil {
			return nil, rep, optionError("input "+o.Input, err)
		}
	}
	cue := slices.Clone(o.State)
	if o.State == nil {
		rep.Input = fmt.Sprintf("pattern %d", o.Pattern)
		pats := m.Patterns()
		if pats == nil {
			err := fmt.Errorf("hopfield: the memory does not hold its stored patterns: %w", ErrNoPatterns)
			return nil, rep, &OptionError{Option: "pattern", Err: err}
		}
		if o.Pattern < 0 || o.Pattern >= pats.Rows {
			err := fmt.Errorf("hopfield: pattern %d: the memory holds patterns 0 to %d: %w", o.Pattern, pats.Rows-1, ErrOption)
			return nil, rep, &OptionError{Option: "pattern", Err: err}
		}
		cue, rep.TargetPattern = slices.Clone(pats.Row(o.Pattern)), &o.Pattern
	} else if len(cue) != n {
		err := fmt.Errorf("hopfield: a cue of %d values (row %d) for a memory of %d neurons: %w", len(cue), o.Row, n, ErrDimension)
		return nil, rep, optionError("input "+o.Input, err)
	}
	if !(o.Mask >= 0 && o.Mask <= 1) {
		return nil, rep, &OptionError{Option: "mask", Err: fmt.Errorf("hopfield: mask %g is outside [0, 1]: %w", o.Mask, ErrOption)}
	}
	if o.Noise != 0 {
		var err error
		if rep.Flipped, err = Corrupt(cue, o.Noise, rng); err != nil {
			return nil, rep, optionError("noise", err)
		}
	}
	rep.Masked = NoiseFlips(o.Mask, n)
	fill := float32(-1)
	if m.Kind() == KindContinuous {
		fill = 0
	}
	for j := n - rep.Masked; j < n; j++ {
		cue[j] = fill
	}
	return cue, rep, nil
}

// BatchReport is a batched retrieval (RetrieveAll) with its statistics.
// Net, Query (the files of the memory and the queries), Out (of what was
// retrieved) and Weights (of the softmax weights) are the files of
// RetrieveFiles, "" when none.
type BatchReport struct {
	Net       string  `json:"net,omitempty"`
	Query     string  `json:"query,omitempty"`
	Kind      string  `json:"kind"`
	Beta      float64 `json:"beta"`
	Normalize string  `json:"normalize"`
	Queries   int     `json:"queries"`
	Patterns  int     `json:"patterns"`
	Dimension int     `json:"dimension"`
	// ValueDim is the length of the values read out, 0 when the memory
	// retrieves its own patterns.
	ValueDim         int     `json:"value_dim,omitempty"`
	Steps            int     `json:"max_steps"`
	Top              int     `json:"top,omitempty"`
	Seconds          float64 `json:"seconds"`
	QueriesPerSecond float64 `json:"queries_per_second"`
	RetrievalStats
	Results []Retrieval `json:"results"`
	Out     string      `json:"out,omitempty"`
	Weights string      `json:"weights,omitempty"`
}

// RetrieveBatch runs RetrieveAll on the queries and returns its result
// with a report.
func (c *Continuous) RetrieveBatch(ctx context.Context, queries *tensor.Matrix, opt RetrieveOptions) (*RetrieveResult, *BatchReport, error) {
	start := time.Now()
	res, err := c.RetrieveAll(ctx, queries, opt)
	if err != nil {
		return nil, nil, err
	}
	rep := &BatchReport{Kind: c.Kind(), Beta: c.beta, Normalize: string(c.Normalization()), Queries: queries.Rows,
		Patterns: c.Count(), Dimension: c.d, Steps: max(opt.Steps, 1), Top: opt.Top,
		Seconds: time.Since(start).Seconds(), RetrievalStats: Stats(res.Reports), Results: res.Reports}
	if c.values != nil {
		rep.ValueDim = c.values.Cols
	}
	if rep.Seconds > 0 {
		rep.QueriesPerSecond = float64(queries.Rows) / rep.Seconds
	}
	return res, rep, nil
}

// BatchOptions say what RetrieveFiles does: retrieve the rows of the data
// set Query (dataset.Load, any finite reals) with Retrieve and write what
// they retrieve to Out and, when Weights is set, the softmax weights to
// Weights (both .npy; RetrieveOptions.Weights is implied by Weights).
type BatchOptions struct {
	Query, Out, Weights string
	Retrieve            RetrieveOptions
}

// RetrieveFiles retrieves a batch of queries from files (see
// BatchOptions). Errors in an option are OptionErrors naming query, out,
// weights, top or steps.
func RetrieveFiles(ctx context.Context, c *Continuous, o BatchOptions) (*BatchReport, error) {
	for _, f := range []struct{ option, path string }{{"out", o.Out}, {"weights", o.Weights}} {
		if f.path != "" && !strings.EqualFold(filepath.Ext(f.path), ".npy") {
			return nil, &OptionError{Option: f.option, Err: fmt.Errorf("%s: want a .npy file: %w", f.path, ErrOption)}
		}
	}
	if o.Out == "" {
		return nil, &OptionError{Option: "out", Err: fmt.Errorf("no file for the retrieved rows (want R.npy): %w", ErrOption)}
	}
	if o.Retrieve.Top < 0 {
		return nil, &OptionError{Option: "top", Err: fmt.Errorf("%d is negative: %w", o.Retrieve.Top, ErrOption)}
	}
	set, err := dataset.Load(o.Query, dataset.Options{})
	if err != nil {
		return nil, optionError("query", err)
	}
	o.Retrieve.Weights = o.Weights != ""
	res, rep, err := c.RetrieveBatch(ctx, set.X, o.Retrieve)
	switch {
	case errors.Is(err, ErrDimension), errors.Is(err, ErrValue):
		return nil, optionError("query "+o.Query, err)
	case errors.Is(err, ErrOption):
		return nil, optionError("steps", err)
	case err != nil:
		return nil, err
	}
	if err := dataset.SaveNPY(o.Out, res.Out); err != nil {
		return nil, optionError("out", err)
	}
	if o.Weights != "" {
		if err := dataset.SaveNPY(o.Weights, res.Weights); err != nil {
			return nil, optionError("weights", err)
		}
	}
	rep.Query, rep.Out, rep.Weights = o.Query, o.Out, o.Weights
	return rep, nil
}

// FixedPointLimit bounds the work of the fixed-point check of
// StorePatterns (≈ 10,000 modern patterns of 784 units): beyond it the
// check is skipped.
const FixedPointLimit = 1e11

// StoreReport is what storing patterns did: the memory after it, what was
// added, and how many stored patterns are fixed points.
type StoreReport struct {
	// Out is the file written (StoreFile), "" when none was.
	Out string `json:"out,omitempty"`
	Summary
	Added     int    `json:"added"`
	Source    string `json:"source"`
	Binarized bool   `json:"binarized"`
	// FixedPoints is nil when the check was skipped (too large, or the
	// patterns are not known).
	FixedPoints *int    `json:"fixed_points"`
	Seconds     float64 `json:"seconds"`
}

// StorePatterns stores ps in m and reports it.
func StorePatterns(ctx context.Context, m Memory, ps *PatternSet) (*StoreReport, error) {
	start := time.Now()
	if ps.V != nil {
		c, ok := m.(*Continuous)
		if !ok {
			return nil, fmt.Errorf("%s: values apply to continuous memories, not %s: %w", ps.ValueSource, m.Kind(), ErrOption)
		}
		if err := c.StoreValues(ps.X, ps.V); err != nil {
			return nil, fmt.Errorf("%s with %s: %w", ps.Source, ps.ValueSource, err)
		}
	} else if err := m.Store(ps.X); err != nil {
		return nil, fmt.Errorf("%s: %w", ps.Source, err)
	}
	rep := &StoreReport{Added: ps.X.Rows, Source: ps.Source, Binarized: ps.Binarized, Seconds: time.Since(start).Seconds()}
	if fixed, err := m.FixedPoints(ctx, FixedPointLimit); err == nil {
		rep.FixedPoints = &fixed
	} else if !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrNoPatterns) {
		return nil, err
	}
	rep.Summary = Describe(m)
	return rep, nil
}
