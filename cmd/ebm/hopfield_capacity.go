package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/hopfield"
	"github.com/ebm-go/ebm/internal/cmdutil"
	"github.com/ebm-go/ebm/viz"
)

// hopfieldCapacityOptions are the memories to measure (Specs, one curve
// each, on the same patterns and probes), the rest of the experiment
// (Base; its Spec unused), and the outputs: a Plot (log load axis when
// LogX), progress bars unless Quiet, text Tables or JSON.
type hopfieldCapacityOptions struct {
	IO                        *cmdutil.IOStreams
	Specs                     []hopfield.Spec
	Base                      hopfield.CapacityOptions
	Plot                      string
	LogX, Quiet, Tables, JSON bool
	Shard                     shardFlags
	Command                   string // "hopfield capacity" or "hopfield compare": names the shard files
}

func newCmdHopfieldCapacity(io *cmdutil.IOStreams, runF func(context.Context, *hopfieldCapacityOptions) error) *cobra.Command {
	opts := &hopfieldCapacityOptions{IO: io, Command: "hopfield capacity"}
	o := &opts.Base
	var mode string
	var sf specFlags
	c := &cobra.Command{
		Use:   "capacity",
		Short: "Measure how many random patterns a network stores and recalls",
		Long: `For each pattern count p, --trials networks of --neurons units store p random
±1 patterns with --rule; every stored pattern is checked for stability and
probed with --noise of its units flipped. Reported per count:

  fixed_point_fraction  stored patterns left unchanged by one sweep
  recall_fraction       probes whose recall ends exactly on their pattern
  mean_overlap          mean final overlap m = ξ·s/N with the pattern
  bit_error_rate        mean fraction of wrong bits, (1 − m)/2

with standard errors from the spread between trials, the mean sweeps and the
fractions of probes that converged or cycled. --rule takes a comma list to
compare rules on the same patterns (the seed, not the rule, determines the
patterns). Trials run in parallel on all cores (--workers); the results do
not depend on the number of cores.

--plot draws the three fractions against the load α = p/N, one curve per
rule, with the theory: α_c ≈ 0.138 (Hebbian, Amit–Gutfreund–Sompolinsky),
N/(2 ln N) and N/(4 ln N) (most / all Hebbian patterns exactly stable,
McEliece et al.), N/√(2 ln N) (Storkey).

--kind dense measures dense associative memories with --interaction (a
comma list compares several on the same patterns; theory: error-free up to
N^{n−1}/(2(2n−3)!! ln N) patterns for poly:n and relu:n, ~2^{N/2} for exp);
--kind continuous the continuous network at --beta, where a probe counts as
recalled when the signs of the retrieved state equal the pattern and
--max-sweeps is the step limit (default there: 1).`,
		Example: `  ebm hopfield capacity --neurons 100 --patterns 5,10,15,20 --trials 20
  ebm hopfield capacity --kind dense --interaction poly:3,relu:3,exp --neurons 100 --patterns 100,200,400 --noise 0.2
  ebm hopfield capacity --kind continuous --beta 0.5 --neurons 64 --load 1:20:1
  ebm hopfield capacity --neurons 1000 --load 0.05:0.20:0.01 --trials 100 --json
  ebm hopfield capacity --neurons 500 --load 0.02:0.40:0.02 --rule hebbian,storkey,pinv --trials 10 --plot capacity.png`,
		Args: cobra.NoArgs,
	}
	counts := capacityFlags(c, opts, "pattern counts, e.g. 5,10,20", 10, nil)
	c.RunE = cmdutil.RunWith(opts, func(cmd *cobra.Command) error {
		specs, err := sf.specs()
		if err != nil {
			return err
		}
		if o.Mode, err = hopfield.ParseMode(mode); err != nil {
			return fmt.Errorf("--mode: %w", err)
		}
		for i := range specs {
			if specs[i], err = specs[i].Normalize(); err != nil {
				return err
			}
		}
		opts.Specs, opts.Tables = specs, !opts.JSON
		return counts()
	}, runF, hopfieldCapacityRun)
	f := c.Flags()
	f.StringVar(&mode, "mode", "async", "recall dynamics: async, sync or glauber")
	f.Float64Var(&o.Temperature, "temperature", 0, "temperature of glauber dynamics")
	f.IntVar(&o.MaxSweeps, "max-sweeps", 0, "sweep limit per probe (0: 100; continuous: the step limit, 0: 1)")
	sf.register(c, ", or a comma list to compare")
	f.BoolVar(&opts.JSON, "json", false, "print JSON: one object per rule (an array for several rules)")
	return c
}

// capacityFlags adds the flags capacity and compare share to c, which
// must have no RunE yet, and returns the step that resolves them: the
// pattern counts (hopfield.PatternCounts with def) and --quiet with --json.
func capacityFlags(c *cobra.Command, opts *hopfieldCapacityOptions, countsHelp string, trials int, def func(int) []int) func() error {
	f, o := c.Flags(), &opts.Base
	var patterns, load string
	f.IntVar(&o.Neurons, "neurons", 100, "neurons N")
	f.StringVar(&patterns, "patterns", "", countsHelp)
	f.StringVar(&load, "load", "", "loads α = p/N as from:to:step, e.g. 0.05:0.30:0.01 (p = round(α·N))")
	f.Float64Var(&o.Noise, "noise", 0.1, "fraction of each probe's units flipped, in [0, 1]")
	f.IntVar(&o.Trials, "trials", trials, "memories per pattern count")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed (patterns, noise, sweep orders)")
	f.IntVar(&o.Workers, "workers", 0, "trials run in parallel (0: all cores)")
	f.StringVar(&opts.Plot, "plot", "", "write the curves with the theory marks (.png, .svg, .pdf)")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "no progress bars")
	cmdutil.Minimum(c, 2, "neurons")
	cmdutil.Minimum(c, 1, "trials")
	cmdutil.Minimum(c, 0, "workers")
	opts.Shard.register(c, "trials (of every pattern count)")
	return func() error {
		var err error
		if o.Patterns, err = hopfield.PatternCounts(patterns, load, o.Neurons, def); err != nil {
			return err
		}
		if err := opts.Shard.resolve(opts.JSON); err != nil {
			return err
		}
		o.Part, o.Parts = opts.Shard.Index, opts.Shard.Count
		opts.Quiet = opts.Quiet || opts.JSON || !opts.Shard.Whole()
		return nil
	}
}

func hopfieldCapacityRun(ctx context.Context, opts *hopfieldCapacityOptions) error {
	if err := cmdutil.CheckFiles([]cmdutil.File{cmdutil.Path("plot", opts.Plot, cmdutil.ExtCurves...), cmdutil.Path("out", opts.Shard.Out, ".json")}); err != nil {
		return err
	}
	part := !opts.Shard.Whole()
	if part && opts.Plot != "" {
		return errors.New("--plot applies to the whole run: draw the merged parts with ebm merge --plot")
	}
	b := opts.Base
	workers, pmax := cmp.Or(b.Workers, runtime.GOMAXPROCS(0)), slices.Max(append([]int{1}, b.Patterns...))
	for _, s := range opts.Specs {
		if err := cmdutil.Fits(opts.IO.MaxMemory, float64(workers)*hopfield.MemoryBytes(s, b.Neurons, pmax),
			"%d trials at once of %d neurons with up to %d patterns (%s)", workers, b.Neurons, pmax, s.Label()); err != nil {
			return err
		}
	}
	var reports []*hopfield.CapacityReport
	for _, s := range opts.Specs {
		o := opts.Base
		o.Spec = s
		bar := cmdutil.NewProgress(opts.IO.ErrOut, opts.Quiet, s.Label(), "trials")
		o.OnTrial = bar.Update
		rep, err := hopfield.MeasureCapacity(ctx, o)
		bar.Finish()
		if err != nil {
			return err
		}
		reports = append(reports, rep)
		if opts.Tables && !part {
			if err := rep.WriteText(opts.IO.Out); err != nil {
				return err
			}
		}
	}
	if part {
		return opts.Shard.write(opts.IO.Out, opts.Command, opts.settings(), reports)
	}
	return writeCapacity(opts.IO.Out, reports, opts.Plot, opts.LogX, opts.JSON, false)
}

// writeCapacity writes the reports: the plot, then JSON (one object for
// one report, else an array) or, with tables, the text tables.
func writeCapacity(w io.Writer, reports []*hopfield.CapacityReport, plot string, logX, jsonOut, tables bool) error {
	for _, rep := range reports {
		if tables && !jsonOut {
			if err := rep.WriteText(w); err != nil {
				return err
			}
		}
	}
	if plot != "" {
		if err := viz.HopfieldCapacity(plot, reports, logX); err != nil {
			return err
		}
		if !jsonOut {
			fmt.Fprintf(w, "wrote %s\n", plot)
		}
	}
	switch {
	case !jsonOut:
		return nil
	case len(reports) == 1:
		return cmdutil.WriteJSON(w, reports[0])
	}
	return cmdutil.WriteJSON(w, reports)
}

// capacitySettings are what every part of a sharded capacity experiment
// must share.
type capacitySettings struct {
	Memories    []hopfield.Spec `json:"memories"`
	Neurons     int             `json:"neurons"`
	Patterns    []int           `json:"patterns"`
	Noise       float64         `json:"noise"`
	Trials      int             `json:"trials"`
	Seed        uint64          `json:"seed"`
	Mode        string          `json:"mode"`
	Temperature float64         `json:"temperature"`
	MaxSweeps   int             `json:"max_sweeps"`
	LogX        bool            `json:"log_x"`
}

func (opts *hopfieldCapacityOptions) settings() capacitySettings {
	b := opts.Base
	st := capacitySettings{Memories: opts.Specs, Neurons: b.Neurons, Patterns: b.Patterns, Noise: b.Noise, Trials: b.Trials, Seed: b.Seed,
		Mode: string(b.Mode), Temperature: b.Temperature, MaxSweeps: b.MaxSweeps, LogX: opts.LogX}
	return st
}
