package bench

import (
	"context"
	"testing"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/hopfield"
)

// BenchmarkContinuousMNIST: one-step continuous modern Hopfield retrieval
// (ξ ← X softmax(β Xᵀξ)) of the 10,000 MNIST test images (intensities in
// [0,1]) against the 60,000 training images stored as patterns, d = 784,
// β = 1. Two products of 2·Q·M·d flops each: 1.88 TFLOP per run.
// bench/hopfield_vs_torch.sh runs it beside PyTorch's one-liner.
func BenchmarkContinuousMNIST(b *testing.B) {
	train, test := mnist(b)
	mem, err := hopfield.NewContinuous(784, 1)
	if err != nil {
		b.Fatal(err)
	}
	if err := mem.Store(train.X); err != nil {
		b.Fatal(err)
	}
	retrieveOneStep(b, mem, test)
}

// mnist loads the MNIST training and test sets.
func mnist(b *testing.B) (train, test *dataset.Set) {
	train, err := dataset.Load("mnist", dataset.Options{})
	if err != nil {
		b.Fatal(err)
	}
	test, err = dataset.Load("mnist:test", dataset.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return train, test
}

// retrieveOneStep times one-step retrieval of the test rows from mem and
// reports queries/s and GFLOP/s (two products of 2·Q·M·d flops).
func retrieveOneStep(b *testing.B, mem *hopfield.Continuous, test *dataset.Set) {
	q, m, d := float64(test.Len()), float64(mem.Count()), float64(mem.Neurons())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := mem.Retrieve(context.Background(), test.X, hopfield.RetrieveOptions{Steps: 1}); err != nil {
			b.Fatal(err)
		}
	}
	secs := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(q/secs, "queries/s")
	b.ReportMetric(4*q*m*d/secs/1e9, "GFLOP/s")
}

// BenchmarkContinuousMNISTKeyValue: one-step key/value retrieval on
// real-valued data (issue 15): keys K are the 60,000 MNIST training images
// standardized per image (zero mean, unit variance: the memory's
// standardize normalization), values V the training images minus the
// mean image (real, of both signs, d_v = 784), queries the 10,000 test
// images (standardized by the memory), β = 1/28 = 1/√d. One step with
// values is S = Q Kᵀ, softmax(β S), R = softmax(β S) V: 1.88 TFLOP, as
// in PyTorch's torch.softmax(beta * Q @ K.T, 1) @ V, which
// bench/hopfield_vs_torch.sh real runs beside it.
func BenchmarkContinuousMNISTKeyValue(b *testing.B) {
	train, test := mnist(b)
	mem, err := hopfield.NewContinuous(784, 1.0/28)
	if err != nil {
		b.Fatal(err)
	}
	if err := mem.SetNormalization(hopfield.NormStandardize); err != nil {
		b.Fatal(err)
	}
	values := train.X.Clone()
	mean := make([]float64, values.Cols)
	for i := 0; i < values.Rows; i++ {
		for j, v := range values.Row(i) {
			mean[j] += float64(v) / float64(values.Rows)
		}
	}
	for i := 0; i < values.Rows; i++ {
		row := values.Row(i)
		for j := range row {
			row[j] -= float32(mean[j])
		}
	}
	if err := mem.StoreValues(train.X, values); err != nil {
		b.Fatal(err)
	}
	retrieveOneStep(b, mem, test)
}
