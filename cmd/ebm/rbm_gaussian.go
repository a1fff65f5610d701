package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/rbm"
	"github.com/ebm-go/ebm/viz"
)

// stdFloor is the floor of a column's standard deviation, relative to the
// largest column's, used when standardizing data for Gaussian visible units.
const stdFloor = 0.1

// runTrainGaussian trains a Gaussian–Bernoulli RBM (ebm rbm train --visible
// gaussian): the data are read unbinarized, standardized per column, and
// the model file carries the sigma tensor and the standardization.
func runTrainGaussian(cmd *cobra.Command, o *trainOpts) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if o.resume != "" {
		return errors.New("--resume is not supported for --visible gaussian")
	}
	if o.hidden < 1 {
		return fmt.Errorf("--hidden must be at least 1, got %d", o.hidden)
	}
	if o.out == "" {
		return errors.New("--out must name a file")
	}
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
	set, err := dataset.Load(o.data.spec, dataset.Options{Limit: o.data.limit})
	if err != nil {
		return err
	}
	x := set.X.Clone()
	mean, std := rbm.Standardize(x, stdFloor)
	rbm.ApplyStandardize(x, mean, std)
	rng := tensor.NewRand(o.seed)
	m := rbm.NewGaussian(set.Dim(), o.hidden)
	m.LearnSigma = o.learnSigma
	m.Init(x, 0.01, rng)
	tr, err := rbm.NewGaussianTrainer(o.cfg, m, rng)
	if err != nil {
		return err
	}
	meta := map[string]string{"data": set.Name, "binarize": "none", "method": string(tr.Method), "k": strconv.Itoa(tr.K),
		"batch_size": strconv.Itoa(tr.BatchSize), "learning_rate": fmtFloat(tr.LR), "weight_decay": fmtFloat(tr.WeightDecay),
		"seed": strconv.FormatUint(o.seed, 10), "standardize_floor": fmtFloat(stdFloor)}
	if set.H > 0 {
		meta["image_shape"] = fmt.Sprintf("%dx%d", set.H, set.W)
	}
	if !o.quiet {
		fmt.Fprintf(stderr, "training %d×%d Gaussian–Bernoulli RBM by %s-%d on %s (%d rows, standardized; σ %s)\n",
			m.NVisible(), m.NHidden(), strings.ToUpper(string(tr.Method)), tr.K, set.Name, set.Len(),
			map[bool]string{true: "learned", false: "fixed at 1"}[o.learnSigma])
	}
	var history []rbm.EpochStats
	tr.OnEpoch = func(st rbm.EpochStats) error {
		history = append(history, st)
		meta["epochs"] = strconv.Itoa(st.Epoch)
		if err := m.Save(o.out, meta, mean, std); err != nil {
			return err
		}
		if !o.quiet {
			fmt.Fprintf(stderr, "epoch %3d  %7.0f samples/s  recon %8.3f  F train %.2f\n", st.Epoch, st.SamplesPerSecond, st.ReconError, st.FreeEnergyTrain)
		}
		return nil
	}
	start := time.Now()
	if _, err := tr.Train(cmd.Context(), x, nil); err != nil {
		return err
	}
	if len(history) == 0 {
		if err := m.Save(o.out, meta, mean, std); err != nil {
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
		return writeJSON(stdout, map[string]any{"model": o.out, "data": set.Name, "visible": "gaussian", "learn_sigma": o.learnSigma,
			"n_train": set.Len(), "n_visible": m.NVisible(), "n_hidden": m.NHidden(), "method": string(tr.Method), "k": tr.K,
			"epochs": tr.Epoch, "seconds": secs, "mean_sigma": sm, "history": h})
	}
	fmt.Fprintf(stdout, "wrote %s: %d×%d Gaussian–Bernoulli RBM, %d epochs of %s-%d on %s (standardized) in %.1fs\n",
		o.out, m.NVisible(), m.NHidden(), tr.Epoch, strings.ToUpper(string(tr.Method)), tr.K, set.Name, secs)
	return nil
}
