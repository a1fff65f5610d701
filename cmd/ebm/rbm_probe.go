package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/cmdutil"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/probe"
)

// probeOpts are the flags of the linear-probe commands (rbm probe, dbn probe).
type probeOpts struct {
	IO         *cmdutil.IOStreams
	model      string
	data       cmdutil.DataFlags
	test       string
	labels     string
	testLabels string
	l2         float64
	iters      int
	noRaw      bool
	jsonOut    bool
	quiet      bool
}

func (o *probeOpts) register(c *cobra.Command) {
	f := c.Flags()
	f.StringVarP(&o.model, "model", "m", "", "model file (required)")
	o.data.Register(c, "mnist")
	f.StringVar(&o.test, "test", "auto", "held-out data the accuracies are measured on (auto: mnist:test for MNIST)")
	f.StringVar(&o.labels, "labels", "", "labels of --data: .npy (1-D integers) or text, one integer per line (built-in MNIST has its own)")
	f.StringVar(&o.testLabels, "test-labels", "", "labels of --test, as --labels")
	f.Float64Var(&o.l2, "l2", 1e-4, "L2 cost λ of the logistic regression: mean cross-entropy + (λ/2)‖W‖²")
	f.IntVar(&o.iters, "iterations", 300, "maximum L-BFGS iterations of each fit")
	cmdutil.Minimum(c, 1, "iterations")
	f.BoolVar(&o.noRaw, "no-raw", false, "skip the raw-pixel baseline")
	f.BoolVar(&o.jsonOut, "json", false, "print one JSON object")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress output")
}

const probeLong = `A linear probe measures how useful features are: a multinomial logistic
regression (softmax, L2 cost --l2, fitted to convergence by L-BFGS) is
trained on the features of --data and its accuracy measured on --test. The
same classifier trained on the raw inputs is reported beside it, so the
numbers say directly whether the features beat the pixels.

The inputs are what the model sees: with the default --binarize threshold,
binarized pixels for both the features and the raw baseline. Labels come with
built-in MNIST; for files give --labels and --test-labels (.npy of integers,
or a text file with one integer per line).`

func newCmdRBMProbe(io *cmdutil.IOStreams, runF func(context.Context, *probeOpts) error) *cobra.Command {
	o := &probeOpts{IO: io}
	c := &cobra.Command{
		Use:   "probe",
		Short: "Linear probe: logistic-regression accuracy on RBM features p(h|v) versus raw pixels",
		Long: probeLong + "\n\nThe features are the hidden probabilities p(h=1|v). For a Gaussian–Bernoulli model\n" +
			"the data are read unbinarized (real values, standardized as in training) for\nthe features and the raw baseline alike.",
		Example: `  ebm rbm probe --model rbm.safetensors
  ebm rbm probe --model rbm.safetensors --data mnist:10000 --test mnist:test --json
  ebm rbm probe --model m.safetensors --data x.npy --labels y.txt --test xt.npy --test-labels yt.npy`,
		Args: cobra.NoArgs,
		RunE: cmdutil.RunWith(o, o.data.Resolve, runF, rbmProbeRun),
	}
	o.register(c)
	return c
}

func rbmProbeRun(ctx context.Context, o *probeOpts) error {
	m, _, err := loadModel(o.model, &o.data)
	if err != nil {
		return err
	}
	feat := func(x *tensor.Matrix) (*tensor.Matrix, error) {
		if err := m.CheckData(x); err != nil {
			return nil, err
		}
		h := tensor.New(x.Rows, m.NHidden())
		m.HiddenProbs(h, m.Standard.Applied(x))
		return h, nil
	}
	extra := map[string]any{"model": o.model, "n_hidden": m.NHidden()}
	if !isBinary(m.Units()) {
		extra["visible"] = m.Units().Name()
	}
	return runProbe(ctx, o, feat, extra)
}

// runProbe loads the data and labels, fits the probe on feat(data) and on
// the raw data (probe.Compare), and reports both test accuracies.
func runProbe(_ context.Context, o *probeOpts, feat func(*tensor.Matrix) (*tensor.Matrix, error), extra map[string]any) error {
	start := time.Now()
	if o.iters < 1 {
		return fmt.Errorf("--iterations must be at least 1, got %d", o.iters)
	}
	train, ytr, err := o.labeled(o.data.Spec, o.labels, "--labels", o.data.Limit)
	if err != nil {
		return err
	}
	testSpec := o.test
	if testSpec == "auto" {
		if testSpec = dataset.HeldOut(train.Name); testSpec == "" {
			return errors.New("--test is required for data other than MNIST training images")
		}
	}
	test, yte, err := o.labeled(testSpec, o.testLabels, "--test-labels", 0)
	if err != nil {
		return err
	}
	if test.Dim() != train.Dim() {
		return fmt.Errorf("test data %s has %d columns, training data %s has %d", test.Name, test.Dim(), train.Name, train.Dim())
	}
	var bar *cmdutil.Progress
	fit := ""
	progress := func(name string, it int) {
		if name != fit {
			bar.Finish()
			fit, bar = name, cmdutil.NewProgress(o.IO.ErrOut, o.quiet, "probe on "+name, "iterations")
		}
		bar.Update(it, o.iters)
	}
	cmp, err := probe.Compare(train.X, test.X, ytr, yte, feat, probe.Config{L2: o.l2, NoL2: o.l2 == 0, Iterations: o.iters}, !o.noRaw, progress)
	bar.Finish()
	if err != nil {
		return err
	}
	res := probeResult{Comparison: cmp, Data: train.Name, Test: test.Name, Binarize: train.BinarizeName(),
		Seconds: time.Since(start).Seconds(), Extra: extra}
	if o.jsonOut {
		return cmdutil.WriteJSON(o.IO.Out, res)
	}
	raw := "skipped"
	if cmp.AccuracyRaw != nil {
		raw = fmt.Sprintf("%.2f%%", 100**cmp.AccuracyRaw)
	}
	fmt.Fprintf(o.IO.Out, "linear probe (L2 %g), trained on %s (%d rows), tested on %s (%d rows), binarize=%s:\n  features (%d): %.2f%%\n  raw inputs (%d): %s\n  %.1fs\n",
		o.l2, train.Name, cmp.NTrain, test.Name, cmp.NTest, res.Binarize, cmp.NFeatures, 100*cmp.AccuracyFeatures, cmp.NRaw, raw, res.Seconds)
	return nil
}

// labeled loads spec (the first limit rows, 0: all) with its labels, from
// file (given by flag) or the set's own.
func (o *probeOpts) labeled(spec, file, flag string, limit int) (*dataset.Set, []int, error) {
	d := o.data
	d.Limit = limit
	set, err := d.Load(spec)
	if err != nil {
		return nil, nil, err
	}
	y, err := dataset.LabelsOf(set, file, flag)
	return set, y, err
}

// probeResult is what --json prints: the comparison and the data.
type probeResult struct {
	*probe.Comparison
	Data     string         `json:"data"`
	Test     string         `json:"test"`
	Binarize string         `json:"binarize"`
	Seconds  float64        `json:"seconds"`
	Extra    map[string]any `json:"model_info"`
}
