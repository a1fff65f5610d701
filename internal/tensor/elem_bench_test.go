package tensor

import "testing"

func BenchmarkElementwise(b *testing.B) {
	m := New(100, 500)
	NewRand(1).Normal(m.Data, 0, 3)
	x := m.Clone()
	bias := make([]float32, 500)
	rng := NewRand(3)
	report := func(b *testing.B, n int) {
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds()/1e6, "Melem/s")
	}
	b.Run("SigmoidInPlace-float64", func(b *testing.B) {
		for b.Loop() {
			m.CopyFrom(x)
			SigmoidInPlace(m.Data)
		}
		report(b, len(m.Data))
	})
	for _, acc := range []bool{true, false} {
		name := "avx2"
		if !acc {
			name = "portable"
		}
		b.Run("SigmoidBiasRows-"+name, func(b *testing.B) {
			prev := SetAccelerated(acc)
			defer SetAccelerated(prev)
			for b.Loop() {
				m.CopyFrom(x)
				SigmoidBiasRows(m, bias)
			}
			report(b, len(m.Data))
		})
		b.Run("SoftplusShiftSum-"+name, func(b *testing.B) {
			prev := SetAccelerated(acc)
			defer SetAccelerated(prev)
			for b.Loop() {
				for r := 0; r < 100; r++ {
					_ = SoftplusShiftSum(x.Row(r), x.Row((r+1)%100), -1)
				}
			}
			report(b, len(m.Data))
		})
	}
	b.Run("SoftplusSum-float64", func(b *testing.B) {
		for b.Loop() {
			_ = SoftplusSum(x.Data)
		}
		report(b, len(m.Data))
	})
	p := New(100, 500)
	SigmoidInto(p.Data, x.Data)
	b.Run("Bernoulli", func(b *testing.B) {
		for b.Loop() {
			rng.Bernoulli(m.Data, p.Data)
		}
		report(b, len(m.Data))
	})
	for _, acc := range []bool{true, false} {
		name := "avx2"
		if !acc {
			name = "portable"
		}
		b.Run("BernoulliFast-"+name, func(b *testing.B) {
			prev := SetAccelerated(acc)
			defer SetAccelerated(prev)
			for b.Loop() {
				rng.BernoulliFast(m.Data, p.Data)
			}
			report(b, len(m.Data))
		})
	}
}
