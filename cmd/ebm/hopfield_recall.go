package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/hopfield"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/viz"
)

type hopfieldRecallOptions struct {
	IO *ioStreams
	// Net is the memory file; Kind, when set, the kind it must hold.
	Net, Kind string
	// The cue: Input (row Row), or stored pattern Pattern when HasPattern;
	// Noise flips and Mask hides a fraction of its units.
	Input       string
	Row         int
	Pattern     int
	HasPattern  bool
	Noise, Mask float64
	// The dynamics: Mode at Temperature for at most MaxSweeps sweeps, or
	// Steps updates of a continuous memory (StepsSet: --steps given); Beta
	// overrides the stored β when set.
	Mode        string
	Temperature float64
	MaxSweeps   int
	Steps       int
	StepsSet    bool
	Beta        *float64
	Seed        uint64
	// Query is a batch of queries for a continuous memory.
	Query string
	// Out receives the states (Frames per sweep, at most Tiles in a
	// picture), Plot the energy and overlaps.
	Out, Plot     string
	Frames, Tiles int
	JSON          bool
}

func newCmdHopfieldRecall(io *ioStreams, runF func(context.Context, *hopfieldRecallOptions) error) *cobra.Command {
	opts := &hopfieldRecallOptions{IO: io}
	var beta float64
	c := &cobra.Command{
		Use:   "recall",
		Short: "Recall a stored pattern from a cue and show the trajectory",
		Long: `Run the network's dynamics from a cue until a fixed point (or a 2-cycle in
synchronous mode, or --max-sweeps) and report the result: whether it
converged, the sweeps, the energy after each sweep, the nearest stored
pattern and its overlap m = ξ·s/N, and what the final state is (a stored
pattern, a reversed pattern, a mixture of an odd number of patterns, or
other).

The cue is --input (a PNG or .npy file; --row picks a row of a .npy) or
--pattern K, stored pattern K (0-based); --noise flips that fraction of its
units (exactly round(noise·N), chosen from --seed).

Modes: async (one unit at a time, a fresh random order each sweep), sync
(all units at once; a 2-cycle is detected and reported), glauber
(stochastic at --temperature T: P(s_i=+1) = σ(2h_i/T), runs --max-sweeps).
Dense memories run async or sync energy-difference updates. Continuous
memories run ξ ← X softmax(β Xᵀξ) for at most --steps updates (default 1),
stopping when no entry changes by more than 1e-6, and report the fixed
point: a single pattern, a metastable average of a few (with the effective
number 1/Σp²) or the global average; --beta overrides the stored β (also
for a dense exp memory).

--mask F hides the last round(F·N) units of the cue (the lower part of an
image): they are set to −1 for binary kinds and to 0 (unknown) for the
continuous kind.

--query Q.npy --out R.npy retrieves a whole batch with a continuous memory
(rows are queries, any real values): two matrix products per update.

--out writes the states as a picture (.png: input, --frames states per
sweep, result, left to right, at most --tiles tiles; states a sweep left
unchanged are shown once) or an array (.npy, one state per row); --plot
writes the energy and the overlaps per sweep (.png, .svg or .pdf). With a
.png --out, the plot goes by default next to it as NAME-energy.png
(--plot none: no plot).`,
		Example: `  ebm hopfield recall --net net.safetensors --pattern 3 --noise 0.2 --json
  ebm hopfield recall --net digits.safetensors --pattern 1 --noise 0.25 --seed 7 --out recall.png --plot energy.png
  ebm hopfield recall --net net.safetensors --input cue.npy --mode sync
  ebm hopfield recall --net net.safetensors --pattern 0 --noise 0.1 --mode glauber --temperature 0.3 --max-sweeps 50
  ebm hopfield recall --net dense.safetensors --pattern 4 --mask 0.5 --json
  ebm hopfield recall --net cont.safetensors --pattern 2 --noise 0.3 --beta 0.1 --steps 5
  ebm hopfield recall --net cont.safetensors --query queries.npy --out retrieved.npy --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fl := cmd.Flags()
			opts.HasPattern, opts.StepsSet = fl.Changed("pattern"), fl.Changed("steps")
			if fl.Changed("beta") {
				opts.Beta = &beta
			}
			if opts.Query != "" {
				if given := givenFlags(cmd, "input", "pattern", "noise", "mask"); len(given) > 0 {
					return fmt.Errorf("--query and %s: give one or the other", given[0])
				}
			}
			if opts.Plot == "" && strings.EqualFold(filepath.Ext(opts.Out), ".png") {
				opts.Plot = strings.TrimSuffix(opts.Out, filepath.Ext(opts.Out)) + "-energy.png"
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return hopfieldRecallRun(cmd.Context(), opts)
		},
	}
	f := c.Flags()
	f.StringVar(&opts.Net, "net", "", "network file (required)")
	f.StringVar(&opts.Input, "input", "", "cue: a PNG or .npy file (±1, 0/1, or intensities thresholded at 0.5)")
	f.IntVar(&opts.Row, "row", 0, "row of a multi-row --input to use")
	f.IntVar(&opts.Pattern, "pattern", 0, "cue: stored pattern K (0-based)")
	f.Float64Var(&opts.Noise, "noise", 0, "fraction of the cue's units to flip, in [0, 1]")
	f.StringVar(&opts.Mode, "mode", "async", "dynamics: async, sync or glauber")
	f.Float64Var(&opts.Temperature, "temperature", 0, "temperature T > 0 of glauber dynamics")
	f.IntVar(&opts.MaxSweeps, "max-sweeps", hopfield.DefaultMaxSweeps, "sweep limit (glauber runs exactly this many)")
	f.Uint64Var(&opts.Seed, "seed", 1, "random seed (noise, sweep orders, glauber decisions)")
	f.IntVar(&opts.Frames, "frames", 4, "states recorded per sweep for --out")
	f.IntVar(&opts.Tiles, "tiles", 12, "at most this many states in a --out picture (first and last always shown)")
	f.StringVarP(&opts.Out, "out", "o", "", "write the states: .png picture or .npy array (one state per row)")
	f.StringVar(&opts.Plot, "plot", "", "write energy and overlaps per sweep (.png, .svg, .pdf; default with a .png --out: NAME-energy.png; none: no plot)")
	f.StringVar(&opts.Kind, "kind", "", "kind of memory expected in --net (default: whatever the file holds)")
	f.Float64Var(&opts.Mask, "mask", 0, "hide the last fraction of the cue's units (−1, or 0 for continuous), in [0, 1]")
	f.Float64Var(&beta, "beta", 0, "continuous or dense exp: use this β instead of the stored one")
	f.IntVar(&opts.Steps, "steps", 1, "continuous: most updates (stops earlier at a fixed point)")
	f.StringVar(&opts.Query, "query", "", "continuous: a .npy of queries (one per row) to retrieve as a batch into --out R.npy")
	f.BoolVar(&opts.JSON, "json", false, "print a JSON report")
	return c
}

// recallJSON is what recall --json prints: the library's report with the
// files.
type recallJSON struct {
	Net string `json:"net"`
	recallFields
	Out  string `json:"out,omitempty"`
	Plot string `json:"plot,omitempty"`
}

type recallFields hopfield.RecallReport

func hopfieldRecallRun(ctx context.Context, opts *hopfieldRecallOptions) error {
	if opts.Net == "" {
		return errors.New("--net is required")
	}
	mem, meta, err := hopfield.Open(opts.Net)
	if err != nil {
		return err
	}
	if opts.Kind != "" && !strings.EqualFold(opts.Kind, mem.Kind()) {
		return fmt.Errorf("--kind %s: %s holds a %s memory", opts.Kind, opts.Net, mem.Kind())
	}
	if opts.Beta != nil {
		if mem, err = hopfield.WithBeta(mem, *opts.Beta); err != nil {
			return fmt.Errorf("--beta: %w", err)
		}
	}
	continuous := mem.Kind() == hopfield.KindContinuous
	switch {
	case opts.StepsSet && !continuous:
		return fmt.Errorf("--steps applies to continuous memories; %s holds a %s one (use --max-sweeps)", opts.Net, mem.Kind())
	case opts.Steps < 1:
		return fmt.Errorf("--steps %d: want at least 1", opts.Steps)
	case !(opts.Mask >= 0 && opts.Mask <= 1):
		return fmt.Errorf("--mask %g is outside [0, 1]", opts.Mask)
	case opts.Query != "":
		c, ok := mem.(*hopfield.Continuous)
		if !ok {
			return fmt.Errorf("--query retrieves a batch with a continuous memory; %s holds a %s one", opts.Net, mem.Kind())
		}
		return recallBatch(ctx, opts, c)
	}
	m, err := hopfield.ParseMode(opts.Mode)
	if err != nil {
		return fmt.Errorf("--mode: %w", err)
	}
	if !(opts.Noise >= 0 && opts.Noise <= 1) {
		return fmt.Errorf("--noise %g is outside [0, 1]", opts.Noise)
	}
	rng := tensor.NewRand(opts.Seed)
	cue, rep, err := recallCue(opts, mem, rng)
	if err != nil {
		return err
	}
	ropt := hopfield.RecallOptions{Mode: m, MaxSweeps: opts.MaxSweeps, Temperature: opts.Temperature, Rand: rng, Frames: opts.Frames}
	if continuous {
		ropt.MaxSweeps = opts.Steps
	}
	if opts.Out != "" && opts.Frames < 1 {
		ropt.Frames = 1
	}
	tr, err := mem.Recall(ctx, cue, ropt)
	if err != nil {
		return err
	}
	target := -1
	if opts.HasPattern {
		target = opts.Pattern
	}
	sum := hopfield.Summarize(mem, ropt, &tr, target)
	sum.Seed, sum.Input, sum.Noise, sum.Flipped, sum.Masked = opts.Seed, rep.Input, opts.Noise, rep.Flipped, rep.Masked
	out := recallJSON{Net: opts.Net, recallFields: recallFields(sum)}
	if err := recallFiles(opts, &out, &tr, mem, meta); err != nil {
		return err
	}
	if opts.JSON {
		return writeJSON(opts.IO.Out, out)
	}
	printRecall(opts.IO.Out, &out, &tr)
	return nil
}

// recallCue builds the cue: the input row or the stored pattern, with
// noise and mask applied. rep gets Input, Flipped and Masked.
func recallCue(opts *hopfieldRecallOptions, mem hopfield.Memory, rng *tensor.Rand) ([]float32, hopfield.RecallReport, error) {
	var rep hopfield.RecallReport
	var cue []float32
	n := mem.Neurons()
	switch {
	case opts.Input != "" && opts.HasPattern:
		return nil, rep, errors.New("give either --input or --pattern, not both")
	case opts.Input != "":
		set, err := dataset.Load(opts.Input, dataset.Options{})
		if err != nil {
			return nil, rep, err
		}
		if opts.Row < 0 || opts.Row >= set.Len() {
			return nil, rep, fmt.Errorf("--row %d: %s has %d rows", opts.Row, opts.Input, set.Len())
		}
		x, _, err := hopfield.BipolarSet(set.Subset([]int{opts.Row}))
		if err != nil {
			return nil, rep, fmt.Errorf("%s: %w", opts.Input, err)
		}
		if x.Cols != n {
			return nil, rep, fmt.Errorf("%s has %d values, but the network in %s has %d neurons", opts.Input, x.Cols, opts.Net, n)
		}
		cue, rep.Input = x.Row(0), opts.Input
	case opts.HasPattern:
		pats := mem.Patterns()
		if pats == nil {
			return nil, rep, fmt.Errorf("%s does not hold its stored patterns: give a cue with --input", opts.Net)
		}
		if opts.Pattern < 0 || opts.Pattern >= pats.Rows {
			return nil, rep, fmt.Errorf("--pattern %d: %s holds patterns 0 to %d", opts.Pattern, opts.Net, pats.Rows-1)
		}
		cue, rep.Input = append([]float32(nil), pats.Row(opts.Pattern)...), fmt.Sprintf("pattern %d", opts.Pattern)
	default:
		return nil, rep, errors.New("give a cue: --input FILE or --pattern K")
	}
	if opts.Noise > 0 {
		var err error
		if rep.Flipped, err = hopfield.Corrupt(cue, opts.Noise, rng); err != nil {
			return nil, rep, err
		}
	}
	rep.Masked = hopfield.NoiseFlips(opts.Mask, n)
	fill := float32(-1)
	if mem.Kind() == hopfield.KindContinuous {
		fill = 0 // unknown
	}
	for j := n - rep.Masked; j < n; j++ {
		cue[j] = fill
	}
	return cue, rep, nil
}

// recallFiles writes the states (--out) and the plot (--plot).
func recallFiles(opts *hopfieldRecallOptions, out *recallJSON, tr *hopfield.Trajectory, mem hopfield.Memory, meta map[string]string) error {
	if opts.Out != "" {
		if err := writeRecallStates(opts.Out, tr, mem.Neurons(), meta, opts.Tiles); err != nil {
			return err
		}
		out.Out = opts.Out
	}
	if opts.Plot != "" && opts.Plot != "none" {
		if err := plotRecall(opts.Plot, tr, out.FinalOverlap != nil, opts.Pattern, mem.Spec().EnergyLabel()); err != nil {
			return err
		}
		out.Plot = opts.Plot
	}
	return nil
}

// batchReport is what recall --query --json prints.
type batchReport struct {
	Net              string               `json:"net"`
	Kind             string               `json:"kind"`
	Beta             float64              `json:"beta"`
	Query            string               `json:"query"`
	Queries          int                  `json:"queries"`
	Patterns         int                  `json:"patterns"`
	Dimension        int                  `json:"dimension"`
	Steps            int                  `json:"max_steps"`
	Seconds          float64              `json:"seconds"`
	QueriesPerSecond float64              `json:"queries_per_second"`
	Converged        int                  `json:"converged"`
	FixedPoints      map[string]int       `json:"fixed_points"`
	MeanEffective    float64              `json:"mean_effective_patterns"`
	Out              string               `json:"out"`
	Results          []hopfield.Retrieval `json:"results"`
}

// recallBatch is recall --query: one batched retrieval.
func recallBatch(ctx context.Context, opts *hopfieldRecallOptions, c *hopfield.Continuous) error {
	if !strings.EqualFold(filepath.Ext(opts.Out), ".npy") {
		return fmt.Errorf("--query needs --out R.npy for the retrieved states, got %q", opts.Out)
	}
	set, err := dataset.Load(opts.Query, dataset.Options{})
	if err != nil {
		return err
	}
	if set.X.Cols != c.Neurons() {
		return fmt.Errorf("%s has queries of %d values, but the memory in %s has dimension %d", opts.Query, set.X.Cols, opts.Net, c.Neurons())
	}
	start := time.Now()
	r, reps, err := c.Retrieve(ctx, set.X, hopfield.RetrieveOptions{Steps: opts.Steps})
	if err != nil {
		return fmt.Errorf("%s: %w", opts.Query, err)
	}
	secs := time.Since(start).Seconds()
	if err := dataset.SaveNPY(opts.Out, r); err != nil {
		return err
	}
	rep := batchReport{Net: opts.Net, Kind: c.Kind(), Beta: c.Beta(), Query: opts.Query, Queries: r.Rows, Patterns: c.Count(),
		Dimension: c.Neurons(), Steps: opts.Steps, Seconds: secs, FixedPoints: map[string]int{}, Out: opts.Out}
	if secs > 0 {
		rep.QueriesPerSecond = float64(r.Rows) / secs
	}
	for _, x := range reps {
		rep.FixedPoints[string(x.Fixed)]++
		rep.MeanEffective += x.Effective / float64(len(reps))
		if x.Converged {
			rep.Converged++
		}
	}
	if opts.JSON {
		rep.Results = reps
		return writeJSON(opts.IO.Out, rep)
	}
	w := opts.IO.Out
	fmt.Fprintf(w, "retrieved %d queries from %s (β = %g, at most %d steps) in %.3fs (%.0f queries/s); wrote %s\n",
		r.Rows, opts.Net, c.Beta(), opts.Steps, secs, rep.QueriesPerSecond, opts.Out)
	fmt.Fprintf(w, "fixed points: %d single pattern, %d metastable, %d global average; %d converged; mean effective patterns %.3g\n",
		rep.FixedPoints[string(hopfield.FixedSingle)], rep.FixedPoints[string(hopfield.FixedMetastable)],
		rep.FixedPoints[string(hopfield.FixedGlobal)], rep.Converged, rep.MeanEffective)
	return nil
}

func printRecall(w io.Writer, rep *recallJSON, tr *hopfield.Trajectory) {
	cue := rep.Input
	if rep.Flipped > 0 {
		cue += fmt.Sprintf(" with %d units flipped (noise %g)", rep.Flipped, rep.Noise)
	}
	if rep.Masked > 0 {
		cue += fmt.Sprintf(", last %d units masked", rep.Masked)
	}
	if r := rep.Retrieval; r != nil {
		status := "stopped at the step limit"
		if r.Converged {
			status = "converged"
		}
		what := fmt.Sprintf("a single pattern (%d, weight %.4f)", r.Top, r.TopWeight)
		switch r.Fixed {
		case hopfield.FixedMetastable:
			what = fmt.Sprintf("a metastable average of %.2f effective patterns (largest weight %.4f on pattern %d)", r.Effective, r.TopWeight, r.Top)
		case hopfield.FixedGlobal:
			what = fmt.Sprintf("the global average (%.1f effective patterns)", r.Effective)
		}
		fmt.Fprintf(w, "continuous retrieval (β = %g) from %s: %s after %d step(s); energy %.4g → %.4g; state: %s\n",
			*rep.Beta, cue, status, rep.Sweeps, tr.Energies[0], tr.FinalEnergy(), what)
	} else {
		status := "stopped at the sweep limit"
		switch {
		case rep.Converged:
			status = "converged to a fixed point"
		case rep.Cycle:
			status = "entered a 2-cycle"
		case rep.Temperature != nil:
			status = fmt.Sprintf("ran at temperature %g", *rep.Temperature)
		}
		fmt.Fprintf(w, "%s recall from %s: %s after %d sweeps; energy %.4g → %.4g\n", rep.Mode, cue, status, rep.Sweeps, tr.Energies[0], tr.FinalEnergy())
	}
	if rep.InitialOverlap != nil {
		fmt.Fprintf(w, "overlap with pattern %d: %.4f → %.4f\n", *rep.TargetPattern, *rep.InitialOverlap, *rep.FinalOverlap)
	}
	if c := rep.Classification; c != nil {
		what := string(c.Class)
		switch c.Class {
		case hopfield.ClassStored, hopfield.ClassReversed:
			what = fmt.Sprintf("%s pattern %d", c.Class, c.Patterns[0])
		case hopfield.ClassMixture:
			what = fmt.Sprintf("mixture of patterns %v with signs %v", c.Patterns, c.Signs)
		}
		if c.Class != hopfield.ClassOther && c.Exact {
			what += " (exact)"
		} else if c.Class != hopfield.ClassOther {
			what += fmt.Sprintf(" (overlap %.4f)", c.Overlap)
		}
		fmt.Fprintf(w, "nearest stored pattern %d (overlap %.4f); final state: %s\n", *rep.NearestPattern, *rep.Overlap, what)
	}
	for _, f := range []string{rep.Out, rep.Plot} {
		if f != "" {
			fmt.Fprintf(w, "wrote %s\n", f)
		}
	}
}

func writeRecallStates(path string, tr *hopfield.Trajectory, n int, meta map[string]string, maxTiles int) error {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".png" && ext != ".npy" {
		return fmt.Errorf("%s: unknown output type (want .png or .npy)", path)
	}
	frames := tr.Frames
	if ext == ".png" {
		frames = hopfield.PickFrames(frames, maxTiles)
	}
	rows := tensor.New(len(frames), n)
	for k, f := range frames {
		copy(rows.Row(k), f.State)
	}
	if ext == ".npy" {
		return dataset.SaveNPY(path, rows)
	}
	h, w, err := hopfield.ImageShape(n, meta)
	if err != nil {
		return fmt.Errorf("%s: %w: write .npy instead of a picture", path, err)
	}
	for k, v := range rows.Data { // ±1 → black/white
		rows.Data[k] = (v + 1) / 2
	}
	img, err := viz.Grid(rows, h, w, viz.GridOptions{Cols: len(frames), Scale: max(1, 84/max(h, w)), Pad: 2})
	if err != nil {
		return err
	}
	return viz.SavePNG(path, img)
}

// plotRecall draws the energy and the overlaps with the target and the
// patterns of largest final |m|, up to five curves.
func plotRecall(path string, tr *hopfield.Trajectory, hasTarget bool, target int, energy string) error {
	x := make([]float64, len(tr.Energies))
	for i := range x {
		x[i] = float64(i)
	}
	panels := []viz.Panel{{Title: "Energy", XLabel: "sweep", YLabel: energy, Series: []viz.Series{{Name: "energy", X: x, Y: tr.Energies}}}}
	if len(tr.Overlaps) > 0 {
		final := tr.FinalOverlaps()
		var show []int
		if hasTarget {
			show = append(show, target)
		}
		for len(show) < min(5, len(final)) {
			best := -1
			for mu := range final {
				if !slices.Contains(show, mu) && (best < 0 || math.Abs(final[mu]) > math.Abs(final[best])) {
					best = mu
				}
			}
			show = append(show, best)
		}
		var series []viz.Series
		for _, mu := range show {
			s := viz.Series{Name: fmt.Sprintf("pattern %d", mu), X: x}
			if hasTarget && mu == target {
				s.Name += " (cue)"
			}
			for _, m := range tr.Overlaps {
				s.Y = append(s.Y, m[mu])
			}
			series = append(series, s)
		}
		panels = append(panels, viz.Panel{Title: "Overlap with stored patterns", XLabel: "sweep", YLabel: "m = ξ·s/N", Series: series})
	}
	return viz.Curves(path, panels, 6, 2.6*float64(len(panels)))
}
