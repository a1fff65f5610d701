package estimate

import (
	"context"
	"math"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/rbm"
)

// randomGaussian returns a Gaussian–Bernoulli RBM with random weights,
// biases and σ (log σ ~ N(0, 0.3²)).
func randomGaussian(nv, nh int, wstd float32, seed uint64) *rbm.RBM {
	rng := tensor.NewRand(seed)
	g := rbm.NewGaussianUnits(nv, 1, false)
	rng.Normal(g.LogSigma, 0, 0.3)
	m := rbm.NewUnits(g, nv, nh)
	rng.Normal(m.W.Data, 0, wstd)
	rng.Normal(m.B, 0, 0.5)
	rng.Normal(m.C, 0, 0.5)
	return m
}

// AIS from the Gaussian base model N(b_A, σ²) (here b_A = the model's own
// b, and the base-rate means of model samples) agrees with the exact log Z
// (hidden layer enumerated, visible integrated) within 0.5 nats, the bound
// the Bernoulli tests use, and its ±3σ interval holds the truth; the model
// is far (≥ 5 nats) from its base, so the test is not trivial.
func TestAISGaussianMatchesExact(t *testing.T) {
	for _, c := range []struct {
		name   string
		nv, nh int
		wstd   float32
	}{{"20x12", 20, 12, 0.35}, {"50x10", 50, 10, 0.25}} {
		t.Run(c.name, func(t *testing.T) {
			m := randomGaussian(c.nv, c.nh, c.wstd, 3)
			exact, err := m.ExactLogZ(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			samples, _ := m.Sample(500, 200, nil, tensor.NewRand(8))
			for _, base := range []struct {
				name string
				bias []float32
			}{{"b", m.B}, {"base rate", BaseRate(m, samples)}} {
				est, err := AIS(context.Background(), m, Options{Chains: 100, Betas: LinearSchedule(3000), BaseBias: base.bias, Seed: 2})
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%s: exact %.4f  AIS %.4f ± %.4f  [%.4f, %.4f]  (base %.2f)", base.name, exact, est.LogZ, est.Std, est.Low, est.High, est.LogZBase)
				if math.Abs(exact-est.LogZBase) < 5 {
					t.Fatalf("model too easy: log Z %.2f is within 5 nats of the base model's %.2f", exact, est.LogZBase)
				}
				if math.Abs(est.LogZ-exact) > 0.5 {
					t.Errorf("%s: AIS log Z %.4f is %.3f nats from exact %.4f", base.name, est.LogZ, est.LogZ-exact, exact)
				}
				if exact < est.Low || exact > est.High {
					t.Errorf("%s: exact %.4f outside the AIS interval [%.4f, %.4f]", base.name, exact, est.Low, est.High)
				}
			}
		})
	}
}

// RAISE on a Gaussian model stays on the conservative side: its log Z is
// not below the exact one by more than 3 standard errors (so its
// log-likelihood is not above the truth), and not more than 1 nat above.
func TestRAISEGaussianConservative(t *testing.T) {
	m := randomGaussian(20, 12, 0.35, 3)
	exact, err := m.ExactLogZ(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	data, _ := m.Sample(30, 200, nil, tensor.NewRand(4))
	res, err := RAISE(context.Background(), m, data, RAISEOptions{Betas: LinearSchedule(3000), BaseBias: m.B, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	fe := make([]float64, data.Rows)
	m.FreeEnergies(fe, data)
	var trueLL float64
	for _, f := range fe {
		trueLL += (-f - exact) / float64(len(fe))
	}
	t.Logf("exact %.4f  RAISE %.4f ± %.4f  mean LL %.3f (true %.3f)", exact, res.LogZ, res.Std, res.MeanLogLikelihood, trueLL)
	if res.LogZ < exact-3*res.Std {
		t.Errorf("RAISE log Z %.4f below exact %.4f by more than 3 standard errors (%.4f)", res.LogZ, exact, res.Std)
	}
	if res.LogZ > exact+1 {
		t.Errorf("RAISE log Z %.4f more than 1 nat above exact %.4f", res.LogZ, exact)
	}
}
