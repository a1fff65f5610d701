package tensor

import "testing"

// BenchmarkElementwise times the element-wise kernels on a 100×500 batch
// (the hidden layer of the RBM benchmarks). Kernels with vector versions
// run as sub-benchmarks name-avx512 (SetAVX512(true), where the CPU has
// it), name-avx2 (SetAVX512(false)) and name-portable, one after the
// other within each run, so that -count interleaves them.
func BenchmarkElementwise(b *testing.B) {
	m := New(100, 500)
	NewRand(1).Normal(m.Data, 0, 3)
	x := m.Clone()
	bias := make([]float32, 500)
	rng := NewRand(3)
	// bench runs body as benchmark name on the given kernels, reporting
	// the elements of m handled per second.
	bench := func(name string, p kernelPath, body func()) {
		b.Run(name, func(b *testing.B) {
			defer p.use()()
			for b.Loop() {
				body()
			}
			b.ReportMetric(float64(len(m.Data)*b.N)/b.Elapsed().Seconds()/1e6, "Melem/s")
		})
	}
	// run benchmarks body as name; with acc set, once on each kernel path
	// this machine has (name-avx512, name-avx2, name-portable), else on
	// the default one.
	run := func(name string, acc bool, body func()) {
		if !acc {
			bench(name, kernelPath{"", Accelerated(), AVX512()}, body)
			return
		}
		paths := kernelPaths()
		for i := len(paths) - 1; i >= 0; i-- {
			bench(name+"-"+paths[i].name, paths[i], body)
		}
	}
	run("SigmoidInPlace-float64", false, func() {
		m.CopyFrom(x)
		SigmoidInPlace(m.Data)
	})
	run("SigmoidBiasRows", true, func() {
		m.CopyFrom(x)
		SigmoidBiasRows(m, bias)
	})
	run("SigmoidInto", true, func() { SigmoidInto(m.Data, x.Data) })
	run("SoftplusShiftSum", true, func() {
		for r := 0; r < 100; r++ {
			_ = SoftplusShiftSum(x.Row(r), x.Row((r+1)%100), -1)
		}
	})
	run("SoftplusSum64", true, func() { _ = SoftplusSum64(x.Data, 0.5) })
	run("SoftplusSum-float64", false, func() { _ = SoftplusSum(x.Data) })
	p := New(100, 500)
	SigmoidInto(p.Data, x.Data)
	run("Bernoulli", false, func() { rng.Bernoulli(m.Data, p.Data) })
	run("BernoulliFast", true, func() { rng.BernoulliFast(m.Data, p.Data) })
	v, g := make([]float32, len(m.Data)), make([]float32, len(m.Data))
	NewRand(4).Normal(g, 0, 0.1)
	run("MomentumStep", true, func() { MomentumStep(m.Data, v, g, 1e-6, 0.5, 1e-4) })
	sums := make([]float32, 500)
	run("ColumnSums", true, func() { ColumnSums(sums, x, 0.01) })
	run("SoftmaxRows", true, func() {
		m.CopyFrom(x)
		SoftmaxRows(m, 1, nil)
	})
}
