package tensor

import "testing"

func BenchmarkGatherKernel(b *testing.B) {
	w := New(784, 500)
	NewRand(1).Normal(w.Data, 0, 1)
	rng := NewRand(2)
	for _, mode := range []string{"same", "random", "sorted"} {
		idx := make([]int32, 102, 104)
		for i := range idx {
			switch mode {
			case "same":
				idx[i] = 5
			default:
				idx[i] = int32(rng.IntN(784))
			}
		}
		if mode == "sorted" {
			for i := range idx {
				idx[i] = int32(i * 7)
			}
		}
		c := make([]float32, 96)
		b.Run(mode, func(b *testing.B) {
			for b.Loop() {
				for blk := 0; blk < 5; blk++ {
					gatherAsm(1, w.Data[blk*96:], 500, idx, c)
				}
			}
			b.ReportMetric(float64(len(idx)*480*b.N)/b.Elapsed().Seconds()/1e9, "Glanes/s")
		})
	}
}

// BenchmarkGemv: one row times the 784×500 weights, the gemv path (Gemm)
// beside the packed kernels (GemmDense).
func BenchmarkGemv(b *testing.B) {
	w, x, c := New(784, 500), New(1, 784), New(1, 500)
	NewRand(1).Normal(w.Data, 0, 1)
	NewRand(2).Normal(x.Data, 0, 1)
	for _, v := range []struct {
		name string
		f    func(bool, bool, float32, *Matrix, *Matrix, float32, *Matrix)
	}{{"gemv", Gemm}, {"packed", GemmDense}} {
		b.Run(v.name, func(b *testing.B) {
			for b.Loop() {
				v.f(false, false, 1, x, w, 0, c)
			}
			b.ReportMetric(2*784*500*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
