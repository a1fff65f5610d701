package rbm_test

import (
	"context"
	"fmt"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/rbm"
	"github.com/ebm-go/ebm/tensor"
)

// Train a small RBM on all 30 bars-and-stripes patterns and measure its
// exact log-likelihood before and after.
func ExampleTrainer() {
	bars, err := dataset.Load("bars:4x4", dataset.Options{})
	if err != nil {
		panic(err)
	}
	rng := tensor.NewRand(1) // every random draw comes from this seed
	m := rbm.New(16, 16)
	m.Init(bars.X, 0.01, rng)
	ctx := context.Background()
	before, _, _ := m.ExactLogLikelihood(ctx, bars.X)

	cfg := rbm.DefaultConfig()
	cfg.Method, cfg.K, cfg.Epochs, cfg.BatchSize, cfg.LR, cfg.Chains = rbm.PCD, 5, 500, 10, 0.1, 100
	cfg.InitialMomentum, cfg.FinalMomentum = 0, 0
	tr, err := rbm.NewTrainer(cfg, m, rng)
	if err != nil {
		panic(err)
	}
	if _, err := tr.Train(ctx, bars.X, nil); err != nil {
		panic(err)
	}
	after, _, _ := m.ExactLogLikelihood(ctx, bars.X)
	fmt.Printf("mean log-likelihood before %.1f nats, after better than −6: %v\n", before, after > -6)
	// Output: mean log-likelihood before -11.1 nats, after better than −6: true
}

// The free energy gives log p(v) once log Z is known.
func ExampleRBM_FreeEnergy() {
	m := rbm.New(3, 2)
	m.W.Set(0, 0, 2)
	m.B[1] = -1
	v := []float32{1, 1, 0}
	logZ, _ := m.ExactLogZ(context.Background())
	fmt.Printf("F(v) = %.4f, log p(v) = %.4f\n", m.FreeEnergy(v), m.LogProb(v, logZ))
	// By hand: F = −bᵀv − softplus(2) − softplus(0) = 1 − 2.1269 − 0.6931.
	// Output: F(v) = -1.8201, log p(v) = -2.2202
}

// Parallel tempering crosses between modes that block Gibbs sampling
// cannot: a 6×1 RBM whose hidden unit switches all six visible units on or
// off puts half its mass near all-on and half near all-off, and chains
// started all-off stay there under Gibbs sampling.
func ExampleRBM_SampleTempered() {
	m := rbm.New(6, 1)
	for i := range 6 {
		m.W.Set(i, 0, 10)
		m.B[i] = -5
	}
	m.C[0] = -30
	const n = 2000
	start := tensor.New(n, 6) // all off
	fracOn := func(s *tensor.Matrix) float64 {
		on := 0
		for r := range n {
			if s.At(r, 0)+s.At(r, 1)+s.At(r, 2)+s.At(r, 3)+s.At(r, 4)+s.At(r, 5) >= 4 {
				on++
			}
		}
		return float64(on) / n
	}
	gibbs, _ := m.Sample(n, 200, start, tensor.NewRand(1))
	pt, _, rates, err := m.SampleTempered(n, 200, rbm.PTBetas(10), start, tensor.NewRand(1))
	if err != nil {
		panic(err)
	}
	fmt.Printf("share near all-on after 200 steps: Gibbs %.1f, parallel tempering %.1f (%d swap rates)\n", fracOn(gibbs), fracOn(pt), len(rates))
	// Output: share near all-on after 200 steps: Gibbs 0.0, parallel tempering 0.5 (9 swap rates)
}

// One RBM for every kind of visible unit: Gaussian units model real values
// (here 2-D points from eight Gaussians), with the same trainer, and the
// exact log-likelihood integrates the visible layer out. The data are
// standardized first; the model keeps the map, so densities are reported
// in the data's own units. (One broad Gaussian would score about −4.2
// nats; the true density −2.8.)
func ExampleNewUnits() {
	set, err := dataset.Load("8gaussians:2000", dataset.Options{})
	if err != nil {
		panic(err)
	}
	rng := tensor.NewRand(1)
	m := rbm.NewUnits(rbm.NewGaussianUnits(2, 0.25, false), 2, 16)
	m.Standard = rbm.Standardize(set.X, 0)
	x := m.Standard.Applied(set.X)
	m.Init(x, 0.01, rng)
	cfg := rbm.Defaults(rbm.CD, m.Units()) // learning rate 0.001 for Gaussian units…
	cfg.Epochs, cfg.LR = 30, 0.01          // …raised here for a short run
	tr, err := rbm.NewTrainer(cfg, m, rng)
	if err != nil {
		panic(err)
	}
	if _, err := tr.Train(context.Background(), x, nil); err != nil {
		panic(err)
	}
	ll, _, _ := m.ExactLogLikelihood(context.Background(), x)
	ll += m.Standard.LogJacobian()
	fmt.Printf("%s visible units, mean log-density %.1f nats\n", m.Units().Name(), ll)
	// Output: gaussian visible units, mean log-density -3.5 nats
}
