package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/coverage"
	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/deep"
	"github.com/ebm-go/ebm/internal/cmdutil"
	"github.com/ebm-go/ebm/viz"
)

type deepSampleOptions struct {
	IO         *cmdutil.IOStreams
	Model, Out string
	N, Grid    int
	Seed       uint64
	Sampler    deep.Sampler // --sampler, --steps, --step-size, --leapfrog
	// Given says which Sampler settings the command line gave; the others
	// come from the model file when it records them.
	Given struct{ Method, Steps, StepSize, Leapfrog bool }
	Score cmdutil.ScoreFlags
	JSON  bool
}

func newCmdDeepSample(io *cmdutil.IOStreams, runF func(context.Context, *deepSampleOptions) error) *cobra.Command {
	o := &deepSampleOptions{IO: io}
	var sampler string
	c := &cobra.Command{
		Use:   "sample",
		Short: "Draw samples from a deep EBM by Langevin dynamics, MALA or HMC",
		Long: `Run --n independent chains from uniform noise on the model's data box for
--steps steps of --sampler (defaults: the settings the model was trained
with) and write the final states as an n × d array (.npy) or, for 2-D
models, as a --grid × --grid histogram picture (.png) over the data box,
for image models (MNIST) as a grid of pictures (.png).

The samples of a model trained on built-in MNIST are scored (--score auto;
package coverage, the same figures as ebm score): each labelled by its
nearest training digit, with the class shares, their entropy, the total
variation to the training labels, the median nearest-neighbour distance and
the share of near-copies (--json: "coverage").`,
		Example: `  ebm deep sample --model deep.safetensors --n 5000 --out samples.npy
  ebm deep sample --model deep.safetensors --n 20000 --steps 500 --sampler mala --step-size 0.005 --out samples.png
  ebm deep sample --model mnist.safetensors --n 1000 --out digits.npy --json
  ebm deep sample --model mnist.safetensors --n 100 --out digits.png`,
		Args: cobra.NoArgs,
		RunE: cmdutil.RunWith(o, func(cmd *cobra.Command) error {
			if o.Model == "" {
				return errors.New("--model is required")
			}
			fl := cmd.Flags()
			o.Given.Method, o.Given.Steps, o.Given.StepSize = fl.Changed("sampler"), fl.Changed("steps"), fl.Changed("step-size")
			o.Given.Leapfrog = fl.Changed("leapfrog")
			var err error
			if o.Sampler.Method, err = deep.ParseMethod(sampler); err != nil {
				return fmt.Errorf("--sampler: %w", err)
			}
			if o.N < 1 {
				return fmt.Errorf("--n %d: want at least 1", o.N)
			}
			return nil
		}, runF, deepSampleRun),
	}
	f := c.Flags()
	f.StringVarP(&o.Model, "model", "m", "", "model file (required)")
	f.IntVarP(&o.N, "n", "n", 1000, "number of chains / samples")
	f.IntVar(&o.Sampler.Steps, "steps", 60, "sampler steps (default: the model's training setting)")
	f.Float64Var(&o.Sampler.StepSize, "step-size", 0.01, "step size η (default: the model's training setting)")
	f.StringVar(&sampler, "sampler", "langevin", "langevin, mala or hmc (default: the model's training setting)")
	f.IntVar(&o.Sampler.Leapfrog, "leapfrog", deep.DefaultLeapfrog, "hmc: leapfrog steps per iteration (default: the model's training setting)")
	f.IntVar(&o.Grid, "grid", 200, "PNG output: histogram cells per side")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed")
	f.StringVarP(&o.Out, "out", "o", "samples.npy", "output: .npy array, or .png: a histogram (2-D models) or a grid of pictures (image models)")
	f.BoolVar(&o.JSON, "json", false, "print a JSON summary on stdout (sampler, coverage)")
	o.Score.Register(c)
	cmdutil.Minimum(c, 1, "n", "steps", "leapfrog")
	cmdutil.Minimum(c, 2, "grid")
	return c
}

// deepSampleSummary is what deep sample --json prints.
type deepSampleSummary struct {
	Out      string           `json:"out"`
	N        int              `json:"n"`
	Sampler  string           `json:"sampler"`
	Steps    int              `json:"steps"`
	StepSize float64          `json:"step_size"`
	Leapfrog int              `json:"leapfrog,omitempty"` // HMC only
	Accept   float64          `json:"accept"`
	Seed     uint64           `json:"seed"`
	Seconds  float64          `json:"seconds"`
	Coverage *coverage.Report `json:"coverage,omitempty"`
}

func deepSampleRun(ctx context.Context, o *deepSampleOptions) error {
	if err := cmdutil.CheckFiles([]cmdutil.File{cmdutil.Path("out", o.Out, cmdutil.ExtRows...)}, cmdutil.Path("model", o.Model)); err != nil {
		return err
	}
	net, _, meta, err := deep.Load(o.Model)
	if err != nil {
		return err
	}
	s, box, err := deep.RecordedSampler(meta, net.Dim(), o.Sampler)
	if err != nil {
		return fmt.Errorf("%s: %w", o.Model, err)
	}
	if o.Given.Method {
		s.Method = o.Sampler.Method
	}
	if o.Given.Steps {
		s.Steps = o.Sampler.Steps
	}
	if o.Given.StepSize {
		s.StepSize = o.Sampler.StepSize
	}
	if o.Given.Leapfrog {
		s.Leapfrog = o.Sampler.Leapfrog
	}
	d := net.Dim()
	if err := cmdutil.Fits(o.IO.MaxMemory, 24*float64(o.N)*float64(d)+16*float64(o.Grid)*float64(o.Grid), "--n %d chains of %d values and --grid %d", o.N, d, o.Grid); err != nil {
		return err
	}
	png := strings.EqualFold(filepath.Ext(o.Out), ".png")
	_, _, shapeErr := dataset.ImageShape(d, nil, meta["image_shape"])
	switch {
	case !png && !strings.EqualFold(filepath.Ext(o.Out), ".npy"):
		return fmt.Errorf("%s: unknown output type (want .npy or .png)", o.Out)
	case png && d != 2 && shapeErr != nil:
		return fmt.Errorf("%s: a PNG needs a 2-D or an image model; this one has %d inputs (write .npy)", o.Out, d)
	case png && d == 2 && o.Grid < 2:
		return fmt.Errorf("--grid %d: want at least 2", o.Grid)
	}
	ref, err := o.Score.Reference(meta["data"], d)
	if err != nil {
		return err
	}
	start := time.Now()
	x, acc, err := s.Draw(net, box, o.N, o.Seed)
	if err != nil {
		return err
	}
	sum := deepSampleSummary{Out: o.Out, N: o.N, Sampler: s.Method.String(), Steps: s.Steps, StepSize: s.StepSize,
		Accept: acc, Seed: o.Seed, Seconds: time.Since(start).Seconds()}
	if s.Method == deep.HMC {
		sum.Leapfrog = s.LeapfrogSteps()
	}
	switch {
	case png && d == 2:
		img, perr := deep.HistogramPicture(box.Grid(o.Grid), x)
		if perr != nil {
			return fmt.Errorf("%s: %w", o.Out, perr)
		}
		err = viz.SavePNG(o.Out, img)
	default:
		err = cmdutil.WriteRows(o.Out, x, 0, meta, nil)
	}
	if err != nil {
		return err
	}
	if sum.Coverage, err = o.Score.Score(ctx, ref, x); err != nil {
		return err
	}
	if o.JSON {
		return cmdutil.WriteJSON(o.IO.Out, sum)
	}
	run := fmt.Sprintf("%d %s steps of η=%g", s.Steps, s.Method, s.StepSize)
	if s.Method == deep.HMC {
		run = fmt.Sprintf("%d hmc iterations of %d leapfrog steps of ε=%g", s.Steps, s.LeapfrogSteps(), s.StepSize)
	}
	fmt.Fprintf(o.IO.Out, "wrote %s: %d samples after %s from noise (seed %d", o.Out, o.N, run, o.Seed)
	if s.Method != deep.ULA {
		fmt.Fprintf(o.IO.Out, ", acceptance %.3f", acc)
	}
	fmt.Fprintln(o.IO.Out, ")")
	if sum.Coverage != nil {
		return sum.Coverage.WriteText(o.IO.Out)
	}
	return nil
}
