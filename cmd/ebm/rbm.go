package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/modelio"
	"github.com/ebm-go/ebm/rbm"
	"github.com/ebm-go/ebm/viz"
)

func newRBMCmd(io *ioStreams) *cobra.Command {
	c := &cobra.Command{
		Use:   "rbm",
		Short: "Restricted Boltzmann machines: train, sample, transform, reconstruct",
	}
	c.AddCommand(newRBMTrainCmd(), newRBMEvalCmd(), newRBMSampleCmd(), newRBMTransformCmd(), newRBMReconstructCmd(), newRBMProbeCmd())
	return c
}

// dataFlags are the flags every command that reads data shares.
type dataFlags struct {
	spec     string
	binarize string
	binSeed  uint64
	limit    int
	real     bool // read real values: no binarization, no [0,1] check (Gaussian visible units)
}

func (d *dataFlags) register(c *cobra.Command, def string) {
	c.Flags().StringVar(&d.spec, "data", def, "data set: mnist, mnist:test, mnist:N, bars:NxM, or a .npy/.csv/IDX file or PNG folder")
	c.Flags().StringVar(&d.binarize, "binarize", "threshold", "binarization for Bernoulli units: threshold (x ≥ 0.5), sample (each value drawn once as Bernoulli(x), fixed seed) or none")
	c.Flags().Uint64Var(&d.binSeed, "binarize-seed", 1, "seed of --binarize sample")
	c.Flags().IntVar(&d.limit, "limit", 0, "use only the first N rows (0: all)")
}

func (d *dataFlags) load(spec string) (*dataset.Set, error) {
	if d.real {
		return dataset.Load(spec, dataset.Options{Limit: d.limit})
	}
	mode := d.binarize
	switch mode {
	case "threshold", "sample":
	case "none", "":
		mode = ""
	default:
		return nil, fmt.Errorf("--binarize %q: want threshold, sample or none", d.binarize)
	}
	s, err := dataset.Load(spec, dataset.Options{Binarize: mode, BinarizeSeed: d.binSeed, Limit: d.limit})
	if err != nil {
		return nil, err
	}
	if err := s.CheckRange(0, 1); err != nil {
		return nil, fmt.Errorf("Bernoulli units need values in [0,1]: %w", err)
	}
	return s, nil
}

func binarizeName(s *dataset.Set) string {
	if s.Binarized == "" {
		return "none"
	}
	return s.Binarized
}

// imageShape returns the tile shape for pictures of n-unit rows: the data's
// shape, the model file's "image_shape", or a square.
func imageShape(n int, meta map[string]string, set *dataset.Set) (h, w int, err error) {
	if set != nil && set.H*set.W == n && set.H > 0 {
		return set.H, set.W, nil
	}
	if s, ok := meta["image_shape"]; ok {
		var a, b int
		if _, err := fmt.Sscanf(s, "%dx%d", &a, &b); err == nil && a*b == n {
			return a, b, nil
		}
	}
	r := int(math.Sqrt(float64(n)))
	for r*r < n {
		r++
	}
	if r*r == n {
		return r, r, nil
	}
	return 0, 0, fmt.Errorf("rows of %d values have no image shape: write .npy instead of a picture", n)
}

type trainOpts struct {
	data        dataFlags
	valid       string
	hidden      int
	cfg         rbm.Config
	method      string
	seed        uint64
	out         string
	filters     string
	samples     string
	plot        string
	jsonOut     bool
	quiet       bool
	sampleSteps int
	resume      string
	checkpoint  string
	sampleInit  string
	visible     string
	learnSigma  bool
	sigma       float64
}

func newRBMTrainCmd() *cobra.Command {
	o := trainOpts{cfg: rbm.DefaultConfig()}
	c := &cobra.Command{
		Use:   "train",
		Short: "Train an RBM (Bernoulli or Gaussian visible units) by CD-k, PCD-k or PT",
		Long: `Train a Bernoulli–Bernoulli RBM with mini-batch momentum SGD, by contrastive
divergence (CD-k), persistent contrastive divergence (PCD-k) or persistent
parallel tempering (PT: --temperatures chain sets, neighbours swapped by the
Metropolis rule after every k steps; the epoch lines show the swap rate).

After every epoch it reports the reconstruction error, the exact
pseudo-log-likelihood (per visible unit, and summed over units: the scale of
scikit-learn's score_samples) and the free-energy gap between held-out and
training rows, and writes the model to --out and a checkpoint (model,
velocities, persistent chains, random state) to --checkpoint, both
atomically: an interrupted run loses at most the epoch in progress, and
--resume CHECKPOINT continues it bit-identically (only --epochs, --out,
--checkpoint, the pictures, --json and --quiet may change; the rest comes
from the checkpoint). On a terminal a progress bar shows the batch,
samples/s and ETA; when piped, one line per epoch goes to stderr.

--visible gaussian trains a Gaussian–Bernoulli RBM on real values
(unbinarized, standardized per column; --sigma, --learn-sigma; CD or PCD,
default learning rate 0.001). It writes checkpoints too (with the
standardization and σ), and --resume continues them the same way: the
checkpoint says which kind of RBM it holds.

With no flags it trains 500 hidden units on built-in MNIST (threshold
binarized) for 10 epochs of PCD-1 (learning rate 0.02, momentum 0.5), about
40 seconds on two cores. CD defaults to learning rate 0.05 and momentum 0.5 for 5
epochs then 0.9 (Hinton's guide); persistent methods default to a constant
0.5, because with 0.9 their chains fall behind the model (see the README).
For MNIST the held-out rows default to mnist:test (used only for monitoring).`,
		Example: `  ebm rbm train
  ebm rbm train --data mnist --hidden 500 --method pcd --k 1 --epochs 10 \
      --out rbm.safetensors --filters filters.png --samples samples.png --plot curves.png
  ebm rbm train --resume rbm.ckpt.safetensors --epochs 20
  ebm rbm train --visible gaussian --sigma 0.2 --data 8gaussians:5000 --hidden 16 \
      --epochs 300 --method cd --lr 0.01 --out g8.safetensors
  ebm rbm train --data bars:4x4 --hidden 16 --epochs 500 --batch 10 --lr 0.1 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runTrain(cmd, &o) },
	}
	f := c.Flags()
	o.data.register(c, "mnist")
	f.StringVar(&o.valid, "valid", "auto", "held-out data for the free-energy gap: a data spec, none, or auto (mnist:test for mnist)")
	f.IntVar(&o.hidden, "hidden", 500, "number of hidden units")
	f.StringVar(&o.method, "method", "pcd", "cd (contrastive divergence), pcd (persistent CD) or pt (parallel tempering)")
	f.IntVar(&o.cfg.Temperatures, "temperatures", 10, "pt: number of inverse temperatures, evenly spaced from 1 down to 1/T")
	f.IntVar(&o.cfg.K, "k", 1, "Gibbs steps per update")
	f.IntVar(&o.cfg.Epochs, "epochs", 10, "passes over the training data")
	f.IntVar(&o.cfg.BatchSize, "batch", 100, "mini-batch size")
	f.Float64Var(&o.cfg.LR, "lr", 0.02, "learning rate (default 0.02 for pcd and pt, 0.05 for cd)")
	f.Float64Var(&o.cfg.LRDecay, "lr-decay", 0, "rate of epoch e is lr/(1+lr-decay·e)")
	f.Float64Var(&o.cfg.FinalMomentum, "momentum", 0.5, "momentum after --momentum-epochs (default 0.5 for pcd and pt, 0.9 for cd)")
	f.Float64Var(&o.cfg.InitialMomentum, "initial-momentum", 0.5, "momentum for the first --momentum-epochs epochs")
	f.IntVar(&o.cfg.MomentumEpochs, "momentum-epochs", 5, "epochs at --initial-momentum")
	f.Float64Var(&o.cfg.WeightDecay, "weight-decay", 2e-4, "L2 weight cost on W")
	f.Float64Var(&o.cfg.SparsityTarget, "sparsity-target", 0, "target mean hidden activation (0: no sparsity penalty)")
	f.Float64Var(&o.cfg.SparsityCost, "sparsity-cost", 0.1, "weight of the sparsity penalty")
	f.IntVar(&o.cfg.Chains, "chains", 0, "persistent chains for pcd and pt, per temperature (0: the batch size)")
	f.IntVar(&o.cfg.MonitorRows, "monitor", 1000, "rows used for the per-epoch figures")
	f.IntVar(&o.cfg.PLLRows, "pll-rows", 200, "rows used for the exact pseudo-log-likelihood")
	f.Uint64Var(&o.seed, "seed", 1, "random seed (initialisation, shuffling, sampling)")
	f.StringVarP(&o.out, "out", "o", "rbm.safetensors", "model file to write (safetensors)")
	f.StringVar(&o.filters, "filters", "", "write the first 100 filters as a PNG grid")
	f.StringVar(&o.samples, "samples", "", "write 64 samples (--sample-steps Gibbs steps from --sample-init) as a PNG grid")
	f.StringVar(&o.sampleInit, "sample-init", "data", "start of the --samples chains: data (the first 64 held-out rows, else training rows) or random")
	f.IntVar(&o.sampleSteps, "sample-steps", 1000, "Gibbs steps for --samples")
	f.StringVar(&o.plot, "plot", "", "write the training curves (PNG, SVG or PDF)")
	f.StringVar(&o.resume, "resume", "", "continue the run saved in this checkpoint (Bernoulli or Gaussian) exactly where it stopped (raise --epochs to train longer)")
	f.StringVar(&o.checkpoint, "checkpoint", "", "checkpoint written atomically after every epoch (default: --out with .ckpt.safetensors; none: no checkpoint)")
	f.BoolVar(&o.jsonOut, "json", false, "print one JSON summary on stdout")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress output")
	f.StringVar(&o.visible, "visible", "bernoulli", "visible units: bernoulli, or gaussian for real-valued data (standardized per column; see --learn-sigma)")
	f.BoolVar(&o.learnSigma, "learn-sigma", false, "gaussian: learn the per-unit σ (as log σ, so it stays positive) instead of fixing σ = 1")
	f.Float64Var(&o.sigma, "sigma", 1, "gaussian: σ of every visible unit in standardized units (the initial value with --learn-sigma); below 1 lets the model resolve modes narrower than the data's spread")
	return c
}

// trainSummary is what --json prints.
type trainSummary struct {
	Model            string           `json:"model"`
	Checkpoint       string           `json:"checkpoint"`
	Data             string           `json:"data"`
	Valid            string           `json:"valid,omitempty"`
	Binarize         string           `json:"binarize"`
	NTrain           int              `json:"n_train"`
	NVisible         int              `json:"n_visible"`
	NHidden          int              `json:"n_hidden"`
	Method           string           `json:"method"`
	K                int              `json:"k"`
	Epochs           int              `json:"epochs"`
	Seconds          float64          `json:"seconds"`
	SamplesPerSecond float64          `json:"samples_per_second"`
	Seed             uint64           `json:"seed"`
	Last             map[string]any   `json:"last_epoch"`
	History          []map[string]any `json:"history"`
}

func statsMap(st rbm.EpochStats) map[string]any {
	return map[string]any{
		"epoch": st.Epoch, "seconds": st.Seconds, "samples_per_second": st.SamplesPerSecond,
		"lr": st.LR, "momentum": st.Momentum,
		"reconstruction_error":                finite(st.ReconError),
		"pseudo_log_likelihood":               finite(st.PLL),
		"pseudo_log_likelihood_sklearn_scale": finite(st.PLLTotal),
		"free_energy_train":                   finite(st.FreeEnergyTrain),
		"free_energy_valid":                   finite(st.FreeEnergyValid),
		"free_energy_gap":                     finite(st.FreeEnergyGap),
		"monitor_seconds":                     st.MonitorSeconds,
		"swap_rate":                           finite(st.SwapRate),
	}
}

// resumable lists the train flags that may be given with --resume; every
// other setting comes from the checkpoint so the run continues exactly.
var resumable = map[string]bool{"resume": true, "epochs": true, "out": true, "checkpoint": true, "filters": true,
	"samples": true, "sample-steps": true, "plot": true, "json": true, "quiet": true}

// checkResumeFlags refuses, for a run continued from a checkpoint of an RBM
// with the given visible units, every flag that is not resumable, except a
// --visible that names the checkpoint's own units.
func checkResumeFlags(cmd *cobra.Command, visible string) error {
	var bad []string
	holds := ""
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if !resumable[f.Name] && (f.Name != "visible" || f.Value.String() != visible) {
			bad = append(bad, "--"+f.Name)
			if f.Name == "visible" {
				holds = fmt.Sprintf("; the checkpoint holds an RBM with %s visible units", visible)
			}
		}
	})
	if len(bad) > 0 {
		return fmt.Errorf("--resume continues the checkpoint's run exactly; %s cannot change (allowed: --epochs, --out, --checkpoint, pictures, --json, --quiet)%s", strings.Join(bad, ", "), holds)
	}
	return nil
}

// checkpointVisible returns the visible units ("bernoulli" or "gaussian")
// of the RBM in a checkpoint file, so that --resume picks the trainer by
// itself; whether the file is a valid checkpoint is for the loaders to say.
func checkpointVisible(path string) (string, error) {
	f, err := modelio.Load(path)
	if err != nil {
		return "", err
	}
	if f.Metadata["visible"] == "gaussian" {
		return "gaussian", nil
	}
	return "bernoulli", nil
}

// resumeFrom takes the settings --resume may not change (data, seed) from a
// checkpoint's metadata, and --out unless given, and returns the per-epoch
// figures stored so far.
func (o *trainOpts) resumeFrom(cmd *cobra.Command, ck map[string]string) ([]rbm.EpochStats, error) {
	o.data.spec, o.data.binarize, o.valid = ck["data"], ck["binarize"], ck["valid"]
	o.data.binSeed, _ = strconv.ParseUint(ck["binarize_seed"], 10, 64)
	o.data.limit, _ = strconv.Atoi(ck["limit"])
	o.seed, _ = strconv.ParseUint(ck["seed"], 10, 64)
	if !cmd.Flags().Changed("out") && ck["out"] != "" {
		o.out = ck["out"]
	}
	history, err := decodeHistory(ck["history"])
	if err != nil {
		return nil, fmt.Errorf("resume %s: %w", o.resume, err)
	}
	return history, nil
}

// defaultCheckpoint sets --checkpoint, when not given, to --out with
// .ckpt.safetensors.
func (o *trainOpts) defaultCheckpoint() {
	if o.checkpoint == "" {
		o.checkpoint = strings.TrimSuffix(o.out, ".safetensors") + ".ckpt.safetensors"
	}
}

// checkpointExtra is the metadata a checkpoint stores besides the trainer's
// state: the model file's metadata, --out and the history so far.
func checkpointExtra(out string, meta map[string]string, history []rbm.EpochStats) map[string]string {
	ck := map[string]string{"out": out, "history": encodeHistory(history)}
	for k, v := range meta {
		ck[k] = v
	}
	return ck
}

// trainFailure explains an error from Train: after divergence it saves the
// last good model with saveModel; after an interruption it says what --out
// holds and how to continue.
func trainFailure(cmd *cobra.Command, o *trainOpts, err error, epoch int, saveModel func() error) error {
	if errors.Is(err, rbm.ErrDiverged) {
		if serr := saveModel(); serr == nil {
			return fmt.Errorf("%w; last good model (epoch %d) saved to %s", err, epoch, o.out)
		}
	}
	if cmd.Context().Err() != nil {
		if o.checkpoint == "none" {
			return fmt.Errorf("interrupted during epoch %d; %s holds the model after epoch %d (no checkpoint: --checkpoint none)", epoch+1, o.out, epoch)
		}
		return fmt.Errorf("interrupted during epoch %d; %s holds the model after epoch %d, and --resume %s continues the run", epoch+1, o.out, epoch, o.checkpoint)
	}
	return err
}

func runTrain(cmd *cobra.Command, o *trainOpts) error {
	if o.resume != "" {
		visible, err := checkpointVisible(o.resume)
		if err != nil {
			return err
		}
		if err := checkResumeFlags(cmd, visible); err != nil {
			return err
		}
		o.visible = visible
	}
	switch o.visible {
	case "gaussian":
		return runTrainGaussian(cmd, o)
	case "bernoulli", "":
	default:
		return fmt.Errorf("--visible %q: want bernoulli or gaussian", o.visible)
	}
	if o.learnSigma || cmd.Flags().Changed("sigma") {
		return errors.New("--learn-sigma and --sigma apply to --visible gaussian only")
	}
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	var (
		tr      *rbm.Trainer
		m       *rbm.RBM
		ckMeta  map[string]string
		history []rbm.EpochStats
		err     error
	)
	if o.resume != "" {
		if tr, m, ckMeta, err = rbm.LoadCheckpoint(o.resume); err != nil {
			return err
		}
		if history, err = o.resumeFrom(cmd, ckMeta); err != nil {
			return err
		}
		if cmd.Flags().Changed("epochs") {
			tr.Epochs = o.cfg.Epochs
		}
	} else {
		o.cfg.Method = rbm.Method(strings.ToLower(o.method))
		// Settings the user did not give take the method's defaults.
		def := rbm.DefaultConfigFor(o.cfg.Method)
		if !cmd.Flags().Changed("lr") {
			o.cfg.LR = def.LR
		}
		if !cmd.Flags().Changed("momentum") {
			o.cfg.FinalMomentum = def.FinalMomentum
		}
		if o.hidden < 1 {
			return fmt.Errorf("--hidden must be at least 1, got %d", o.hidden)
		}
	}
	if o.out == "" {
		return errors.New("--out must name a file")
	}
	o.defaultCheckpoint()
	train, err := o.data.load(o.data.spec)
	if err != nil {
		return err
	}
	validSpec := o.valid
	if validSpec == "auto" {
		validSpec = ""
		if strings.HasPrefix(train.Name, "mnist") && !strings.HasPrefix(train.Name, "mnist:test") {
			validSpec = "mnist:test"
		}
	}
	var valid *dataset.Set
	if validSpec != "" && validSpec != "none" {
		vd := o.data
		vd.limit = 0
		if valid, err = vd.load(validSpec); err != nil {
			return err
		}
		if valid.Dim() != train.Dim() {
			return fmt.Errorf("held-out data %s has %d columns, training data %s has %d", valid.Name, valid.Dim(), train.Name, train.Dim())
		}
	}

	if tr == nil {
		rng := tensor.NewRand(o.seed)
		m = rbm.New(train.Dim(), o.hidden)
		m.Init(train.X, 0.01, rng)
		if tr, err = rbm.NewTrainer(o.cfg, m, rng); err != nil {
			return err
		}
	} else if err := m.CheckData(train.X); err != nil {
		return fmt.Errorf("resume %s: data %s: %w", o.resume, train.Name, err)
	}
	meta := modelMeta(tr, train, o)
	if valid != nil {
		meta["valid"] = valid.Name
	}
	saveEpoch := func() error {
		meta["epochs"] = strconv.Itoa(tr.Epoch)
		if err := m.Save(o.out, meta); err != nil {
			return err
		}
		if o.checkpoint == "none" {
			return nil
		}
		ck := checkpointExtra(o.out, meta, history)
		if valid == nil {
			ck["valid"] = "none"
		}
		return tr.SaveCheckpoint(o.checkpoint, ck)
	}

	if !o.quiet {
		vname := "none"
		if valid != nil {
			vname = valid.Name
		}
		fmt.Fprintf(stderr, "training %d×%d RBM by %s-%d on %s (%d rows, binarize=%s; held-out: %s)\n",
			m.NVisible(), m.NHidden(), strings.ToUpper(string(tr.Method)), tr.K, train.Name, train.Len(), binarizeName(train), vname)
	}
	nBatches := (train.Len() + tr.BatchSize - 1) / tr.BatchSize
	var bar *progressbar.ProgressBar
	if !o.quiet {
		bar = newBar(stderr, tr.Epochs*nBatches, "", "batches")
	}
	tr.OnBatch = func(p rbm.Progress) {
		if bar != nil {
			bar.Describe(fmt.Sprintf("epoch %d/%d", p.Epoch, p.Epochs))
			_ = bar.Add(1)
		}
	}
	tr.OnEpoch = func(st rbm.EpochStats) error {
		history = append(history, st)
		if err := saveEpoch(); err != nil {
			return err
		}
		if !o.quiet {
			if bar != nil {
				_ = bar.Clear()
			}
			swap := ""
			if !math.IsNaN(st.SwapRate) {
				swap = fmt.Sprintf("  swap rate %.2f", st.SwapRate)
			}
			fmt.Fprintf(stderr, "epoch %3d  %7.0f samples/s  recon %8.3f  PLL/unit %s (sklearn scale %s)  F train %s  F gap %s%s  [binarize=%s]\n",
				st.Epoch, st.SamplesPerSecond, st.ReconError, fmtOpt(st.PLL, "%.4f"), fmtOpt(st.PLLTotal, "%.2f"),
				fmtOpt(st.FreeEnergyTrain, "%.2f"), fmtOpt(st.FreeEnergyGap, "%+.2f"), swap, binarizeName(train))
		}
		return nil
	}
	var vx *tensor.Matrix
	if valid != nil {
		vx = valid.X
	}
	start := time.Now()
	stats, err := tr.Train(cmd.Context(), train.X, vx)
	if bar != nil {
		_ = bar.Finish()
	}
	elapsed := time.Since(start).Seconds()
	if err != nil {
		return trainFailure(cmd, o, err, tr.Epoch, func() error { return m.Save(o.out, meta) })
	}
	if len(stats) == 0 { // nothing to train (--epochs 0, or already done): save as is
		if err := saveEpoch(); err != nil {
			return err
		}
	}
	sampleFrom := train
	if valid != nil {
		sampleFrom = valid
	}
	if err := writeTrainPictures(o, m, sampleFrom, meta, history, tr.Rand()); err != nil {
		return err
	}
	var trainSecs float64
	for _, st := range stats {
		trainSecs += st.Seconds
	}
	sum := trainSummary{Model: o.out, Checkpoint: o.checkpoint, Data: train.Name, Binarize: binarizeName(train), NTrain: train.Len(),
		NVisible: m.NVisible(), NHidden: m.NHidden(), Method: string(tr.Method), K: tr.K, Epochs: tr.Epoch,
		Seconds: elapsed, Seed: o.seed}
	for _, st := range history {
		sum.History = append(sum.History, statsMap(st))
	}
	if valid != nil {
		sum.Valid = valid.Name
	}
	if trainSecs > 0 {
		sum.SamplesPerSecond = float64(train.Len()*len(stats)) / trainSecs
	}
	if len(sum.History) > 0 {
		sum.Last = sum.History[len(sum.History)-1]
	}
	if o.jsonOut {
		return writeJSON(stdout, sum)
	}
	fmt.Fprintf(stdout, "wrote %s: %d×%d RBM, %d epochs of %s-%d on %s (binarize=%s) in %.1fs, %.0f samples/s\n",
		o.out, m.NVisible(), m.NHidden(), tr.Epoch, strings.ToUpper(string(tr.Method)), tr.K, train.Name,
		binarizeName(train), elapsed, sum.SamplesPerSecond)
	return nil
}

// modelMeta is the metadata stored in model files and checkpoints: the
// training settings and the data.
func modelMeta(tr *rbm.Trainer, train *dataset.Set, o *trainOpts) map[string]string {
	meta := map[string]string{
		"data": train.Name, "binarize": binarizeName(train), "method": string(tr.Method),
		"k": strconv.Itoa(tr.K), "batch_size": strconv.Itoa(tr.BatchSize),
		"learning_rate": fmtFloat(tr.LR), "lr_decay": fmtFloat(tr.LRDecay),
		"momentum": fmtFloat(tr.FinalMomentum), "initial_momentum": fmtFloat(tr.InitialMomentum),
		"momentum_epochs": strconv.Itoa(tr.MomentumEpochs), "weight_decay": fmtFloat(tr.WeightDecay),
		"sparsity_target": fmtFloat(tr.SparsityTarget), "sparsity_cost": fmtFloat(tr.SparsityCost),
		"seed": strconv.FormatUint(o.seed, 10), "epochs": strconv.Itoa(tr.Epoch),
	}
	if tr.Method == rbm.PCD || tr.Method == rbm.PT {
		meta["chains"] = strconv.Itoa(tr.Chains)
	}
	if tr.Method == rbm.PT {
		meta["temperatures"] = strconv.Itoa(tr.Temperatures)
	}
	if train.H > 0 {
		meta["image_shape"] = fmt.Sprintf("%dx%d", train.H, train.W)
	}
	if train.Binarized == "sample" {
		meta["binarize_seed"] = strconv.FormatUint(o.data.binSeed, 10)
	}
	if o.data.limit > 0 {
		meta["limit"] = strconv.Itoa(o.data.limit)
	}
	return meta
}

// encodeHistory stores per-epoch figures in checkpoint metadata as JSON
// (NaN as null), so a resumed run plots its whole history.
func encodeHistory(h []rbm.EpochStats) string {
	rows := make([]map[string]any, len(h))
	for i, st := range h {
		rows[i] = statsMap(st)
	}
	b, _ := json.Marshal(rows)
	return string(b)
}

func decodeHistory(s string) ([]rbm.EpochStats, error) {
	if s == "" {
		return nil, nil
	}
	var rows []map[string]*float64
	if err := json.Unmarshal([]byte(s), &rows); err != nil {
		return nil, fmt.Errorf("metadata \"history\": %w", err)
	}
	get := func(r map[string]*float64, k string) float64 {
		if v := r[k]; v != nil {
			return *v
		}
		return math.NaN()
	}
	h := make([]rbm.EpochStats, len(rows))
	for i, r := range rows {
		h[i] = rbm.EpochStats{Epoch: int(get(r, "epoch")), Seconds: get(r, "seconds"),
			SamplesPerSecond: get(r, "samples_per_second"), MonitorSeconds: get(r, "monitor_seconds"),
			LR: get(r, "lr"), Momentum: get(r, "momentum"), ReconError: get(r, "reconstruction_error"),
			PLL: get(r, "pseudo_log_likelihood"), PLLTotal: get(r, "pseudo_log_likelihood_sklearn_scale"),
			FreeEnergyTrain: get(r, "free_energy_train"), FreeEnergyValid: get(r, "free_energy_valid"),
			FreeEnergyGap: get(r, "free_energy_gap"), SwapRate: get(r, "swap_rate")}
	}
	return h, nil
}

func fmtFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// writeTrainPictures writes --filters, --samples and --plot; --sample-init
// data starts the sample chains at the first rows of train.
func writeTrainPictures(o *trainOpts, m *rbm.RBM, train *dataset.Set, meta map[string]string, stats []rbm.EpochStats, rng *tensor.Rand) error {
	if o.filters != "" {
		h, w, err := imageShape(m.NVisible(), meta, train)
		if err != nil {
			return fmt.Errorf("--filters: %w", err)
		}
		img, err := viz.Filters(m.W, h, w, 100, viz.GridOptions{Scale: 2})
		if err != nil {
			return err
		}
		if err := viz.SavePNG(o.filters, img); err != nil {
			return err
		}
	}
	if o.samples != "" {
		h, w, err := imageShape(m.NVisible(), meta, train)
		if err != nil {
			return fmt.Errorf("--samples: %w", err)
		}
		var init *tensor.Matrix
		n := 64
		switch o.sampleInit {
		case "data":
			n = min(n, train.Len())
			init = train.X.SliceRows(0, n)
		case "random":
		default:
			return fmt.Errorf("--sample-init %q: want data or random", o.sampleInit)
		}
		_, probs := m.Sample(n, o.sampleSteps, init, rng.Split())
		img, err := viz.Grid(probs, h, w, viz.GridOptions{Cols: 8, Scale: 2})
		if err != nil {
			return err
		}
		if err := viz.SavePNG(o.samples, img); err != nil {
			return err
		}
	}
	if o.plot != "" {
		if err := plotCurves(o.plot, stats); err != nil {
			return err
		}
	}
	return nil
}

func plotCurves(path string, stats []rbm.EpochStats) error {
	n := len(stats)
	x := make([]float64, n)
	get := func(f func(rbm.EpochStats) float64) []float64 {
		y := make([]float64, n)
		for i, st := range stats {
			y[i] = f(st)
		}
		return y
	}
	for i := range x {
		x[i] = float64(stats[i].Epoch)
	}
	panels := []viz.Panel{
		{Title: "Reconstruction error", XLabel: "epoch", YLabel: "squared error per image", Series: []viz.Series{
			{Name: "train", X: x, Y: get(func(s rbm.EpochStats) float64 { return s.ReconError })}}},
		{Title: "Pseudo-log-likelihood", XLabel: "epoch", YLabel: "nats per visible unit", Series: []viz.Series{
			{Name: "train", X: x, Y: get(func(s rbm.EpochStats) float64 { return s.PLL })}}},
		{Title: "Mean free energy", XLabel: "epoch", YLabel: "F(v)", Series: []viz.Series{
			{Name: "train", X: x, Y: get(func(s rbm.EpochStats) float64 { return s.FreeEnergyTrain })},
			{Name: "held-out", X: x, Y: get(func(s rbm.EpochStats) float64 { return s.FreeEnergyValid })}}},
	}
	return viz.Curves(path, panels, 6, 9)
}

// loadModelAndData reads an RBM file (Bernoulli or Gaussian visible units)
// and the --data set, and checks that the data suit the model.
func loadModelAndData(cmd *cobra.Command, path string, data *dataFlags) (*rbmFile, *dataset.Set, error) {
	m, err := loadRBMFile(path)
	if err != nil {
		return nil, nil, err
	}
	if err := m.useData(cmd, data); err != nil {
		return nil, nil, err
	}
	set, err := data.load(data.spec)
	if err != nil {
		return nil, nil, err
	}
	if err := m.checkData(set.X); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", set.Name, err)
	}
	return m, set, nil
}

func newRBMSampleCmd() *cobra.Command {
	var (
		model, initMode, out        string
		n, steps, cols, grid, temps int
		seed                        uint64
		binary, jsonOut             bool
		data                        dataFlags
	)
	c := &cobra.Command{
		Use:   "sample",
		Short: "Draw samples from an RBM by block Gibbs sampling or parallel tempering",
		Long: `Run --n independent block-Gibbs chains for --steps steps and write the final
visible probabilities p(v|h) (or binary states with --binary) as a PNG grid,
or as an n × n_visible array when --out ends in .npy.
Chains start from uniform random binary vectors (--init random) or from the
first --n rows of --data (--init data).

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

Gaussian–Bernoulli models ("visible": "gaussian") are read too (block Gibbs
only): chains start from v = b (--init random) or from the standardized rows
of --data, the output is E[v|h] (--binary: the real-valued states) in data
units, and for 2-D data a .png shows the data density (true density of a
built-in toy set, else a histogram of --data) | the model density
exp(−F(v))/Z on a --grid grid | a histogram of the samples | the free energy.`,
		Example: `  ebm rbm sample --model rbm.safetensors --n 64 --steps 1000 --out samples.png
  ebm rbm sample --model rbm.safetensors --init data --data mnist:test --steps 10 --out s.npy
  # parallel tempering with 10 temperatures (β = 1, 0.9, …, 0.1), swap rates as JSON
  ebm rbm sample --model rbm.safetensors --temperatures 10 --init data --data mnist:test \
      --n 64 --steps 1000 --out samples-pt.png --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := loadRBMFile(model)
			if err != nil {
				return err
			}
			meta := m.meta
			if err := m.useData(cmd, &data); err != nil {
				return err
			}
			if n < 1 || steps < 1 {
				return fmt.Errorf("--n and --steps must be at least 1 (got %d and %d)", n, steps)
			}
			if temps < 1 {
				return fmt.Errorf("--temperatures must be at least 1, got %d", temps)
			}
			if temps > 1 && m.bern == nil {
				return errors.New("--temperatures: parallel tempering is implemented for Bernoulli visible units only")
			}
			init, set, err := chainStart(initMode, &data, meta, n, m.checkData)
			if err != nil {
				return err
			}
			start := time.Now()
			var (
				states, probs *tensor.Matrix
				betas         []float32
				rates         []float64
			)
			if temps == 1 {
				states, probs = m.sample(n, steps, init, tensor.NewRand(seed))
			} else {
				betas = rbm.PTBetas(temps)
				if states, probs, rates, err = m.bern.SampleTempered(n, steps, betas, init, tensor.NewRand(seed)); err != nil {
					return err
				}
			}
			secs := time.Since(start).Seconds()
			res := probs
			if binary {
				res = states
			}
			logDensity := [2]float64{math.NaN(), math.NaN()}
			if m.gauss != nil && m.gauss.NVisible() == 2 && strings.EqualFold(filepath.Ext(out), ".png") {
				// 2-D real-valued data: draw densities, not tiles.
				if set == nil {
					spec := data.spec
					if spec == "" {
						spec = meta["data"]
					}
					if spec == "" {
						return errors.New("a 2-D density picture needs --data")
					}
					if set, err = data.load(spec); err != nil {
						return err
					}
				}
				ll, truth, err := writeGaussianDensity(out, m, set.X, set.Name, states, grid)
				if err != nil {
					return err
				}
				logDensity = [2]float64{ll, truth}
				if !jsonOut {
					fmt.Fprintf(cmd.OutOrStdout(), "mean log-density of %s (%d rows): model %.4f nats", set.Name, set.Len(), ll)
					if !math.IsNaN(truth) {
						fmt.Fprintf(cmd.OutOrStdout(), ", true density %.4f nats", truth)
					}
					fmt.Fprintln(cmd.OutOrStdout())
				}
			} else if err := writeRows(out, res, cols, meta, set); err != nil {
				return err
			}
			if jsonOut {
				sum := sampleSummary{Out: out, N: n, Steps: steps, Init: initMode, Seed: seed, Temperatures: temps,
					Sampler: "gibbs", Betas: []float64{1}, SwapRates: []float64{}, Seconds: secs,
					MeanLogDensity: finite(logDensity[0]), TrueMeanLogDensity: finite(logDensity[1])}
				if temps > 1 {
					sum.Sampler = "parallel-tempering"
					sum.Betas = make([]float64, len(betas))
					for i, b := range betas {
						// The float32 value's shortest decimal (0.9, not 0.8999999761581421).
						sum.Betas[i], _ = strconv.ParseFloat(strconv.FormatFloat(float64(b), 'g', -1, 32), 64)
					}
					sum.SwapRates = rates
					mean, lo := 0.0, 1.0
					for _, r := range rates {
						mean += r / float64(len(rates))
						lo = math.Min(lo, r)
					}
					sum.MeanSwapRate, sum.MinSwapRate = &mean, &lo
				}
				return writeJSON(cmd.OutOrStdout(), sum)
			}
			how := fmt.Sprintf("%d Gibbs steps", steps)
			if temps > 1 {
				lo := 1.0
				for _, r := range rates {
					lo = math.Min(lo, r)
				}
				how = fmt.Sprintf("%d rounds of parallel tempering at %d temperatures (β 1 to %.3g, lowest swap rate %.3f)", steps, temps, betas[temps-1], lo)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d samples after %s (init %s, seed %d)\n", out, n, how, initMode, seed)
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&model, "model", "m", "", "model file (required)")
	f.IntVarP(&n, "n", "n", 64, "number of chains / samples")
	f.IntVar(&steps, "steps", 1000, "Gibbs steps per chain (with --temperatures: rounds of one Gibbs step and one swap round)")
	f.StringVar(&initMode, "init", "random", "chain start: random or data")
	f.IntVar(&temps, "temperatures", 1, "parallel tempering with this many inverse temperatures from 1 down to 1/T (1: plain block Gibbs)")
	data.register(c, "")
	f.Uint64Var(&seed, "seed", 1, "random seed")
	f.BoolVar(&binary, "binary", false, "write binary states instead of probabilities (Gaussian units: the sampled real values)")
	f.IntVar(&grid, "grid", 100, "2-D Gaussian models: cells per side of the density picture")
	f.IntVar(&cols, "cols", 0, "grid columns (0: about square)")
	f.StringVarP(&out, "out", "o", "samples.png", "output: .png grid or .npy array")
	f.BoolVar(&jsonOut, "json", false, "print a JSON summary on stdout (sampler, temperatures, swap rates)")
	return c
}

// sampleSummary is what rbm sample --json prints.
type sampleSummary struct {
	Out          string    `json:"out"`
	N            int       `json:"n"`
	Steps        int       `json:"steps"`
	Init         string    `json:"init"`
	Seed         uint64    `json:"seed"`
	Sampler      string    `json:"sampler"` // gibbs or parallel-tempering
	Temperatures int       `json:"temperatures"`
	Betas        []float64 `json:"betas"`
	// SwapRates[i] is the acceptance rate of swaps between betas[i] and
	// betas[i+1] over all rounds (empty for Gibbs).
	SwapRates    []float64 `json:"swap_rates"`
	MeanSwapRate *float64  `json:"mean_swap_rate"`
	MinSwapRate  *float64  `json:"min_swap_rate"`
	Seconds      float64   `json:"seconds"`
	// 2-D Gaussian–Bernoulli models with a .png: the mean log-density of
	// the data under the model and under the true density (toy sets).
	MeanLogDensity     *float64 `json:"mean_log_density,omitempty"`
	TrueMeanLogDensity *float64 `json:"true_mean_log_density,omitempty"`
}

// chainStart returns the starting states of n sampling chains: nil for
// --init random, or the first n rows of --data (default: the model's
// training data, from its metadata) for --init data, checked by check.
func chainStart(initMode string, data *dataFlags, meta map[string]string, n int, check func(*tensor.Matrix) error) (*tensor.Matrix, *dataset.Set, error) {
	switch initMode {
	case "random":
		return nil, nil, nil
	case "data":
	default:
		return nil, nil, fmt.Errorf("--init %q: want random or data", initMode)
	}
	spec := data.spec
	if spec == "" {
		spec = meta["data"]
	}
	if spec == "" {
		return nil, nil, errors.New("--init data needs --data")
	}
	set, err := data.load(spec)
	if err != nil {
		return nil, nil, err
	}
	if err := check(set.X); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", set.Name, err)
	}
	if set.Len() < n {
		return nil, nil, fmt.Errorf("--init data needs %d rows, %s has %d", n, set.Name, set.Len())
	}
	return set.X.SliceRows(0, n), set, nil
}

// writeRows writes rows as a PNG grid or a .npy array, by extension.
func writeRows(path string, rows *tensor.Matrix, cols int, meta map[string]string, set *dataset.Set) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".npy":
		return dataset.SaveNPY(path, rows)
	case ".png":
		h, w, err := imageShape(rows.Cols, meta, set)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		img, err := viz.Grid(rows, h, w, viz.GridOptions{Cols: cols, Scale: 2})
		if err != nil {
			return err
		}
		return viz.SavePNG(path, img)
	default:
		return fmt.Errorf("%s: unknown output type (want .png or .npy)", path)
	}
}

func newRBMTransformCmd() *cobra.Command {
	var (
		model, out string
		data       dataFlags
	)
	c := &cobra.Command{
		Use:     "transform",
		Short:   "Write the hidden-unit features p(h=1|v) of a data set",
		Example: `  ebm rbm transform --model rbm.safetensors --data mnist:test --out features.npy`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, set, err := loadModelAndData(cmd, model, &data)
			if err != nil {
				return err
			}
			feat, err := m.features(set.X)
			if err != nil {
				return err
			}
			if !strings.EqualFold(filepath.Ext(out), ".npy") {
				return fmt.Errorf("%s: features are written as .npy", out)
			}
			if err := dataset.SaveNPY(out, feat); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d × %d features of %s (binarize=%s)\n", out, feat.Rows, feat.Cols, set.Name, binarizeName(set))
			return nil
		},
	}
	c.Flags().StringVarP(&model, "model", "m", "", "model file (required)")
	data.register(c, "mnist:test")
	c.Flags().StringVarP(&out, "out", "o", "features.npy", "output .npy file (n × n_hidden float32)")
	return c
}

func newRBMReconstructCmd() *cobra.Command {
	var (
		model, out string
		n, cols    int
		jsonOut    bool
		data       dataFlags
	)
	c := &cobra.Command{
		Use:   "reconstruct",
		Short: "Reconstruct data through the RBM (v → p(h|v) → p(v|h)) and report the error",
		Long: `Reconstruct the first --n rows of --data with a deterministic mean-field
up–down pass, v → p(h|v) → p(v|h), and report the mean squared reconstruction
error over all rows. A .png output shows originals and reconstructions in
alternating rows of the grid; a .npy output holds the reconstructions of all rows.`,
		Example: `  ebm rbm reconstruct --model rbm.safetensors --data mnist:test --n 32 --out recon.png`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, set, err := loadModelAndData(cmd, model, &data)
			if err != nil {
				return err
			}
			meta := m.meta
			recon := m.reconstruct(set.X)
			var se float64
			for i, x := range set.X.Data {
				d := float64(x) - float64(recon.Data[i])
				se += d * d
			}
			errPer := se / float64(set.Len())
			if out != "" {
				if strings.EqualFold(filepath.Ext(out), ".npy") {
					err = dataset.SaveNPY(out, recon)
				} else {
					k := min(n, set.Len())
					if cols <= 0 {
						cols = 8
					}
					pairs := interleave(set.X.SliceRows(0, k), recon.SliceRows(0, k), cols)
					err = writeRows(out, pairs, cols, meta, set)
				}
				if err != nil {
					return err
				}
			}
			if jsonOut {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"data": set.Name, "binarize": binarizeName(set),
					"n_samples": set.Len(), "reconstruction_error": errPer, "out": out})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s (binarize=%s): mean squared reconstruction error %.4f per image over %d rows\n",
				set.Name, binarizeName(set), errPer, set.Len())
			return nil
		},
	}
	c.Flags().StringVarP(&model, "model", "m", "", "model file (required)")
	data.register(c, "mnist:test")
	c.Flags().IntVarP(&n, "n", "n", 32, "rows shown in a .png")
	c.Flags().IntVar(&cols, "cols", 8, "grid columns")
	c.Flags().StringVarP(&out, "out", "o", "", "write reconstructions: .png grid or .npy")
	c.Flags().BoolVar(&jsonOut, "json", false, "print a JSON object")
	return c
}

// interleave returns rows laid out so that a grid of cols columns shows a
// row of originals followed by a row of their reconstructions.
func interleave(a, b *tensor.Matrix, cols int) *tensor.Matrix {
	k := a.Rows
	nRows := (k + cols - 1) / cols
	out := tensor.New(2*nRows*cols, a.Cols)
	for i := range k {
		r, c := i/cols, i%cols
		copy(out.Row(2*r*cols+c), a.Row(i))
		copy(out.Row((2*r+1)*cols+c), b.Row(i))
	}
	return out
}
