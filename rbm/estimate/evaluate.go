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
	// Part of Parts (when Parts > 1) runs only that part of the AIS
	// chains and of the RAISE chains (Options.Part), and the Evaluation
	// keeps their log weights (Evaluation.Weights) for MergeEvaluations.
	// Everything else is measured in full by every part.
	Part, Parts int
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
	// Weights are the log importance weights of a part's chains
	// (EvalOptions.Parts > 1): what MergeEvaluations puts together.
	Weights *Weights `json:"weights,omitempty"`
}

// Weights are the log importance weights of one part of an evaluation's
// AIS and RAISE chains.
type Weights struct {
	AISFirstChain int       `json:"ais_first_chain"`
	AIS           []float64 `json:"ais"`
	// RAISE holds the RAISE chains from RAISEFirstChain on, and
	// RAISENegFreeEnergy −F(v) of every RAISE example (not only this
	// part's), ChainsPerExample chains each.
	RAISEFirstChain    int       `json:"raise_first_chain,omitempty"`
	RAISE              []float64 `json:"raise,omitempty"`
	RAISENegFreeEnergy []float64 `json:"raise_neg_free_energy,omitempty"`
	ChainsPerExample   int       `json:"chains_per_example,omitempty"`
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

// UnmarshalJSON decodes what MarshalJSON wrote, null as NaN (an unbounded
// interval end comes back as NaN, not ±Inf).
func (e *Evaluation) UnmarshalJSON(b []byte) error {
	type plain Evaluation
	return nanjson.Unmarshal(b, (*plain)(e))
}

// UnmarshalJSON decodes what MarshalJSON wrote, null as NaN.
func (r *RAISEReport) UnmarshalJSON(b []byte) error {
	type plain RAISEReport
	return nanjson.Unmarshal(b, (*plain)(r))
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
	ev.LogJacobian = opt.LogJacobian
	parted := opt.Parts > 1
	if parted {
		ev.Weights = &Weights{}
		opt.AIS.Part, opt.AIS.Parts = opt.Part, opt.Parts
	}
	if method == "exact" {
		lz, err := m.ExactLogZ(ctx)
		if err != nil {
			return nil, err
		}
		ev.setLogZ(Estimate{Method: "exact", LogZ: lz, Low: lz, High: lz})
	} else {
		est, err := AIS(ctx, m, opt.AIS)
		if err != nil {
			return nil, err
		}
		ev.setLogZ(est)
		if parted {
			ev.Weights.AIS, ev.Weights.AISFirstChain = est.LogWeights, est.FirstChain
		}
	}
	if opt.RAISE {
		n := opt.RAISEExamples
		if n == 0 {
			n = 100
		}
		if n < 1 {
			return nil, fmt.Errorf("RAISE examples must be at least 1, got %d: %w", n, ErrOptions)
		}
		rows := data.SliceRows(0, min(n, data.Rows))
		r, err := RAISE(ctx, m, rows, RAISEOptions{Betas: opt.AIS.Betas, BaseBias: opt.AIS.BaseBias,
			Seed: opt.AIS.Seed + 1, Progress: opt.RAISEProgress, Part: opt.AIS.Part, Parts: opt.AIS.Parts})
		if err != nil {
			return nil, err
		}
		ev.setRAISE(r)
		if parted {
			w := ev.Weights
			w.RAISE, w.RAISEFirstChain, w.ChainsPerExample = r.LogWeights, r.FirstChain, r.ChainsPerExample
			w.RAISENegFreeEnergy = make([]float64, rows.Rows)
			m.FreeEnergies(w.RAISENegFreeEnergy, rows)
			for i, f := range w.RAISENegFreeEnergy {
				w.RAISENegFreeEnergy[i] = -f
			}
		}
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

// setLogZ records log Z's estimate and the log-likelihoods it implies.
func (ev *Evaluation) setLogZ(est Estimate) {
	if est.Method == "ais" {
		ev.Chains, ev.Betas, ev.LogZBase = est.Chains, est.Betas, est.LogZBase
	}
	ev.LogZ, ev.LogZStd, ev.LogZLow, ev.LogZHigh = est.LogZ, est.Std, est.Low, est.High
	j := ev.LogJacobian
	ev.MeanLogLikelihood = -ev.MeanFreeEnergy - est.LogZ + j
	ev.MeanLogLikelihoodLow, ev.MeanLogLikelihoodHigh = -ev.MeanFreeEnergy-est.High+j, -ev.MeanFreeEnergy-est.Low+j
}

// setRAISE records RAISE's result.
func (ev *Evaluation) setRAISE(r RAISEResult) {
	j := ev.LogJacobian
	ev.RAISE = &RAISEReport{LogZ: r.LogZ, LogZStd: r.Std, LogZLow: r.Low, LogZHigh: r.High,
		MeanLogLikelihood: r.MeanLogLikelihood + j, Examples: r.Examples, MeanLogLikelihoodAll: -ev.MeanFreeEnergy - r.LogZ + j}
}

// MergeEvaluations puts together the parts of one evaluation — Evaluate
// with Part 0…n−1 of the same Parts, model, data, options and seed, in
// part order — into exactly the Evaluation of one run of all the chains:
// the log weights are joined in chain order and summarized as AIS and
// RAISE do. It refuses parts that measured different things or whose
// chains do not follow each other.
func MergeEvaluations(parts []*Evaluation) (*Evaluation, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("no parts to merge: %w", ErrOptions)
	}
	ev := *parts[0]
	ev.Weights, ev.RAISE = nil, nil
	var aisW, raiseW []float64
	for i, p := range parts {
		w := p.Weights
		switch {
		case w == nil:
			return nil, fmt.Errorf("part %d has no log weights (not evaluated as a part): %w", i, ErrOptions)
		case p.Method != ev.Method || p.NSamples != ev.NSamples || p.NVisible != ev.NVisible || p.NHidden != ev.NHidden ||
			p.MeanFreeEnergy != ev.MeanFreeEnergy || p.LogJacobian != ev.LogJacobian || p.Betas != ev.Betas ||
			p.LogZBase != ev.LogZBase || (p.RAISE == nil) != (parts[0].RAISE == nil) || p.PLLRows != ev.PLLRows:
			return nil, fmt.Errorf("part %d measured a different model, data or schedule from part 0: %w", i, ErrOptions)
		case w.AISFirstChain != len(aisW) || w.RAISEFirstChain != len(raiseW):
			return nil, fmt.Errorf("part %d starts at AIS chain %d and RAISE chain %d, not %d and %d: parts missing or out of order: %w",
				i, w.AISFirstChain, w.RAISEFirstChain, len(aisW), len(raiseW), ErrOptions)
		}
		aisW, raiseW = append(aisW, w.AIS...), append(raiseW, w.RAISE...)
	}
	if ev.Method == "ais" {
		ev.setLogZ(FromLogWeights(aisW, ev.LogZBase, ev.Betas))
	}
	if parts[0].RAISE != nil {
		w := parts[0].Weights
		if len(raiseW) != len(w.RAISENegFreeEnergy)*w.ChainsPerExample {
			return nil, fmt.Errorf("the parts hold %d RAISE chains, not %d: %w", len(raiseW), len(w.RAISENegFreeEnergy)*w.ChainsPerExample, ErrOptions)
		}
		ev.setRAISE(SummarizeRAISE(raiseW, w.RAISENegFreeEnergy, ev.LogZBase, ev.Betas))
	}
	if err := ev.checkFinite(); err != nil {
		return nil, err
	}
	return &ev, nil
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
