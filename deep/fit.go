package deep

import (
	"context"
	"fmt"
	"image"
	"math"
	"strconv"
	"time"

	"github.com/ebm-go/ebm/internal/nanjson"
	"github.com/ebm-go/ebm/internal/tensor"
)

// DefaultGrid is the evaluation grid's cells per side when
// [FitOptions.Grid] is 0.
const DefaultGrid = 300

// pictureSamples is how many model samples [Fitted.Picture] histograms.
const pictureSamples = 5000

// FitOptions say what [Fit] trains and how it scores the result.
type FitOptions struct {
	Hidden     []int
	Activation Activation
	Quadratic  float64 // the network's fixed (λ/2)|x|² term, λ ≥ 0 ([Net.Quad])
	Config     Config  // Init is set to the data's box
	Iters      int
	Seed       uint64      // initialisation, batches and sampling
	Grid       int         // 2-D data: evaluation grid cells per side (0: DefaultGrid)
	OnIter     func(Stats) // hears each iteration (optional)
	// Checkpoint, when not "", is where [Fitted.Run] writes a checkpoint
	// ([Fitted.SaveCheckpoint]) every CheckpointEvery iterations, after
	// the last one and when ctx stops training, each atomically.
	Checkpoint      string
	CheckpointEvery int    // 0: DefaultCheckpointEvery
	Out             string // the model file the caller writes; checkpoints record it
}

// DefaultCheckpointEvery is how many iterations lie between checkpoints
// when [FitOptions.CheckpointEvery] is 0.
const DefaultCheckpointEvery = 100

// Fitted is a model trained by [Fit] with its evaluation.
type Fitted struct {
	Trainer *Trainer
	Data    *Data
	Options FitOptions // as run: Config.Init and Grid filled in
	Last    Stats      // the last iteration's figures
	Seconds float64    // training time
	// Grid and Eval are the grid evaluation of a 2-D model; for other
	// dimensions Grid is zero and Eval's figures are NaN.
	Grid Grid
	Eval Eval

	// dataMoments are the training data's column means and standard
	// deviations as checkpoints record them, computed once per run.
	dataMoments [2]string
}

// Fit runs a whole training: a network of opt.Hidden widths initialised
// from opt.Seed, trained for opt.Iters iterations on data.Train with
// negatives started on data.Box, then, for 2-D data, normalised on an
// opt.Grid × opt.Grid grid over the box and scored on data.Test (and
// data.Truth when known). When ctx is done Fit returns its error.
func Fit(ctx context.Context, data *Data, opt FitOptions) (*Fitted, error) {
	f, err := NewFit(data, opt)
	if err != nil {
		return nil, err
	}
	if err := f.Run(ctx); err != nil {
		return nil, err
	}
	return f, nil
}

// NewFit prepares what [Fit] runs: the network initialised from opt.Seed
// and its trainer, before the first iteration.
func NewFit(data *Data, opt FitOptions) (*Fitted, error) {
	opt.Config.Init = data.Box
	if opt.Grid == 0 {
		opt.Grid = DefaultGrid
	}
	rng := tensor.NewRand(opt.Seed)
	if !(opt.Quadratic >= 0) || opt.Quadratic > math.MaxFloat32 {
		return nil, &OptionError{Option: "quadratic", Err: fmt.Errorf("deep: quadratic coefficient %g (want ≥ 0 and finite)", opt.Quadratic)}
	}
	net, err := New(data.Train.Dim(), opt.Hidden, opt.Activation)
	if err != nil {
		return nil, err
	}
	net.Init(rng)
	net.Quad = float32(opt.Quadratic)
	tr, err := NewTrainer(net, data.Train.X, opt.Config, rng)
	if err != nil {
		return nil, err
	}
	return &Fitted{Trainer: tr, Data: data, Options: opt}, nil
}

// Run trains from the trainer's iteration to Options.Iters, writing
// checkpoints when Options.Checkpoint is set, then evaluates a 2-D model as
// [Fit] says. When ctx is done Run writes a checkpoint of the iterations
// finished and returns ctx's error; after divergence it returns the error
// and leaves the last checkpoint as it was.
func (f *Fitted) Run(ctx context.Context) error {
	opt, tr := f.Options, f.Trainer
	every := opt.CheckpointEvery
	if every <= 0 {
		every = DefaultCheckpointEvery
	}
	start := time.Now()
	report := func(st Stats) {
		f.Last = st
		if opt.OnIter != nil {
			opt.OnIter(st)
		}
	}
	for tr.Iter < opt.Iters {
		err := tr.Train(ctx, min(every-tr.Iter%every, opt.Iters-tr.Iter), report)
		if err != nil && err != ctx.Err() {
			return err
		}
		if opt.Checkpoint != "" {
			if serr := f.SaveCheckpoint(opt.Checkpoint); serr != nil {
				return serr
			}
		}
		if err != nil {
			return err
		}
	}
	f.Seconds = time.Since(start).Seconds()
	nan := math.NaN()
	f.Eval = Eval{TestNLL: nan, TrueNLL: nan, KL: nan, LogZ: nan}
	if f.TwoD() {
		f.Grid = f.Data.Box.Grid(opt.Grid)
		var err error
		if f.Eval, err = f.Grid.Evaluate(tr.Net, f.Data.Test.X, f.Data.Truth); err != nil {
			return err
		}
	}
	return nil
}

// TwoD reports whether the model is 2-D, so that it was evaluated on a
// grid and [Fitted.Picture] can draw it.
func (f *Fitted) TwoD() bool { return f.Data.Train.Dim() == 2 }

// logZ is NCE's learned log Z, or nil.
func (f *Fitted) logZ() *float32 {
	if f.Options.Config.Objective != NCE {
		return nil
	}
	return &f.Trainer.LogZ[0]
}

// Metadata returns the model file's metadata: [Config.Metadata] and "data"
// (the training spec), "iters", "seed", for image data "image_shape"
// ("28x28") and, for a 2-D model, "log_z_grid" and "test_nll".
func (f *Fitted) Metadata() map[string]string {
	meta := f.runMetadata()
	if f.TwoD() {
		meta["log_z_grid"], meta["test_nll"] = formatFloat(f.Eval.LogZ), formatFloat(f.Eval.TestNLL)
	}
	return meta
}

// runMetadata is [Fitted.Metadata] without the evaluation.
func (f *Fitted) runMetadata() map[string]string {
	meta := f.Options.Config.Metadata()
	meta["data"], meta["iters"] = f.Data.Spec, strconv.Itoa(f.Options.Iters)
	meta["seed"] = strconv.FormatUint(f.Options.Seed, 10)
	if shape := f.Data.Train.ShapeText(); shape != "" {
		meta["image_shape"] = shape
	}
	return meta
}

// Save writes the model, with NCE's log Z and [Fitted.Metadata], to path
// (see [Save]).
func (f *Fitted) Save(path string) error {
	return Save(path, f.Trainer.Net, f.logZ(), f.Metadata())
}

// Picture draws the four panels of [DensityPicture] for a 2-D model, with
// 5000 model samples ([Trainer.Samples]; they draw from the training
// generator).
func (f *Fitted) Picture() (image.Image, error) {
	samples, err := f.Trainer.Samples(pictureSamples)
	if err != nil {
		return nil, err
	}
	return DensityPicture(f.Grid, f.Eval, f.Data.Truth, f.Data.Train.X, samples)
}

// Summary sums up a training run: the data, the model, the sampler, the
// last iteration's figures and the grid evaluation (NaN unless 2-D). It
// marshals to JSON with NaN as null; ebm deep train --json prints it.
type Summary struct {
	Model        string   `json:"model"`
	Data         string   `json:"data"`
	Test         string   `json:"test"`
	NTrain       int      `json:"n_train"`
	NTest        int      `json:"n_test"`
	Architecture string   `json:"architecture"`
	Activation   string   `json:"activation"`
	Quadratic    float64  `json:"quadratic,omitempty"` // λ of the energy's (λ/2)|x|² term
	Objective    string   `json:"objective"`
	Sampler      string   `json:"sampler"`
	Steps        int      `json:"steps"`
	StepSize     float64  `json:"step_size"`
	Leapfrog     int      `json:"leapfrog,omitempty"`   // HMC only
	Sigma        float64  `json:"sigma,omitempty"`      // DSM's noise σ (the first, when annealed)
	SigmaEnd     float64  `json:"sigma_end,omitempty"`  // DSM's final σ when annealed
	Projection   string   `json:"projection,omitempty"` // SSM's projections
	SSMPlain     bool     `json:"ssm_plain,omitempty"`  // SSM without variance reduction
	LRDecay      int      `json:"lr_decay,omitempty"`   // cosine learning-rate decay over this many iterations
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

// MarshalJSON encodes s with NaN and ±Inf as null.
func (s Summary) MarshalJSON() ([]byte, error) {
	type plain Summary
	return nanjson.Marshal(plain(s))
}

// Summary returns the summary of the run, naming model as its file.
func (f *Fitted) Summary(model string) Summary {
	cfg, ev, last := f.Options.Config, f.Eval, f.Last
	s := Summary{Model: model, Data: f.Data.Spec, Test: f.Data.Test.Name,
		NTrain: f.Data.Train.Len(), NTest: f.Data.Test.Len(),
		Architecture: f.Trainer.Net.Architecture(), Activation: f.Options.Activation.String(), Quadratic: f.Options.Quadratic,
		Objective: cfg.Objective.String(), Sampler: cfg.Sampler.Method.String(),
		Steps: cfg.Sampler.Steps, StepSize: cfg.Sampler.StepSize, Persistent: cfg.Persistent,
		Iters: f.Options.Iters, Seed: f.Options.Seed, Seconds: f.Seconds,
		TestNLL: ev.TestNLL, TrueNLL: ev.TrueNLL, KL: ev.KL, LogZ: ev.LogZ, Outside: ev.Outside,
		Loss: last.Loss, EPos: last.EPos, ENeg: last.ENeg, Accept: last.Accept}
	if cfg.Sampler.Method == HMC && cfg.Objective == Contrastive {
		s.Leapfrog = cfg.Sampler.LeapfrogSteps()
	}
	switch cfg.Objective {
	case DSM:
		s.Sigma, s.SigmaEnd = f.Trainer.Cfg.Sigma, cfg.SigmaEnd
	case SSM:
		s.Projection, s.SSMPlain = cfg.Projection.String(), cfg.SSMPlain
	}
	s.LRDecay = cfg.Decay
	if lz := f.logZ(); lz != nil {
		s.NCELogZ = new(float64(*lz))
	}
	return s
}
