package main

import (
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/deep"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/viz"
)

func newDeepCmd(io *ioStreams) *cobra.Command {
	c := &cobra.Command{
		Use:   "deep",
		Short: "Deep energy-based models: a neural energy trained with Langevin sampling or NCE",
		Long: `Deep energy-based models: the energy E(x) is a small neural network (an MLP
with swish, softplus or leaky-ReLU hidden layers) and p(x) = exp(−E(x))/Z.
Negatives come from Langevin dynamics, x ← x − η∇E(x) + √(2η)z, run from
uniform noise (short-run) or kept in a replay buffer (--persistent), or MALA
(Langevin with a Metropolis correction: exact for every step size).
Noise-contrastive estimation (--objective nce) trains without sampling.

Built-in 2-D data: 8gaussians, moons, rings, checkerboard, pinwheel,
swissroll (name, name:N or name:N:seed). On 2-D data the density is
normalised on a grid, so the test negative log-likelihood is exact up to
grid error; for 8gaussians and rings the true density is known and the true
NLL and KL(true ‖ model) are reported too.`,
	}
	c.AddCommand(newDeepTrainCmd(), newDeepSampleCmd())
	return c
}

type deepTrainOpts struct {
	data, test, hidden, act, sampler, objective, out, plot string
	cfg                                                    deep.Config
	iters, grid, nTest                                     int
	seed                                                   uint64
	jsonOut, quiet                                         bool
}

// deepSummary is what deep train --json prints.
type deepSummary struct {
	Model        string   `json:"model"`
	Data         string   `json:"data"`
	Test         string   `json:"test"`
	NTrain       int      `json:"n_train"`
	NTest        int      `json:"n_test"`
	Architecture string   `json:"architecture"`
	Activation   string   `json:"activation"`
	Objective    string   `json:"objective"`
	Sampler      string   `json:"sampler"`
	Steps        int      `json:"steps"`
	StepSize     float64  `json:"step_size"`
	Persistent   bool     `json:"persistent"`
	Iters        int      `json:"iters"`
	Seed         uint64   `json:"seed"`
	Seconds      float64  `json:"seconds"`
	TestNLL      *float64 `json:"test_nll"`
	TrueNLL      *float64 `json:"true_nll"`
	KL           *float64 `json:"kl"`
	LogZ         *float64 `json:"log_z"`
	NCELogZ      *float64 `json:"nce_log_z,omitempty"`
	Outside      int      `json:"test_outside_grid"`
	Loss         *float64 `json:"loss"`
	EPos         *float64 `json:"e_pos"`
	ENeg         *float64 `json:"e_neg"`
	Accept       *float64 `json:"accept"`
}

func newDeepTrainCmd() *cobra.Command {
	o := deepTrainOpts{cfg: deep.DefaultConfig()}
	c := &cobra.Command{
		Use:   "train",
		Short: "Train an MLP energy on (2-D) data by Langevin contrastive divergence or NCE",
		Long: `Train an MLP energy E(x) with Adam on the loss mean E(x⁺) − mean E(x⁻)
+ α(mean E(x⁺)² + mean E(x⁻)²) (--objective cd; x⁻ from --steps steps of the
--sampler from uniform noise on the data box, or from a replay buffer of
--buffer chains restarted with probability --reinit when --persistent), or
by noise-contrastive estimation against a Gaussian fitted to the data
(--objective nce; log Z is learned as a parameter). Gradients are clipped
to the global norm --clip.

On 2-D data the model is evaluated at the end: exp(−E) is normalised on a
--grid × --grid grid over the data box (log Z by log-sum-exp in float64),
giving the test NLL in nats on --test (default: 5000 fresh points of a
built-in data set, or the last 10% of a file, held out); for 8gaussians
and rings also the true NLL and KL(true ‖ model) on the grid. --plot
writes four panels: the true density (or a histogram of the data), the
learned density (same colour scale), a histogram of 5000 model samples
(the replay buffer when persistent, else short-run chains as in training),
and the energy surface.

On a terminal a progress bar shows the iteration; when piped, ten progress
lines go to stderr. --json prints one JSON summary on stdout.`,
		Example: `  ebm deep train --data rings --hidden 64,64 --sampler langevin --steps 60 --step-size 0.01 \
      --iters 2000 --seed 1 --out deep.safetensors --plot density.png --json
  ebm deep train --data 8gaussians --objective nce --iters 2000
  ebm deep train --data moons --persistent --reinit 0.05 --sampler mala --step-size 0.005`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runDeepTrain(cmd, &o) },
	}
	f := c.Flags()
	f.StringVar(&o.data, "data", "8gaussians", "training data: a built-in 2-D set (8gaussians, moons, rings, checkerboard, pinwheel, swissroll; name:N:seed) or a .npy/.csv file")
	f.StringVar(&o.test, "test", "auto", "test data spec, or auto (5000 fresh points of a built-in set; else the last 10% of --data)")
	f.StringVar(&o.hidden, "hidden", "64,64", "hidden layer widths, comma-separated")
	f.StringVar(&o.act, "activation", "swish", "hidden activation: swish, softplus or leakyrelu")
	f.StringVar(&o.objective, "objective", "cd", "cd (contrastive, Langevin negatives) or nce (noise-contrastive estimation)")
	f.StringVar(&o.sampler, "sampler", "langevin", "langevin (unadjusted) or mala (Metropolis-adjusted)")
	f.IntVar(&o.cfg.Sampler.Steps, "steps", 60, "sampler steps per training iteration")
	f.Float64Var(&o.cfg.Sampler.StepSize, "step-size", 0.01, "Langevin step size η (noise √(2η))")
	f.Float64Var(&o.cfg.Sampler.NoiseScale, "noise-scale", 1, "langevin: multiply the √(2η) noise (1 is exact Langevin)")
	f.BoolVar(&o.cfg.Persistent, "persistent", false, "keep chains in a replay buffer instead of starting from noise")
	f.IntVar(&o.cfg.BufferSize, "buffer", 10000, "persistent: replay buffer size")
	f.Float64Var(&o.cfg.Reinit, "reinit", 0.05, "persistent: probability that a drawn chain restarts from noise")
	f.IntVar(&o.iters, "iters", 2000, "training iterations")
	f.IntVar(&o.cfg.Batch, "batch", 128, "data points (and negatives) per iteration")
	f.Float64Var(&o.cfg.LR, "lr", 1e-3, "Adam learning rate")
	f.Float64Var(&o.cfg.Alpha, "alpha", 0.1, "cd: energy regularisation α(E⁺² + E⁻²)")
	f.Float64Var(&o.cfg.Clip, "clip", 1, "clip the gradient to this global L2 norm (0: no clipping)")
	f.IntVar(&o.grid, "grid", 300, "2-D evaluation: grid cells per side")
	f.Uint64Var(&o.seed, "seed", 1, "random seed (initialisation, batches, sampling)")
	f.StringVarP(&o.out, "out", "o", "deep.safetensors", "model file to write (safetensors)")
	f.StringVar(&o.plot, "plot", "", "write the density picture (PNG): true | learned | samples | energy")
	f.BoolVar(&o.jsonOut, "json", false, "print one JSON summary on stdout")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress output")
	return c
}

// parseWidths parses "64,64".
func parseWidths(s string) ([]int, error) {
	var w []int
	for _, p := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("--hidden %q: %q is not a positive width", s, p)
		}
		w = append(w, v)
	}
	return w, nil
}

// toyName returns the built-in data set a spec names, or "".
func toyName(spec string) string {
	name, _, _ := strings.Cut(spec, ":")
	if slices.Contains(dataset.Toy2DNames, name) {
		return name
	}
	return ""
}

// deepData loads the training and test sets.
func deepData(data, test string) (train, held *dataset.Set, err error) {
	if train, err = dataset.Load(data, dataset.Options{}); err != nil {
		return nil, nil, err
	}
	switch {
	case test != "auto":
		if held, err = dataset.Load(test, dataset.Options{}); err != nil {
			return nil, nil, err
		}
		if held.Dim() != train.Dim() {
			return nil, nil, fmt.Errorf("--test %s has %d columns, --data %s has %d", test, held.Dim(), data, train.Dim())
		}
	case toyName(data) != "":
		// Fresh points: the training seed (default 1) plus 1000.
		seed := uint64(1)
		if parts := strings.Split(data, ":"); len(parts) == 3 {
			seed, _ = strconv.ParseUint(parts[2], 10, 64)
		}
		x, err := dataset.Toy2D(toyName(data), 5000, seed+1000)
		if err != nil {
			return nil, nil, err
		}
		held = &dataset.Set{X: x, Name: fmt.Sprintf("%s:5000:%d", toyName(data), seed+1000)}
	default:
		if train.Len() < 10 {
			return nil, nil, fmt.Errorf("%s: %d rows; at least 10 are needed to hold out a test set (or give --test)", data, train.Len())
		}
		n := train.Len() - train.Len()/10
		train, held = train.Split(n)
		held.Name = fmt.Sprintf("%s (last %d rows)", data, held.Len())
	}
	return train, held, nil
}

// dataBox returns the noise/evaluation box: [−4.5, 4.5] per dimension for
// the built-in sets, else the training data's range widened by 10% per side.
func dataBox(spec string, x *tensor.Matrix) (lo, hi []float32) {
	d := x.Cols
	lo, hi = make([]float32, d), make([]float32, d)
	if toyName(spec) != "" {
		for j := range lo {
			lo[j], hi[j] = -4.5, 4.5
		}
		return lo, hi
	}
	for j := range lo {
		lo[j], hi[j] = float32(math.Inf(1)), float32(math.Inf(-1))
	}
	for i := 0; i < x.Rows; i++ {
		for j, v := range x.Row(i) {
			lo[j], hi[j] = min(lo[j], v), max(hi[j], v)
		}
	}
	for j := range lo {
		m := max(0.1*(hi[j]-lo[j]), 1e-3)
		lo[j], hi[j] = lo[j]-m, hi[j]+m
	}
	return lo, hi
}

func floatList(v []float32) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatFloat(float64(x), 'g', -1, 32)
	}
	return strings.Join(s, ",")
}

func parseFloatList(key, s string, d int) ([]float32, error) {
	parts := strings.Split(s, ",")
	if len(parts) != d {
		return nil, fmt.Errorf("metadata %s %q: want %d numbers", key, s, d)
	}
	out := make([]float32, d)
	for i, p := range parts {
		v, err := strconv.ParseFloat(p, 32)
		if err != nil {
			return nil, fmt.Errorf("metadata %s %q: %q is not a number", key, s, p)
		}
		out[i] = float32(v)
	}
	return out, nil
}

func runDeepTrain(cmd *cobra.Command, o *deepTrainOpts) error {
	widths, err := parseWidths(o.hidden)
	if err != nil {
		return err
	}
	act, err := deep.ParseActivation(o.act)
	if err != nil {
		return fmt.Errorf("--activation: %w", err)
	}
	if o.cfg.Sampler.Method, err = deep.ParseMethod(o.sampler); err != nil {
		return fmt.Errorf("--sampler: %w", err)
	}
	if o.cfg.Objective, err = deep.ParseObjective(o.objective); err != nil {
		return fmt.Errorf("--objective: %w", err)
	}
	if o.iters < 1 {
		return fmt.Errorf("--iters %d: want at least 1", o.iters)
	}
	train, test, err := deepData(o.data, o.test)
	if err != nil {
		return err
	}
	d := train.Dim()
	twoD := d == 2
	if o.plot != "" && !twoD {
		return fmt.Errorf("--plot needs 2-D data; %s has %d columns", o.data, d)
	}
	if twoD && o.grid < 2 {
		return fmt.Errorf("--grid %d: want at least 2", o.grid)
	}
	lo, hi := dataBox(o.data, train.X)
	o.cfg.Init = deep.NoiseInit{Low: lo, High: hi}
	rng := tensor.NewRand(o.seed)
	net, err := deep.New(d, widths, act)
	if err != nil {
		return err
	}
	net.Init(rng)
	tr, err := deep.NewTrainer(net, train.X, o.cfg, rng)
	if err != nil {
		return err
	}

	stderr := cmd.ErrOrStderr()
	var bar *barT
	if !o.quiet {
		bar = newProgress(stderr, "deep train", "it")
	}
	logLines := !o.quiet && bar == nil
	start := time.Now()
	var last deep.Stats
	err = tr.Train(cmd.Context(), o.iters, func(st deep.Stats) {
		last = st
		bar.progress(st.Iter, o.iters)
		if logLines && (st.Iter%max(1, o.iters/10) == 0 || st.Iter == o.iters) {
			fmt.Fprintf(stderr, "iter %d/%d  loss %.4f  E+ %.3f  E- %.3f  |g| %.3g  %.1fs\n",
				st.Iter, o.iters, st.Loss, st.EPos, st.ENeg, st.GradNorm, time.Since(start).Seconds())
		}
	})
	bar.finish()
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()

	sum := deepSummary{Model: o.out, Data: o.data, Test: test.Name, NTrain: train.Len(), NTest: test.Len(),
		Architecture: net.Architecture(), Activation: act.String(), Objective: o.cfg.Objective.String(),
		Sampler: o.cfg.Sampler.Method.String(), Steps: o.cfg.Sampler.Steps, StepSize: o.cfg.Sampler.StepSize,
		Persistent: o.cfg.Persistent, Iters: o.iters, Seed: o.seed, Seconds: secs,
		Loss: finite(last.Loss), EPos: finite(last.EPos), ENeg: finite(last.ENeg), Accept: finite(last.Accept)}
	nan := math.NaN()
	sum.TestNLL, sum.TrueNLL, sum.KL, sum.LogZ = finite(nan), finite(nan), finite(nan), finite(nan)
	var logZ *float32
	if o.cfg.Objective == deep.NCE {
		logZ = &tr.LogZ[0]
		sum.NCELogZ = finite(float64(tr.LogZ[0]))
	}
	meta := map[string]string{
		"data": o.data, "objective": sum.Objective, "sampler": sum.Sampler,
		"steps": strconv.Itoa(o.cfg.Sampler.Steps), "step_size": fmtFloat(o.cfg.Sampler.StepSize),
		"noise_scale": fmtFloat(o.cfg.Sampler.NoiseScale), "persistent": strconv.FormatBool(o.cfg.Persistent),
		"init_low": floatList(lo), "init_high": floatList(hi),
		"iters": strconv.Itoa(o.iters), "seed": strconv.FormatUint(o.seed, 10), "alpha": fmtFloat(o.cfg.Alpha),
	}
	var grid deep.Grid
	var ev deep.Eval
	truth := dataset.Toy2DLogDensity(toyName(o.data))
	if twoD {
		grid = deep.Grid{XMin: float64(lo[0]), XMax: float64(hi[0]), YMin: float64(lo[1]), YMax: float64(hi[1]), N: o.grid}
		var lt deep.LogDensity
		if truth != nil {
			lt = truth
		}
		if ev, err = grid.Evaluate(net, test.X, lt); err != nil {
			return err
		}
		sum.TestNLL, sum.TrueNLL, sum.KL, sum.LogZ, sum.Outside = finite(ev.TestNLL), finite(ev.TrueNLL), finite(ev.KL), finite(ev.LogZ), ev.Outside
		meta["log_z_grid"] = fmtFloat(ev.LogZ)
		meta["test_nll"] = fmtFloat(ev.TestNLL)
	}
	if err := deep.Save(o.out, net, logZ, meta); err != nil {
		return err
	}
	if o.plot != "" {
		samples := tr.Negatives()
		if b := tr.Buffer(); b != nil {
			samples = b.X
		} else {
			samples = tensor.New(5000, 2)
			o.cfg.Init.Fill(samples, rng)
			s := o.cfg.Sampler
			if s.Steps == 0 || o.cfg.Objective == deep.NCE {
				s = deep.Sampler{Method: deep.ULA, Steps: 200, StepSize: 0.01}
			}
			if _, err := s.Run(net, samples, rng); err != nil {
				return err
			}
		}
		if err := writeDensityPicture(o.plot, grid, ev, truth, train.X, samples); err != nil {
			return err
		}
	}
	if o.jsonOut {
		return writeJSON(cmd.OutOrStdout(), sum)
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "trained %s (%s, %s, %s) on %s for %d iterations in %.1fs; wrote %s\n",
		net.Architecture(), act, sum.Objective, samplerText(o.cfg), o.data, o.iters, secs, o.out)
	if twoD {
		fmt.Fprintf(w, "test NLL %s nats on %s (grid %d×%d, log Z %.4f)", fmtOpt(ev.TestNLL, "%.4f"), test.Name, o.grid, o.grid, ev.LogZ)
		if truth != nil {
			fmt.Fprintf(w, "; true NLL %.4f, KL(true‖model) %.4f", ev.TrueNLL, ev.KL)
		}
		fmt.Fprintln(w)
	}
	if o.plot != "" {
		fmt.Fprintf(w, "wrote %s\n", o.plot)
	}
	return nil
}

func samplerText(c deep.Config) string {
	if c.Objective == deep.NCE {
		return "Gaussian noise"
	}
	mode := "short-run"
	if c.Persistent {
		mode = fmt.Sprintf("persistent, buffer %d, reinit %g", c.BufferSize, c.Reinit)
	}
	return fmt.Sprintf("%s %d steps of η=%g, %s", c.Sampler.Method, c.Sampler.Steps, c.Sampler.StepSize, mode)
}

// writeDensityPicture draws true density (or data histogram) | learned
// density | sample histogram | energy surface, 2 pixels per cell at most
// 600 pixels wide each.
func writeDensityPicture(path string, g deep.Grid, ev deep.Eval, truth func(x, y float64) float64, data, samples *tensor.Matrix) error {
	n := g.N
	scale := max(1, 300/n)
	var ref []float64
	if truth != nil {
		ref = g.TrueLogDensity(truth)
		for i, v := range ref {
			ref[i] = math.Exp(v)
		}
	} else {
		ref, _ = g.Histogram(data)
	}
	learned := make([]float64, len(ev.Energies))
	energy := make([]float64, len(ev.Energies))
	emin := math.Inf(1)
	for i, e := range ev.Energies {
		learned[i] = math.Exp(-e - ev.LogZ)
		emin = math.Min(emin, e)
	}
	for i, e := range ev.Energies {
		energy[i] = math.Min(e, emin+12) // 12 nats of contrast
	}
	// Samples are sparse: histogram them on a grid 4 times coarser.
	hg := g
	hg.N = max(2, n/4)
	hist, _ := hg.Histogram(samples)
	top := 0.0
	for _, v := range ref {
		top = math.Max(top, v)
	}
	imgs := make([]image.Image, 0, 4)
	for _, p := range []struct {
		v      []float64
		lo, hi float64
		n, s   int
	}{{ref, 0, top, n, scale}, {learned, 0, top, n, scale}, {hist, 0, top, hg.N, n * scale / hg.N}, {energy, 0, 0, n, scale}} {
		img, err := viz.Heatmap(p.v, p.n, p.n, viz.HeatmapOptions{Min: p.lo, Max: p.hi, Scale: p.s})
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		imgs = append(imgs, img)
	}
	row, err := viz.Row(4, imgs...)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return viz.SavePNG(path, row)
}

func newDeepSampleCmd() *cobra.Command {
	var (
		model, out, sampler string
		n, steps, grid      int
		stepSize            float64
		seed                uint64
	)
	c := &cobra.Command{
		Use:   "sample",
		Short: "Draw samples from a deep EBM by Langevin dynamics or MALA",
		Long: `Run --n independent chains from uniform noise on the model's data box for
--steps steps of --sampler (defaults: the settings the model was trained
with) and write the final states as an n × d array (.npy) or, for 2-D
models, as a --grid × --grid histogram picture (.png) over the data box.`,
		Example: `  ebm deep sample --model deep.safetensors --n 5000 --out samples.npy
  ebm deep sample --model deep.safetensors --n 20000 --steps 500 --sampler mala --step-size 0.005 --out samples.png`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if model == "" {
				return errors.New("--model is required")
			}
			net, _, meta, err := deep.Load(model)
			if err != nil {
				return err
			}
			d := net.Dim()
			lo, err := parseFloatList("init_low", meta["init_low"], d)
			if err != nil {
				return fmt.Errorf("%s: %w", model, err)
			}
			hi, err := parseFloatList("init_high", meta["init_high"], d)
			if err != nil {
				return fmt.Errorf("%s: %w", model, err)
			}
			s := deep.Sampler{Steps: steps, StepSize: stepSize}
			fl := cmd.Flags()
			if !fl.Changed("sampler") && meta["sampler"] != "" {
				sampler = meta["sampler"]
			}
			if s.Method, err = deep.ParseMethod(sampler); err != nil {
				return fmt.Errorf("--sampler: %w", err)
			}
			if !fl.Changed("steps") && meta["steps"] != "" {
				s.Steps, _ = strconv.Atoi(meta["steps"])
			}
			if !fl.Changed("step-size") && meta["step_size"] != "" {
				s.StepSize, _ = strconv.ParseFloat(meta["step_size"], 64)
			}
			if ns := meta["noise_scale"]; ns != "" {
				s.NoiseScale, _ = strconv.ParseFloat(ns, 64)
			}
			if n < 1 {
				return fmt.Errorf("--n %d: want at least 1", n)
			}
			rng := tensor.NewRand(seed)
			x := tensor.New(n, d)
			deep.NoiseInit{Low: lo, High: hi}.Fill(x, rng)
			acc, err := s.Run(net, x, rng)
			if err != nil {
				return err
			}
			switch strings.ToLower(filepath.Ext(out)) {
			case ".npy":
				if err := dataset.SaveNPY(out, x); err != nil {
					return err
				}
			case ".png":
				if d != 2 {
					return fmt.Errorf("%s: a PNG needs a 2-D model; this one has %d inputs (write .npy)", out, d)
				}
				if grid < 2 {
					return fmt.Errorf("--grid %d: want at least 2", grid)
				}
				g := deep.Grid{XMin: float64(lo[0]), XMax: float64(hi[0]), YMin: float64(lo[1]), YMax: float64(hi[1]), N: grid}
				h, _ := g.Histogram(x)
				img, err := viz.Heatmap(h, grid, grid, viz.HeatmapOptions{Scale: max(1, 400/grid)})
				if err != nil {
					return err
				}
				if err := viz.SavePNG(out, img); err != nil {
					return err
				}
			default:
				return fmt.Errorf("%s: unknown output type (want .npy or .png)", out)
			}
			deepSampleReport(cmd.OutOrStdout(), out, n, s, acc, seed)
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&model, "model", "m", "", "model file (required)")
	f.IntVarP(&n, "n", "n", 1000, "number of chains / samples")
	f.IntVar(&steps, "steps", 60, "sampler steps (default: the model's training setting)")
	f.Float64Var(&stepSize, "step-size", 0.01, "step size η (default: the model's training setting)")
	f.StringVar(&sampler, "sampler", "langevin", "langevin or mala (default: the model's training setting)")
	f.IntVar(&grid, "grid", 200, "PNG output: histogram cells per side")
	f.Uint64Var(&seed, "seed", 1, "random seed")
	f.StringVarP(&out, "out", "o", "samples.npy", "output: .npy array or .png histogram (2-D models)")
	return c
}

func deepSampleReport(w io.Writer, out string, n int, s deep.Sampler, acc float64, seed uint64) {
	fmt.Fprintf(w, "wrote %s: %d samples after %d %s steps of η=%g from noise (seed %d", out, n, s.Steps, s.Method, s.StepSize, seed)
	if s.Method == deep.MALA {
		fmt.Fprintf(w, ", acceptance %.3f", acc)
	}
	fmt.Fprintln(w, ")")
}
