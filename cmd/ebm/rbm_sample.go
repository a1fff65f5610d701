package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/coverage"
	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/deep"
	"github.com/ebm-go/ebm/internal/cmdutil"
	"github.com/ebm-go/ebm/internal/nanjson"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/rbm"
	"github.com/ebm-go/ebm/viz"
)

type rbmSampleOptions struct {
	IO                          *cmdutil.IOStreams
	Model, Init, Out            string
	N, Steps, Cols, Grid, Temps int
	Seed                        uint64
	Binary, JSON                bool
	Data                        cmdutil.DataFlags
	Score                       cmdutil.ScoreFlags
	InitGiven, StepsGiven       bool
}

func newCmdRBMSample(io *cmdutil.IOStreams, runF func(context.Context, *rbmSampleOptions) error) *cobra.Command {
	o := &rbmSampleOptions{IO: io}
	c := &cobra.Command{
		Use:   "sample",
		Short: "Draw samples from an RBM by block Gibbs sampling or parallel tempering",
		Long: `Run --n independent block-Gibbs chains for --steps steps and write the final
means E[v|h] (for binary units the probabilities p(v|h); --binary: the
states) as a PNG grid, or as an n × n_visible array when --out ends in .npy.
Chains start from the units' start — uniform random binary vectors, or v = b
for Gaussian units — (--init random) or from the first --n rows of --data
(--init data).

A model trained by --method restart records the sampler it was trained to
reproduce ("sampler" metadata: chains from noise, k Gibbs steps); --init and
--steps not given take it (--json: "matched_sampler": true). Many more steps
than k sample what the model's equilibrium holds instead, which need not be
the data.

For a model trained on built-in MNIST the samples are scored (--score auto;
package coverage, the same figures as ebm score): each labelled by its
nearest training digit, with the class shares, their entropy, the total
variation to the training labels, the median nearest-neighbour distance and
the share of near-copies (--json: "coverage").

Block Gibbs chains mix slowly between the modes of a model such as an MNIST
RBM: on the default MNIST model the mix of digit classes after 1,000 steps
still depends on where the chains started. --temperatures T > 1 samples by
parallel tempering instead: --n chains at each of T inverse temperatures
evenly spaced from β = 1 down to 1/T (the hot chains, p_β ∝ exp(−βE), cross
between modes easily), all started from the same --init states. Each of the
--steps rounds is one Gibbs step in every chain followed by swaps between
neighbouring temperatures (the 1st and 2nd, 3rd and 4th… on even rounds,
the 2nd and 3rd… on odd ones), accepted with probability
min(1, exp((β_i − β_j)(E(x_i) − E(x_j)))) on the joint states x = (v, h),
which leaves every p_β invariant. The output is the β = 1 chains, after as
many Gibbs steps as plain sampling with the same --steps, in about 2T times
the time (measured on MNIST: 21× for T = 10). --json reports each neighbouring pair's
swap acceptance rate: a pair near 0 cuts the ladder, and the β = 1 chains
then gain nothing from the temperatures beyond it. On the default MNIST model
T = 10 leaves the pairs below β = 0.3 at 0 and T = 50 joins the ladder, but
after 1,000 rounds neither had forgotten its start (docs/results.md,
"Samples: Gibbs vs parallel tempering").

Gaussian–Bernoulli models ("visible": "gaussian") work the same way, tempering
included (at β the visible units have variance σ²/β); samples are written in
data units, and for 2-D data a .png shows the data density (true density of a
built-in toy set, else a histogram of --data) | the model density
exp(−F(v))/Z on a --grid grid | a histogram of the samples | the free energy.`,
		Example: `  ebm rbm sample --model rbm.safetensors --n 64 --steps 1000 --out samples.png
  ebm rbm sample --model rbm.safetensors --init data --data mnist:test --steps 10 --out s.npy
  # parallel tempering with 10 temperatures (β = 1, 0.9, …, 0.1), swap rates as JSON
  ebm rbm sample --model rbm.safetensors --temperatures 10 --init data --data mnist:test \
      --n 64 --steps 1000 --out samples-pt.png --json`,
		Args: cobra.NoArgs,
		RunE: cmdutil.RunWith(o, func(cmd *cobra.Command) error {
			o.InitGiven, o.StepsGiven = cmd.Flags().Changed("init"), cmd.Flags().Changed("steps")
			return o.Data.Resolve(cmd)
		}, runF, rbmSampleRun),
	}
	f := c.Flags()
	f.StringVarP(&o.Model, "model", "m", "", "model file (required)")
	f.IntVarP(&o.N, "n", "n", 64, "number of chains / samples")
	f.IntVar(&o.Steps, "steps", 1000, "Gibbs steps per chain (with --temperatures: rounds of one Gibbs step and one swap round); default: the model's sampler, else 1000")
	f.StringVar(&o.Init, "init", "random", "chain start: random or data; default: the model's sampler, else random")
	f.IntVar(&o.Temps, "temperatures", 1, "parallel tempering with this many inverse temperatures from 1 down to 1/T (1: plain block Gibbs)")
	o.Data.Register(c, "")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed")
	f.BoolVar(&o.Binary, "binary", false, "write the states instead of their means (binary units: bits; Gaussian units: the sampled real values)")
	f.IntVar(&o.Grid, "grid", 100, "2-D Gaussian models: cells per side of the density picture")
	f.IntVar(&o.Cols, "cols", 0, "grid columns (0: about square)")
	f.StringVarP(&o.Out, "out", "o", "samples.png", "output: .png grid or .npy array")
	f.BoolVar(&o.JSON, "json", false, "print a JSON summary on stdout (sampler, temperatures, swap rates, coverage)")
	o.Score.Register(c)
	cmdutil.Minimum(c, 1, "n", "steps", "temperatures")
	cmdutil.Minimum(c, 0, "cols")
	cmdutil.Minimum(c, 2, "grid")
	return c
}

// sampleSummary is what rbm sample --json prints: the run's settings and
// how the library drew the samples.
type sampleSummary struct {
	Out     string  `json:"out"`
	N       int     `json:"n"`
	Steps   int     `json:"steps"`
	Init    string  `json:"init"`
	Seed    uint64  `json:"seed"`
	Seconds float64 `json:"seconds"`
	// MatchedSampler: --init and --steps not given came from the model
	// file's "sampler" (the procedure a model trained by restart matched to
	// the data).
	MatchedSampler bool `json:"matched_sampler"`
	// 2-D Gaussian–Bernoulli models with a .png: the mean log-density of
	// the data under the model and under the true density (toy sets).
	MeanLogDensity     *float64 `json:"mean_log_density,omitempty"`
	TrueMeanLogDensity *float64 `json:"true_mean_log_density,omitempty"`
	// Coverage scores image samples against labelled data (--score).
	Coverage *coverage.Report `json:"coverage,omitempty"`
	draws    *rbm.Draws
}

func (s sampleSummary) MarshalJSON() ([]byte, error) {
	type plain sampleSummary
	return nanjson.Merge(plain(s), s.draws)
}

func rbmSampleRun(ctx context.Context, o *rbmSampleOptions) error {
	if err := cmdutil.CheckFiles([]cmdutil.File{cmdutil.Path("out", o.Out, cmdutil.ExtRows...)}, cmdutil.Path("model", o.Model), cmdutil.Path("data", o.Data.Spec)); err != nil {
		return err
	}
	if o.Cols < 0 || o.Grid < 2 {
		return fmt.Errorf("--cols must not be negative and --grid must be at least 2, got %d and %d", o.Cols, o.Grid)
	}
	m, meta, err := loadModel(o.Model, &o.Data)
	if err != nil {
		return err
	}
	matched, err := o.matchSampler(meta)
	if err != nil {
		return err
	}
	if o.N < 1 || o.Steps < 1 {
		return fmt.Errorf("--n and --steps must be at least 1 (got %d and %d)", o.N, o.Steps)
	}
	if o.Temps < 1 {
		return fmt.Errorf("--temperatures must be at least 1, got %d", o.Temps)
	}
	if err := cmdutil.Fits(o.Data.MaxMemory, rbm.SamplingBytes(m.NVisible(), m.NHidden(), float64(o.N)*float64(o.Temps))+float64(o.Grid)*float64(o.Grid)*64,
		"--n %d × --temperatures %d chains of a %d×%d RBM (and a --grid %d picture)", o.N, o.Temps, m.NVisible(), m.NHidden(), o.Grid); err != nil {
		return err
	}
	density := m.NVisible() == 2 && !isBinary(m.Units()) && strings.EqualFold(filepath.Ext(o.Out), ".png")
	if err := cmdutil.CheckApplies(func(f string) bool { return f == "data" && o.Data.Spec != "" },
		cmdutil.Rule("data", o.Init == "data" || density, "--init data, or a 2-D real-valued model's .png")); err != nil {
		return err
	}
	init, set, err := o.Data.Start(o.Init, meta, o.N, m.CheckData)
	if err != nil {
		return err
	}
	ref, err := o.Score.Reference(meta["data"], m.NVisible())
	if err != nil {
		return err
	}
	start := time.Now()
	d, err := m.Draw(rbm.DrawOptions{N: o.N, Steps: o.Steps, Temperatures: o.Temps, Init: init, Seed: o.Seed})
	if err != nil {
		return err
	}
	sum := sampleSummary{Out: o.Out, N: o.N, Steps: o.Steps, Init: o.Init, Seed: o.Seed, Seconds: time.Since(start).Seconds(),
		MatchedSampler: matched, draws: d}
	res := d.Means
	if o.Binary {
		res = d.States
	}
	if density {
		// 2-D real-valued data: draw densities, not tiles.
		if err := sampleDensity(o, m, meta, set, d.States, &sum); err != nil {
			return err
		}
	} else {
		if err := cmdutil.WriteRows(o.Out, res, o.Cols, meta, set); err != nil {
			return err
		}
		if sum.Coverage, err = o.Score.Score(ctx, ref, res); err != nil {
			return err
		}
	}
	if o.JSON {
		return cmdutil.WriteJSON(o.IO.Out, sum)
	}
	how := fmt.Sprintf("%d Gibbs steps", o.Steps)
	if o.Temps > 1 {
		how = fmt.Sprintf("%d rounds of parallel tempering at %d temperatures (β 1 to %.3g, lowest swap rate %.3f)", o.Steps, o.Temps, d.Betas[o.Temps-1], *d.MinSwapRate)
	}
	fmt.Fprintf(o.IO.Out, "wrote %s: %d samples after %s (init %s, seed %d)\n", o.Out, o.N, how, o.Init, o.Seed)
	if sum.Coverage != nil {
		return sum.Coverage.WriteText(o.IO.Out)
	}
	return nil
}

// matchSampler sets --init and --steps, where not given, from the model's
// "sampler" metadata (rbm.SamplerOf), and reports whether it did.
func (o *rbmSampleOptions) matchSampler(meta map[string]string) (bool, error) {
	sm, ok, err := rbm.SamplerOf(meta)
	if err != nil {
		return false, fmt.Errorf("%s: %w", o.Model, err)
	}
	if !ok || (o.InitGiven && o.StepsGiven) {
		return false, nil
	}
	if !o.InitGiven {
		o.Init = sm.Init
	}
	if !o.StepsGiven {
		o.Steps = sm.Steps
	}
	return true, nil
}

// sampleDensity draws, for a 2-D real-valued model, the data (the true
// density of a built-in toy set, else a histogram) | the model density
// exp(−F(v))/Z on a grid over the data's box | a histogram of the samples |
// the free energy (deep.Density2D), and reports the mean log-density of the
// data under the model (normalized over the box, in data units) and, for a
// toy set, under the true density.
func sampleDensity(o *rbmSampleOptions, m *rbm.RBM, meta map[string]string, set *dataset.Set, states *tensor.Matrix, sum *sampleSummary) error {
	if set == nil {
		spec := cmp.Or(o.Data.Spec, meta["data"])
		if spec == "" {
			return errors.New("a 2-D density picture needs --data")
		}
		var err error
		if set, _, err = modelData(m, &o.Data, spec); err != nil {
			return err
		}
	}
	toy, _, _, _ := dataset.ParseToy2D(set.Name)
	var truth deep.LogDensity
	if f := dataset.Toy2DLogDensity(toy); f != nil {
		truth = f
	}
	free := deep.EnergyFunc{D: 2, F: func(x *tensor.Matrix, e []float64) { m.FreeEnergies(e, m.Standard.Applied(x)) }}
	img, ev, err := deep.Density2D(free, set.X, truth, states, o.Grid)
	if err == nil {
		err = viz.SavePNG(o.Out, img)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", o.Out, err)
	}
	ll, tl := -ev.TestNLL, -ev.TrueNLL
	sum.MeanLogDensity, sum.TrueMeanLogDensity = &ll, &tl
	if !o.JSON {
		fmt.Fprintf(o.IO.Out, "mean log-density of %s (%d rows): model %.4f nats", set.Name, set.Len(), ll)
		if truth != nil {
			fmt.Fprintf(o.IO.Out, ", true density %.4f nats", tl)
		}
		fmt.Fprintln(o.IO.Out)
	}
	return nil
}
