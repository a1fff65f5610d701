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
	"github.com/ebm-go/ebm/internal/cmdutil"
	"github.com/ebm-go/ebm/viz"
)

// hopfieldRecallOptions are recall's flags, resolved: the memory (Net,
// Kind, Beta when --beta is given), the cue, the dynamics (Recall, its
// Rand drawn from Seed; Steps for a continuous memory, StepsSet when
// given), a batch Query, and the outputs.
type hopfieldRecallOptions struct {
	IO               *cmdutil.IOStreams
	Net, Kind        string
	Cue              hopfield.CueOptions
	Recall           hopfield.RecallOptions
	Steps            int
	StepsSet         bool
	Beta             *float64
	Seed             uint64
	Query, Out, Plot string
	// Weights, Top and Energy are the batch outputs of --query.
	Weights string
	Top     int
	Energy  bool
	Tiles   int
	JSON    bool
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
(rows are queries, any finite reals, normalized as the memory's keys): two
matrix products per update. A memory stored with --values returns the
values, V softmax(β Kᵀξ) (with --steps > 1 the state iterates on the keys
and the values are read out with the weights of the last update).
--weights W.npy writes the softmax weights of the last update (queries ×
patterns), --top K lists each query's K largest weights with their pattern
indices in --json, and --energy reports each query's energy before every
update and at the end (it never increases).

--out writes the states as a picture (.png: input, --frames states per
sweep, result, left to right, at most --tiles tiles; states a sweep left
unchanged are shown once) or an array (.npy, one state per row); --plot
writes the energy and the overlaps per sweep (.png, .svg or .pdf). With a
.png --out, the plot goes by default next to it as NAME-energy.png
(--plot none: no plot).`

func newCmdHopfieldRecall(io *cmdutil.IOStreams, runF func(context.Context, *hopfieldRecallOptions) error) *cobra.Command {
	opts := &hopfieldRecallOptions{IO: io}
	var beta float64
	var mode string
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
  ebm hopfield recall --net cont.safetensors --query queries.npy --out retrieved.npy --json
  ebm hopfield recall --net kv.safetensors --query Q.npy --out R.npy --weights W.npy --top 5 --energy --json`,
		Args: cobra.NoArgs,
		RunE: cmdutil.RunWith(opts, func(cmd *cobra.Command) error {
			if err := checkRecallCue(cmd, opts); err != nil {
				return err
			}
			var err error
			if opts.Recall.Mode, err = hopfield.ParseMode(mode); err != nil {
				return fmt.Errorf("--mode: %w", err)
			}
			if opts.Steps < 1 {
				return fmt.Errorf("--steps %d: want at least 1", opts.Steps)
			}
			opts.StepsSet = cmd.Flags().Changed("steps")
			if cmd.Flags().Changed("beta") {
				opts.Beta = &beta
			}
			if opts.Plot == "" && strings.EqualFold(filepath.Ext(opts.Out), ".png") {
				opts.Plot = strings.TrimSuffix(opts.Out, filepath.Ext(opts.Out)) + "-energy.png"
			}
			return nil
		}, runF, hopfieldRecallRun),
	}
	f := c.Flags()
	f.StringVar(&opts.Net, "net", "", "network file (required)")
	f.StringVar(&opts.Cue.Input, "input", "", "cue: a PNG or .npy file (±1, 0/1, or intensities thresholded at 0.5)")
	f.IntVar(&opts.Cue.Row, "row", 0, "row of a multi-row --input to use")
	f.IntVar(&opts.Cue.Pattern, "pattern", 0, "cue: stored pattern K (0-based)")
	f.Float64Var(&opts.Cue.Noise, "noise", 0, "fraction of the cue's units to flip, in [0, 1]")
	f.StringVar(&mode, "mode", "async", "dynamics: async, sync or glauber")
	f.Float64Var(&opts.Recall.Temperature, "temperature", 0, "temperature T > 0 of glauber dynamics")
	f.IntVar(&opts.Recall.MaxSweeps, "max-sweeps", hopfield.DefaultMaxSweeps, "sweep limit (glauber runs exactly this many)")
	f.Uint64Var(&opts.Seed, "seed", 1, "random seed (noise, sweep orders, glauber decisions)")
	f.IntVar(&opts.Recall.Frames, "frames", 4, "states recorded per sweep for --out")
	f.IntVar(&opts.Tiles, "tiles", 12, "at most this many states in a --out picture (first and last always shown)")
	f.StringVarP(&opts.Out, "out", "o", "", "write the states: .png picture or .npy array (one state per row)")
	f.StringVar(&opts.Plot, "plot", "", "write energy and overlaps per sweep (.png, .svg, .pdf; default with a .png --out: NAME-energy.png; none: no plot)")
	f.StringVar(&opts.Kind, "kind", "", "kind of memory expected in --net (default: whatever the file holds)")
	f.Float64Var(&opts.Cue.Mask, "mask", 0, "hide the last fraction of the cue's units (−1, or 0 for continuous), in [0, 1]")
	f.Float64Var(&beta, "beta", 0, "continuous or dense exp: use this β instead of the stored one")
	f.IntVar(&opts.Steps, "steps", 1, "continuous: most updates (stops earlier at a fixed point)")
	f.StringVar(&opts.Query, "query", "", "continuous: a .npy of queries (one per row) to retrieve as a batch into --out R.npy")
	f.StringVar(&opts.Weights, "weights", "", "with --query: write the softmax weights (queries × patterns) to this .npy")
	f.IntVar(&opts.Top, "top", 0, "with --query: report each query's K largest weights and their patterns (--json)")
	f.BoolVar(&opts.Energy, "energy", false, "with --query: report each query's energy before every update and at the end")
	f.BoolVar(&opts.JSON, "json", false, "print a JSON report")
	cmdutil.Minimum(c, 0, "row", "pattern", "top")
	cmdutil.Minimum(c, 1, "max-sweeps", "frames", "steps")
	cmdutil.Minimum(c, 2, "tiles")
	return c
}

// checkRecallCue checks that the flags give one cue: --query, or --input
// or --pattern (the library checks --noise and --mask).
func checkRecallCue(cmd *cobra.Command, opts *hopfieldRecallOptions) error {
	pattern := cmd.Flags().Changed("pattern")
	if opts.Query == "" {
		for _, f := range []string{"weights", "top", "energy"} {
			if cmd.Flags().Changed(f) {
				return fmt.Errorf("--%s applies to a batch: give --query Q.npy", f)
			}
		}
	}
	switch {
	case opts.Query != "":
		for _, f := range []string{"input", "pattern", "noise", "mask"} {
			if cmd.Flags().Changed(f) {
				return fmt.Errorf("--query and --%s: give one or the other", f)
			}
		}
	case opts.Cue.Input != "" && pattern:
		return errors.New("give either --input or --pattern, not both")
	case opts.Cue.Input == "" && !pattern:
		return errors.New("give a cue: --input FILE or --pattern K")
	}
	return nil
}

func hopfieldRecallRun(ctx context.Context, opts *hopfieldRecallOptions) error {
	if err := cmdutil.CheckFiles([]cmdutil.File{cmdutil.Path("out", opts.Out, cmdutil.ExtRows...), cmdutil.Path("plot", opts.Plot, cmdutil.ExtCurves...), cmdutil.Path("weights", opts.Weights, cmdutil.ExtNPY...)},
		cmdutil.Path("net", opts.Net), cmdutil.Path("input", opts.Cue.Input), cmdutil.Path("query", opts.Query)); err != nil {
		return err
	}
	mem, meta, err := recallMemory(opts)
	if err != nil {
		return err
	}
	if opts.Query != "" {
		c, ok := mem.(*hopfield.Continuous)
		if !ok {
			return fmt.Errorf("--query retrieves a batch with a continuous memory; %s holds a %s one", opts.Net, mem.Kind())
		}
		return recallBatch(ctx, opts, c)
	}
	ropt := opts.Recall
	if mem.Kind() == hopfield.KindContinuous {
		ropt.MaxSweeps = opts.Steps
	}
	if opts.Out != "" {
		ropt.Frames = max(ropt.Frames, 1)
	}
	n := float64(mem.Neurons())
	if work := float64(ropt.MaxSweeps) * n * n; work > 1e13 {
		return fmt.Errorf("--max-sweeps %d of %d neurons would take about %.0f hours: too long to finish", ropt.MaxSweeps, mem.Neurons(), work/1e9/3600)
	}
	if err := cmdutil.Fits(opts.IO.MaxMemory, float64(ropt.MaxSweeps)*float64(ropt.Frames+1)*(4*n+64), "--max-sweeps %d × --frames %d recorded states", ropt.MaxSweeps, ropt.Frames); err != nil {
		return err
	}
	tr, rep, err := hopfield.RecallCue(ctx, mem, opts.Cue, ropt, opts.Seed)
	if errors.Is(err, hopfield.ErrNoPatterns) {
		return fmt.Errorf("%s does not hold its stored patterns: give a cue with --input", opts.Net)
	} else if err != nil {
		return err
	}
	rep.Net = opts.Net
	if err := recallFiles(opts, &rep, tr, mem, meta); err != nil {
		return err
	}
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, rep)
	}
	return rep.WriteText(opts.IO.Out)
}

// recallMemory opens --net, checks --kind and --steps against it and
// applies --beta.
func recallMemory(opts *hopfieldRecallOptions) (hopfield.Memory, map[string]string, error) {
	if opts.Net == "" {
		return nil, nil, errors.New("--net is required")
	}
	mem, meta, err := hopfield.Open(opts.Net)
	switch {
	case err != nil:
		return nil, nil, err
	case opts.Kind != "" && !strings.EqualFold(opts.Kind, mem.Kind()):
		return nil, nil, fmt.Errorf("--kind %s: %s holds a %s memory", opts.Kind, opts.Net, mem.Kind())
	case opts.StepsSet && mem.Kind() != hopfield.KindContinuous:
		return nil, nil, fmt.Errorf("--steps applies to continuous memories; %s holds a %s one (use --max-sweeps)", opts.Net, mem.Kind())
	case opts.Beta != nil:
		if mem, err = hopfield.WithBeta(mem, *opts.Beta); err != nil {
			return nil, nil, fmt.Errorf("--beta: %w", err)
		}
	}
	return mem, meta, nil
}

// recallFiles writes the states (--out: a .npy array or a .png picture)
// and the plot (--plot), and names them in rep.
func recallFiles(opts *hopfieldRecallOptions, rep *hopfield.RecallReport, tr *hopfield.Trajectory, mem hopfield.Memory, meta map[string]string) error {
	var err error
	switch ext := strings.ToLower(filepath.Ext(opts.Out)); {
	case opts.Out == "":
	case ext == ".npy":
		err = dataset.SaveNPY(opts.Out, tr.States())
	case ext == ".png":
		err = viz.HopfieldFrames(opts.Out, tr, meta, opts.Tiles)
	default:
		err = fmt.Errorf("%s: unknown output type (want .png or .npy)", opts.Out)
	}
	if err != nil {
		return err
	}
	rep.Out = opts.Out
	if opts.Plot == "" || opts.Plot == "none" {
		return nil
	}
	rep.Plot = opts.Plot
	return viz.HopfieldRecall(opts.Plot, tr, rep.Target(), mem.Spec().EnergyLabel())
}

// recallBatch is recall --query: one batched retrieval.
func recallBatch(ctx context.Context, opts *hopfieldRecallOptions, c *hopfield.Continuous) error {
	rep, err := hopfield.RetrieveFiles(ctx, c, hopfield.BatchOptions{Query: opts.Query, Out: opts.Out, Weights: opts.Weights,
		Retrieve: hopfield.RetrieveOptions{Steps: opts.Steps, Top: opts.Top, Energy: opts.Energy}})
	if err != nil {
		return err
	}
	rep.Net = opts.Net
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, rep)
	}
	return rep.WriteText(opts.IO.Out)
}
