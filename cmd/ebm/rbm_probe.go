package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"codeberg.org/sbinet/npyio/npy"
	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/probe"
)

// probeOpts are the flags of the linear-probe commands (rbm probe, dbn probe).
type probeOpts struct {
	model      string
	data       dataFlags
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
	o.data.register(c, "mnist")
	f.StringVar(&o.test, "test", "auto", "held-out data the accuracies are measured on (auto: mnist:test for MNIST)")
	f.StringVar(&o.labels, "labels", "", "labels of --data: .npy (1-D integers) or text, one integer per line (built-in MNIST has its own)")
	f.StringVar(&o.testLabels, "test-labels", "", "labels of --test, as --labels")
	f.Float64Var(&o.l2, "l2", 1e-4, "L2 cost λ of the logistic regression: mean cross-entropy + (λ/2)‖W‖²")
	f.IntVar(&o.iters, "iterations", 300, "maximum L-BFGS iterations of each fit")
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

func newRBMProbeCmd() *cobra.Command {
	o := probeOpts{}
	c := &cobra.Command{
		Use:   "probe",
		Short: "Linear probe: logistic-regression accuracy on RBM features p(h|v) versus raw pixels",
		Long: probeLong + "\n\nThe features are the hidden probabilities p(h=1|v). For a Gaussian–Bernoulli model\n" +
			"the data are read unbinarized (real values, standardized as in training) for\nthe features and the raw baseline alike.",
		Example: `  ebm rbm probe --model rbm.safetensors
  ebm rbm probe --model rbm.safetensors --data mnist:10000 --test mnist:test --json
  ebm rbm probe --model m.safetensors --data x.npy --labels y.txt --test xt.npy --test-labels yt.npy`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := loadRBMFile(o.model)
			if err != nil {
				return err
			}
			if err := m.useData(cmd, &o.data); err != nil {
				return err
			}
			extra := map[string]any{"model": o.model, "n_hidden": m.nHidden()}
			if m.gauss != nil {
				extra["visible"] = "gaussian"
			}
			return runProbe(&ioStreams{Out: cmd.OutOrStdout(), ErrOut: cmd.ErrOrStderr()}, &o, m.features, extra)
		},
	}
	o.register(c)
	return c
}

// probeResult is what --json prints.
type probeResult struct {
	AccuracyFeatures float64        `json:"accuracy_features"`
	AccuracyRaw      *float64       `json:"accuracy_raw"`
	NTrain           int            `json:"n_train"`
	NTest            int            `json:"n_test"`
	NFeatures        int            `json:"n_features"`
	NRaw             int            `json:"n_raw"`
	Data             string         `json:"data"`
	Test             string         `json:"test"`
	Binarize         string         `json:"binarize"`
	L2               float64        `json:"l2"`
	IterFeatures     int            `json:"iterations_features"`
	IterRaw          int            `json:"iterations_raw,omitempty"`
	Seconds          float64        `json:"seconds"`
	Extra            map[string]any `json:"model_info"`
}

// runProbe loads the data and labels, fits the probe on feat(data) and on
// the raw data, and reports both test accuracies.
func runProbe(io *ioStreams, o *probeOpts, feat func(*tensor.Matrix) (*tensor.Matrix, error), extra map[string]any) error {
	start := time.Now()
	stderr := io.ErrOut
	if o.iters < 1 {
		return fmt.Errorf("--iterations must be at least 1, got %d", o.iters)
	}
	train, err := o.data.load(o.data.spec)
	if err != nil {
		return err
	}
	testSpec := o.test
	if testSpec == "auto" {
		if !strings.HasPrefix(train.Name, "mnist") || strings.HasPrefix(train.Name, "mnist:test") {
			return errors.New("--test is required for data other than MNIST training images")
		}
		testSpec = "mnist:test"
	}
	td := o.data
	td.limit = 0
	test, err := td.load(testSpec)
	if err != nil {
		return err
	}
	if test.Dim() != train.Dim() {
		return fmt.Errorf("test data %s has %d columns, training data %s has %d", test.Name, test.Dim(), train.Name, train.Dim())
	}
	ytr, err := setLabels(train, o.labels, "--labels")
	if err != nil {
		return err
	}
	yte, err := setLabels(test, o.testLabels, "--test-labels")
	if err != nil {
		return err
	}
	k := max(probe.NumClasses(ytr), probe.NumClasses(yte))
	cfg := probe.Config{L2: o.l2, NoL2: o.l2 == 0, Iterations: o.iters}
	fit := func(name string, xtr, xte *tensor.Matrix) (float64, int, error) {
		var bar *barT
		if !o.quiet {
			bar = newProgress(stderr, "probe on "+name, "iterations")
		}
		c := cfg
		c.OnIteration = func(it int, _ float64) { bar.progress(it, o.iters) }
		p, err := probe.Fit(xtr, ytr, k, c)
		bar.finish()
		if err != nil {
			return 0, 0, fmt.Errorf("probe on %s: %w", name, err)
		}
		return p.Accuracy(xte, yte), p.Iterations, nil
	}
	ftr, err := feat(train.X)
	if err != nil {
		return fmt.Errorf("%s: %w", train.Name, err)
	}
	fte, err := feat(test.X)
	if err != nil {
		return fmt.Errorf("%s: %w", test.Name, err)
	}
	res := probeResult{NTrain: train.Len(), NTest: test.Len(), NFeatures: ftr.Cols, NRaw: train.Dim(),
		Data: train.Name, Test: test.Name, Binarize: binarizeName(train), L2: o.l2, Extra: extra}
	if res.AccuracyFeatures, res.IterFeatures, err = fit("features", ftr, fte); err != nil {
		return err
	}
	if !o.noRaw {
		acc, it, err := fit("raw inputs", train.X, test.X)
		if err != nil {
			return err
		}
		res.AccuracyRaw, res.IterRaw = &acc, it
	}
	res.Seconds = time.Since(start).Seconds()
	if o.jsonOut {
		return writeJSON(io.Out, res)
	}
	raw := "skipped"
	if res.AccuracyRaw != nil {
		raw = fmt.Sprintf("%.2f%%", 100**res.AccuracyRaw)
	}
	fmt.Fprintf(io.Out, "linear probe (L2 %g), trained on %s (%d rows), tested on %s (%d rows), binarize=%s:\n  features (%d): %.2f%%\n  raw inputs (%d): %s\n  %.1fs\n",
		o.l2, train.Name, res.NTrain, test.Name, res.NTest, res.Binarize, res.NFeatures, 100*res.AccuracyFeatures, res.NRaw, raw, res.Seconds)
	return nil
}

// setLabels returns the labels of set: from file when given, else the
// set's own (built-in MNIST).
func setLabels(set *dataset.Set, file, flag string) ([]int, error) {
	var y []int
	switch {
	case file != "":
		var err error
		if y, err = readLabels(file); err != nil {
			return nil, err
		}
		if len(y) != set.Len() {
			return nil, fmt.Errorf("%s %s has %d labels but %s has %d rows", flag, file, len(y), set.Name, set.Len())
		}
	case set.Labels != nil:
		y = set.Labels
	default:
		return nil, fmt.Errorf("%s has no labels: give %s FILE (.npy or one integer per line)", set.Name, flag)
	}
	for i, c := range y {
		if c < 0 || c > 1<<16 {
			return nil, fmt.Errorf("label %d of row %d (0-based) of %s is out of range: labels must be class numbers 0, 1, …", c, i, set.Name)
		}
	}
	return y, nil
}

// readLabels reads integer labels from a .npy file (any integer dtype, or
// floats holding integers) or a text file with one integer per line.
func readLabels(path string) ([]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	defer f.Close()
	if strings.EqualFold(filepath.Ext(path), ".npy") {
		var arr npy.Array
		if err := npy.Read(f, &arr); err != nil {
			return nil, fmt.Errorf("labels %s: %w", path, err)
		}
		if sh := arr.Shape(); len(sh) != 1 && !(len(sh) == 2 && (sh[0] == 1 || sh[1] == 1)) {
			return nil, fmt.Errorf("labels %s: array has shape %v, want a 1-D array", path, sh)
		}
		v := reflect.ValueOf(arr.Data())
		if v.Kind() != reflect.Slice {
			return nil, fmt.Errorf("labels %s: unsupported array type %T", path, arr.Data())
		}
		y := make([]int, v.Len())
		for i := range y {
			e := v.Index(i)
			switch e.Kind() {
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				y[i] = int(e.Int())
			case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
				y[i] = int(e.Uint())
			case reflect.Float32, reflect.Float64:
				x := e.Float()
				if x != float64(int(x)) {
					return nil, fmt.Errorf("labels %s: element %d is %v, not an integer", path, i, x)
				}
				y[i] = int(x)
			default:
				return nil, fmt.Errorf("labels %s: elements of type %s are not integers", path, e.Type())
			}
		}
		return y, nil
	}
	var y []int
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		c, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("labels %s, line %d: %q is not an integer", path, line, s)
		}
		y = append(y, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("labels %s: %w", path, err)
	}
	if len(y) == 0 {
		return nil, fmt.Errorf("labels %s: no labels", path)
	}
	return y, nil
}
