package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/dbn"
	"github.com/ebm-go/ebm/deep"
	"github.com/ebm-go/ebm/internal/cmdutil"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/rbm"
)

type dbnTrainOptions struct {
	IO           *cmdutil.IOStreams
	Data         cmdutil.DataFlags
	Hidden       []int
	Config       rbm.Config // every layer's; LR and momentum resolved for the method
	Seed         uint64
	Out, Samples string
	SampleSteps  int
	JSON, Quiet  bool
}

func newCmdDBNTrain(io *cmdutil.IOStreams, runF func(context.Context, *dbnTrainOptions) error) *cobra.Command {
	o := &dbnTrainOptions{IO: io, Config: rbm.DefaultConfig()}
	var hidden, method string
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
		RunE: cmdutil.RunWith(o, func(cmd *cobra.Command) error {
			var err error
			if o.Hidden, err = deep.ParseWidths(hidden); err != nil {
				return fmt.Errorf("--hidden %w", err)
			}
			o.Config.Method = rbm.Method(strings.ToLower(method))
			def := rbm.DefaultConfigFor(o.Config.Method)
			if !cmd.Flags().Changed("lr") {
				o.Config.LR = def.LR
			}
			if !cmd.Flags().Changed("momentum") {
				o.Config.FinalMomentum = def.FinalMomentum
			}
			if o.Out == "" {
				return errors.New("--out must name a file")
			}
			return nil
		}, runF, dbnTrainRun),
	}
	f := c.Flags()
	o.Data.Register(c, "mnist")
	f.StringVar(&hidden, "hidden", "500,500,2000", "hidden units of each layer, bottom to top")
	f.StringVar(&method, "method", "pcd", "cd, pcd or pt (for every layer)")
	cfg := &o.Config
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
	f.Uint64Var(&o.Seed, "seed", 1, "random seed")
	f.StringVarP(&o.Out, "out", "o", "dbn.safetensors", "model file to write (safetensors)")
	f.StringVar(&o.Samples, "samples", "", "write 64 samples as a PNG grid (or .npy)")
	f.IntVar(&o.SampleSteps, "sample-steps", 1000, "Gibbs steps in the top RBM for --samples")
	f.BoolVar(&o.JSON, "json", false, "print one JSON summary on stdout")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "no progress output")
	cmdutil.Minimum(c, 1, "k", "batch", "sample-steps")
	cmdutil.Minimum(c, 0, "epochs", "momentum-epochs", "chains")
	cmdutil.Minimum(c, 2, "temperatures")
	return c
}

func dbnTrainRun(ctx context.Context, o *dbnTrainOptions) error {
	if err := cmdutil.CheckFiles([]cmdutil.File{cmdutil.Path("out", o.Out), cmdutil.Path("samples", o.Samples, cmdutil.ExtRows...)}, cmdutil.Path("data", o.Data.Spec)); err != nil {
		return err
	}
	set, err := o.Data.Load(o.Data.Spec)
	if err != nil {
		return err
	}
	if err := dbnFits(o, set.Dim(), set.Len()); err != nil {
		return err
	}
	p := &dbnProgress{o: o, in: set.Dim(), batches: (set.Len() + o.Config.BatchSize - 1) / o.Config.BatchSize}
	start := time.Now()
	d, stats, err := dbn.Train(ctx, set.X, o.Hidden, dbn.Options{Config: o.Config, OnLayer: p.layer}, tensor.NewRand(o.Seed))
	p.finish()
	if err != nil {
		return err
	}
	meta := dbn.Metadata(o.Config, set, o.Seed)
	if err := d.Save(o.Out, meta); err != nil {
		return err
	}
	if o.Samples != "" {
		s, err := d.Sample(64, o.SampleSteps, nil, tensor.NewRand(o.Seed+1))
		if err != nil {
			return err
		}
		if err := cmdutil.WriteRows(o.Samples, s, 8, meta, set); err != nil {
			return err
		}
	}
	sum := d.Summarize(o.Config, set, o.Seed, stats)
	sum.Model, sum.Seconds = o.Out, time.Since(start).Seconds()
	if o.JSON {
		return cmdutil.WriteJSON(o.IO.Out, sum)
	}
	fmt.Fprintf(o.IO.Out, "wrote %s: DBN %v, %d epochs per layer of %s-%d on %s (binarize=%s) in %.1fs\n",
		o.Out, sum.Sizes, sum.Epochs, strings.ToUpper(sum.Method), o.Config.K, set.Name, sum.Binarize, sum.Seconds)
	return nil
}

// dbnProgress reports each layer's training on ErrOut: a header line, a
// progress bar over its batches on a terminal, a line per epoch.
type dbnProgress struct {
	o           *dbnTrainOptions
	in, batches int // data columns, batches per epoch
	bar         *cmdutil.Progress
}

func (p *dbnProgress) layer(k int, tr *rbm.Trainer) {
	if p.o.Quiet {
		return
	}
	w := p.o.IO.ErrOut
	if k > 0 {
		p.in = p.o.Hidden[k-1]
	}
	fmt.Fprintf(w, "layer %d: %d×%d RBM by %s-%d\n", k, p.in, p.o.Hidden[k], strings.ToUpper(string(tr.Method)), tr.K)
	p.bar = cmdutil.NewProgress(w, false, fmt.Sprintf("layer %d", k), "batches")
	total := tr.Epochs * p.batches
	done := 0
	tr.OnBatch = func(rbm.Progress) {
		done++
		p.bar.Update(done, total)
	}
	tr.OnEpoch = func(st rbm.EpochStats) error {
		p.bar.Clear()
		fmt.Fprintf(w, "layer %d epoch %3d  %7.0f samples/s  recon %8.3f  PLL/unit %s\n",
			k, st.Epoch, st.SamplesPerSecond, st.ReconError, cmdutil.FmtOpt(st.PLL, "%.4f"))
		return nil
	}
}

func (p *dbnProgress) finish() { p.bar.Finish() }

// dbnFits refuses layers too large for --max-memory: the largest layer's
// training, and the data propagated up through every layer.
func dbnFits(o *dbnTrainOptions, in, rows int) error {
	c := o.Config
	var need, up float64
	for _, h := range o.Hidden {
		need = max(need, rbm.TrainingBytes(in, h, c))
		up += 4 * float64(rows) * float64(h)
		in = h
	}
	return cmdutil.Fits(o.Data.MaxMemory, need+up, "--hidden %v on %d rows with --batch %d", o.Hidden, rows, c.BatchSize)
}
