package estimate_test

import (
	"context"
	"fmt"

	"github.com/ebm-go/ebm/rbm"
	"github.com/ebm-go/ebm/rbm/estimate"
	"github.com/ebm-go/ebm/tensor"
)

// AIS on a model small enough to check exactly: the interval brackets the
// exact log Z.
func ExampleAIS() {
	rng := tensor.NewRand(3)
	m := rbm.New(20, 10)
	rng.Normal(m.W.Data, 0, 0.5)
	exact, _ := m.ExactLogZ(context.Background())
	est, err := estimate.AIS(context.Background(), m, estimate.Options{
		Chains: 100, Betas: estimate.LinearSchedule(1000), Seed: 1})
	if err != nil {
		panic(err)
	}
	fmt.Printf("exact %.2f, AIS %.2f, interval contains exact: %v\n", exact, est.LogZ, est.Low <= exact && exact <= est.High)
	// Output: exact 30.58, AIS 30.60, interval contains exact: true
}

// AIS in parts, as separate machines would run it: the joined log weights
// give exactly the estimate of one run with the same seed.
func ExampleFromLogWeights() {
	rng := tensor.NewRand(3)
	m := rbm.New(20, 10)
	rng.Normal(m.W.Data, 0, 0.5)
	opt := estimate.Options{Chains: 100, Betas: estimate.LinearSchedule(1000), Seed: 1}
	whole, _ := estimate.AIS(context.Background(), m, opt)
	var logw []float64
	for part := 0; part < 4; part++ { // 100 chains are 4 groups of 25: up to 4 parts
		opt.Part, opt.Parts = part, 4
		est, err := estimate.AIS(context.Background(), m, opt)
		if err != nil {
			panic(err)
		}
		logw = append(logw, est.LogWeights...)
	}
	joined := estimate.FromLogWeights(logw, whole.LogZBase, whole.Betas)
	fmt.Printf("one run %.4f [%.4f, %.4f]; 4 parts %.4f [%.4f, %.4f]; bit-identical: %v\n",
		whole.LogZ, whole.Low, whole.High, joined.LogZ, joined.Low, joined.High,
		joined.LogZ == whole.LogZ && joined.Low == whole.Low && joined.High == whole.High)
	// Output: one run 30.6046 [30.5706, 30.6374]; 4 parts 30.6046 [30.5706, 30.6374]; bit-identical: true
}
