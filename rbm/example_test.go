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
