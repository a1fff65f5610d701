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
	// Part of Parts runs part of the chains, as Options.Part: the result
	// is that of the examples whose chains all lie in the part, and its
	// LogWeights (from chain FirstChain) put together with the other
	// parts' give, through SummarizeRAISE, exactly one run's result.
	Part, Parts int
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
	K := len(betas) - 1
	cpe := opt.ChainsPerExample
	first, last, err := partChains(data.Rows*cpe, opt.Part, opt.Parts)
	if err != nil {
		return RAISEResult{}, err
	}
	logw := make([]float64, last-first)
	lzA := baseLogZ(m.Units(), bA, m.NHidden())
	err = runGroups(ctx, first, last, opt.Seed, func(g, lo, hi int, rng *tensor.Rand) error {
		if last-first > GroupSize { // several groups share the cores
			defer tensor.OwnCore()()
		}
		s := newAnnealer(m, bA, hi-lo, rng)
		for r := lo; r < hi; r++ {
			copy(s.v.Row(r-lo), data.Row((first+r)/cpe))
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
	// The examples whose chains all lie in [first, last).
	e0, e1 := (first+cpe-1)/cpe, last/cpe
	if e0 >= e1 {
		return RAISEResult{}, fmt.Errorf("part %d of %d holds no example's %d chains: %w", opt.Part, opt.Parts, cpe, ErrOptions)
	}
	negF := make([]float64, data.Rows)
	m.FreeEnergies(negF, data)
	for i := range negF {
		negF[i] = -negF[i]
	}
	r := SummarizeRAISE(logw[e0*cpe-first:e1*cpe-first], negF[e0:e1], lzA, len(betas))
	r.LogWeights, r.FirstChain = logw, first
	return r, nil
}

// SummarizeRAISE is RAISE's result from the final log weights of every
// chain (ChainsPerExample = len(logw)/len(negFreeEnergy) consecutive
// chains per example, in example order), the examples' −F(v), the base
// model's log Z and the number of βs: what RAISE returns, so the weights of
// a run's parts put together give exactly the result of one run.
func SummarizeRAISE(logw, negFreeEnergy []float64, logZBase float64, betas int) RAISEResult {
	rows := len(negFreeEnergy)
	cpe := len(logw) / rows
	// Per example: log ŵ(v) = log mean over its chains; d = −F(v) − log ŵ(v).
	d := make([]float64, rows)
	var meanLL float64
	for e := range d {
		lw := tensor.LogSumExp(logw[e*cpe:(e+1)*cpe]) - math.Log(float64(cpe))
		meanLL += lw
		d[e] = negFreeEnergy[e] - lw
	}
	meanLL /= float64(rows)
	mean, se := meanSE(d)
	return RAISEResult{
		Estimate: Estimate{Method: "raise", LogZ: mean, Std: se, Low: mean - 3*se, High: mean + 3*se,
			Chains: len(logw), Betas: betas, LogZBase: logZBase, LogWeights: logw},
		MeanLogLikelihood: meanLL, Examples: rows, ChainsPerExample: cpe,
	}
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
