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
