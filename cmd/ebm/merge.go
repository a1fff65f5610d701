package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/hopfield"
	"github.com/ebm-go/ebm/internal/cmdutil"
	"github.com/ebm-go/ebm/internal/shard"
	"github.com/ebm-go/ebm/rbm/estimate"
	"github.com/ebm-go/ebm/sweep"
)

type mergeOptions struct {
	IO    *cmdutil.IOStreams
	Files []string
	JSON  bool
	Plot  string
}

func newCmdMerge(io *cmdutil.IOStreams, runF func(context.Context, *mergeOptions) error) *cobra.Command {
	o := &mergeOptions{IO: io}
	c := &cobra.Command{
		Use:   "merge FILE|DIR...",
		Short: "Join the parts written by --shard (rbm eval, hopfield capacity and compare, sweep) into one result",
		Long: `Read the shard files of one run — written by ebm rbm eval, ebm hopfield
capacity or compare with --shard i/n, or by ebm sweep — and print the result
one process would have printed with the same settings and seed:

  rbm eval            the AIS log weights of every chain joined in order:
                      the same log Z, interval and log-likelihoods, to the
                      bit; RAISE the same way
  hopfield capacity   the trials' counts joined: the same tables or JSON
  and compare         (and --plot)
  sweep               the leaderboard of the configurations, best first

"seconds" is the sum over the parts. Parts that do not make one run are
refused, naming the file: another command, model (by its SHA-256), data,
setting or seed, another shard count, or a shard missing or given twice.
A folder stands for the .json files in it.`,
		Example: `  ebm merge part-0.json part-1.json part-2.json part-3.json
  ebm merge results/*.json --json
  ebm merge results/ --plot leaderboard.png`,
		Args: cobra.MinimumNArgs(1),
		RunE: cmdutil.RunWith(o, func(cmd *cobra.Command) error {
			o.Files = cmd.Flags().Args()
			return nil
		}, runF, mergeRun),
	}
	c.Flags().BoolVar(&o.JSON, "json", false, "print JSON, as the command run in one process prints it")
	c.Flags().StringVar(&o.Plot, "plot", "", "draw the result (.png, .svg, .pdf): capacity curves, or the sweep's leaderboard")
	return c
}

func mergeRun(ctx context.Context, o *mergeOptions) error {
	if err := cmdutil.CheckFiles([]cmdutil.File{cmdutil.Path("plot", o.Plot, cmdutil.ExtCurves...)}); err != nil {
		return err
	}
	paths, err := expandDirs(o.Files)
	if err != nil {
		return err
	}
	var files []*shard.File
	for _, p := range paths {
		f, err := shard.Read(p)
		if err != nil {
			return err
		}
		files = append(files, f)
	}
	files, err = shard.Check(files)
	if err != nil {
		return err
	}
	cmd := files[0].Command
	if o.Plot != "" && cmd == "rbm eval" {
		return errors.New("--plot applies only to hopfield capacity, compare and sweep results")
	}
	switch cmd {
	case "rbm eval":
		return mergeEval(o, files)
	case "hopfield capacity", "hopfield compare":
		return mergeCapacity(o, files)
	case "sweep":
		return mergeSweep(o, files)
	}
	return fmt.Errorf("%s: shards of %q: ebm merge knows rbm eval, hopfield capacity, hopfield compare and sweep", files[0].Path, cmd)
}

// expandDirs replaces each folder among args by the .json files in it,
// in name order (a pod without a shell cannot expand a glob).
func expandDirs(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		if fi, err := os.Stat(a); err != nil || !fi.IsDir() {
			out = append(out, a)
			continue
		}
		m, err := filepath.Glob(filepath.Join(a, "*.json"))
		if err != nil {
			return nil, err
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("%s: no .json files in the folder", a)
		}
		out = append(out, m...)
	}
	return out, nil
}

// mergeEval joins the parts of ebm rbm eval --shard.
func mergeEval(o *mergeOptions, files []*shard.File) error {
	var st evalSettings
	parts := make([]*estimate.Evaluation, len(files))
	var rep evalReport
	for i, f := range files {
		var r evalReport
		if err := decodeShard(f, &st, &r); err != nil {
			return err
		}
		if r.Weights == nil {
			return fmt.Errorf("%s: no log weights: not written by --shard", f.Path)
		}
		parts[i] = r.Evaluation
		if i == 0 {
			rep.evalFiles = r.evalFiles
		} else {
			rep.Seconds += r.Seconds
		}
	}
	ev, err := estimate.MergeEvaluations(parts)
	if err != nil {
		return fmt.Errorf("%w (the parts in order: %s)", err, shard.Paths(files))
	}
	if ev.Method == "ais" && ev.Chains != st.Chains {
		return fmt.Errorf("the parts hold %d AIS chains, the settings say --chains %d (%s)", ev.Chains, st.Chains, shard.Paths(files))
	}
	rep.Evaluation = ev
	if o.JSON {
		return cmdutil.WriteJSON(o.IO.Out, rep)
	}
	printEval(&rbmEvalOptions{IO: o.IO, Model: rep.Model}, &rep)
	return nil
}

// mergeCapacity joins the parts of ebm hopfield capacity or compare
// --shard: one report per memory, each merged across the parts.
func mergeCapacity(o *mergeOptions, files []*shard.File) error {
	var st capacitySettings
	var byMemory [][]*hopfield.CapacityReport
	for _, f := range files {
		var reps []*hopfield.CapacityReport
		if err := decodeShard(f, &st, &reps); err != nil {
			return err
		}
		if len(reps) != len(st.Memories) {
			return fmt.Errorf("%s holds %d reports for %d memories", f.Path, len(reps), len(st.Memories))
		}
		if byMemory == nil {
			byMemory = make([][]*hopfield.CapacityReport, len(reps))
		}
		for i, r := range reps {
			byMemory[i] = append(byMemory[i], r)
		}
	}
	var reports []*hopfield.CapacityReport
	for i, parts := range byMemory {
		r, err := hopfield.MergeCapacity(parts)
		if err != nil {
			return fmt.Errorf("%s: %w", st.Memories[i].Label(), err)
		}
		// The theory again from the Spec: JSON has no ±Inf (a capacity of
		// 2^{N/2} beyond float64 is written as null).
		spec, err := st.Memories[i].Normalize()
		if err != nil {
			return fmt.Errorf("%s: %w", files[0].Path, err)
		}
		r.Theory = hopfield.TheoryMarks(spec, r.Neurons)
		reports = append(reports, r)
	}
	return writeCapacity(o.IO.Out, reports, o.Plot, st.LogX, o.JSON, true)
}

// mergeSweep prints the leaderboard of a sweep's result files.
func mergeSweep(o *mergeOptions, files []*shard.File) error {
	rs := make([]*sweep.Result, len(files))
	for i, f := range files {
		rs[i] = new(sweep.Result)
		if err := decodeShard(f, nil, rs[i]); err != nil {
			return err
		}
		if rs[i].Index != f.Shard.Index || rs[i].Eval == nil {
			return fmt.Errorf("%s: the result of configuration %d is filed as shard %d", f.Path, rs[i].Index, f.Shard.Index)
		}
	}
	return writeLeaderboard(o.IO.Out, rs, o.Plot, o.JSON)
}
