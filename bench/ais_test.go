package bench

import (
	"context"
	"testing"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/rbm"
	"github.com/ebm-go/ebm/rbm/estimate"
)

// aisModel loads the committed 784→500 MNIST model (CD-25, 200 epochs) and
// the base-rate biases of the MNIST test images.
func aisModel(b *testing.B) (*rbm.RBM, []float32) {
	m, _, err := rbm.Load("../experiments/models/cd25-e200-d0.05.safetensors")
	if err != nil {
		b.Fatal(err)
	}
	s, err := dataset.Load("mnist:test", dataset.Options{Binarize: "threshold"})
	if err != nil {
		b.Fatal(err)
	}
	return m, estimate.BaseRate(m, s.X)
}

// BenchmarkAIS runs AIS on the 784→500 MNIST model: 100 chains through a
// schedule of 1,451 β (a tenth of the paper's 14,501; the cost per β step
// is the same). chains/s counts chain-steps ÷ 14,500, i.e. full paper-schedule
// chains per second.
func BenchmarkAIS(b *testing.B) {
	m, base := aisModel(b)
	betas := estimate.LinearSchedule(1451)
	const chains = 100
	clk := startCPU(b)
	for b.Loop() {
		if _, err := estimate.AIS(context.Background(), m, estimate.Options{Chains: chains, Betas: betas, BaseBias: base, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	steps := float64(b.N) * chains * float64(len(betas)-1)
	b.ReportMetric(steps/14500/b.Elapsed().Seconds(), "paper-chains/s")
	clk.report(b, steps/14500, "paper-chains")
}
