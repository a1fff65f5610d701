package estimate

import (
	"context"
	"fmt"
	"math"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/rbm"
)

// RAISEResult is the outcome of reverse annealing on a set of examples.
type RAISEResult struct {
	// LogZ is the mean over examples of d = −F(v) − log ŵ(v), where ŵ(v) is
	// the reverse-annealing estimate of p(v). Since E[log ŵ] ≤ log p(v)
	// (Jensen), E[d] ≥ log Z: a stochastic upper estimate. Std is the
	// standard error of that mean over examples, Low/High ± 3 Std.
	Estimate
	// MeanLogLikelihood is the mean of log ŵ(v): a conservative
	// (stochastic lower) estimate of the examples' mean log-likelihood.
	MeanLogLikelihood float64
	Examples          int
	ChainsPerExample  int
}

// RAISEOptions configure reverse annealing.
type RAISEOptions struct {
	ChainsPerExample int       // reverse chains per example (default 1)
	Betas            []float64 // schedule from 0 to 1 (default PaperSchedule())
	BaseBias         []float32 // as in Options
	Seed             uint64
	Progress         func(done, total int)
}

// RAISE runs reverse annealed importance sampling (Burda, Grosse &
// Salakhutdinov 2015) from every row of data towards the base-rate model.
//
// With forward transitions T_k leaving p_k invariant (here one reversible
// Gibbs step v → h → v at β_k), starting at x_K = v and drawing
// x_{k−1} ~ T_k(·|x_k) gives the importance weight
//
//	log ŵ = log p_0(x_0) + Σ_{k=1}^{K} [log f_k(x_k) − log f_k(x_{k−1})],
//
// whose expectation is the annealing model's probability of v.
func RAISE(ctx context.Context, m *rbm.RBM, data *tensor.Matrix, opt RAISEOptions) (RAISEResult, error) {
	if err := m.CheckData(data); err != nil {
		return RAISEResult{}, err
	}
	if data.Rows == 0 {
		return RAISEResult{}, fmt.Errorf("RAISE needs at least one example: %w", ErrOptions)
	}
	var err error
	if opt.ChainsPerExample, err = count(opt.ChainsPerExample, 1, "chains per example"); err != nil {
		return RAISEResult{}, err
	}
	betas, bA, err := annealing(m, opt.Betas, opt.BaseBias)
	if err != nil {
		return RAISEResult{}, err
	}
	nh := m.NHidden()
	K := len(betas) - 1
	cpe := opt.ChainsPerExample
	n := data.Rows * cpe
	logw := make([]float64, n)
	lzA := baseLogZ(m.Units(), bA, nh)
	err = runGroups(ctx, n, opt.Seed, func(g, lo, hi int, rng *tensor.Rand) error {
		if n > groupSize { // several groups share the cores
			defer tensor.OwnCore()()
		}
		s := newAnnealer(m, bA, hi-lo, rng)
		for r := lo; r < hi; r++ {
			copy(s.v.Row(r-lo), data.Row(r/cpe))
		}
		w := logw[lo:hi]
		s.prepare()
		for r := range w {
			w[r] = s.logF(r, betas[K])
		}
		for k := K; k >= 1; k-- {
			if err := tick(ctx, g, k, K-k, K, opt.Progress); err != nil {
				return err
			}
			s.transition(betas[k])
			s.prepare()
			for r := range w {
				w[r] += s.logF(r, betas[k-1]) - s.logF(r, betas[k])
			}
		}
		for r := range w {
			w[r] -= lzA // log p_0(x_0) = log f_0(x_0) − log Z_0
		}
		return nil
	})
	if err != nil {
		return RAISEResult{}, err
	}
	if opt.Progress != nil {
		opt.Progress(K, K)
	}
	// Per example: log ŵ(v) = log mean over its chains; d = −F(v) − log ŵ(v).
	fe := make([]float64, data.Rows)
	m.FreeEnergies(fe, data)
	d := make([]float64, data.Rows)
	var meanLL float64
	for e := range d {
		lw := tensor.LogSumExp(logw[e*cpe:(e+1)*cpe]) - math.Log(float64(cpe))
		meanLL += lw
		d[e] = -fe[e] - lw
	}
	meanLL /= float64(data.Rows)
	mean, se := meanSE(d)
	return RAISEResult{
		Estimate: Estimate{Method: "raise", LogZ: mean, Std: se, Low: mean - 3*se, High: mean + 3*se,
			Chains: n, Betas: len(betas), LogZBase: lzA, LogWeights: logw},
		MeanLogLikelihood: meanLL, Examples: data.Rows, ChainsPerExample: cpe,
	}, nil
}

// meanSE returns the mean of x and its standard error (0 for one value).
func meanSE(x []float64) (mean, se float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	if len(x) < 2 {
		return mean, 0
	}
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / float64(len(x)-1) / float64(len(x)))
}
