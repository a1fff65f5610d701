package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/cmdutil"
	"github.com/ebm-go/ebm/internal/nanjson"
	"github.com/ebm-go/ebm/rbm"
	"github.com/ebm-go/ebm/rbm/estimate"
)

type rbmEvalOptions struct {
	IO            *cmdutil.IOStreams
	Model         string
	Data          cmdutil.DataFlags
	BaseData      string
	Exact, AIS    bool
	RAISE         bool
	Chains, Betas int
	RAISEExamples int
	PLLRows       int
	Seed          uint64
	JSON, Quiet   bool
	Shard         shardFlags
}

func newCmdRBMEval(io *cmdutil.IOStreams, runF func(context.Context, *rbmEvalOptions) error) *cobra.Command {
	o := &rbmEvalOptions{IO: io}
	c := &cobra.Command{
		Use:   "eval",
		Short: "Measure an RBM: log Z and the test log-likelihood (exact or AIS with error bars), RAISE, PLL",
		Long: `Measure how good an RBM is on a data set, for any visible units.

--exact enumerates the hidden layer (or, for Bernoulli visible units, the
smaller layer; up to 30 units) for the exact log Z and log-likelihood; the
visible units are summed out, or for Gaussian units integrated out in closed
form. --ais estimates log Z by annealed importance sampling (Salakhutdinov &
Murray 2008): --chains independent runs from the base-rate model (the
smoothed pixel means of the training data named in the model file, or
--base-data; for Gaussian units the column means, with the model's σ),
through the paper's 14,501 β values (or --betas N evenly spaced). It reports
log Z, its standard deviation and a ±3σ interval (taken in log space), and
the mean log-likelihood with the matching interval. AIS tends to
under-estimate log Z, so it over-estimates the likelihood; --raise adds
reverse AIS (Burda, Grosse & Salakhutdinov 2015) on the first
--raise-examples rows, a conservative estimate from the other side. A model
file that names no training data (one written by PyTorch, say) takes the
base rate from the evaluation data, and says so.

Without --exact or --ais, models that enumerate at most 20 units are
measured exactly and larger ones by AIS. The exact pseudo-log-likelihood
(binary units: per unit, and summed over units: scikit-learn's scale) and
the mean-field reconstruction error are always reported. Log-likelihoods of
a model trained on standardized columns (Gaussian units) are densities of
the data's own units: log_jacobian = −Σ log std is included.

--shard i/n runs part i of n of the AIS chains and RAISE examples (groups of
25 chains: n can be at most chains/25, rounded up) and writes the part as
JSON; ebm merge joins the parts into the result one process prints with the
same seed — the same log Z, interval and log-likelihoods, to the bit.`,
		Example: `  ebm rbm eval --model rbm.safetensors --data mnist:test --ais --json
  ebm rbm eval --model rbm.safetensors --data mnist:test --binarize sample --ais --raise --chains 100
  ebm rbm eval --model bars.safetensors --data bars:4x4 --exact
  ebm rbm eval --model g8.safetensors --data 8gaussians:1000 --ais --raise
  ebm rbm eval --model rbm.safetensors --ais --raise --shard auto/4 --out parts/   # then: ebm merge parts/`,
		Args: cobra.NoArgs,
		RunE: cmdutil.RunWith(o, o.Data.Resolve, runF, rbmEvalRun),
	}
	f := c.Flags()
	f.StringVarP(&o.Model, "model", "m", "", "model file (required)")
	o.Data.Register(c, "mnist:test")
	f.StringVar(&o.BaseData, "base-data", "", "data for AIS's base-rate model (default: the model's training data, else --data)")
	f.BoolVar(&o.Exact, "exact", false, "exact log Z by enumeration")
	f.BoolVar(&o.AIS, "ais", false, "log Z by annealed importance sampling")
	f.BoolVar(&o.RAISE, "raise", false, "also run reverse AIS (RAISE) for a conservative estimate")
	f.IntVar(&o.Chains, "chains", 100, "AIS runs")
	f.IntVar(&o.Betas, "betas", 0, "number of evenly spaced β values (0: the paper's 14,501-value schedule)")
	f.IntVar(&o.RAISEExamples, "raise-examples", 100, "rows of --data used by --raise")
	f.IntVar(&o.PLLRows, "pll-rows", 1000, "rows used for the exact pseudo-log-likelihood (0: all)")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed for AIS and RAISE")
	f.BoolVar(&o.JSON, "json", false, "print one JSON object")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "no progress output")
	o.Shard.register(c, "AIS chains and RAISE examples")
	cmdutil.Minimum(c, 1, "chains", "raise-examples")
	cmdutil.Minimum(c, 0, "betas", "pll-rows")
	return c
}

// evalFiles are what --json prints beside the library's Evaluation: the
// files and the time.
type evalFiles struct {
	Model    string  `json:"model"`
	Data     string  `json:"data"`
	Binarize string  `json:"binarize"`
	BaseData string  `json:"base_data,omitempty"`
	Seconds  float64 `json:"seconds"`
}

// evalReport is what --json prints: the files and the Evaluation, in one
// object.
type evalReport struct {
	evalFiles
	*estimate.Evaluation
}

func (r evalReport) MarshalJSON() ([]byte, error) {
	return nanjson.Merge(r.evalFiles, r.Evaluation)
}

// UnmarshalJSON reads back what MarshalJSON wrote (a shard file's result).
func (r *evalReport) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &r.evalFiles); err != nil {
		return err
	}
	r.Evaluation = new(estimate.Evaluation)
	return json.Unmarshal(b, r.Evaluation)
}

func rbmEvalRun(ctx context.Context, o *rbmEvalOptions) error {
	start := time.Now()
	if o.Chains < 1 {
		return fmt.Errorf("--chains must be at least 1, got %d", o.Chains)
	}
	if o.Betas != 0 && o.Betas < 2 {
		return fmt.Errorf("--betas must be 0 (the paper's schedule) or at least 2, got %d", o.Betas)
	}
	if o.RAISEExamples < 1 {
		return fmt.Errorf("--raise-examples must be at least 1, got %d", o.RAISEExamples)
	}
	if err := o.Shard.resolve(o.JSON); err != nil {
		return err
	}
	if err := cmdutil.CheckFiles([]cmdutil.File{cmdutil.Path("out", o.Shard.Out, ".json")}, cmdutil.Path("model", o.Model)); err != nil {
		return err
	}
	in, err := openModelData(o.Model, &o.Data)
	if err != nil {
		return err
	}
	m, set, x := in.m, in.set, in.x
	if err := evalFits(o, m.NVisible(), m.NHidden()); err != nil {
		return err
	}
	if err := o.shardFits(x.Rows); err != nil {
		return err
	}
	rep := &evalReport{evalFiles: evalFiles{Model: o.Model, Data: set.Name, Binarize: set.BinarizeName()}}
	opt := estimate.EvalOptions{RAISE: o.RAISE, RAISEExamples: o.RAISEExamples, PLLRows: o.PLLRows, LogJacobian: m.Standard.LogJacobian(),
		AIS: estimate.Options{Chains: o.Chains, Seed: o.Seed}, Part: o.Shard.Index, Parts: o.Shard.Count}
	switch {
	case o.Exact:
		opt.Method = "exact"
	case o.AIS:
		opt.Method = "ais"
	}
	if o.Betas > 0 {
		opt.AIS.Betas = estimate.LinearSchedule(o.Betas)
	}
	opt.Base = func() (b []float32, err error) {
		b, rep.BaseData, err = baseRate(o, m, in.meta, set)
		return b, err
	}
	aisBar, raiseBar := o.progress("AIS"), o.progress("RAISE")
	opt.AIS.Progress, opt.RAISEProgress = aisBar.Update, raiseBar.Update
	rep.Evaluation, err = estimate.Evaluate(ctx, m, x, opt)
	aisBar.Finish()
	raiseBar.Finish()
	if errors.Is(err, rbm.ErrTooLarge) {
		return fmt.Errorf("--exact: %w: use --ais", err)
	}
	if err != nil {
		return err
	}
	rep.Seconds = time.Since(start).Seconds()
	if !o.Shard.Whole() {
		settings, err := o.settings()
		if err != nil {
			return err
		}
		return o.Shard.write(o.IO.Out, "rbm eval", settings, rep)
	}
	if o.JSON {
		return cmdutil.WriteJSON(o.IO.Out, rep)
	}
	printEval(o, rep)
	return nil
}

// shardFits refuses more parts than the AIS chains or the RAISE examples
// (of rows) have groups of estimate.GroupSize: every part runs whole groups.
func (o *rbmEvalOptions) shardFits(rows int) error {
	n := o.Shard.Count
	groups := func(k int) int { return (k + estimate.GroupSize - 1) / estimate.GroupSize }
	if n > 1 && !o.Exact && n > groups(o.Chains) {
		return fmt.Errorf("--shard %s: the %d AIS chains are %d groups of %d, one part at least each: use at most %d parts or more --chains",
			o.Shard.Spec, o.Chains, groups(o.Chains), estimate.GroupSize, groups(o.Chains))
	}
	if ex := min(o.RAISEExamples, rows); n > 1 && o.RAISE && n > groups(ex) {
		return fmt.Errorf("--shard %s: the %d RAISE examples are %d groups of %d, one part at least each: use at most %d parts or more --raise-examples",
			o.Shard.Spec, ex, groups(ex), estimate.GroupSize, groups(ex))
	}
	return nil
}

// evalSettings are what every part of a sharded evaluation must share.
type evalSettings struct {
	ModelSHA256   string `json:"model_sha256"`
	Data          string `json:"data"`
	Binarize      string `json:"binarize"`
	BinarizeSeed  uint64 `json:"binarize_seed"`
	Limit         int    `json:"limit"`
	BaseData      string `json:"base_data"`
	Exact         bool   `json:"exact"`
	AIS           bool   `json:"ais"`
	RAISE         bool   `json:"raise"`
	Chains        int    `json:"chains"`
	Betas         int    `json:"betas"`
	RAISEExamples int    `json:"raise_examples"`
	PLLRows       int    `json:"pll_rows"`
	Seed          uint64 `json:"seed"`
}

func (o *rbmEvalOptions) settings() (evalSettings, error) {
	sum, err := fileSHA256(o.Model)
	if err != nil {
		return evalSettings{}, err
	}
	return evalSettings{ModelSHA256: sum, Data: o.Data.Spec, Binarize: o.Data.Binarize, BinarizeSeed: o.Data.BinSeed, Limit: o.Data.Limit,
		BaseData: o.BaseData, Exact: o.Exact, AIS: o.AIS, RAISE: o.RAISE, Chains: o.Chains, Betas: o.Betas,
		RAISEExamples: o.RAISEExamples, PLLRows: o.PLLRows, Seed: o.Seed}, nil
}

func (o *rbmEvalOptions) progress(name string) *cmdutil.Progress {
	return cmdutil.NewProgress(o.IO.ErrOut, o.Quiet, name, "β")
}

func printEval(o *rbmEvalOptions, r *evalReport) {
	w := o.IO.Out
	fmt.Fprintf(w, "%s on %s (%d rows, binarize=%s, %s visible units)\n", o.Model, r.Data, r.NSamples, r.Binarize, r.Visible)
	if r.Method == "exact" {
		fmt.Fprintf(w, "  log Z (exact)            %.4f\n", r.LogZ)
		fmt.Fprintf(w, "  mean log-likelihood      %.4f nats\n", r.MeanLogLikelihood)
	} else {
		fmt.Fprintf(w, "  log Z (AIS, %d chains, %d βs)  %.4f ± %.4f   [%s, %s]\n", r.Chains, r.Betas, r.LogZ, r.LogZStd,
			cmdutil.FmtOpt(r.LogZLow, "%.4f"), cmdutil.FmtOpt(r.LogZHigh, "%.4f"))
		fmt.Fprintf(w, "  mean log-likelihood      %.4f nats   [%s, %s]\n", r.MeanLogLikelihood,
			cmdutil.FmtOpt(r.MeanLogLikelihoodLow, "%.4f"), cmdutil.FmtOpt(r.MeanLogLikelihoodHigh, "%.4f"))
	}
	if r.BaseData != "" {
		fmt.Fprintf(w, "  base-rate model from     %s\n", r.BaseData)
	}
	if ra := r.RAISE; ra != nil {
		fmt.Fprintf(w, "  RAISE log Z (upper)      %.4f ± %.4f over %d examples → mean log-likelihood ≥ %.4f\n",
			ra.LogZ, ra.LogZStd, ra.Examples, ra.MeanLogLikelihoodAll)
	}
	fmt.Fprintf(w, "  pseudo-log-likelihood    %s per unit, %s summed over units (%d rows)\n", cmdutil.FmtOpt(r.PLL, "%.4f"), cmdutil.FmtOpt(r.PLLTotal, "%.2f"), r.PLLRows)
	fmt.Fprintf(w, "  reconstruction error     %.4f per image\n", r.ReconstructionError)
	fmt.Fprintf(w, "  %.1f s\n", r.Seconds)
}

// baseRate returns AIS's base-rate biases and where they came from:
// --base-data, else the model's training data (its metadata), loaded and
// binarized the same way, else — a model from elsewhere — the evaluation
// data, with a note on stderr.
func baseRate(o *rbmEvalOptions, m *rbm.RBM, meta map[string]string, eval *dataset.Set) ([]float32, string, error) {
	bd := o.Data
	if bd.Spec, bd.Limit = o.BaseData, 0; bd.Spec == "" {
		bd.FromMetadata(meta)
	}
	spec := bd.Spec
	s := eval
	name := eval.Name + " (evaluation data: the model file names no training data)"
	if spec == "" {
		if !o.Quiet {
			fmt.Fprintf(o.IO.ErrOut, "%s names no training data: AIS's base-rate model uses the evaluation data %s (give --base-data to choose)\n", o.Model, eval.Name)
		}
	} else {
		var err error
		if s, err = bd.Load(spec); err != nil {
			return nil, "", fmt.Errorf("base-rate data: %w", err)
		}
		name = s.Name
	}
	if s.Dim() != m.NVisible() {
		return nil, "", fmt.Errorf("base-rate data %s has %d columns, the model %d visible units", s.Name, s.Dim(), m.NVisible())
	}
	if err := m.CheckData(s.X); err != nil {
		return nil, "", fmt.Errorf("base-rate data %s: %w", s.Name, err)
	}
	return estimate.BaseRate(m, m.Standard.Applied(s.X)), name, nil
}

// evalFits refuses an AIS or RAISE run whose schedule does not fit
// --max-memory, or whose work (chains × βs × two products of the weights)
// could not finish in a day at 10¹¹ operations per second.
func evalFits(o *rbmEvalOptions, nv, nh int) error {
	betas := float64(o.Betas)
	if betas == 0 {
		betas = 14501
	}
	if err := cmdutil.Fits(o.Data.MaxMemory, betas*8+rbm.SamplingBytes(nv, nh, float64(1024*runtime.GOMAXPROCS(0))), "--betas %d", o.Betas); err != nil {
		return err
	}
	runs := float64(o.Chains)
	if o.RAISE {
		runs += float64(o.RAISEExamples)
	}
	if ops := runs * betas * 4 * float64(nv) * float64(nh); o.AIS || o.RAISE {
		if ops > 1e16 || betas > 1e7 { // the paper's schedule has 14,501 βs
			return fmt.Errorf("--chains %d and --betas %d (with --raise-examples) are too long to finish for this %d×%d model (at most 10,000,000 βs and about a day of arithmetic)", o.Chains, o.Betas, nv, nh)
		}
	}
	return nil
}
