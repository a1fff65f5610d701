package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/deep"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/modelio"
	"github.com/ebm-go/ebm/rbm"
	"github.com/ebm-go/ebm/viz"
)

// stdFloor is the floor of a column's standard deviation, relative to the
// largest column's, used when standardizing data for Gaussian visible units.
const stdFloor = 0.1

// runTrainGaussian trains a Gaussian–Bernoulli RBM (ebm rbm train --visible
// gaussian): the data are read unbinarized, standardized per column, and
// the model file carries the sigma tensor and the standardization. As for
// Bernoulli units, a checkpoint goes to --checkpoint after every epoch and
// --resume continues one bit-identically (runTrain has checked the flags).
func runTrainGaussian(cmd *cobra.Command, o *trainOpts) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	var (
		tr      *rbm.GaussianTrainer
		m       *rbm.GaussianRBM
		ckMeta  map[string]string
		history []rbm.EpochStats
		err     error
	)
	if o.resume != "" {
		if tr, m, ckMeta, err = rbm.LoadGaussianCheckpoint(o.resume); err != nil {
			return err
		}
		if history, err = o.resumeFrom(cmd, ckMeta); err != nil {
			return err
		}
		if cmd.Flags().Changed("epochs") {
			tr.Epochs = o.cfg.Epochs
		}
	} else {
		if o.hidden < 1 {
			return fmt.Errorf("--hidden must be at least 1, got %d", o.hidden)
		}
	}
	if o.out == "" {
		return errors.New("--out must name a file")
	}
	o.defaultCheckpoint()
	if tr == nil {
		o.cfg.Method = rbm.Method(strings.ToLower(o.method))
		if !cmd.Flags().Changed("lr") {
			o.cfg.LR = 0.001 // Hinton's guide: one to two orders of magnitude below the binary rate
		}
		if !cmd.Flags().Changed("momentum") {
			o.cfg.FinalMomentum = rbm.DefaultConfigFor(o.cfg.Method).FinalMomentum
		}
		if cmd.Flags().Changed("binarize") && o.data.binarize != "none" {
			return errors.New("--visible gaussian reads real values: --binarize must be none")
		}
	}
	set, err := dataset.Load(o.data.spec, dataset.Options{Limit: o.data.limit})
	if err != nil {
		return err
	}
	x := set.X.Clone()
	if tr != nil {
		if err := m.CheckData(x); err != nil {
			return fmt.Errorf("resume %s: data %s: %w", o.resume, set.Name, err)
		}
	}
	var mean, std []float32
	if tr != nil && tr.DataMean != nil {
		// The training standardization, as stored: the resumed run sees
		// exactly the values the first part saw.
		mean, std = tr.DataMean, tr.DataStd
	} else {
		mean, std = rbm.Standardize(x, stdFloor)
	}
	rbm.ApplyStandardize(x, mean, std)
	if tr == nil {
		rng := tensor.NewRand(o.seed)
		m = rbm.NewGaussian(set.Dim(), o.hidden)
		m.LearnSigma = o.learnSigma
		if !(o.sigma > 0) || math.IsInf(o.sigma, 0) {
			return fmt.Errorf("--sigma must be positive and finite, got %g", o.sigma)
		}
		for i := range m.LogSigma {
			m.LogSigma[i] = float32(math.Log(o.sigma))
		}
		m.Init(x, 0.01, rng)
		if tr, err = rbm.NewGaussianTrainer(o.cfg, m, rng); err != nil {
			return err
		}
	}
	tr.DataMean, tr.DataStd = mean, std
	meta := map[string]string{"data": set.Name, "binarize": "none", "method": string(tr.Method), "k": strconv.Itoa(tr.K),
		"batch_size": strconv.Itoa(tr.BatchSize), "learning_rate": fmtFloat(tr.LR), "weight_decay": fmtFloat(tr.WeightDecay),
		"seed": strconv.FormatUint(o.seed, 10), "standardize_floor": fmtFloat(stdFloor)}
	if f, ok := ckMeta["standardize_floor"]; ok {
		meta["standardize_floor"] = f // the floor the stored standardization used
	}
	if set.H > 0 {
		meta["image_shape"] = fmt.Sprintf("%dx%d", set.H, set.W)
	}
	if o.data.limit > 0 {
		meta["limit"] = strconv.Itoa(o.data.limit)
	}
	saveEpoch := func() error {
		meta["epochs"] = strconv.Itoa(tr.Epoch)
		if err := m.Save(o.out, meta, mean, std); err != nil {
			return err
		}
		if o.checkpoint == "none" {
			return nil
		}
		return tr.SaveCheckpoint(o.checkpoint, checkpointExtra(o.out, meta, history))
	}
	if !o.quiet {
		sigma := map[bool]string{true: "learned from " + fmtFloat(o.sigma), false: "fixed at " + fmtFloat(o.sigma)}[o.learnSigma]
		if o.resume != "" {
			sigma = map[bool]string{true: "learned", false: "fixed"}[m.LearnSigma] + fmt.Sprintf("; resuming after epoch %d of %d", tr.Epoch, tr.Epochs)
		}
		fmt.Fprintf(stderr, "training %d×%d Gaussian–Bernoulli RBM by %s-%d on %s (%d rows, standardized; σ %s)\n",
			m.NVisible(), m.NHidden(), strings.ToUpper(string(tr.Method)), tr.K, set.Name, set.Len(), sigma)
	}
	tr.OnEpoch = func(st rbm.EpochStats) error {
		history = append(history, st)
		if err := saveEpoch(); err != nil {
			return err
		}
		if !o.quiet {
			fmt.Fprintf(stderr, "epoch %3d  %7.0f samples/s  recon %8.3f  F train %.2f\n", st.Epoch, st.SamplesPerSecond, st.ReconError, st.FreeEnergyTrain)
		}
		return nil
	}
	start := time.Now()
	stats, err := tr.Train(cmd.Context(), x, nil)
	if err != nil {
		return trainFailure(cmd, o, err, tr.Epoch, func() error { return m.Save(o.out, meta, mean, std) })
	}
	if len(stats) == 0 { // nothing to train (--epochs 0, or already done): save as is
		if err := saveEpoch(); err != nil {
			return err
		}
	}
	if o.samples != "" {
		n := min(64, set.Len())
		var init *tensor.Matrix
		if o.sampleInit == "data" {
			init = x.SliceRows(0, n)
		}
		_, mu := m.Sample(n, o.sampleSteps, init, tr.Rand().Split())
		// Undo the standardization; clamp to the data's range for the picture.
		for r := 0; r < n; r++ {
			row := mu.Row(r)
			for i := range row {
				row[i] = min(max(row[i]*std[i]+mean[i], 0), 1)
			}
		}
		h, w, err := imageShape(mu.Cols, meta, set)
		if err != nil {
			return fmt.Errorf("--samples: %w", err)
		}
		img, err := viz.Grid(mu, h, w, viz.GridOptions{Cols: 8, Scale: 2})
		if err != nil {
			return err
		}
		if err := viz.SavePNG(o.samples, img); err != nil {
			return err
		}
	}
	secs := time.Since(start).Seconds()
	if o.jsonOut {
		h := make([]map[string]any, len(history))
		for i, st := range history {
			h[i] = statsMap(st)
		}
		sig := m.Sigma()
		var sm float64
		for _, s := range sig {
			sm += float64(s) / float64(len(sig))
		}
		return writeJSON(stdout, map[string]any{"model": o.out, "checkpoint": o.checkpoint, "data": set.Name, "visible": "gaussian", "learn_sigma": m.LearnSigma,
			"n_train": set.Len(), "n_visible": m.NVisible(), "n_hidden": m.NHidden(), "method": string(tr.Method), "k": tr.K,
			"epochs": tr.Epoch, "seconds": secs, "mean_sigma": sm, "history": h})
	}
	fmt.Fprintf(stdout, "wrote %s: %d×%d Gaussian–Bernoulli RBM, %d epochs of %s-%d on %s (standardized) in %.1fs\n",
		o.out, m.NVisible(), m.NHidden(), tr.Epoch, strings.ToUpper(string(tr.Method)), tr.K, set.Name, secs)
	return nil
}

// rbmFile is an RBM model file of either visible-unit type, as read by the
// commands that use a trained model (sample, transform, reconstruct,
// probe): they dispatch on the file's "visible" metadata.
type rbmFile struct {
	bern      *rbm.RBM
	gauss     *rbm.GaussianRBM
	mean, std []float32 // Gaussian: the training standardization (nil: none)
	meta      map[string]string
}

// loadRBMFile reads a Bernoulli or a Gaussian–Bernoulli RBM file.
func loadRBMFile(path string) (*rbmFile, error) {
	if path == "" {
		return nil, errors.New("--model is required")
	}
	f, err := modelio.Load(path)
	if err != nil {
		return nil, err
	}
	if f.Metadata["visible"] == "gaussian" {
		m, mean, std, err := rbm.GaussianFromFile(f)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", path, err)
		}
		return &rbmFile{gauss: m, mean: mean, std: std, meta: f.Metadata}, nil
	}
	m, err := rbm.FromFile(f)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return &rbmFile{bern: m, meta: f.Metadata}, nil
}

func (f *rbmFile) nHidden() int {
	if f.gauss != nil {
		return f.gauss.NHidden()
	}
	return f.bern.NHidden()
}

// useData prepares d for this model: Gaussian models read real values
// (unbinarized, any range), so an explicit --binarize other than none is
// an error.
func (f *rbmFile) useData(cmd *cobra.Command, d *dataFlags) error {
	if f.gauss == nil {
		return nil
	}
	if cmd.Flags().Changed("binarize") && d.binarize != "none" {
		return errors.New("the model has Gaussian visible units, which read real values: --binarize must be none")
	}
	d.real = true
	return nil
}

// checkData checks the data's width (and, for Gaussian units, finiteness).
func (f *rbmFile) checkData(x *tensor.Matrix) error {
	if f.gauss != nil {
		return f.gauss.CheckData(x)
	}
	return f.bern.CheckData(x)
}

// standardized returns x in the model's units: a standardized copy for a
// Gaussian model with a stored standardization, else x itself.
func (f *rbmFile) standardized(x *tensor.Matrix) *tensor.Matrix {
	if f.gauss == nil || f.mean == nil {
		return x
	}
	z := x.Clone()
	rbm.ApplyStandardize(z, f.mean, f.std)
	return z
}

// unstandardize maps x (model units) back to data units in place.
func (f *rbmFile) unstandardize(x *tensor.Matrix) {
	if f.gauss == nil || f.mean == nil {
		return
	}
	for r := 0; r < x.Rows; r++ {
		row := x.Row(r)
		for i := range row {
			row[i] = row[i]*f.std[i] + f.mean[i]
		}
	}
}

// features returns p(h=1|v) for the rows of x (data units).
func (f *rbmFile) features(x *tensor.Matrix) (*tensor.Matrix, error) {
	if err := f.checkData(x); err != nil {
		return nil, err
	}
	h := tensor.New(x.Rows, f.nHidden())
	if f.gauss != nil {
		f.gauss.HiddenProbs(h, f.standardized(x))
	} else {
		f.bern.HiddenProbs(h, x)
	}
	return h, nil
}

// reconstruct returns the mean-field reconstructions v → p(h|v) → E[v|h]
// of the rows of x, in data units.
func (f *rbmFile) reconstruct(x *tensor.Matrix) *tensor.Matrix {
	r := tensor.New(x.Rows, x.Cols)
	if f.bern != nil {
		f.bern.Reconstruct(r, x)
		return r
	}
	h := tensor.New(x.Rows, f.nHidden())
	f.gauss.HiddenProbs(h, f.standardized(x))
	f.gauss.VisibleMeans(r, h)
	f.unstandardize(r)
	return r
}

// sample runs n Gibbs chains for steps steps from init (data units; nil:
// random binary vectors for Bernoulli, v = b for Gaussian) and returns the
// final states and their means p(v|h) / E[v|h], in data units.
func (f *rbmFile) sample(n, steps int, init *tensor.Matrix, rng *tensor.Rand) (states, means *tensor.Matrix) {
	if f.bern != nil {
		return f.bern.Sample(n, steps, init, rng)
	}
	if init != nil {
		init = f.standardized(init)
	}
	states, means = f.gauss.Sample(n, steps, init, rng)
	f.unstandardize(states)
	f.unstandardize(means)
	return states, means
}

// writeGaussianDensity draws, for a 2-D Gaussian–Bernoulli RBM, the data
// (the true density of a built-in toy set, else a histogram of data) | the
// model density exp(−F(v))/Z on a grid over the data's box | a histogram of
// samples | the free energy, with the same colour scale for the first three.
//
// It returns the mean log-density of the data rows under the model
// (normalized over the grid's box) and, for a built-in toy set, under the
// true density (NaN otherwise), in nats.
func writeGaussianDensity(path string, f *rbmFile, data *tensor.Matrix, dataName string, samples *tensor.Matrix, n int) (model, truth float64, err error) {
	lo, hi := [2]float64{math.Inf(1), math.Inf(1)}, [2]float64{math.Inf(-1), math.Inf(-1)}
	for r := 0; r < data.Rows; r++ {
		for j := range 2 {
			v := float64(data.At(r, j))
			lo[j], hi[j] = math.Min(lo[j], v), math.Max(hi[j], v)
		}
	}
	for j := range 2 {
		pad := 0.1 * (hi[j] - lo[j])
		lo[j], hi[j] = lo[j]-pad, hi[j]+pad
	}
	g := deep.Grid{XMin: lo[0], XMax: hi[0], YMin: lo[1], YMax: hi[1], N: n}
	if err := g.Validate(); err != nil {
		return 0, 0, err
	}
	pts := g.Points()
	z := f.standardized(pts)
	ev := deep.Eval{Energies: make([]float64, z.Rows)}
	top := math.Inf(-1)
	for i := range z.Rows {
		ev.Energies[i] = f.gauss.FreeEnergy(z.Row(i))
		top = math.Max(top, -ev.Energies[i])
	}
	var s float64
	for _, e := range ev.Energies {
		s += math.Exp(-e - top)
	}
	ev.LogZ = top + math.Log(s*g.CellArea())
	toy, _, _, _ := dataset.ParseToy2D(dataName)
	lt := dataset.Toy2DLogDensity(toy)
	zd := f.standardized(data)
	truth = math.NaN()
	if lt != nil {
		truth = 0
	}
	for i := range zd.Rows {
		model += (-f.gauss.FreeEnergy(zd.Row(i)) - ev.LogZ) / float64(zd.Rows)
		if lt != nil {
			truth += lt(float64(data.At(i, 0)), float64(data.At(i, 1))) / float64(zd.Rows)
		}
	}
	img, err := deep.DensityPicture(g, ev, lt, data, samples)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	return model, truth, viz.SavePNG(path, img)
}
