package main

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/deep"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/viz"
)

type deepTrainOptions struct {
	IO         *ioStreams
	Data, Test string // Test "": held out by deep.LoadData
	Hidden     []int
	Activation deep.Activation
	Config     deep.Config // without Init: the data's box
	Iters      int
	Grid       int
	Seed       uint64
	Out, Plot  string
	JSON       bool
	Quiet      bool
}

// deepTrainSummary is what deep train --json prints (NaN as null).
type deepTrainSummary struct {
	Model        string   `json:"model"`
	Data         string   `json:"data"`
	Test         string   `json:"test"`
	NTrain       int      `json:"n_train"`
	NTest        int      `json:"n_test"`
	Architecture string   `json:"architecture"`
	Activation   string   `json:"activation"`
	Objective    string   `json:"objective"`
	Sampler      string   `json:"sampler"`
	Steps        int      `json:"steps"`
	StepSize     float64  `json:"step_size"`
	Persistent   bool     `json:"persistent"`
	Iters        int      `json:"iters"`
	Seed         uint64   `json:"seed"`
	Seconds      float64  `json:"seconds"`
	TestNLL      float64  `json:"test_nll"`
	TrueNLL      float64  `json:"true_nll"`
	KL           float64  `json:"kl"`
	LogZ         float64  `json:"log_z"`
	NCELogZ      *float64 `json:"nce_log_z,omitempty"`
	Outside      int      `json:"test_outside_grid"`
	Loss         float64  `json:"loss"`
	EPos         float64  `json:"e_pos"`
	ENeg         float64  `json:"e_neg"`
	Accept       float64  `json:"accept"`
}

func newCmdDeepTrain(io *ioStreams, runF func(context.Context, *deepTrainOptions) error) *cobra.Command {
	o := &deepTrainOptions{IO: io, Config: deep.DefaultConfig()}
	var hidden, act, sampler, objective string
	c := &cobra.Command{
		Use:   "train",
		Short: "Train an MLP energy on (2-D) data by Langevin contrastive divergence or NCE",
		Long: `Train an MLP energy E(x) with Adam on the loss mean E(x⁺) − mean E(x⁻)
+ α(mean E(x⁺)² + mean E(x⁻)²) (--objective cd; x⁻ from --steps steps of the
--sampler from uniform noise on the data box, or from a replay buffer of
--buffer chains restarted with probability --reinit when --persistent), or
by noise-contrastive estimation against a Gaussian fitted to the data
(--objective nce; log Z is learned as a parameter). Gradients are clipped
to the global norm --clip.

On 2-D data the model is evaluated at the end: exp(−E) is normalised on a
--grid × --grid grid over the data box (log Z by log-sum-exp in float64),
giving the test NLL in nats on --test (default: 5000 fresh points of a
built-in data set, or the last 10% of a file, held out); for 8gaussians
and rings also the true NLL and KL(true ‖ model) on the grid. --plot
writes four panels: the true density (or a histogram of the data), the
learned density (same colour scale), a histogram of 5000 model samples
(the replay buffer when persistent, else short-run chains as in training),
and the energy surface.

On a terminal a progress bar shows the iteration; when piped, ten progress
lines go to stderr. --json prints one JSON summary on stdout.`,
		Example: `  ebm deep train --data rings --hidden 64,64 --sampler langevin --steps 60 --step-size 0.01 \
      --iters 2000 --seed 1 --out deep.safetensors --plot density.png --json
  ebm deep train --data 8gaussians --objective nce --iters 2000
  ebm deep train --data moons --persistent --reinit 0.05 --sampler mala --step-size 0.005`,
		Args: cobra.NoArgs,
		RunE: runWith(o, func(cmd *cobra.Command) error {
			if err := o.parse(hidden, act, sampler, objective); err != nil {
				return err
			}
			return nil
		}, runF, deepTrainRun),
	}
	f := c.Flags()
	f.StringVar(&o.Data, "data", "8gaussians", "training data: a built-in 2-D set (8gaussians, moons, rings, checkerboard, pinwheel, swissroll; name:N:seed) or a .npy/.csv file")
	f.StringVar(&o.Test, "test", "auto", "test data spec, or auto (5000 fresh points of a built-in set; else the last 10% of --data)")
	f.StringVar(&hidden, "hidden", "64,64", "hidden layer widths, comma-separated")
	f.StringVar(&act, "activation", "swish", "hidden activation: swish, softplus or leakyrelu")
	f.StringVar(&objective, "objective", "cd", "cd (contrastive, Langevin negatives) or nce (noise-contrastive estimation)")
	f.StringVar(&sampler, "sampler", "langevin", "langevin (unadjusted) or mala (Metropolis-adjusted)")
	cfg := &o.Config
	f.IntVar(&cfg.Sampler.Steps, "steps", 60, "sampler steps per training iteration")
	f.Float64Var(&cfg.Sampler.StepSize, "step-size", 0.01, "Langevin step size η (noise √(2η))")
	f.Float64Var(&cfg.Sampler.NoiseScale, "noise-scale", 1, "langevin: multiply the √(2η) noise (1 is exact Langevin)")
	f.BoolVar(&cfg.Persistent, "persistent", false, "keep chains in a replay buffer instead of starting from noise")
	f.IntVar(&cfg.BufferSize, "buffer", 10000, "persistent: replay buffer size")
	f.Float64Var(&cfg.Reinit, "reinit", 0.05, "persistent: probability that a drawn chain restarts from noise")
	f.IntVar(&o.Iters, "iters", 2000, "training iterations")
	f.IntVar(&cfg.Batch, "batch", 128, "data points (and negatives) per iteration")
	f.Float64Var(&cfg.LR, "lr", 1e-3, "Adam learning rate")
	f.Float64Var(&cfg.Alpha, "alpha", 0.1, "cd: energy regularisation α(E⁺² + E⁻²)")
	f.Float64Var(&cfg.Clip, "clip", 1, "clip the gradient to this global L2 norm (0: no clipping)")
	f.IntVar(&o.Grid, "grid", 300, "2-D evaluation: grid cells per side")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed (initialisation, batches, sampling)")
	f.StringVarP(&o.Out, "out", "o", "deep.safetensors", "model file to write (safetensors)")
	f.StringVar(&o.Plot, "plot", "", "write the density picture (PNG): true | learned | samples | energy")
	f.BoolVar(&o.JSON, "json", false, "print one JSON summary on stdout")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "no progress output")
	return c
}

// parse resolves the flags given as names into o.
func (o *deepTrainOptions) parse(hidden, act, sampler, objective string) error {
	var err error
	if o.Hidden, err = deep.ParseWidths(hidden); err != nil {
		return fmt.Errorf("--hidden %w", err)
	}
	if o.Activation, err = deep.ParseActivation(act); err != nil {
		return fmt.Errorf("--activation: %w", err)
	}
	if o.Config.Sampler.Method, err = deep.ParseMethod(sampler); err != nil {
		return fmt.Errorf("--sampler: %w", err)
	}
	if o.Config.Objective, err = deep.ParseObjective(objective); err != nil {
		return fmt.Errorf("--objective: %w", err)
	}
	if o.Iters < 1 {
		return fmt.Errorf("--iters %d: want at least 1", o.Iters)
	}
	if o.Test == "auto" {
		o.Test = ""
	}
	return nil
}

func deepTrainRun(ctx context.Context, o *deepTrainOptions) error {
	data, err := deep.LoadData(o.Data, o.Test)
	if err != nil {
		return err
	}
	twoD := data.Train.Dim() == 2
	if o.Plot != "" && !twoD {
		return fmt.Errorf("--plot needs 2-D data; %s has %d columns", o.Data, data.Train.Dim())
	}
	if twoD && o.Grid < 2 {
		return fmt.Errorf("--grid %d: want at least 2", o.Grid)
	}
	cfg := o.Config
	cfg.Init = data.Box
	rng := tensor.NewRand(o.Seed)
	net, err := deep.New(data.Train.Dim(), o.Hidden, o.Activation)
	if err != nil {
		return err
	}
	net.Init(rng)
	tr, err := deep.NewTrainer(net, data.Train.X, cfg, rng)
	if err != nil {
		return err
	}
	start := time.Now()
	last, err := deepTrainLoop(ctx, o, tr)
	if err != nil {
		return err
	}
	sum := deepTrainSummary{Model: o.Out, Data: o.Data, Test: data.Test.Name, NTrain: data.Train.Len(), NTest: data.Test.Len(),
		Architecture: net.Architecture(), Activation: o.Activation.String(), Objective: cfg.Objective.String(),
		Sampler: cfg.Sampler.Method.String(), Steps: cfg.Sampler.Steps, StepSize: cfg.Sampler.StepSize,
		Persistent: cfg.Persistent, Iters: o.Iters, Seed: o.Seed, Seconds: time.Since(start).Seconds(),
		Loss: last.Loss, EPos: last.EPos, ENeg: last.ENeg, Accept: last.Accept}
	meta := cfg.Metadata()
	meta["data"], meta["iters"], meta["seed"] = o.Data, strconv.Itoa(o.Iters), strconv.FormatUint(o.Seed, 10)
	nan := math.NaN()
	ev := deep.Eval{TestNLL: nan, TrueNLL: nan, KL: nan, LogZ: nan}
	grid := data.Box.Grid(o.Grid)
	if twoD {
		if ev, err = grid.Evaluate(net, data.Test.X, data.Truth); err != nil {
			return err
		}
		meta["log_z_grid"], meta["test_nll"] = fmtFloat(ev.LogZ), fmtFloat(ev.TestNLL)
	}
	sum.TestNLL, sum.TrueNLL, sum.KL, sum.LogZ, sum.Outside = ev.TestNLL, ev.TrueNLL, ev.KL, ev.LogZ, ev.Outside
	var logZ *float32
	if cfg.Objective == deep.NCE {
		logZ, sum.NCELogZ = &tr.LogZ[0], new(float64(tr.LogZ[0]))
	}
	if err := deep.Save(o.Out, net, logZ, meta); err != nil {
		return err
	}
	if o.Plot != "" {
		if err := deepTrainPlot(o.Plot, tr, grid, ev, data); err != nil {
			return err
		}
	}
	if o.JSON {
		return writeJSON(o.IO.Out, sum)
	}
	deepTrainPrint(o, &sum, cfg, ev, data)
	return nil
}

// deepTrainLoop trains for o.Iters iterations with a progress bar on a
// terminal, or ten lines on ErrOut when it is not one, and returns the last
// iteration's figures.
func deepTrainLoop(ctx context.Context, o *deepTrainOptions, tr *deep.Trainer) (deep.Stats, error) {
	var bar *barT
	if !o.Quiet {
		bar = newProgress(o.IO.ErrOut, "deep train", "it")
	}
	lines := !o.Quiet && bar == nil
	start := time.Now()
	var last deep.Stats
	err := tr.Train(ctx, o.Iters, func(st deep.Stats) {
		last = st
		bar.progress(st.Iter, o.Iters)
		if lines && (st.Iter%max(1, o.Iters/10) == 0 || st.Iter == o.Iters) {
			fmt.Fprintf(o.IO.ErrOut, "iter %d/%d  loss %.4f  E+ %.3f  E- %.3f  |g| %.3g  %.1fs\n",
				st.Iter, o.Iters, st.Loss, st.EPos, st.ENeg, st.GradNorm, time.Since(start).Seconds())
		}
	})
	bar.finish()
	return last, err
}

// deepTrainPlot writes the four-panel density picture with 5000 model samples.
func deepTrainPlot(path string, tr *deep.Trainer, g deep.Grid, ev deep.Eval, data *deep.Data) error {
	samples, err := tr.Samples(5000)
	if err != nil {
		return err
	}
	img, err := deep.DensityPicture(g, ev, data.Truth, data.Train.X, samples)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return viz.SavePNG(path, img)
}

func deepTrainPrint(o *deepTrainOptions, sum *deepTrainSummary, cfg deep.Config, ev deep.Eval, data *deep.Data) {
	w := o.IO.Out
	fmt.Fprintf(w, "trained %s (%s, %s, %s) on %s for %d iterations in %.1fs; wrote %s\n",
		sum.Architecture, sum.Activation, sum.Objective, cfg.Describe(), o.Data, o.Iters, sum.Seconds, o.Out)
	if data.Train.Dim() == 2 {
		fmt.Fprintf(w, "test NLL %s nats on %s (grid %d×%d, log Z %.4f)", fmtOpt(ev.TestNLL, "%.4f"), data.Test.Name, o.Grid, o.Grid, ev.LogZ)
		if data.Truth != nil {
			fmt.Fprintf(w, "; true NLL %.4f, KL(true‖model) %.4f", ev.TrueNLL, ev.KL)
		}
		fmt.Fprintln(w)
	}
	if o.Plot != "" {
		fmt.Fprintf(w, "wrote %s\n", o.Plot)
	}
}
