package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ebm-go/ebm/coverage"
	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/deep"
	"github.com/ebm-go/ebm/internal/cmdutil"
	"github.com/ebm-go/ebm/internal/nanjson"
	"github.com/ebm-go/ebm/viz"
)

type deepTrainOptions struct {
	IO         *cmdutil.IOStreams
	Data, Test string // Test "": held out by deep.LoadData
	Hidden     []int
	Activation deep.Activation
	Quadratic  float64
	Config     deep.Config // without Init: the data's box
	Iters      int
	Grid       int
	Seed       uint64
	Out, Plot  string
	JSON       bool
	Quiet      bool
	// Checkpoint ("": from Out; "none": none) is written every Every
	// iterations; Resume continues a checkpoint. Given names the flags given.
	Checkpoint, Resume string
	Every              int
	Given              []string
	Score              cmdutil.ScoreFlags
}

func newCmdDeepTrain(io *cmdutil.IOStreams, runF func(context.Context, *deepTrainOptions) error) *cobra.Command {
	o := &deepTrainOptions{IO: io, Config: deep.DefaultConfig()}
	var hidden, act, sampler, objective, projection, schedule string
	c := &cobra.Command{
		Use:   "train",
		Short: "Train an MLP energy on 2-D or image data by Langevin contrastive divergence, NCE or score matching",
		Long: `Train an MLP energy E(x) with Adam on the loss mean E(x⁺) − mean E(x⁻)
+ α(mean E(x⁺)² + mean E(x⁻)²) (--objective cd; x⁻ from --steps steps of the
--sampler (langevin, mala, or hmc with --leapfrog steps) from uniform noise on the data box, or from a replay buffer of
--buffer chains restarted with probability --reinit when --persistent), or
by noise-contrastive estimation against a Gaussian fitted to the data
(--objective nce; log Z is learned as a parameter), or by score matching,
which needs neither samples nor noise model: denoising (--objective dsm,
L = ½ mean|σ∇E(x + σε) − ε|², noise --sigma) or sliced (--objective ssm,
L = mean[−vᵀ∇²E v + ½|∇E|²] with --projection gaussian or rademacher
directions v; --ssm-plain uses ½(vᵀ∇E)² instead of the variance-reduced
½|∇E|²); docs/deep.md, "Score matching". Gradients are clipped to the
global norm --clip; --lr-schedule cosine lowers the learning rate along a
cosine to 1/100 of --lr over the run (the run as first started: one resumed
with a larger --iters keeps that schedule and goes on at 1/100 of --lr, so
its first iterations are bit-identical to the run it continues).

On a built-in 2-D set, unless --objective or a sampler flag (--sampler,
--steps, --step-size, --leapfrog, --noise-scale, --persistent, --buffer,
--reinit, --alpha) is given, the set's measured defaults apply to the flags
not given: --objective ssm (8gaussians, pinwheel) or dsm with --sigma 0.05
(rings, moons, swissroll; checkerboard: --sigma 0.15 --sigma-end 0.02,
--hidden 64,64,64,64,64,64 and --iters 20000 on 100000 points, i.e.
--data checkerboard:100000), --iters 10000, --lr-schedule cosine
(docs/deep.md, "Score matching: defaults per data set").

On 2-D data the model is evaluated at the end: exp(−E) is normalised on a
--grid × --grid grid over the data box (log Z by log-sum-exp in float64),
giving the test NLL in nats on --test (default: 5000 fresh points of a
built-in data set, or the last 10% of a file, held out); for the six
built-in sets also the true NLL and KL(true ‖ model) on the grid. --plot
writes four panels: the true density (or a histogram of the data), the
learned density (same colour scale), a histogram of 5000 model samples
(the replay buffer when persistent, else short-run chains as in training),
and the energy surface.

On image data (--data mnist; pictures of at least 8×8 pixels) the flags not
given take the image settings (docs/deep.md, "Digits"): short-run chains of
50 steps from uniform noise on the pixel range ([0, 1]⁷⁸⁴), gradient descent
with a little noise (η = 1, --noise-scale 0.007, i.e. noise 0.01), no
persistence (Nijkamp et al. 2019); two hidden layers of 256, 4000
iterations of batch 100, --lr 1e-3, and a fixed (λ/2)|x|² term with
--quadratic 0.03 in the energy, without which the chains keep the part of
their starting noise the first layer does not see. The model records the
sampler, so ebm deep sample draws the same short-run samples. --plot writes
a grid of 100 of them, and they are scored (--score auto; package coverage,
as ebm score; --json "coverage"): the 1,000 samples ebm deep sample --n
1000 --seed 1 draws, each labelled by its nearest MNIST training digit, with
the class shares, their entropy, the total variation to the training labels,
the median nearest-neighbour distance and the share of near-copies.

On a terminal a progress bar shows the iteration; when piped, ten progress
lines go to stderr. --json prints one JSON summary on stdout.

Every --checkpoint-every iterations, and when interrupted, a checkpoint
(model, Adam's moments, replay buffer, random state, settings) goes to
--checkpoint atomically; --resume CHECKPOINT continues the run
bit-identically (only --iters, --out, --checkpoint, --checkpoint-every,
--plot, --json, --quiet and --max-memory may change; the rest comes from
the checkpoint).`,
		Example: `  ebm deep train --data rings --hidden 64,64 --sampler langevin --steps 60 --step-size 0.01 \
      --iters 2000 --seed 1 --out deep.safetensors --plot density.png --json
  ebm deep train --data 8gaussians --objective nce --iters 2000
  ebm deep train --data rings --objective dsm --sigma 0.05 --iters 10000 --lr-schedule cosine
  ebm deep train --data pinwheel --objective ssm --projection rademacher
  ebm deep train --data moons --persistent --reinit 0.05 --sampler mala --step-size 0.005
  ebm deep train --data 8gaussians --sampler hmc --leapfrog 5 --steps 20 --step-size 0.1
  ebm deep train --resume deep.ckpt.safetensors --iters 4000
  ebm deep train --data mnist --out mnist.safetensors --plot digits.png`,
		Args: cobra.NoArgs,
		RunE: cmdutil.RunWith(o, func(cmd *cobra.Command) error {
			cmd.Flags().Visit(func(f *pflag.Flag) { o.Given = append(o.Given, f.Name) })
			return o.parse(hidden, act, sampler, objective, projection, schedule)
		}, runF, deepTrainRun),
	}
	f := c.Flags()
	cfg0 := &o.Config
	f.StringVar(&o.Data, "data", "8gaussians", "training data: a built-in 2-D set (8gaussians, moons, rings, checkerboard, pinwheel, swissroll; name:N:seed) or a .npy/.csv file")
	f.StringVar(&o.Test, "test", "auto", "test data spec, or auto (5000 fresh points of a built-in set; else the last 10% of --data)")
	f.StringVar(&hidden, "hidden", deep.FormatWidths(deep.DefaultHidden()), "hidden layer widths, comma-separated")
	f.StringVar(&act, "activation", "swish", "hidden activation: swish, softplus or leakyrelu")
	f.Float64Var(&o.Quadratic, "quadratic", 0, "add (λ/2)|x|² to the energy with this λ ≥ 0, a Gaussian base that pulls every input toward 0 (images: 0.1)")
	f.StringVar(&objective, "objective", "cd", "cd (contrastive, Langevin negatives), nce (noise-contrastive estimation), dsm (denoising score matching) or ssm (sliced score matching)")
	f.Float64Var(&cfg0.Sigma, "sigma", deep.DefaultSigma, "dsm: noise standard deviation σ")
	f.Float64Var(&cfg0.SigmaEnd, "sigma-end", 0, "dsm: anneal σ geometrically from --sigma to this over the run (needs --lr-schedule cosine; 0: constant σ)")
	f.StringVar(&projection, "projection", "gaussian", "ssm: projection directions, gaussian or rademacher")
	f.BoolVar(&cfg0.SSMPlain, "ssm-plain", false, "ssm: the plain estimator ½(vᵀ∇E)² instead of the variance-reduced ½|∇E|²")
	f.StringVar(&schedule, "lr-schedule", "constant", "learning rate: constant, or cosine (from --lr down to --lr/100 over the run)")
	f.StringVar(&sampler, "sampler", "langevin", "langevin (unadjusted), mala (Metropolis-adjusted) or hmc (Hamiltonian Monte Carlo)")
	cfg, def := &o.Config, deep.DefaultConfig()
	f.IntVar(&cfg.Sampler.Steps, "steps", def.Sampler.Steps, "sampler steps (hmc: iterations) per training iteration")
	f.Float64Var(&cfg.Sampler.StepSize, "step-size", def.Sampler.StepSize, "Langevin step size η (noise √(2η)); hmc: the leapfrog step ε")
	f.IntVar(&cfg.Sampler.Leapfrog, "leapfrog", deep.DefaultLeapfrog, "hmc: leapfrog steps per iteration (each one gradient evaluation)")
	f.Float64Var(&cfg.Sampler.NoiseScale, "noise-scale", 1, "langevin: multiply the √(2η) noise (1 is exact Langevin)")
	f.BoolVar(&cfg.Persistent, "persistent", def.Persistent, "keep chains in a replay buffer (--persistent=false: short-run chains from noise)")
	f.IntVar(&cfg.BufferSize, "buffer", def.BufferSize, "persistent: replay buffer size")
	f.Float64Var(&cfg.Reinit, "reinit", def.Reinit, "persistent: probability that a drawn chain restarts from noise")
	f.IntVar(&o.Iters, "iters", 2000, "training iterations (image data: 4000; built-in 2-D sets without --objective: 10000, checkerboard 20000)")
	f.IntVar(&cfg.Batch, "batch", def.Batch, "data points (and negatives) per iteration")
	f.Float64Var(&cfg.LR, "lr", def.LR, "Adam learning rate")
	f.Float64Var(&cfg.Alpha, "alpha", def.Alpha, "cd: energy regularisation α(E⁺² + E⁻²)")
	f.Float64Var(&cfg.Clip, "clip", def.Clip, "clip the gradient to this global L2 norm (0: no clipping)")
	f.IntVar(&o.Grid, "grid", 300, "2-D evaluation: grid cells per side")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed (initialisation, batches, sampling)")
	f.StringVarP(&o.Out, "out", "o", "deep.safetensors", "model file to write (safetensors)")
	f.StringVar(&o.Checkpoint, "checkpoint", "", "checkpoint written atomically every --checkpoint-every iterations (default: --out with .ckpt.safetensors; none: no checkpoint)")
	f.IntVar(&o.Every, "checkpoint-every", deep.DefaultCheckpointEvery, "iterations between checkpoints")
	f.StringVar(&o.Resume, "resume", "", "continue the run saved in this checkpoint exactly where it stopped (raise --iters to train longer)")
	f.StringVar(&o.Plot, "plot", "", "write the density picture (PNG): true | learned | samples | energy; image data: a grid of 100 samples")
	f.BoolVar(&o.JSON, "json", false, "print one JSON summary on stdout")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "no progress output")
	o.Score.Register(c)
	cmdutil.Minimum(c, 1, "steps", "iters", "batch", "leapfrog")
	cmdutil.Minimum(c, 1, "buffer", "checkpoint-every")
	cmdutil.Minimum(c, 2, "grid")
	return c
}

// parse resolves the flags given as names into o.
func (o *deepTrainOptions) parse(hidden, act, sampler, objective, projection, schedule string) error {
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
	if o.Config.Projection, err = deep.ParseProjection(projection); err != nil {
		return fmt.Errorf("--projection: %w", err)
	}
	switch schedule {
	case "constant":
		o.Config.Decay = 0
	case "cosine":
		o.Config.Decay = -1 // the run's --iters, set once they are known
	default:
		return fmt.Errorf("--lr-schedule %q: want constant or cosine", schedule)
	}
	if !(o.Config.Sigma > 0) || math.IsInf(o.Config.Sigma, 0) {
		return fmt.Errorf("--sigma %g: want a finite number > 0", o.Config.Sigma)
	}
	if !(o.Config.SigmaEnd >= 0) || math.IsInf(o.Config.SigmaEnd, 0) {
		return fmt.Errorf("--sigma-end %g: want a finite number > 0 (or 0: no annealing)", o.Config.SigmaEnd)
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
	var ck *deep.Checkpoint
	if o.Resume != "" {
		var err error
		if ck, err = deepResume(o); err != nil {
			return err
		}
	}
	if ck == nil {
		o.toyPoints()
	}
	if o.Checkpoint == "" {
		o.Checkpoint = strings.TrimSuffix(o.Out, ".safetensors") + ".ckpt.safetensors"
	}
	if err := cmdutil.CheckFiles([]cmdutil.File{cmdutil.Path("out", o.Out), cmdutil.Path("checkpoint", o.Checkpoint), cmdutil.Path("plot", o.Plot, cmdutil.ExtPNG...)}, cmdutil.Path("data", o.Data), cmdutil.Path("test", o.Test)); err != nil {
		return err
	}
	if err := deepDataFits(o); err != nil {
		return err
	}
	data, err := deep.LoadData(o.Data, o.Test)
	if err != nil {
		return err
	}
	image := data.Image()
	if image && ck == nil {
		o.imageDefaults()
	}
	if ck == nil && !image {
		o.toyDefaults()
		if err := o.checkObjectiveFlags(); err != nil {
			return err
		}
	}
	if ck == nil && o.Config.Decay < 0 {
		o.Config.Decay = o.Iters
	}
	if err := deepFits(o, data.Train.Dim()); err != nil {
		return err
	}
	if o.Plot != "" && data.Train.Dim() != 2 && !image {
		return fmt.Errorf("--plot needs 2-D or image data; %s has %d columns", o.Data, data.Train.Dim())
	}
	ref, err := o.Score.Reference(o.Data, data.Train.Dim())
	if err != nil {
		return err
	}
	if data.Train.Dim() == 2 && o.Grid < 2 {
		return fmt.Errorf("--grid %d: want at least 2", o.Grid)
	}
	var fit *deep.Fitted
	if ck != nil {
		fit, err = ck.Resume(data)
	} else {
		fit, err = deep.NewFit(data, deep.FitOptions{Hidden: o.Hidden, Activation: o.Activation, Quadratic: o.Quadratic, Config: o.Config,
			Iters: o.Iters, Seed: o.Seed, Grid: o.Grid})
	}
	if err != nil {
		return err
	}
	opt := &fit.Options
	opt.Iters, opt.Out, opt.Checkpoint, opt.CheckpointEvery = o.Iters, o.Out, o.Checkpoint, o.Every
	if o.Checkpoint == "none" {
		opt.Checkpoint = ""
	}
	var bar *cmdutil.Progress
	if !o.Quiet {
		bar = cmdutil.NewProgress(o.IO.ErrOut, false, "deep train", "it")
		opt.OnIter = deepTrainProgress(o, bar)
	}
	err = fit.Run(ctx)
	bar.Finish()
	if err != nil {
		if ctx.Err() != nil && opt.Checkpoint != "" {
			return fmt.Errorf("interrupted after iteration %d; --resume %s continues the run", fit.Trainer.Iter, o.Checkpoint)
		}
		return err
	}
	if err := fit.Save(o.Out); err != nil {
		return err
	}
	var cov *coverage.Report
	if image {
		if cov, err = deepImageSamples(ctx, o, fit, ref); err != nil {
			return err
		}
	} else if o.Plot != "" {
		img, err := fit.Picture()
		if err != nil {
			return fmt.Errorf("%s: %w", o.Plot, err)
		}
		if err := viz.SavePNG(o.Plot, img); err != nil {
			return err
		}
	}
	if o.JSON {
		b, err := nanjson.Merge(fit.Summary(o.Out), struct {
			Coverage *coverage.Report `json:"coverage,omitempty"`
		}{cov})
		if err != nil {
			return err
		}
		return cmdutil.WriteJSON(o.IO.Out, json.RawMessage(b))
	}
	deepTrainPrint(o, fit)
	if cov != nil {
		fmt.Fprintf(o.IO.Out, "coverage of %d short-run samples (ebm deep sample --n %d --seed %d):\n", deepScoreSamples, deepScoreSamples, deepScoreSeed)
		return cov.WriteText(o.IO.Out)
	}
	return nil
}

// deepScoreSamples and deepScoreSeed are the samples deep train draws from
// an image model for --plot and --score: those of ebm deep sample --n 1000
// --seed 1.
const (
	deepScoreSamples = 1000
	deepScoreSeed    = 1
)

// deepImageSamples draws, when --plot or a coverage reference asks for
// them, the samples ebm deep sample --n 1000 --seed 1 draws from the trained
// image model (the training sampler from noise on the box), writes the
// first 100 as a picture grid to --plot and scores all of them against ref.
func deepImageSamples(ctx context.Context, o *deepTrainOptions, fit *deep.Fitted, ref *coverage.Reference) (*coverage.Report, error) {
	if o.Plot == "" && ref == nil {
		return nil, nil
	}
	meta, net := fit.Metadata(), fit.Trainer.Net
	s, box, err := deep.RecordedSampler(meta, net.Dim(), deep.Sampler{})
	if err != nil {
		return nil, err
	}
	x, _, err := s.Draw(net, box, deepScoreSamples, deepScoreSeed)
	if err != nil {
		return nil, err
	}
	if o.Plot != "" {
		if err := cmdutil.WriteRows(o.Plot, x.SliceRows(0, 100), 10, meta, fit.Data.Train); err != nil {
			return nil, err
		}
	}
	return o.Score.Score(ctx, ref, x)
}

// imageDefaults sets the flags not given to the settings for image data:
// deep.ImageConfig, ImageHidden, ImageQuadratic and ImageIters.
func (o *deepTrainOptions) imageDefaults() {
	img, c := deep.ImageConfig(), &o.Config
	set := func(flag string, apply func()) {
		if !slices.Contains(o.Given, flag) {
			apply()
		}
	}
	set("iters", func() { o.Iters = deep.ImageIters })
	set("hidden", func() { o.Hidden = deep.ImageHidden() })
	set("quadratic", func() { o.Quadratic = deep.ImageQuadratic })
	set("persistent", func() { c.Persistent = img.Persistent })
	set("steps", func() { c.Sampler.Steps = img.Sampler.Steps })
	set("step-size", func() { c.Sampler.StepSize = img.Sampler.StepSize })
	set("noise-scale", func() { c.Sampler.NoiseScale = img.Sampler.NoiseScale })
	set("batch", func() { c.Batch = img.Batch })
	set("lr", func() { c.LR = img.LR })
	set("alpha", func() { c.Alpha = img.Alpha })
	set("clip", func() { c.Clip = img.Clip })
}

// cdFlags are the settings of contrastive training's sampler: given
// without --objective, they keep --objective cd on a built-in set.
var cdFlags = []string{"objective", "sampler", "steps", "step-size", "leapfrog", "noise-scale", "persistent", "buffer", "reinit", "alpha"}

// toyDefaults gives a built-in 2-D set its row of the table
// deep.ToyDefaults (objective, σ, iterations, cosine schedule), each
// setting only where its flag was not given, unless --objective or a flag
// of contrastive training's sampler (cdFlags) was given.
func (o *deepTrainOptions) toyDefaults() {
	_, d, ok := o.toyDefault()
	if !ok {
		return
	}
	c := &o.Config
	c.Objective = d.Objective
	set := func(flag string, apply func()) {
		if !slices.Contains(o.Given, flag) {
			apply()
		}
	}
	set("iters", func() { o.Iters = d.Iters })
	if d.Hidden != nil {
		set("hidden", func() { o.Hidden = d.Hidden })
	}
	set("lr-schedule", func() { c.Decay = -1 })
	if d.Sigma > 0 {
		set("sigma", func() { c.Sigma = d.Sigma })
		set("sigma-end", func() { c.SigmaEnd = d.SigmaEnd })
	}
}

// toyDefault returns the built-in 2-D set --data names and its row of
// deep.ToyDefaults, when that row applies to this run: neither --objective
// nor a flag of contrastive training's sampler (cdFlags) was given.
func (o *deepTrainOptions) toyDefault() (string, deep.ToyDefault, bool) {
	toy, _, _, err := dataset.ParseToy2D(o.Data)
	if err != nil || toy == "" || slices.ContainsFunc(o.Given, func(f string) bool { return slices.Contains(cdFlags, f) }) {
		return "", deep.ToyDefault{}, false
	}
	d, ok := deep.ToyDefaults(toy)
	return toy, d, ok
}

// toyPoints turns a bare built-in set name (--data checkerboard) into
// name:N with the set's default point count, where its row has one: the
// data are drawn before the other defaults apply, and the spec with N is
// what the model file and checkpoint record (so --resume draws the same).
func (o *deepTrainOptions) toyPoints() {
	if toy, d, ok := o.toyDefault(); ok && d.Points > 0 && o.Data == toy {
		o.Data = fmt.Sprintf("%s:%d", toy, d.Points)
	}
}

// checkObjectiveFlags refuses settings of another objective than the run's,
// and σ annealing without a schedule.
func (o *deepTrainOptions) checkObjectiveFlags() error {
	for _, f := range []struct {
		flag string
		obj  deep.Objective
	}{{"sigma", deep.DSM}, {"sigma-end", deep.DSM}, {"projection", deep.SSM}, {"ssm-plain", deep.SSM}} {
		if slices.Contains(o.Given, f.flag) && o.Config.Objective != f.obj {
			return fmt.Errorf("--%s applies to --objective %s only (this run: %s)", f.flag, f.obj, o.Config.Objective)
		}
	}
	if o.Config.SigmaEnd > 0 && o.Config.Decay == 0 {
		return errors.New("--sigma-end anneals over the run's schedule: give --lr-schedule cosine too")
	}
	return nil
}

// deepResumable lists the flags --resume may be given with; every other
// setting comes from the checkpoint, so the run continues exactly.
var deepResumable = []string{"resume", "iters", "out", "checkpoint", "checkpoint-every", "plot", "json", "quiet", "max-memory", "score", "score-labels", "near-copy"}

// deepResume loads the checkpoint and takes the run's settings from it:
// --out unless given, --iters (at least the iterations done) unless given.
func deepResume(o *deepTrainOptions) (*deep.Checkpoint, error) {
	var bad []string
	for _, f := range o.Given {
		if !slices.Contains(deepResumable, f) {
			bad = append(bad, "--"+f)
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("--resume continues the checkpoint's run exactly; %s cannot change (allowed: --%s)", strings.Join(bad, ", "), strings.Join(deepResumable[1:], ", --"))
	}
	ck, err := deep.LoadCheckpoint(o.Resume)
	if err != nil {
		return nil, err
	}
	r := ck.Options
	o.Data, o.Test, o.Hidden, o.Activation, o.Config, o.Seed, o.Grid = ck.Data, ck.Test, r.Hidden, r.Activation, r.Config, r.Seed, r.Grid
	o.Quadratic = r.Quadratic
	if !slices.Contains(o.Given, "out") && r.Out != "" {
		o.Out = r.Out
	}
	if !slices.Contains(o.Given, "iters") {
		o.Iters = r.Iters
	} else if o.Iters < ck.Done {
		return nil, fmt.Errorf("--iters %d: the checkpoint has %d iterations done already (give at least %d)", o.Iters, ck.Done, ck.Done)
	}
	return ck, nil
}

// deepTrainProgress moves bar, or, when ErrOut is not a terminal, prints
// ten progress lines there.
func deepTrainProgress(o *deepTrainOptions, bar *cmdutil.Progress) func(deep.Stats) {
	start := time.Now()
	return func(st deep.Stats) {
		bar.Update(st.Iter, o.Iters)
		if bar == nil && (st.Iter%max(1, o.Iters/10) == 0 || st.Iter == o.Iters) {
			fmt.Fprintf(o.IO.ErrOut, "iter %d/%d  loss %.4f  E+ %.3f  E- %.3f  |g| %.3g  %.1fs\n",
				st.Iter, o.Iters, st.Loss, st.EPos, st.ENeg, st.GradNorm, time.Since(start).Seconds())
		}
	}
}

func deepTrainPrint(o *deepTrainOptions, fit *deep.Fitted) {
	w, ev, data := o.IO.Out, fit.Eval, fit.Data
	arch := fit.Trainer.Net.Architecture()
	if o.Quadratic != 0 {
		arch += fmt.Sprintf(" + %g|x|²/2", o.Quadratic)
	}
	fmt.Fprintf(w, "trained %s (%s, %s, %s) on %s for %d iterations in %.1fs; wrote %s\n",
		arch, o.Activation, o.Config.Objective, o.Config.Describe(),
		o.Data, o.Iters, fit.Seconds, o.Out)
	if fit.TwoD() {
		fmt.Fprintf(w, "test NLL %s nats on %s (grid %d×%d, log Z %.4f)",
			cmdutil.FmtOpt(ev.TestNLL, "%.4f"), data.Test.Name, o.Grid, o.Grid, ev.LogZ)
		if data.Truth != nil {
			fmt.Fprintf(w, "; true NLL %.4f, KL(true‖model) %.4f", ev.TrueNLL, ev.KL)
		}
		fmt.Fprintln(w)
	}
	if o.Plot != "" {
		fmt.Fprintf(w, "wrote %s\n", o.Plot)
	}
}

// deepDataFits refuses --data or --test too large for --max-memory before
// either is loaded.
func deepDataFits(o *deepTrainOptions) error {
	for flag, spec := range map[string]string{"data": o.Data, "test": o.Test} {
		if err := cmdutil.SpecFits(o.IO.MaxMemory, flag, spec); err != nil {
			return err
		}
	}
	return nil
}

// deepFits refuses a network, batches, a replay buffer or a grid too
// large for --max-memory before any is made: the weights with Adam's two
// moments and the gradient, a batch's activations forward and backward
// for the data and the negatives, the buffer of d-dimensional states, and
// the grid's energies.
func deepFits(o *deepTrainOptions, d int) error {
	limit := o.IO.MaxMemory
	w := append(append([]int{d}, o.Hidden...), 1)
	var params, units float64
	for i := 1; i < len(w); i++ {
		params += float64(w[i-1]+1) * float64(w[i])
		units += float64(w[i])
	}
	c := o.Config
	buffer := 0.0
	if c.Persistent {
		buffer = float64(c.BufferSize) * float64(d)
	}
	bytes := 4*(4*params+4*float64(c.Batch)*(units+float64(d))+buffer) + 16*float64(o.Grid)*float64(o.Grid)
	return cmdutil.Fits(limit, bytes, "--hidden %v with --batch %d, --buffer %d and --grid %d", o.Hidden, c.Batch, c.BufferSize, o.Grid)
}
