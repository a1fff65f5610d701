package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/cmdutil"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/rbm"
	"github.com/ebm-go/ebm/rbm/lowrank"
	"github.com/ebm-go/ebm/viz"
)

type rbmTrainOptions struct {
	IO     *cmdutil.IOStreams
	Data   cmdutil.DataFlags
	Valid  string
	Hidden int
	Method string
	// Config holds the flags' values; Given names the flags given, so that
	// settings not given take the method's and units' defaults (rbm.Defaults).
	Config                  rbm.Config
	Given                   []string
	Seed                    uint64
	Out, Checkpoint, Resume string
	Filters, Samples, Plot  string
	SampleInit              string
	SampleSteps             int
	JSON, Quiet             bool
	Visible                 string
	LearnSigma              bool
	Sigma                   float64
	// Init is how a new model's parameters start: hinton (rbm.RBM.Init)
	// or lowrank (rbm/lowrank.Init of rank InitRank).
	Init     string
	InitRank int
}

func (o *rbmTrainOptions) given(flag string) bool { return slices.Contains(o.Given, flag) }

func newCmdRBMTrain(io *cmdutil.IOStreams, runF func(context.Context, *rbmTrainOptions) error) *cobra.Command {
	o := &rbmTrainOptions{IO: io, Config: rbm.DefaultConfigFor(rbm.Restart)}
	c := &cobra.Command{
		Use:     "train",
		Short:   "Train an RBM (Bernoulli or Gaussian visible units) by restarts from noise, CD-k, PCD-k or PT",
		Long:    rbmTrainLong,
		Example: rbmTrainExample,
		Args:    cobra.NoArgs,
		RunE: cmdutil.RunWith(o, func(cmd *cobra.Command) error {
			cmd.Flags().Visit(func(f *pflag.Flag) { o.Given = append(o.Given, f.Name) })
			return o.Data.Resolve(cmd)
		}, runF, rbmTrainRun),
	}
	o.register(c)
	cmdutil.Minimum(c, 1, "hidden", "k", "batch", "monitor", "pll-rows", "sample-steps")
	cmdutil.Minimum(c, 0, "epochs", "momentum-epochs", "chains")
	cmdutil.Minimum(c, 2, "temperatures")
	return c
}

const rbmTrainLong = `Train an RBM with mini-batch momentum SGD: by restarts (k Gibbs steps from
noise every update, the model matched to that sampler), contrastive
divergence (CD-k), persistent contrastive divergence (PCD-k) or persistent
parallel tempering (PT: --temperatures chain sets, neighbours swapped by the
Metropolis rule after every k steps, the ladder fixed or --adapt-ladder; the
epoch lines show the swap rate), with plain or --centered gradients.

After every epoch it reports the reconstruction error, the exact
pseudo-log-likelihood (per visible unit, and summed over units: the scale of
scikit-learn's score_samples; binary units only) and the free-energy gap
between held-out and training rows, and writes the model to --out and a
checkpoint (model, velocities, persistent chains, random state) to
--checkpoint, both atomically: an interrupted run loses at most the epoch in
progress, and --resume CHECKPOINT continues it bit-identically (only
--epochs, --out, --checkpoint, the pictures, --json and --quiet may change;
the rest comes from the checkpoint, which also says which kind of RBM it holds).
On a terminal a progress bar shows the batch, samples/s and ETA; when piped,
one line per epoch goes to stderr.

--init lowrank starts a new model from a low-rank RBM fitted to the data's
first --init-rank principal directions (Béreux et al. 2025; package
rbm/lowrank): a convex fit whose partition function is an exact sum over a
lattice of projections, then refined on the RBM's own exact likelihood. It
prints what it measured (and adds it under "init" in --json) and records
init, init_rank and init_log_likelihood in the model file. Binary data and
bernoulli units only.

--visible gaussian trains a Gaussian–Bernoulli RBM on real values
(unbinarized, standardized per column; --sigma, --learn-sigma), by any
method; the model file keeps the standardization.

With no flags it trains 500 hidden units on built-in MNIST (threshold
binarized) by --method restart: every update restarts 500 negative chains
from uniform noise and runs k = 5 Gibbs steps (Decelle, Furtlehner & Seoane
2021), learning rate 0.1 on a cosine schedule (to 0.001 in the last epoch),
momentum 0.5, batch 500, 10 epochs — about a minute on two cores. The model learns to make 5 steps from noise reproduce
the digits, and records that sampler in its file, so "ebm rbm sample" with
its defaults draws every digit class (docs/results.md). Settings not given
take the library's defaults for the method and units (rbm.Defaults): CD
learning rate 0.05 and momentum 0.5 for 5 epochs then 0.9 (Hinton's guide);
persistent methods 0.02 and a constant 0.5, because with 0.9 their chains
fall behind the model (see the README); k 1, batch 100 and 10 epochs for
cd, pcd and pt; Gaussian units learning rate 0.001. For MNIST the held-out
rows default to mnist:test (used only for monitoring).`

const rbmTrainExample = `  ebm rbm train
  ebm rbm train --method restart --k 10 --epochs 15 --samples samples.png --out r10.safetensors
  ebm rbm train --data mnist --hidden 500 --method pcd --k 1 --epochs 10 \
      --out rbm.safetensors --filters filters.png --samples samples.png --plot curves.png
  ebm rbm train --method pcd --centered --chains 1000 --lr-schedule cosine --out cpcd.safetensors
  ebm rbm train --method pt --temperatures 10 --adapt-ladder --json --out pt.safetensors
  ebm rbm train --method pcd --k 10 --chains 1000 --epochs 5 --init lowrank --init-rank 2 --out lr.safetensors
  ebm rbm train --resume rbm.ckpt.safetensors --epochs 20
  ebm rbm train --visible gaussian --sigma 0.2 --data 8gaussians:5000 --hidden 16 \
      --epochs 300 --method cd --lr 0.01 --out g8.safetensors
  ebm rbm train --data bars:4x4 --hidden 16 --epochs 500 --batch 10 --lr 0.1 --json`

func (o *rbmTrainOptions) register(c *cobra.Command) {
	f := c.Flags()
	cfg := &o.Config
	o.Data.Register(c, "mnist")
	f.StringVar(&o.Valid, "valid", "auto", "held-out data for the free-energy gap: a data spec, none, or auto (mnist:test for mnist)")
	f.IntVar(&o.Hidden, "hidden", 500, "number of hidden units")
	f.StringVar(&o.Method, "method", "restart", "restart (chains restarted from noise every update, k steps: the sampler the model is matched to), cd (contrastive divergence), pcd (persistent CD) or pt (parallel tempering)")
	f.IntVar(&cfg.Temperatures, "temperatures", 10, "pt: number of inverse temperatures, evenly spaced from 1 down to 1/T")
	f.BoolVar(&cfg.AdaptLadder, "adapt-ladder", false, "pt: move the inner temperatures toward equal swap rates between all neighbouring pairs (β = 1 and 1/T fixed); --json reports the ladder and the rates")
	f.IntVar(&cfg.K, "k", cfg.K, "Gibbs steps per update (default: 1 for cd, pcd and pt)")
	f.IntVar(&cfg.Epochs, "epochs", cfg.Epochs, "passes over the training data (default: 10 for cd, pcd and pt)")
	f.IntVar(&cfg.BatchSize, "batch", cfg.BatchSize, "mini-batch size (default: 100 for cd, pcd and pt)")
	f.Float64Var(&cfg.LR, "lr", cfg.LR, "learning rate (default 0.02 for pcd and pt, 0.05 for cd, 0.001 for gaussian units)")
	f.Float64Var(&cfg.LRDecay, "lr-decay", 0, "rate of epoch e is lr/(1+lr-decay·e)")
	f.StringVar(&cfg.LRSchedule, "lr-schedule", cfg.LRSchedule, "constant, linear or cosine: from lr in the first epoch down to lr/100 in the last (times the --lr-decay factor); default: constant for cd, pcd and pt")
	f.Float64Var(&cfg.FinalMomentum, "momentum", cfg.FinalMomentum, "momentum after --momentum-epochs (default 0.5 for pcd and pt, 0.9 for cd)")
	f.Float64Var(&cfg.InitialMomentum, "initial-momentum", cfg.InitialMomentum, "momentum for the first --momentum-epochs epochs")
	f.IntVar(&cfg.MomentumEpochs, "momentum-epochs", cfg.MomentumEpochs, "epochs at --initial-momentum")
	f.Float64Var(&cfg.WeightDecay, "weight-decay", 2e-4, "L2 weight cost on W")
	f.Float64Var(&cfg.SparsityTarget, "sparsity-target", 0, "target mean hidden activation (0: no sparsity penalty)")
	f.Float64Var(&cfg.SparsityCost, "sparsity-cost", 0.1, "weight of the sparsity penalty")
	f.IntVar(&cfg.Chains, "chains", 0, "negative chains of pcd, pt (per temperature) and restart (0: the batch size)")
	f.StringVar(&cfg.RestartFrom, "restart-from", "noise", "restart: where the chains start every update, and the model's sampler starts: noise (uniform bits) or base-rate (each pixel on with its mean in the training data)")
	f.BoolVar(&cfg.Centered, "centered", false, "centered gradients (Melchior et al. 2016): offsets are running means of v and p(h|v); bernoulli units")
	f.Float64Var(&cfg.OffsetRate, "offset-rate", 0.01, "centered: rate of the offsets' running means")
	f.IntVar(&cfg.MonitorRows, "monitor", cfg.MonitorRows, "rows used for the per-epoch figures")
	f.IntVar(&cfg.PLLRows, "pll-rows", cfg.PLLRows, "rows used for the exact pseudo-log-likelihood")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed (initialisation, shuffling, sampling)")
	f.StringVarP(&o.Out, "out", "o", "rbm.safetensors", "model file to write (safetensors)")
	f.StringVar(&o.Filters, "filters", "", "write the first 100 filters as a PNG grid")
	f.StringVar(&o.Samples, "samples", "", "write 64 samples (--sample-steps Gibbs steps from --sample-init) as a PNG grid")
	f.StringVar(&o.SampleInit, "sample-init", "data", "start of the --samples chains: data (the first 64 held-out rows, else training rows) or random (restart: random, its matched sampler)")
	f.IntVar(&o.SampleSteps, "sample-steps", 1000, "Gibbs steps for --samples (restart: k, its matched sampler)")
	f.StringVar(&o.Plot, "plot", "", "write the training curves (PNG, SVG or PDF)")
	f.StringVar(&o.Resume, "resume", "", "continue the run saved in this checkpoint (any visible units) exactly where it stopped (raise --epochs to train longer)")
	f.StringVar(&o.Checkpoint, "checkpoint", "", "checkpoint written atomically after every epoch (default: --out with .ckpt.safetensors; none: no checkpoint)")
	f.BoolVar(&o.JSON, "json", false, "print one JSON summary on stdout")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "no progress output")
	f.StringVar(&o.Visible, "visible", "bernoulli", "visible units: bernoulli, or gaussian for real-valued data (standardized per column; see --learn-sigma)")
	f.BoolVar(&o.LearnSigma, "learn-sigma", false, "gaussian: learn the per-unit σ (as log σ, so it stays positive) instead of fixing it")
	f.StringVar(&o.Init, "init", "hinton", "how a new model starts: hinton (W ~ N(0, 0.01²), visible biases the log-odds of the pixel means) or lowrank (Béreux et al. 2025: a low-rank RBM fitted exactly along the data's first --init-rank principal directions; bernoulli units, binary data)")
	f.IntVar(&o.InitRank, "init-rank", lowrank.DefaultRank, fmt.Sprintf("--init lowrank: number of principal directions, 1 to %d", lowrank.MaxRank))
	f.Float64Var(&o.Sigma, "sigma", 1, "gaussian: σ of every visible unit in standardized units (the initial value with --learn-sigma); below 1 lets the model resolve modes narrower than the data's spread")
}

// trainRun is one training run: the session (trainer, model, files,
// history) and the data, also in the model's units.
type trainRun struct {
	o            *rbmTrainOptions
	s            *rbm.Session
	m            *rbm.RBM
	train, valid *dataset.Set
	x, vx        *tensor.Matrix // train and held-out rows in model units
	init         *lowrankReport // --init lowrank: what the fit measured
}

// lowrankReport is what --init lowrank measured, printed on stderr and
// under "init" in --json: the fit's lowrank.Report and, with held-out rows,
// the exact log-likelihoods there.
type lowrankReport struct {
	Init string `json:"init"`
	lowrank.Report
	ValidModelLL *float64 `json:"valid_model_log_likelihood,omitempty"`
	ValidLL      *float64 `json:"valid_rbm_log_likelihood,omitempty"`
}

func rbmTrainRun(ctx context.Context, o *rbmTrainOptions) error {
	r := &trainRun{o: o}
	if err := r.setup(ctx); err != nil {
		return err
	}
	start := time.Now()
	stats, err := r.loop(ctx)
	if err != nil {
		return r.failure(ctx, err)
	}
	elapsed := time.Since(start).Seconds()
	if err := r.pictures(); err != nil {
		return err
	}
	return r.report(stats, elapsed)
}

// setup resolves the run: from a checkpoint (--resume) or the flags, then
// the data, the model and the session.
func (r *trainRun) setup(ctx context.Context) error {
	o := r.o
	var units rbm.Units
	if o.Resume != "" {
		if err := r.resume(); err != nil {
			return err
		}
		units = r.m.Units()
	} else {
		var err error
		if units, err = trainUnits(o); err != nil {
			return err
		}
	}
	if o.Out == "" {
		return errors.New("--out must name a file")
	}
	method := rbm.Method(strings.ToLower(o.Method))
	if err := cmdutil.CheckApplies(o.given,
		cmdutil.Rule("chains", method != rbm.CD, "--method pcd, pt and restart"),
		cmdutil.Rule("temperatures", method == rbm.PT, "--method pt"),
		cmdutil.Rule("offset-rate", o.Config.Centered, "--centered"),
		cmdutil.Rule("adapt-ladder", method == rbm.PT, "--method pt"),
		cmdutil.Rule("restart-from", method == rbm.Restart, "--method restart"),
		cmdutil.Rule("sample-init", o.Samples != "", "--samples"),
		cmdutil.Rule("sample-steps", o.Samples != "", "--samples"),
		cmdutil.Rule("sparsity-cost", o.Config.SparsityTarget > 0, "a --sparsity-target above 0"),
		cmdutil.Rule("binarize-seed", o.Data.Binarize == "sample", "--binarize sample"),
		cmdutil.Rule("init-rank", o.Init == "lowrank", "--init lowrank")); err != nil {
		return err
	}
	if err := checkInit(o, units); err != nil {
		return err
	}
	if o.SampleInit != "data" && o.SampleInit != "random" {
		return fmt.Errorf("--sample-init %q: want data or random", o.SampleInit)
	}
	if o.Checkpoint == "" {
		o.Checkpoint = strings.TrimSuffix(o.Out, ".safetensors") + ".ckpt.safetensors"
	}
	if err := cmdutil.CheckFiles([]cmdutil.File{cmdutil.Path("out", o.Out), cmdutil.Path("checkpoint", o.Checkpoint), cmdutil.Path("filters", o.Filters, cmdutil.ExtPNG...),
		cmdutil.Path("samples", o.Samples, cmdutil.ExtPNG...), cmdutil.Path("plot", o.Plot, cmdutil.ExtCurves...)}, cmdutil.Path("data", o.Data.Spec), cmdutil.Path("valid", o.Valid)); err != nil {
		return err
	}
	if err := o.Data.ForUnits(units); err != nil {
		return err
	}
	if err := r.loadData(); err != nil {
		if o.Resume != "" {
			return fmt.Errorf("--resume %s: the checkpoint's data: %w", o.Resume, err)
		}
		return err
	}
	if err := r.fits(); err != nil {
		return err
	}
	if o.Filters != "" || o.Samples != "" { // the pictures' shape, known before training
		if _, _, err := dataset.ImageShape(r.train.Dim(), r.train, ""); err != nil {
			return fmt.Errorf("--filters, --samples: %w", err)
		}
	}
	if r.s == nil {
		if err := r.newSession(ctx, units); err != nil {
			return err
		}
	} else if err := r.m.CheckData(r.train.X); err != nil {
		return fmt.Errorf("resume %s: data %s: %w", o.Resume, r.train.Name, err)
	}
	r.s.ModelPath, r.s.CheckpointPath = o.Out, o.Checkpoint
	if o.Checkpoint == "none" {
		r.s.CheckpointPath = ""
	}
	r.x = r.m.Standard.Applied(r.train.X)
	if r.valid != nil {
		r.vx = r.m.Standard.Applied(r.valid.X)
	}
	return nil
}

// newSession makes the model (sized by the data) and its trainer.
func (r *trainRun) newSession(ctx context.Context, units rbm.Units) error {
	o := r.o
	if g, ok := units.(*rbm.Gaussian); ok {
		units = rbm.NewGaussianUnits(r.train.Dim(), o.Sigma, g.Learn)
	}
	r.m = rbm.NewUnits(units, r.train.Dim(), o.Hidden)
	if !isBinary(units) {
		r.m.Standard = rbm.Standardize(r.train.X, rbm.DefaultStdFloor)
	}
	// One source for the init and the trainer, whose checkpoint stores
	// its state: --resume continues the stream wherever the init left it.
	rng := tensor.NewRand(o.Seed)
	if o.Init == "lowrank" {
		if err := r.lowrankInit(ctx, rng); err != nil {
			return err
		}
	} else {
		r.m.Init(r.m.Standard.Applied(r.train.X), 0.01, rng)
	}
	tr, err := rbm.NewTrainer(trainConfig(o, units), r.m, rng)
	if err != nil {
		return err
	}
	r.s = &rbm.Session{Trainer: tr, Meta: r.metadata()}
	return nil
}

// checkInit refuses --init settings that cannot work, before the data load.
func checkInit(o *rbmTrainOptions, units rbm.Units) error {
	switch o.Init {
	case "hinton", "":
		return nil
	case "lowrank":
	default:
		return fmt.Errorf("--init %q: want hinton or lowrank", o.Init)
	}
	if o.Resume == "" && !isBinary(units) {
		return fmt.Errorf("--init lowrank: fits binary data with bernoulli visible units, not --visible %s", units.Name())
	}
	if o.InitRank < 1 || o.InitRank > lowrank.MaxRank {
		return fmt.Errorf("--init-rank %d: must be 1 to %d", o.InitRank, lowrank.MaxRank)
	}
	return nil
}

// lowrankInit replaces the new model by the low-rank fit's RBM and keeps
// what the fit measured.
func (r *trainRun) lowrankInit(ctx context.Context, rng *tensor.Rand) error {
	o := r.o
	if !o.Quiet {
		fmt.Fprintf(o.IO.ErrOut, "fitting a rank-%d low-rank RBM (Béreux et al. 2025) to %s...\n", o.InitRank, r.train.Name)
	}
	f, err := lowrank.Init(ctx, r.train.X, lowrank.Options{Rank: o.InitRank, Hidden: o.Hidden}, rng)
	if err != nil {
		return fmt.Errorf("--init lowrank on %s (binarize=%s): %w", r.train.Name, r.train.BinarizeName(), err)
	}
	r.m = f.RBM
	r.init = &lowrankReport{Init: "lowrank", Report: f.Report}
	if r.valid != nil {
		vm, err := f.Model.LogLikelihood(r.valid.X)
		if err == nil {
			var vr float64
			if vr, err = f.RBMLogLikelihood(r.valid.X); err == nil {
				r.init.ValidModelLL, r.init.ValidLL = &vm, &vr
			}
		}
		if err != nil {
			return fmt.Errorf("--init lowrank: held-out data %s: %w", r.valid.Name, err)
		}
	}
	if !o.Quiet {
		valid := ""
		if r.init.ValidLL != nil {
			valid = fmt.Sprintf("; held-out %.2f (low-rank model %.2f)", *r.init.ValidLL, *r.init.ValidModelLL)
		}
		fmt.Fprintf(o.IO.ErrOut, "low-rank init: %d of %d features, %d Newton + %d refinement steps, %.1fs; exact log-likelihood %.2f (low-rank model %.2f, converted RBM %.2f, base rate %.2f)%s\n",
			f.Active, f.Features, f.Iterations, f.RefineSteps, f.Seconds, f.LogLikelihood, f.ModelLL, f.ConvertedLL, f.BaseLL, valid)
	}
	return nil
}

// trainUnits returns the visible units the flags ask for.
func trainUnits(o *rbmTrainOptions) (rbm.Units, error) {
	if o.Hidden < 1 {
		return nil, fmt.Errorf("--hidden must be at least 1, got %d", o.Hidden)
	}
	switch o.Visible {
	case "gaussian":
		if !(o.Sigma > 0) || math.IsInf(o.Sigma, 0) {
			return nil, fmt.Errorf("--sigma must be positive and finite, got %g", o.Sigma)
		}
		// The width is not known before the data: setup sizes the units.
		return rbm.NewGaussianUnits(0, o.Sigma, o.LearnSigma), nil
	case "bernoulli", "":
		if o.LearnSigma || o.given("sigma") {
			return nil, errors.New("--learn-sigma and --sigma apply to --visible gaussian only")
		}
		return rbm.Bernoulli{}, nil
	}
	return nil, fmt.Errorf("--visible %q: want bernoulli or gaussian", o.Visible)
}

// trainConfig returns the flags' settings over the defaults of the method
// and units: a setting not given takes rbm.Defaults' value.
func trainConfig(o *rbmTrainOptions, u rbm.Units) rbm.Config {
	cfg := o.Config
	cfg.Method = rbm.Method(strings.ToLower(o.Method))
	def := rbm.Defaults(cfg.Method, u)
	if !o.given("lr") {
		cfg.LR = def.LR
	}
	if !o.given("k") {
		cfg.K = def.K
	}
	if !o.given("lr-schedule") {
		cfg.LRSchedule = def.LRSchedule
	}
	if !o.given("epochs") {
		cfg.Epochs = def.Epochs
	}
	if !o.given("batch") {
		cfg.BatchSize = def.BatchSize
	}
	if !o.given("chains") {
		cfg.Chains = def.Chains
		if o.given("batch") {
			cfg.Chains = 0 // as many as the batch
		}
	}
	if !o.given("momentum") {
		cfg.FinalMomentum = def.FinalMomentum
	}
	return cfg
}

// resumable lists the train flags that may be given with --resume; every
// other setting comes from the checkpoint so the run continues exactly.
var resumable = []string{"resume", "epochs", "out", "checkpoint", "filters", "samples", "sample-steps", "plot", "json", "quiet"}

// resume loads the checkpoint and takes from its metadata the settings
// --resume may not change (data, seed), and --out unless given.
func (r *trainRun) resume() error {
	o := r.o
	s, err := rbm.ResumeSession(o.Resume)
	if err != nil {
		return err
	}
	units := s.Model().Units().Name()
	var bad []string
	holds := ""
	for _, f := range o.Given {
		if !slices.Contains(resumable, f) && (f != "visible" || o.Visible != units) {
			bad = append(bad, "--"+f)
			if f == "visible" {
				holds = fmt.Sprintf("; the checkpoint holds an RBM with %s visible units", units)
			}
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("--resume continues the checkpoint's run exactly; %s cannot change (allowed: --epochs, --out, --checkpoint, pictures, --json, --quiet)%s", strings.Join(bad, ", "), holds)
	}
	o.Data.FromMetadata(s.Meta)
	o.Valid = s.Meta["valid"]
	o.Seed, _ = strconv.ParseUint(s.Meta["seed"], 10, 64)
	if !o.given("out") && s.ModelPath != "" {
		o.Out = s.ModelPath
	}
	if o.given("epochs") {
		if o.Config.Epochs < s.Epoch {
			return fmt.Errorf("--epochs %d: the checkpoint has %d epochs done already (give at least %d)", o.Config.Epochs, s.Epoch, s.Epoch)
		}
		s.Epochs = o.Config.Epochs
	}
	r.s, r.m = s, s.Model()
	return nil
}

func isBinary(u rbm.Units) bool { _, ok := u.(rbm.Bernoulli); return ok }

// loadData loads the training rows and the held-out rows (--valid).
func (r *trainRun) loadData() error {
	o := r.o
	var err error
	if r.train, err = o.Data.Load(o.Data.Spec); err != nil {
		return err
	}
	spec := o.Valid
	if spec == "auto" {
		spec = dataset.HeldOut(r.train.Name)
	}
	if spec == "" || spec == "none" {
		return nil
	}
	vd := o.Data
	vd.Limit = 0
	if r.valid, err = vd.Load(spec); err != nil {
		return err
	}
	if r.valid.Dim() != r.train.Dim() {
		return fmt.Errorf("held-out data %s has %d columns, training data %s has %d", r.valid.Name, r.valid.Dim(), r.train.Name, r.train.Dim())
	}
	return nil
}

// metadata is what model files store besides the model and the training
// settings (which the session adds): the data, the seed, the held-out set.
func (r *trainRun) metadata() map[string]string {
	meta := r.o.Data.Metadata(r.train)
	meta["seed"] = strconv.FormatUint(r.o.Seed, 10)
	if r.init != nil { // absent for the default init: those files keep their bytes
		meta["init"], meta["init_rank"] = r.init.Init, strconv.Itoa(r.init.Rank)
		meta["init_log_likelihood"] = strconv.FormatFloat(r.init.LogLikelihood, 'g', -1, 64)
	}
	if r.m.Standard != nil {
		meta["standardize_floor"] = strconv.FormatFloat(rbm.DefaultStdFloor, 'g', -1, 64)
	}
	if r.valid != nil {
		meta["valid"] = r.valid.Name
	}
	return meta
}

// loop trains with a progress bar (terminal) or a line per epoch (piped),
// saving after every epoch.
func (r *trainRun) loop(ctx context.Context) ([]rbm.EpochStats, error) {
	o, tr, stderr := r.o, r.s.Trainer, r.o.IO.ErrOut
	if !o.Quiet {
		vname := "none"
		if r.valid != nil {
			vname = r.valid.Name
		}
		fmt.Fprintf(stderr, "training %d×%d RBM (%s visible units) by %s-%d on %s (%d rows, binarize=%s; held-out: %s)\n",
			r.m.NVisible(), r.m.NHidden(), r.m.Units().Name(), strings.ToUpper(string(tr.Method)), tr.K, r.train.Name, r.train.Len(), r.train.BinarizeName(), vname)
	}
	bar := cmdutil.NewProgress(stderr, o.Quiet, "", "batches")
	done, total := 0, tr.Epochs*((r.train.Len()+tr.BatchSize-1)/tr.BatchSize)
	tr.OnBatch = func(p rbm.Progress) {
		done++
		bar.Describe(fmt.Sprintf("epoch %d/%d", p.Epoch, p.Epochs))
		bar.Update(done, total)
	}
	r.s.OnEpoch = func(st rbm.EpochStats) error {
		if !o.Quiet {
			bar.Clear()
			swap := ""
			if !math.IsNaN(st.SwapRate) {
				swap = fmt.Sprintf("  swap rate %.2f", st.SwapRate)
			}
			fmt.Fprintf(stderr, "epoch %3d  %7.0f samples/s  recon %8.3f  PLL/unit %s (sklearn scale %s)  F train %s  F gap %s%s  [binarize=%s]\n",
				st.Epoch, st.SamplesPerSecond, st.ReconError, cmdutil.FmtOpt(st.PLL, "%.4f"), cmdutil.FmtOpt(st.PLLTotal, "%.2f"),
				cmdutil.FmtOpt(st.FreeEnergyTrain, "%.2f"), cmdutil.FmtOpt(st.FreeEnergyGap, "%+.2f"), swap, r.train.BinarizeName())
		}
		return nil
	}
	stats, err := r.s.Run(ctx, r.x, r.vx)
	bar.Finish()
	return stats, err
}

// failure explains an interruption: what --out holds and how to continue.
func (r *trainRun) failure(ctx context.Context, err error) error {
	o, epoch := r.o, r.s.Epoch
	if ctx.Err() != nil {
		if o.Checkpoint == "none" {
			return fmt.Errorf("interrupted during epoch %d; %s holds the model after epoch %d (no checkpoint: --checkpoint none)", epoch+1, o.Out, epoch)
		}
		return fmt.Errorf("interrupted during epoch %d; %s holds the model after epoch %d, and --resume %s continues the run", epoch+1, o.Out, epoch, o.Checkpoint)
	}
	return err
}

// pictures writes --filters, --samples and --plot.
func (r *trainRun) pictures() error {
	o, m := r.o, r.m
	if o.Filters != "" || o.Samples != "" {
		h, w, err := dataset.ImageShape(m.NVisible(), r.train, r.s.Meta["image_shape"])
		if err != nil {
			return fmt.Errorf("--filters, --samples: %w", err)
		}
		if err := r.tiles(h, w); err != nil {
			return err
		}
	}
	if o.Plot != "" {
		return viz.RBMCurves(o.Plot, r.s.History)
	}
	return nil
}

// tiles writes the first 100 filters (--filters) and 64 samples
// (--samples): chains from the held-out (else training) rows or from the
// units' start, in data units, clamped to [0,1] for the picture.
func (r *trainRun) tiles(h, w int) error {
	if r.o.Filters != "" {
		img, err := viz.Filters(r.m.W, h, w, 100, viz.GridOptions{Scale: 2})
		if err == nil {
			err = viz.SavePNG(r.o.Filters, img)
		}
		if err != nil {
			return err
		}
	}
	if r.o.Samples == "" {
		return nil
	}
	from := r.train
	if r.valid != nil {
		from = r.valid
	}
	var init *tensor.Matrix
	n := 64
	initMode, steps := r.o.SampleInit, r.o.SampleSteps
	if sm, ok, _ := rbm.SamplerOf(r.s.Trainer.Metadata()); ok {
		// A model trained to be sampled one way is pictured that way.
		if !r.o.given("sample-init") {
			initMode = sm.Init
		}
		if !r.o.given("sample-steps") {
			steps = sm.Steps
		}
	}
	if initMode == "data" {
		n = min(n, from.Len())
		init = from.X.SliceRows(0, n)
	}
	_, means := r.m.SampleData(n, steps, init, r.s.Rand().Split())
	for i, v := range means.Data {
		means.Data[i] = min(max(v, 0), 1)
	}
	return viz.SaveGrid(r.o.Samples, means, h, w, viz.GridOptions{Cols: 8, Scale: 2})
}

func (r *trainRun) report(stats []rbm.EpochStats, elapsed float64) error {
	o, m, tr := r.o, r.m, r.s.Trainer
	rep := r.s.Report(stats, r.train.Len(), elapsed)
	rep.Checkpoint = o.Checkpoint // "none" when none is written
	if o.JSON {
		if r.init == nil {
			return cmdutil.WriteJSON(o.IO.Out, rep)
		}
		// The report with the init's figures as one more key.
		b, err := json.Marshal(rep)
		if err != nil {
			return err
		}
		ib, err := json.Marshal(r.init)
		if err != nil {
			return err
		}
		b = append(append(append(b[:len(b)-1], `,"init":`...), ib...), '}')
		return cmdutil.WriteJSON(o.IO.Out, json.RawMessage(b))
	}
	fmt.Fprintf(o.IO.Out, "wrote %s: %d×%d RBM (%s visible units), %d epochs of %s-%d on %s (binarize=%s) in %.1fs, %.0f samples/s\n",
		o.Out, m.NVisible(), m.NHidden(), rep.Visible, tr.Epoch, strings.ToUpper(string(tr.Method)), tr.K, r.train.Name,
		r.train.BinarizeName(), elapsed, rep.SamplesPerSecond)
	return nil
}

// fits refuses a model, batch and chains too large for --max-memory
// before any of them is allocated.
func (r *trainRun) fits() error {
	o, c, nh := r.o, r.o.Config, r.o.Hidden
	if r.m != nil {
		c, nh = r.s.Config, r.m.NHidden()
	} else {
		c.Method = rbm.Method(strings.ToLower(o.Method))
	}
	return cmdutil.Fits(o.Data.MaxMemory, rbm.TrainingBytes(r.train.Dim(), nh, c), "%d hidden units on %d visible, --batch %d, --chains %d, --temperatures %d",
		nh, r.train.Dim(), c.BatchSize, c.Chains, c.Temperatures)
}
