package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/internal/cmdutil"
	"github.com/ebm-go/ebm/internal/nanjson"
	"github.com/ebm-go/ebm/internal/shard"
	"github.com/ebm-go/ebm/sweep"
	"github.com/ebm-go/ebm/viz"
)

type sweepOptions struct {
	IO          *cmdutil.IOStreams
	Plan, Dir   string
	Local       bool
	Jobs        int
	JSON, Quiet bool
	Plot        string
	Shard       shardFlags
}

func newCmdSweep(io *cmdutil.IOStreams, runF func(context.Context, *sweepOptions) error) *cobra.Command {
	o := &sweepOptions{IO: io}
	c := &cobra.Command{
		Use:   "sweep PLAN.json|PLAN.yaml",
		Short: "Train and measure a grid of RBM configurations: on this machine, or one per array task",
		Long: `Train every configuration of a sweep plan and measure it by AIS, writing one
result file per configuration in --dir (config-K.json, with the model and
its checkpoint beside it).

A plan is a JSON file (or YAML with the same keys, named .yaml or .yml):

  {"data": "bars:4x4", "chains": 100, "betas": 1000,
   "base": {"hidden": 16, "epochs": 30, "batch": 10},
   "grid": {"hidden": [8, 16], "lr": [0.01, 0.05, 0.1, 0.2], "method": ["cd", "pcd"]}}

"grid" combines every value of every key (keys in sorted order, the last
varying fastest); "list" is an array of overrides of "base", one
configuration each. Keys of a configuration: hidden, method, k, epochs,
batch, lr, momentum, weight_decay, seed. Plan keys: data, binarize, limit,
eval_data (default: data), chains (default 100), betas (0: the paper's
schedule), eval_seed.

--shard i/n runs part i of n of the configurations (--shard auto/N with
N configurations: one per Kubernetes Indexed Job pod or Slurm array task).
--local runs them all here, -j at a time, and prints the leaderboard. A
configuration whose result file exists is not run again; one stopped
during training resumes from its checkpoint with the same result. ebm merge
of the result files prints the leaderboard: best mean log-likelihood first.`,
		Example: `  ebm sweep plan.json --dir results --local -j 2
  ebm sweep plan.json --dir results --shard auto/16
  ebm merge results/`,
		Args: cobra.ExactArgs(1),
		RunE: cmdutil.RunWith(o, func(cmd *cobra.Command) error {
			o.Plan = cmd.Flags().Arg(0)
			return nil
		}, runF, sweepRun),
	}
	f := c.Flags()
	f.StringVar(&o.Dir, "dir", "sweep", "folder of the models, checkpoints and result files (made if missing)")
	f.BoolVar(&o.Local, "local", false, "run every configuration on this machine and print the leaderboard")
	f.IntVarP(&o.Jobs, "jobs", "j", 1, "with --local: configurations trained at once")
	f.BoolVar(&o.JSON, "json", false, "with --local: print the leaderboard as JSON")
	f.StringVar(&o.Plot, "plot", "", "with --local: draw the leaderboard (.png, .svg, .pdf)")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "no progress lines on stderr")
	f.StringVar(&o.Shard.Spec, "shard", "", "run part i of n of the configurations: i/n, or auto/n with i from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID")
	cmdutil.Minimum(c, 1, "jobs")
	return c
}

func sweepRun(ctx context.Context, o *sweepOptions) error {
	var err error
	if o.Shard.Shard, err = shard.Parse(o.Shard.Spec, o.Shard.Getenv); err != nil {
		return err
	}
	if o.Local == (o.Shard.Spec != "") {
		return errors.New("give either --local (the whole sweep here) or --shard i/n (part of it)")
	}
	if !o.Local && (o.JSON || o.Plot != "" || o.Jobs != 1) {
		return errors.New("--json, --plot and -j apply only to --local: with --shard, print the leaderboard with ebm merge")
	}
	if err := cmdutil.CheckFiles([]cmdutil.File{cmdutil.Path("plot", o.Plot, cmdutil.ExtCurves...)}, cmdutil.Path("plan", o.Plan)); err != nil {
		return err
	}
	plan, cs, err := sweep.Load(o.Plan)
	if err != nil {
		return err
	}
	lo, hi := o.Shard.Range(len(cs))
	if !o.Local && lo == hi {
		return fmt.Errorf("--shard %s: the plan has %d configurations, so this part has none", o.Shard.Spec, len(cs))
	}
	jobs := 1
	if o.Local {
		jobs = min(o.Jobs, hi-lo)
	}
	if err := sweepFits(o, plan, cs[lo:hi], jobs); err != nil {
		return err
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return fmt.Errorf("--dir: %w", err)
	}
	results, err := runConfigs(ctx, o, plan, cs, lo, hi, jobs)
	if err != nil || !o.Local {
		return err
	}
	return writeLeaderboard(o.IO.Out, results, o.Plot, o.JSON)
}

// sweepFits refuses a sweep whose largest configuration, jobs at a time,
// would not fit --max-memory.
func sweepFits(o *sweepOptions, plan *sweep.Plan, cs []sweep.Config, jobs int) error {
	rows, nv, err := plan.Shape()
	if err != nil {
		return fmt.Errorf("%s: %w", o.Plan, err)
	}
	var most float64
	var label string
	for _, c := range cs {
		if b := plan.Bytes(c, rows, nv); b > most {
			most, label = b, c.Label()
		}
	}
	return cmdutil.Fits(o.IO.MaxMemory, float64(jobs)*most, "-j %d configurations at once, the largest %s on %d×%d data", jobs, label, rows, nv)
}

// runConfigs runs configurations [lo, hi), jobs at a time, each writing
// its result file, and returns the results. A configuration whose result
// file is already there (of this plan) is read, not run again.
func runConfigs(ctx context.Context, o *sweepOptions, plan *sweep.Plan, cs []sweep.Config, lo, hi, jobs int) ([]*sweep.Result, error) {
	results := make([]*sweep.Result, hi-lo)
	errs := make([]error, hi-lo)
	sem := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for k := lo; k < hi; k++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r, done, err := runConfig(ctx, o, plan, cs, k)
			results[k-lo], errs[k-lo] = r, err
			if err == nil && !o.Quiet {
				mu.Lock()
				fmt.Fprintf(o.IO.ErrOut, "config %d/%d %s: mean log-likelihood %.4f (%s)\n", k, len(cs), r.Label, r.Eval.MeanLogLikelihood, done)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return results, errors.Join(errs...)
}

// runConfig runs configuration k and writes its result file — unless a
// run of the same plan wrote it before — and returns the result as read
// back from the file (so the leaderboard of --local is that of ebm merge),
// saying which.
func runConfig(ctx context.Context, o *sweepOptions, plan *sweep.Plan, cs []sweep.Config, k int) (*sweep.Result, string, error) {
	_, _, path := sweep.Paths(o.Dir, k)
	part := shardFlags{Out: path, Shard: shard.Shard{Index: k, Count: len(cs)}}
	want, err := shard.New("sweep", part.Shard, plan, nil, nanjson.Marshal)
	if err != nil {
		return nil, "", err
	}
	done := "done before: " + path
	if f, err := shard.Read(path); err != nil || f.Shard != want.Shard || shard.Match(want, f) != nil {
		r, err := sweep.Run(ctx, plan, cs, k, o.Dir)
		if err != nil {
			return nil, "", err
		}
		if err := part.write(nil, "sweep", plan, r); err != nil {
			return nil, "", err
		}
		done = "wrote " + path
	}
	f, err := shard.Read(path)
	if err != nil {
		return nil, "", err
	}
	var r sweep.Result
	if err := decodeShard(f, nil, &r); err != nil {
		return nil, "", err
	}
	return &r, done, nil
}

// writeLeaderboard ranks the results (sweep.Rank) and prints them: a table
// or JSON, and a plot of the mean log-likelihoods with their intervals.
func writeLeaderboard(w io.Writer, rs []*sweep.Result, plot string, jsonOut bool) error {
	sweep.Rank(rs)
	if plot != "" {
		var rank, ll, low, high []float64
		for i, r := range rs {
			rank = append(rank, float64(i+1))
			ll, low, high = append(ll, r.Eval.MeanLogLikelihood), append(low, r.Eval.MeanLogLikelihoodLow), append(high, r.Eval.MeanLogLikelihoodHigh)
		}
		panel := viz.Panel{Title: "sweep leaderboard (AIS)", XLabel: "rank", YLabel: "mean log-likelihood (nats)",
			Series: []viz.Series{{Name: "estimate", X: rank, Y: ll}, {Name: "−3σ", X: rank, Y: low}, {Name: "+3σ", X: rank, Y: high}}}
		if err := viz.Curves(plot, []viz.Panel{panel}, 0, 0); err != nil {
			return err
		}
	}
	if jsonOut {
		return cmdutil.WriteJSON(w, rs)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "rank\tconfig\tmean log-lik\tinterval\tlog Z\tentropy\tTV\tNN\tepochs\tsettings")
	for i, r := range rs {
		e := r.Eval
		cov := "—\t—\t—"
		if c := r.Coverage; c != nil {
			cov = fmt.Sprintf("%.3f\t%.3f\t%s", c.EntropyBits, c.TV, cmdutil.FmtOpt(c.MedianNN, "%.0f"))
		}
		fmt.Fprintf(tw, "%d\t%d\t%.4f\t[%s, %s]\t%.4f\t%s\t%d\t%s\n", i+1, r.Index, e.MeanLogLikelihood,
			cmdutil.FmtOpt(e.MeanLogLikelihoodLow, "%.4f"), cmdutil.FmtOpt(e.MeanLogLikelihoodHigh, "%.4f"), e.LogZ, cov, r.Epochs, r.Label)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if plot != "" {
		fmt.Fprintf(w, "wrote %s\n", plot)
	}
	return nil
}
