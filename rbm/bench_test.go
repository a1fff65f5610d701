package rbm

import (
	"testing"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
)

// BenchmarkTrainStep times one CD-1 / PCD-1 update of a 784×500 RBM on a
// batch of 100 threshold-binarized MNIST images, through the Trainer itself,
// and reports allocations (the update loop must allocate nothing).
func BenchmarkTrainStep(b *testing.B) {
	for _, method := range []Method{CD, PCD} {
		b.Run(string(method), func(b *testing.B) {
			s, err := dataset.Load("mnist:1000", dataset.Options{Binarize: "threshold"})
			if err != nil {
				b.Fatal(err)
			}
			rng := tensor.NewRand(1)
			m := New(784, 500)
			m.Init(s.X, 0.01, rng)
			cfg := DefaultConfigFor(method)
			tr, err := NewTrainer(cfg, m, rng)
			if err != nil {
				b.Fatal(err)
			}
			if method == PCD {
				tr.persistent = resizeChain(nil, cfg.BatchSize, 784, 500)
				tr.persistent.V.CopyFrom(s.X.SliceRows(0, cfg.BatchSize))
			}
			var batches [10]*tensor.Matrix
			for i := range batches {
				batches[i] = s.X.SliceRows(i*100, (i+1)*100)
			}
			tr.step(batches[0], 0.01, 0.5) // warm the buffers
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				tr.step(batches[i%10], 0.01, 0.5)
			}
			b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}
