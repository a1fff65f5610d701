package main

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/rbm"
	"github.com/ebm-go/ebm/rbm/estimate"
)

type evalOpts struct {
	model         string
	data          dataFlags
	baseData      string
	exact, ais    bool
	raise         bool
	chains, betas int
	raiseExamples int
	pllRows       int
	seed          uint64
	jsonOut       bool
	quiet         bool
}

func newRBMEvalCmd() *cobra.Command {
	o := evalOpts{}
	c := &cobra.Command{
		Use:   "eval",
		Short: "Measure an RBM: log Z and the test log-likelihood (exact or AIS with error bars), RAISE, PLL",
		Long: `Measure how good an RBM is on a data set.

--exact enumerates the smaller layer (up to 30 units) for the exact log Z and
log-likelihood. --ais estimates log Z by annealed importance sampling
(Salakhutdinov & Murray 2008): --chains independent runs from the base-rate
model (the smoothed pixel means of the training data named in the model file,
or --base-data), through the paper's 14,501 β values (or --betas N evenly
spaced). It reports log Z, its standard deviation and a ±3σ interval (taken in
log space), and the mean log-likelihood with the matching interval. AIS tends
to under-estimate log Z, so it over-estimates the likelihood; --raise adds
reverse AIS (Burda, Grosse & Salakhutdinov 2015) on the first
--raise-examples rows, a conservative estimate from the other side.

Without --exact or --ais, models with at most 20 units in the smaller layer
are measured exactly and larger ones by AIS. The exact pseudo-log-likelihood
(per unit, and summed over units: scikit-learn's scale) and the mean-field
reconstruction error are always reported.`,
		Example: `  ebm rbm eval --model rbm.safetensors --data mnist:test --ais --json
  ebm rbm eval --model rbm.safetensors --data mnist:test --binarize sample --ais --raise --chains 100
  ebm rbm eval --model bars.safetensors --data bars:4x4 --exact`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runEval(cmd, &o) },
	}
	f := c.Flags()
	f.StringVarP(&o.model, "model", "m", "", "model file (required)")
	o.data.register(c, "mnist:test")
	f.StringVar(&o.baseData, "base-data", "", "data for AIS's base-rate model (default: the model's training data)")
	f.BoolVar(&o.exact, "exact", false, "exact log Z by enumerating the smaller layer")
	f.BoolVar(&o.ais, "ais", false, "log Z by annealed importance sampling")
	f.BoolVar(&o.raise, "raise", false, "also run reverse AIS (RAISE) for a conservative estimate")
	f.IntVar(&o.chains, "chains", 100, "AIS runs")
	f.IntVar(&o.betas, "betas", 0, "number of evenly spaced β values (0: the paper's 14,501-value schedule)")
	f.IntVar(&o.raiseExamples, "raise-examples", 100, "rows of --data used by --raise")
	f.IntVar(&o.pllRows, "pll-rows", 1000, "rows used for the exact pseudo-log-likelihood (0: all)")
	f.Uint64Var(&o.seed, "seed", 1, "random seed for AIS and RAISE")
	f.BoolVar(&o.jsonOut, "json", false, "print one JSON object")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress output")
	return c
}

func runEval(cmd *cobra.Command, o *evalOpts) error {
	start := time.Now()
	if o.chains < 1 {
		return fmt.Errorf("--chains must be at least 1, got %d", o.chains)
	}
	if o.betas != 0 && o.betas < 2 {
		return fmt.Errorf("--betas must be 0 (the paper's schedule) or at least 2, got %d", o.betas)
	}
	if o.raiseExamples < 1 {
		return fmt.Errorf("--raise-examples must be at least 1, got %d", o.raiseExamples)
	}
	if f, err := loadRBMFile(o.model); err != nil {
		return err
	} else if f.gauss != nil {
		return fmt.Errorf("%s has Gaussian visible units: ebm rbm eval measures Bernoulli RBMs only", o.model)
	}
	f, set, err := loadModelAndData(cmd, o.model, &o.data)
	if err != nil {
		return err
	}
	m, meta := f.bern, f.meta
	small := min(m.NVisible(), m.NHidden())
	if o.exact && small > rbm.MaxExactUnits {
		return fmt.Errorf("--exact: the smaller layer of this %d×%d model has %d units; enumerating 2^%d states is out of reach (the limit is %d): use --ais",
			m.NVisible(), m.NHidden(), small, small, rbm.MaxExactUnits)
	}
	method := "ais"
	if o.exact || (!o.ais && small <= 20) {
		method = "exact"
	}
	ctx := cmd.Context()
	out := map[string]any{"model": o.model, "data": set.Name, "binarize": binarizeName(set), "n_samples": set.Len(),
		"n_visible": m.NVisible(), "n_hidden": m.NHidden(), "method": method}
	meanF := m.MeanFreeEnergy(set.X)
	var est estimate.Estimate
	if method == "exact" {
		lz, err := m.ExactLogZ(ctx)
		if err != nil {
			return err
		}
		est = estimate.Estimate{Method: "exact", LogZ: lz, Low: lz, High: lz}
	} else {
		base, err := baseRate(o, meta, m.NVisible())
		if err != nil {
			return err
		}
		opt := estimate.Options{Chains: o.chains, BaseBias: base.bias, Seed: o.seed}
		if o.betas > 0 {
			opt.Betas = estimate.LinearSchedule(o.betas)
		}
		var bar *barT
		if !o.quiet {
			bar = newProgress(cmd.ErrOrStderr(), "AIS", "β")
		}
		opt.Progress = bar.progress
		est, err = estimate.AIS(ctx, m, opt)
		bar.finish()
		if err != nil {
			return err
		}
		out["chains"], out["betas"], out["base_data"] = est.Chains, est.Betas, base.name
		out["log_z_base"] = est.LogZBase
	}
	out["log_z"], out["log_z_std"] = est.LogZ, est.Std
	out["log_z_low"], out["log_z_high"] = finite(est.Low), finite(est.High)
	out["mean_free_energy"] = meanF
	out["mean_log_likelihood"] = -meanF - est.LogZ
	out["mean_log_likelihood_low"] = finite(-meanF - est.High)
	out["mean_log_likelihood_high"] = finite(-meanF - est.Low)

	if o.raise {
		base, err := baseRate(o, meta, m.NVisible())
		if err != nil {
			return err
		}
		n := min(o.raiseExamples, set.Len())
		ropt := estimate.RAISEOptions{BaseBias: base.bias, Seed: o.seed + 1}
		if o.betas > 0 {
			ropt.Betas = estimate.LinearSchedule(o.betas)
		}
		var bar *barT
		if !o.quiet {
			bar = newProgress(cmd.ErrOrStderr(), "RAISE", "β")
		}
		ropt.Progress = bar.progress
		r, err := estimate.RAISE(ctx, m, set.X.SliceRows(0, n), ropt)
		bar.finish()
		if err != nil {
			return err
		}
		out["raise"] = map[string]any{"log_z": r.LogZ, "log_z_std": r.Std, "log_z_low": r.Low, "log_z_high": r.High,
			"mean_log_likelihood": r.MeanLogLikelihood, "examples": r.Examples, "mean_log_likelihood_all": -meanF - r.LogZ}
	}

	pllSet := set.X
	if o.pllRows > 0 && o.pllRows < set.Len() {
		pllSet = set.X.SliceRows(0, o.pllRows)
	}
	pll := m.PseudoLogLikelihood(pllSet)
	out["pseudo_log_likelihood"] = pll / float64(m.NVisible())
	out["pseudo_log_likelihood_sklearn_scale"] = pll
	out["pll_rows"] = pllSet.Rows
	out["reconstruction_error"] = m.ReconstructionError(set.X)
	out["seconds"] = time.Since(start).Seconds()

	w := cmd.OutOrStdout()
	if o.jsonOut {
		return writeJSON(w, out)
	}
	fmt.Fprintf(w, "%s on %s (%d rows, binarize=%s)\n", o.model, set.Name, set.Len(), binarizeName(set))
	if method == "exact" {
		fmt.Fprintf(w, "  log Z (exact)            %.4f\n", est.LogZ)
		fmt.Fprintf(w, "  mean log-likelihood      %.4f nats\n", -meanF-est.LogZ)
	} else {
		fmt.Fprintf(w, "  log Z (AIS, %d chains, %d βs)  %.4f ± %.4f   [%s, %s]\n", est.Chains, est.Betas, est.LogZ, est.Std,
			fmtOpt(est.Low, "%.4f"), fmtOpt(est.High, "%.4f"))
		fmt.Fprintf(w, "  mean log-likelihood      %.4f nats   [%s, %s]\n", -meanF-est.LogZ,
			fmtOpt(-meanF-est.High, "%.4f"), fmtOpt(-meanF-est.Low, "%.4f"))
	}
	if r, ok := out["raise"].(map[string]any); ok {
		fmt.Fprintf(w, "  RAISE log Z (upper)      %.4f ± %.4f over %d examples → mean log-likelihood ≥ %.4f\n",
			r["log_z"], r["log_z_std"], r["examples"], r["mean_log_likelihood_all"])
	}
	fmt.Fprintf(w, "  pseudo-log-likelihood    %.4f per unit, %.2f summed over units (%d rows)\n", pll/float64(m.NVisible()), pll, pllSet.Rows)
	fmt.Fprintf(w, "  reconstruction error     %.4f per image\n", out["reconstruction_error"])
	fmt.Fprintf(w, "  %.1f s\n", out["seconds"])
	return nil
}

type base struct {
	name string
	bias []float32
}

// baseRate builds AIS's base-rate biases from --base-data, or from the
// model's training data (its metadata), binarized the same way.
func baseRate(o *evalOpts, meta map[string]string, nv int) (base, error) {
	spec := o.baseData
	bd := o.data
	bd.limit = 0
	if spec == "" {
		spec = meta["data"]
		if b := meta["binarize"]; b != "" {
			bd.binarize = b
		}
		if s, err := strconv.ParseUint(meta["binarize_seed"], 10, 64); err == nil {
			bd.binSeed = s
		}
		if l, err := strconv.Atoi(meta["limit"]); err == nil {
			bd.limit = l
		}
	}
	if spec == "" {
		return base{}, errors.New("the model file does not name its training data: give --base-data for AIS's base-rate model")
	}
	s, err := bd.load(spec)
	if err != nil {
		return base{}, fmt.Errorf("base-rate data: %w", err)
	}
	if s.Dim() != nv {
		return base{}, fmt.Errorf("base-rate data %s has %d columns, the model %d visible units", s.Name, s.Dim(), nv)
	}
	return base{name: s.Name, bias: estimate.BaseRate(s.X)}, nil
}
