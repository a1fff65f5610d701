package tensor

import "testing"

func BenchmarkElementwise(b *testing.B) {
	m := New(100, 500)
	NewRand(1).Normal(m.Data, 0, 3)
	x := m.Clone()
	bias := make([]float32, 500)
	rng := NewRand(3)
	// bench runs body as benchmark name with the vector kernels on or off,
	// reporting the elements of m handled per second.
	bench := func(name string, on bool, body func()) {
		b.Run(name, func(b *testing.B) {
			prev := SetAccelerated(on)
			defer SetAccelerated(prev)
			for b.Loop() {
				body()
			}
			b.ReportMetric(float64(len(m.Data)*b.N)/b.Elapsed().Seconds()/1e6, "Melem/s")
		})
	}
	// run benchmarks body as name; with acc set, once with the vector
	// kernels (name-avx2) and once without (name-portable).
	run := func(name string, acc bool, body func()) {
		if !acc {
			bench(name, Accelerated(), body)
			return
		}
		bench(name+"-avx2", true, body)
		bench(name+"-portable", false, body)
	}
	run("SigmoidInPlace-float64", false, func() {
		m.CopyFrom(x)
		SigmoidInPlace(m.Data)
	})
	run("SigmoidBiasRows", true, func() {
		m.CopyFrom(x)
		SigmoidBiasRows(m, bias)
	})
	run("SoftplusShiftSum", true, func() {
		for r := 0; r < 100; r++ {
			_ = SoftplusShiftSum(x.Row(r), x.Row((r+1)%100), -1)
		}
	})
	run("SoftplusSum-float64", false, func() { _ = SoftplusSum(x.Data) })
	p := New(100, 500)
	SigmoidInto(p.Data, x.Data)
	run("Bernoulli", false, func() { rng.Bernoulli(m.Data, p.Data) })
	run("BernoulliFast", true, func() { rng.BernoulliFast(m.Data, p.Data) })
}
