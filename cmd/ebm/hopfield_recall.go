package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/hopfield"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/viz"
)

// hopfieldRecallOptions are recall's flags, resolved: the memory (Net,
// Kind, Beta when --beta is given), the cue (Input row Row, or Pattern when
// HasPattern; Noise, Mask), the dynamics (Mode, Temperature, MaxSweeps;
// Steps for a continuous memory, StepsSet when given), a batch Query, and
// the outputs.
type hopfieldRecallOptions struct {
	IO                   *ioStreams
	Net, Kind, Input     string
	Row, Pattern         int
	HasPattern, StepsSet bool
	Noise, Mask          float64
	Mode                 string
	Temperature          float64
	MaxSweeps, Steps     int
	Beta                 *float64
	Seed                 uint64
	Query, Out, Plot     string
	Frames, Tiles        int
	JSON                 bool
}

// recallLong is recall's help.
const recallLong = `Run the network's dynamics from a cue until a fixed point (or a 2-cycle in
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
(--plot none: no plot).`

func newCmdHopfieldRecall(io *ioStreams, runF func(context.Context, *hopfieldRecallOptions) error) *cobra.Command {
	opts := &hopfieldRecallOptions{IO: io}
	var beta float64
	c := &cobra.Command{
		Use:   "recall",
		Short: "Recall a stored pattern from a cue and show the trajectory",
		Long:  recallLong,
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
	rep.Seed = opts.Seed
	sum := hopfield.Summarize(mem, ropt, &tr, rep)
	out := recallJSON{Net: opts.Net, recallFields: recallFields(sum)}
	if err := recallFiles(opts, &out, &tr, mem, meta); err != nil {
		return err
	}
	if opts.JSON {
		return writeJSON(opts.IO.Out, out)
	}
	if err := sum.WriteText(opts.IO.Out); err != nil {
		return err
	}
	printWrote(opts.IO.Out, out.Out, out.Plot)
	return nil
}

// recallCue builds the cue from --input (row --row) or --pattern, with
// --noise and --mask.
func recallCue(opts *hopfieldRecallOptions, mem hopfield.Memory, rng *tensor.Rand) ([]float32, hopfield.RecallReport, error) {
	c := hopfield.CueOptions{Pattern: opts.Pattern, Noise: opts.Noise, Mask: opts.Mask}
	input := fmt.Sprintf("pattern %d", opts.Pattern)
	switch {
	case opts.Input != "" && opts.HasPattern:
		return nil, hopfield.RecallReport{}, errors.New("give either --input or --pattern, not both")
	case opts.Input != "":
		x, err := hopfield.LoadState(opts.Input, opts.Row)
		if err != nil {
			return nil, hopfield.RecallReport{}, fmt.Errorf("--input, --row: %w", err)
		}
		c.State, input = x, opts.Input
	case !opts.HasPattern:
		return nil, hopfield.RecallReport{}, errors.New("give a cue: --input FILE or --pattern K")
	}
	cue, rep, err := hopfield.Cue(mem, c, rng)
	switch {
	case errors.Is(err, hopfield.ErrNoPatterns):
		return nil, rep, fmt.Errorf("%s does not hold its stored patterns: give a cue with --input", opts.Net)
	case err != nil && c.State != nil:
		return nil, rep, fmt.Errorf("%s, memory %s: %w", opts.Input, opts.Net, err)
	case err != nil:
		return nil, rep, fmt.Errorf("--pattern %d: %s: %w", opts.Pattern, opts.Net, err)
	}
	rep.Input = input
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
		if err := viz.HopfieldRecall(opts.Plot, tr, (*hopfield.RecallReport)(&out.recallFields).Target(), mem.Spec().EnergyLabel()); err != nil {
			return err
		}
		out.Plot = opts.Plot
	}
	return nil
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
	r, rep, err := c.RetrieveBatch(ctx, set.X, opts.Steps)
	if err != nil {
		return fmt.Errorf("%s: %w", opts.Query, err)
	}
	if err := dataset.SaveNPY(opts.Out, r); err != nil {
		return err
	}
	if opts.JSON {
		return writeJSON(opts.IO.Out, struct {
			Net   string `json:"net"`
			Query string `json:"query"`
			hopfield.BatchReport
			Out string `json:"out"`
		}{opts.Net, opts.Query, *rep, opts.Out})
	}
	return rep.WriteText(opts.IO.Out, opts.Net, opts.Out)
}

func writeRecallStates(path string, tr *hopfield.Trajectory, n int, meta map[string]string, maxTiles int) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".npy":
		rows := tensor.New(len(tr.Frames), n)
		for k, f := range tr.Frames {
			copy(rows.Row(k), f.State)
		}
		return dataset.SaveNPY(path, rows)
	case ".png":
		h, w, err := hopfield.ImageShape(n, meta)
		if err != nil {
			return fmt.Errorf("%s: %w: write .npy instead of a picture", path, err)
		}
		return viz.HopfieldStates(path, hopfield.PickFrames(tr.Frames, maxTiles), h, w)
	}
	return fmt.Errorf("%s: unknown output type (want .png or .npy)", path)
}
