package estimate

import (
	"context"
	"fmt"
	"math"

	"github.com/ebm-go/ebm/internal/nanjson"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/rbm"
)

// AutoExactUnits is the largest enumerated layer (rbm.RBM.ExactUnits) for
// which Evaluate picks the exact log Z when no method is given: 2^20 states
// take about a second.
const AutoExactUnits = 20

// EvalOptions configure Evaluate.
type EvalOptions struct {
	// Method is "exact", "ais", or "" for exact when the model's enumerated
	// layer has at most AutoExactUnits units and AIS otherwise.
	Method string
	// AIS configures the AIS run (its BaseBias is the base-rate model: see
	// BaseRate). RAISE uses the same schedule and base with seed AIS.Seed+1.
	AIS Options
	// Base, when set and AIS.BaseBias is nil, is called for the base-rate
	// biases once it is known that AIS or RAISE runs (so a caller loads
	// base-rate data only when it is needed).
	Base func() ([]float32, error)
	// RAISE adds reverse AIS on the first RAISEExamples rows (default 100).
	RAISE         bool
	RAISEExamples int
	// RAISEProgress reports RAISE's progress like Options.Progress.
	RAISEProgress func(done, total int)
	// PLLRows is how many rows the pseudo-log-likelihood uses (0: all).
	PLLRows int
	// LogJacobian is added to every log-likelihood, so that they are
	// densities of the data's units when the model works on standardized
	// rows (rbm.Standardization.LogJacobian); 0 leaves them in the model's
	// units.
	LogJacobian float64
}

// Evaluation is what Evaluate measures. Its JSON form (NaN as null) is
// what `ebm rbm eval --json` prints.
type Evaluation struct {
	NSamples int     `json:"n_samples"`
	NVisible int     `json:"n_visible"`
	NHidden  int     `json:"n_hidden"`
	Visible  string  `json:"visible"`
	Method   string  `json:"method"` // exact or ais
	Chains   int     `json:"chains,omitempty"`
	Betas    int     `json:"betas,omitempty"`
	LogZBase float64 `json:"log_z_base,omitempty"`
	LogZ     float64 `json:"log_z"`
	LogZStd  float64 `json:"log_z_std"`
	LogZLow  float64 `json:"log_z_low"`
	LogZHigh float64 `json:"log_z_high"`
	// MeanFreeEnergy is the mean F(v) over the rows; the mean
	// log-likelihood is −MeanFreeEnergy − log Z, with the interval from
	// log Z's.
	MeanFreeEnergy        float64 `json:"mean_free_energy"`
	MeanLogLikelihood     float64 `json:"mean_log_likelihood"`
	MeanLogLikelihoodLow  float64 `json:"mean_log_likelihood_low"`
	MeanLogLikelihoodHigh float64 `json:"mean_log_likelihood_high"`
	// LogJacobian is EvalOptions.LogJacobian, already included in the
	// log-likelihoods (not in log Z or the free energy).
	LogJacobian float64      `json:"log_jacobian,omitempty"`
	RAISE       *RAISEReport `json:"raise,omitempty"`
	// PLL is the exact pseudo-log-likelihood per unit and summed over units
	// (NaN for visible units that are not binary), on PLLRows rows.
	PLL                 float64 `json:"pseudo_log_likelihood"`
	PLLTotal            float64 `json:"pseudo_log_likelihood_sklearn_scale"`
	PLLRows             int     `json:"pll_rows"`
	ReconstructionError float64 `json:"reconstruction_error"`
}

// RAISEReport is the RAISE part of an Evaluation.
type RAISEReport struct {
	LogZ              float64 `json:"log_z"`
	LogZStd           float64 `json:"log_z_std"`
	LogZLow           float64 `json:"log_z_low"`
	LogZHigh          float64 `json:"log_z_high"`
	MeanLogLikelihood float64 `json:"mean_log_likelihood"` // over the RAISE examples
	Examples          int     `json:"examples"`
	// MeanLogLikelihoodAll is −mean F(v) over all rows − RAISE's log Z: the
	// conservative counterpart of Evaluation.MeanLogLikelihood.
	MeanLogLikelihoodAll float64 `json:"mean_log_likelihood_all"`
}

// MarshalJSON encodes NaN and ±Inf (an unbounded interval) as null.
func (e Evaluation) MarshalJSON() ([]byte, error) {
	type plain Evaluation
	return nanjson.Marshal(plain(e))
}

// MarshalJSON encodes NaN and ±Inf as null.
func (r RAISEReport) MarshalJSON() ([]byte, error) {
	type plain RAISEReport
	return nanjson.Marshal(plain(r))
}

// Evaluate measures m on data (in the model's units): log Z exactly or by
// AIS, the mean log-likelihood with its interval, optionally RAISE, the
// pseudo-log-likelihood and the reconstruction error.
func Evaluate(ctx context.Context, m *rbm.RBM, data *tensor.Matrix, opt EvalOptions) (*Evaluation, error) {
	if err := m.CheckData(data); err != nil {
		return nil, err
	}
	if data.Rows == 0 {
		return nil, fmt.Errorf("no rows to evaluate: %w", ErrOptions)
	}
	method := opt.Method
	switch method {
	case "":
		method = "ais"
		if m.ExactUnits() <= AutoExactUnits {
			method = "exact"
		}
	case "exact", "ais":
	default:
		return nil, fmt.Errorf("method %q: want exact or ais: %w", method, ErrOptions)
	}
	if opt.AIS.BaseBias == nil && opt.Base != nil && (method == "ais" || opt.RAISE) {
		b, err := opt.Base()
		if err != nil {
			return nil, err
		}
		opt.AIS.BaseBias = b
	}
	ev := &Evaluation{NSamples: data.Rows, NVisible: m.NVisible(), NHidden: m.NHidden(), Visible: m.Units().Name(), Method: method}
	ev.MeanFreeEnergy = m.MeanFreeEnergy(data)
	var est Estimate
	if method == "exact" {
		lz, err := m.ExactLogZ(ctx)
		if err != nil {
			return nil, err
		}
		est = Estimate{Method: "exact", LogZ: lz, Low: lz, High: lz}
	} else {
		var err error
		if est, err = AIS(ctx, m, opt.AIS); err != nil {
			return nil, err
		}
		ev.Chains, ev.Betas, ev.LogZBase = est.Chains, est.Betas, est.LogZBase
	}
	ev.LogZ, ev.LogZStd, ev.LogZLow, ev.LogZHigh = est.LogZ, est.Std, est.Low, est.High
	j := opt.LogJacobian
	ev.LogJacobian = j
	ev.MeanLogLikelihood = -ev.MeanFreeEnergy - est.LogZ + j
	ev.MeanLogLikelihoodLow, ev.MeanLogLikelihoodHigh = -ev.MeanFreeEnergy-est.High+j, -ev.MeanFreeEnergy-est.Low+j
	if opt.RAISE {
		n := opt.RAISEExamples
		if n == 0 {
			n = 100
		}
		if n < 1 {
			return nil, fmt.Errorf("RAISE examples must be at least 1, got %d: %w", n, ErrOptions)
		}
		r, err := RAISE(ctx, m, data.SliceRows(0, min(n, data.Rows)), RAISEOptions{Betas: opt.AIS.Betas,
			BaseBias: opt.AIS.BaseBias, Seed: opt.AIS.Seed + 1, Progress: opt.RAISEProgress})
		if err != nil {
			return nil, err
		}
		ev.RAISE = &RAISEReport{LogZ: r.LogZ, LogZStd: r.Std, LogZLow: r.Low, LogZHigh: r.High,
			MeanLogLikelihood: r.MeanLogLikelihood + j, Examples: r.Examples, MeanLogLikelihoodAll: -ev.MeanFreeEnergy - r.LogZ + j}
	}
	pll := data
	if opt.PLLRows > 0 && opt.PLLRows < data.Rows {
		pll = data.SliceRows(0, opt.PLLRows)
	}
	ev.PLLTotal = m.PseudoLogLikelihood(pll)
	ev.PLL = ev.PLLTotal / float64(m.NVisible())
	ev.PLLRows = pll.Rows
	ev.ReconstructionError = m.ReconstructionError(data)
	if err := ev.checkFinite(); err != nil {
		return nil, err
	}
	return ev, nil
}

// checkFinite returns an error wrapping ErrNotFinite naming the first of
// the measured quantities that is NaN or infinite. The interval ends may be
// infinite (an unbounded interval) but not NaN, and the pseudo-likelihood
// is NaN by definition for units that are not binary.
func (e *Evaluation) checkFinite() error {
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	notNaN := func(x float64) bool { return !math.IsNaN(x) }
	type check struct {
		name string
		v    float64
		ok   func(float64) bool
	}
	checks := []check{
		{"mean free energy", e.MeanFreeEnergy, finite},
		{"log Z", e.LogZ, finite},
		{"log Z std", e.LogZStd, notNaN},
		{"log Z low", e.LogZLow, notNaN},
		{"log Z high", e.LogZHigh, notNaN},
		{"mean log-likelihood", e.MeanLogLikelihood, finite},
		{"mean log-likelihood low", e.MeanLogLikelihoodLow, notNaN},
		{"mean log-likelihood high", e.MeanLogLikelihoodHigh, notNaN},
		{"reconstruction error", e.ReconstructionError, finite},
	}
	if e.Visible == "bernoulli" {
		checks = append(checks, check{"pseudo-log-likelihood", e.PLLTotal, notNaN})
	}
	if r := e.RAISE; r != nil {
		checks = append(checks, check{"RAISE log Z", r.LogZ, finite}, check{"RAISE mean log-likelihood", r.MeanLogLikelihood, finite})
	}
	for _, c := range checks {
		if !c.ok(c.v) {
			return fmt.Errorf("%s is %v (the model's numbers overflow on this data): %w", c.name, c.v, ErrNotFinite)
		}
	}
	return nil
}
