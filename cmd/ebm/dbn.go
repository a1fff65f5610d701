package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/dbn"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/rbm"
)

func newDBNCmd(io *ioStreams) *cobra.Command {
	c := &cobra.Command{
		Use:   "dbn",
		Short: "Deep belief networks: greedy layer-wise stacks of RBMs",
		Long: `A deep belief network (Hinton, Osindero & Teh 2006) is a stack of RBMs trained
greedily: layer 0 on the data, each further layer on the hidden probabilities
p(h|·) of the one below. Samples come from block Gibbs sampling in the top
RBM followed by one top-down pass through the lower layers' p(v|h).`,
	}
	c.AddCommand(newDBNTrainCmd(), newDBNSampleCmd(), newDBNProbeCmd(io))
	return c
}

// parseSizes parses "500,500,2000".
func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("--hidden %q: want comma-separated positive unit counts, e.g. 500,500,2000", s)
		}
		out = append(out, n)
	}
	return out, nil
}

func newDBNTrainCmd() *cobra.Command {
	var (
		data           dataFlags
		hidden, method string
		out, samples   string
		seed           uint64
		jsonOut, quiet bool
		cfg            = rbm.DefaultConfig()
		sampleSteps    int
	)
	c := &cobra.Command{
		Use:   "train",
		Short: "Train a deep belief network greedily, layer by layer",
		Long: `Train a DBN: one RBM per entry of --hidden, each trained with the same
settings (the flags of ebm rbm train) on the hidden probabilities of the
layer below. The result is one safetensors file with tensors
layerK.weights, layerK.visible_bias and layerK.hidden_bias, and metadata
"model": "dbn", "layers" (count) and "sizes" (unit counts, data first).`,
		Example: `  ebm dbn train --data mnist --hidden 500,500,2000 --epochs 10 --out dbn.safetensors
  ebm dbn train --data bars:4x4 --hidden 16,16 --epochs 2000 --batch 10 --lr 0.1 --k 5 --momentum 0 --initial-momentum 0`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			stderr := cmd.ErrOrStderr()
			sizes, err := parseSizes(hidden)
			if err != nil {
				return err
			}
			cfg.Method = rbm.Method(strings.ToLower(method))
			def := rbm.DefaultConfigFor(cfg.Method)
			if !cmd.Flags().Changed("lr") {
				cfg.LR = def.LR
			}
			if !cmd.Flags().Changed("momentum") {
				cfg.FinalMomentum = def.FinalMomentum
			}
			if out == "" {
				return errors.New("--out must name a file")
			}
			set, err := data.load(data.spec)
			if err != nil {
				return err
			}
			var bar *progressbar.ProgressBar
			nb := (set.Len() + cfg.BatchSize - 1) / cfg.BatchSize
			opt := dbn.Options{Config: cfg, OnLayer: func(k int, tr *rbm.Trainer) {
				if quiet {
					return
				}
				in := set.Dim()
				if k > 0 {
					in = sizes[k-1]
				}
				fmt.Fprintf(stderr, "layer %d: %d×%d RBM by %s-%d\n", k, in, sizes[k], strings.ToUpper(string(tr.Method)), tr.K)
				bar = newBar(stderr, tr.Epochs*nb, fmt.Sprintf("layer %d", k), "batches")
				tr.OnBatch = func(rbm.Progress) {
					if bar != nil {
						_ = bar.Add(1)
					}
				}
				tr.OnEpoch = func(st rbm.EpochStats) error {
					if bar != nil {
						_ = bar.Clear()
					}
					fmt.Fprintf(stderr, "layer %d epoch %3d  %7.0f samples/s  recon %8.3f  PLL/unit %s\n",
						k, st.Epoch, st.SamplesPerSecond, st.ReconError, fmtOpt(st.PLL, "%.4f"))
					return nil
				}
			}}
			start := time.Now()
			d, stats, err := dbn.Train(cmd.Context(), set.X, sizes, opt, tensor.NewRand(seed))
			if bar != nil {
				_ = bar.Finish()
			}
			if err != nil {
				return err
			}
			meta := map[string]string{"data": set.Name, "binarize": binarizeName(set), "method": string(cfg.Method),
				"k": strconv.Itoa(cfg.K), "epochs": strconv.Itoa(cfg.Epochs), "batch_size": strconv.Itoa(cfg.BatchSize),
				"learning_rate": fmtFloat(cfg.LR), "weight_decay": fmtFloat(cfg.WeightDecay), "seed": strconv.FormatUint(seed, 10)}
			if set.H > 0 {
				meta["image_shape"] = fmt.Sprintf("%dx%d", set.H, set.W)
			}
			if err := d.Save(out, meta); err != nil {
				return err
			}
			if samples != "" {
				p, err := d.Sample(64, sampleSteps, nil, tensor.NewRand(seed+1))
				if err != nil {
					return err
				}
				if err := writeRows(samples, p, 8, meta, set); err != nil {
					return err
				}
			}
			secs := time.Since(start).Seconds()
			if jsonOut {
				layers := make([]map[string]any, len(stats))
				for k, st := range stats {
					layers[k] = map[string]any{"layer": k, "n_visible": d.Layers[k].NVisible(), "n_hidden": d.Layers[k].NHidden()}
					if len(st) > 0 {
						layers[k]["last_epoch"] = st[len(st)-1]
					}
				}
				return writeJSON(cmd.OutOrStdout(), map[string]any{"model": out, "data": set.Name, "binarize": binarizeName(set),
					"sizes": d.Sizes(), "method": string(cfg.Method), "epochs": cfg.Epochs, "seconds": secs, "seed": seed, "layers": layers})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: DBN %v, %d epochs per layer of %s-%d on %s (binarize=%s) in %.1fs\n",
				out, d.Sizes(), cfg.Epochs, strings.ToUpper(string(cfg.Method)), cfg.K, set.Name, binarizeName(set), secs)
			return nil
		},
	}
	f := c.Flags()
	data.register(c, "mnist")
	f.StringVar(&hidden, "hidden", "500,500,2000", "hidden units of each layer, bottom to top")
	f.StringVar(&method, "method", "pcd", "cd, pcd or pt (for every layer)")
	f.IntVar(&cfg.K, "k", 1, "Gibbs steps per update")
	f.IntVar(&cfg.Epochs, "epochs", 10, "passes over the data, per layer")
	f.IntVar(&cfg.BatchSize, "batch", 100, "mini-batch size")
	f.Float64Var(&cfg.LR, "lr", 0.02, "learning rate (default 0.02 for pcd and pt, 0.05 for cd)")
	f.Float64Var(&cfg.FinalMomentum, "momentum", 0.5, "momentum after --momentum-epochs (default 0.5 for pcd and pt, 0.9 for cd)")
	f.Float64Var(&cfg.InitialMomentum, "initial-momentum", 0.5, "momentum for the first --momentum-epochs epochs")
	f.IntVar(&cfg.MomentumEpochs, "momentum-epochs", 5, "epochs at --initial-momentum")
	f.Float64Var(&cfg.WeightDecay, "weight-decay", 2e-4, "L2 weight cost on W")
	f.IntVar(&cfg.Chains, "chains", 0, "persistent chains for pcd and pt (0: the batch size)")
	f.IntVar(&cfg.Temperatures, "temperatures", 10, "pt: number of inverse temperatures")
	f.Uint64Var(&seed, "seed", 1, "random seed")
	f.StringVarP(&out, "out", "o", "dbn.safetensors", "model file to write (safetensors)")
	f.StringVar(&samples, "samples", "", "write 64 samples as a PNG grid (or .npy)")
	f.IntVar(&sampleSteps, "sample-steps", 1000, "Gibbs steps in the top RBM for --samples")
	f.BoolVar(&jsonOut, "json", false, "print one JSON summary on stdout")
	f.BoolVarP(&quiet, "quiet", "q", false, "no progress output")
	return c
}

func newDBNSampleCmd() *cobra.Command {
	var (
		model, initMode, out string
		n, steps, cols       int
		seed                 uint64
		data                 dataFlags
	)
	c := &cobra.Command{
		Use:   "sample",
		Short: "Sample from a DBN: Gibbs in the top RBM, then down through the directed layers",
		Long: `Run --n block-Gibbs chains for --steps steps in the top RBM, then pass the
top RBM's visible states down through each lower layer (binary samples at the
intermediate layers) and write p(v|h) of the bottom layer as a PNG grid or a
.npy array. Chains start from uniform random states (--init random) or from
the up-pass of the first --n rows of --data (--init data).`,
		Example: `  ebm dbn sample --model dbn.safetensors --n 64 --steps 1000 --out dbn-samples.png
  ebm dbn sample --model dbn.safetensors --init data --data mnist:test --steps 100 --out s.npy`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if model == "" {
				return errors.New("--model is required")
			}
			d, meta, err := dbn.Load(model)
			if err != nil {
				return err
			}
			if n < 1 || steps < 1 {
				return fmt.Errorf("--n and --steps must be at least 1 (got %d and %d)", n, steps)
			}
			init, set, err := chainStart(initMode, &data, meta, n, d.Layers[0].CheckData)
			if err != nil {
				return err
			}
			p, err := d.Sample(n, steps, init, tensor.NewRand(seed))
			if err != nil {
				return err
			}
			if err := writeRows(out, p, cols, meta, set); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d DBN samples after %d Gibbs steps in the top RBM (init %s, seed %d)\n", out, n, steps, initMode, seed)
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&model, "model", "m", "", "DBN file (required)")
	f.IntVarP(&n, "n", "n", 64, "number of samples")
	f.IntVar(&steps, "steps", 1000, "Gibbs steps in the top RBM")
	f.StringVar(&initMode, "init", "random", "chain start: random or data")
	data.register(c, "")
	f.Uint64Var(&seed, "seed", 1, "random seed")
	f.IntVar(&cols, "cols", 0, "grid columns (0: about square)")
	f.StringVarP(&out, "out", "o", "dbn-samples.png", "output: .png grid or .npy array")
	return c
}

func newDBNProbeCmd(io *ioStreams) *cobra.Command {
	o := probeOpts{IO: io}
	var layer int
	c := &cobra.Command{
		Use:   "probe",
		Short: "Linear probe on the features of one DBN layer versus raw pixels",
		Long:  probeLong + "\n\nThe features are the hidden probabilities of layer --layer (0-based; -1: the top), propagated up from the data.",
		Example: `  ebm dbn probe --model dbn.safetensors --layer 0
  ebm dbn probe --model dbn.safetensors --layer 2 --data mnist --test mnist:test --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.model == "" {
				return errors.New("--model is required")
			}
			d, _, err := dbn.Load(o.model)
			if err != nil {
				return err
			}
			k := layer
			if k < 0 {
				k = len(d.Layers) + k
			}
			if k < 0 || k >= len(d.Layers) {
				return fmt.Errorf("--layer %d: %s has layers 0…%d", layer, o.model, len(d.Layers)-1)
			}
			feat := func(x *tensor.Matrix) (*tensor.Matrix, error) { return d.Features(x, k) }
			o.data.resolve(cmd)
			return runProbe(cmd.Context(), &o, feat, map[string]any{"model": o.model, "layer": k, "sizes": d.Sizes()})
		},
	}
	o.register(c)
	c.Flags().IntVar(&layer, "layer", -1, "layer whose hidden probabilities are the features (0-based; -1: the top)")
	return c
}
