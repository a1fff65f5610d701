package estimate

import (
	"context"
	"math"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/internal/testutil"
	"github.com/ebm-go/ebm/rbm"
)

func randomRBM(nv, nh int, wstd, bstd float32, seed uint64) *rbm.RBM {
	m := rbm.New(nv, nh)
	testutil.RandomParams(seed, wstd, bstd, m.W.Data, m.B, m.C)
	return m
}

type tcase struct {
	name       string
	nv, nh     int
	wstd, bstd float32
	betas      int
	uniform    bool // anneal from the uniform base instead of b_A = b
}

func (c tcase) base(m *rbm.RBM) []float32 {
	if c.uniform {
		return nil
	}
	return m.B
}

// forCases runs f as a subtest for each case, on the case's random model
// (seed 1) and its exact log Z.
func forCases(t *testing.T, f func(t *testing.T, c tcase, m *rbm.RBM, exact float64)) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := randomRBM(c.nv, c.nh, c.wstd, c.bstd, 1)
			exact, err := m.ExactLogZ(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			f(t, c, m, exact)
		})
	}
}

// Shapes from the issue: a 784×12 model (MNIST-sized visible layer) and a
// 20×20 model, plus a wide-hidden one; weights large enough that log Z is
// far (tens of nats) from that of the base model.
var cases = []tcase{
	{"784x12", 784, 12, 0.1, 0.5, 1000, true},
	{"20x20", 20, 20, 0.5, 0.5, 3000, false},
	{"10x25", 10, 25, 0.6, 0.5, 3000, false},
}

func TestAISMatchesExact(t *testing.T) {
	forCases(t, func(t *testing.T, c tcase, m *rbm.RBM, exact float64) {
		est, err := AIS(context.Background(), m, Options{Chains: 100, Betas: LinearSchedule(c.betas), BaseBias: c.base(m), Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("exact %.4f  AIS %.4f ± %.4f  [%.4f, %.4f]  (base %.2f)", exact, est.LogZ, est.Std, est.Low, est.High, est.LogZBase)
		if math.Abs(exact-est.LogZBase) < 5 {
			t.Fatalf("model too easy: log Z %.2f is within 5 nats of the base model's %.2f", exact, est.LogZBase)
		}
		if math.Abs(est.LogZ-exact) > 0.5 {
			t.Errorf("AIS log Z %.4f is %.3f nats from exact %.4f", est.LogZ, est.LogZ-exact, exact)
		}
		if exact < est.Low || exact > est.High {
			t.Errorf("exact %.4f outside the AIS interval [%.4f, %.4f]", exact, est.Low, est.High)
		}
	})
}

func TestRAISEAboveExact(t *testing.T) {
	forCases(t, func(t *testing.T, c tcase, m *rbm.RBM, exact float64) {
		// Examples drawn from the model itself (long Gibbs chains).
		data, _ := m.Sample(30, 200, nil, tensor.NewRand(4))
		res, err := RAISE(context.Background(), m, data, RAISEOptions{Betas: LinearSchedule(c.betas), BaseBias: c.base(m), Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("exact %.4f  RAISE %.4f ± %.4f  (mean LL %.3f)", exact, res.LogZ, res.Std, res.MeanLogLikelihood)
		if res.LogZ < exact-3*res.Std {
			t.Errorf("RAISE log Z %.4f below exact %.4f by more than 3 standard errors (%.4f)", res.LogZ, exact, res.Std)
		}
		if res.LogZ > exact+1 {
			t.Errorf("RAISE log Z %.4f more than 1 nat above exact %.4f: the bound is uselessly loose", res.LogZ, exact)
		}
	})
}

func TestPaperSchedule(t *testing.T) {
	b := PaperSchedule()
	if len(b) != 14501 || b[0] != 0 || b[len(b)-1] != 1 {
		t.Fatalf("schedule has %d values from %v to %v", len(b), b[0], b[len(b)-1])
	}
	if err := checkSchedule(b); err != nil {
		t.Fatal(err)
	}
	if math.Abs(b[500]-0.5) > 1e-12 || math.Abs(b[4500]-0.9) > 1e-12 {
		t.Fatalf("breakpoints at %v, %v", b[500], b[4500])
	}
}

func TestAISDeterministicAndValidated(t *testing.T) {
	m := randomRBM(8, 6, 0.5, 0.5, 9)
	opt := Options{Chains: 30, Betas: LinearSchedule(100), Seed: 5}
	a, err := AIS(context.Background(), m, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := AIS(context.Background(), m, opt)
	if a.LogZ != b.LogZ {
		t.Fatal("same seed, different estimates")
	}
	bad := []Options{
		{Chains: -1},
		{Betas: []float64{0, 0.5}},
		{Betas: []float64{0, 0.7, 0.3, 1}},
		{BaseBias: make([]float32, 3)},
	}
	for _, o := range bad {
		if _, err := AIS(context.Background(), m, o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
	if _, err := RAISE(context.Background(), m, tensor.New(2, 5), RAISEOptions{}); err == nil {
		t.Error("RAISE accepted data of the wrong width")
	}
}
