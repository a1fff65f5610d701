package rbm

import (
	"testing"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
)

// BenchmarkTrainStep times one CD-1 / PCD-1 / PT-1 (10 temperatures)
// update of a 784×500 RBM on a
// batch of 100 threshold-binarized MNIST images, through the Trainer itself,
// and reports allocations (the update loop must allocate nothing).
//
// cd-split is the CD-1 step without the owned weights (every kernel split
// over the cores by itself), for a side-by-side comparison at -cpu 2.
func BenchmarkTrainStep(b *testing.B) {
	for _, method := range []Method{CD, PCD, PT} {
		b.Run(string(method), func(b *testing.B) { benchTrainStep(b, method) })
	}
	b.Run("cd-split", func(b *testing.B) { benchTrainStepParts(b, CD, 1) })
	b.Run("cd-centered", func(b *testing.B) { benchTrainStepWith(b, CD, 0, func(c *Config, _ **RBM) { c.Centered = true }) })
	b.Run("cd-gaussian", func(b *testing.B) {
		benchTrainStepWith(b, CD, 0, func(c *Config, m **RBM) {
			*m = NewUnits(NewGaussianUnits(784, 1, true), 784, 500)
			c.LR = defaultGaussianLR
		})
	})
}

// BenchmarkTrainStepAVX512 times the CD-1 step of BenchmarkTrainStep on
// three sets of kernels, one after the other within each run (so -count
// interleaves them): avx512 (every AVX-512 kernel, the default where the
// CPU has AVX-512), avx512-gemm (AVX-512 products, AVX2 element-wise
// kernels: tensor.SetAVX512Elementwise(false)) and avx2
// (tensor.SetAVX512(false)). All three give the same bits.
func BenchmarkTrainStepAVX512(b *testing.B) {
	if !tensor.AVX512() {
		b.Skip("the AVX-512 kernels do not run here")
	}
	for _, v := range []struct {
		name         string
		avx512, elem bool
	}{{"avx512", true, true}, {"avx512-gemm", true, false}, {"avx2", false, false}} {
		b.Run(v.name, func(b *testing.B) {
			defer tensor.SetAVX512(tensor.SetAVX512(v.avx512))
			defer tensor.SetAVX512Elementwise(tensor.SetAVX512Elementwise(v.elem))
			benchTrainStep(b, CD)
		})
	}
}

func benchTrainStep(b *testing.B, method Method) { benchTrainStepParts(b, method, 0) }

// benchTrainStepParts times the step with the owned step's part count
// forced (0: as Train chooses; 1: not owned).
func benchTrainStepParts(b *testing.B, method Method, parts int) {
	benchTrainStepWith(b, method, parts, nil)
}

// benchTrainStepWith is benchTrainStepParts with the configuration and
// model changed by set (Gaussian units train on MNIST's grey levels).
func benchTrainStepWith(b *testing.B, method Method, parts int, set func(*Config, **RBM)) {
	m := New(784, 500)
	cfg := DefaultConfigFor(method)
	if set != nil {
		set(&cfg, &m)
	}
	opt := dataset.Options{Binarize: "threshold"}
	if !isBernoulli(m.units()) {
		opt.Binarize = ""
	}
	s, err := dataset.Load("mnist:1000", opt)
	if err != nil {
		b.Fatal(err)
	}
	rng := tensor.NewRand(1)
	m.Init(s.X, 0.01, rng)
	tr, err := NewTrainer(cfg, m, rng)
	if err != nil {
		b.Fatal(err)
	}
	switch method {
	case PCD:
		tr.persistent = resizeChain(nil, cfg.BatchSize, 784, 500)
		tr.persistent.V.CopyFrom(s.X.SliceRows(0, cfg.BatchSize))
	case PT:
		tr.initTempered(784, 500)
		for i, c := range tr.pt.Chains {
			c.V.CopyFrom(s.X.SliceRows(i*tr.Chains%900, i*tr.Chains%900+tr.Chains))
		}
	}
	if cfg.Centered {
		tr.mu, tr.lambda = make([]float32, 784), make([]float32, 500)
		tensor.ColumnSums(tr.mu, s.X, 1/float32(s.X.Rows))
		for j := range tr.lambda {
			tr.lambda[j] = 0.5
		}
	}
	var batches [10]*tensor.Matrix
	for i := range batches {
		batches[i] = s.X.SliceRows(i*100, (i+1)*100)
	}
	tr.forceParts = parts
	tr.useOwned()
	defer tr.owned.close()
	tr.step(batches[0], 0.01, 0.5) // warm the buffers
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr.step(batches[i%10], 0.01, 0.5)
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "samples/s")
}

// BenchmarkSample times Sample: 500 chains of the committed 784→500 CD-25
// MNIST model, 200 Gibbs steps from noise. On several free cores the
// chains are split across them (gibbsRows); "per-kernel" is the same with
// every kernel split over the cores by itself (Gibbs), for comparison at
// -cpu 2. Both give the same bits.
func BenchmarkSample(b *testing.B) {
	m, _, err := Load("../experiments/models/cd25-e200-d0.05-thr.safetensors")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("chains", func(b *testing.B) {
		for b.Loop() {
			m.Sample(500, 200, nil, tensor.NewRand(1))
		}
		b.ReportMetric(500*200*float64(b.N)/b.Elapsed().Seconds(), "chain-steps/s")
	})
	b.Run("per-kernel", func(b *testing.B) {
		for b.Loop() {
			c := m.NewChain(nil, 500)
			rng := tensor.NewRand(1)
			m.start(c.V, rng)
			m.Gibbs(c, 200, rng)
		}
		b.ReportMetric(500*200*float64(b.N)/b.Elapsed().Seconds(), "chain-steps/s")
	})
}
