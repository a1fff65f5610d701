package bench

import (
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/ebm-go/ebm/internal/tensor"
)

// rbmShape is one of the products of a CD step, 784 visible, 500 hidden,
// batch 100.
type rbmShape struct {
	name         string
	m, k, n      int
	transA, tran bool
}

var rbmShapes = []rbmShape{
	{"AB_100x784x500", 100, 784, 500, false, false}, // v·W
	{"ABt_100x500x784", 100, 500, 784, false, true}, // h·Wᵀ
	{"AtB_784x100x500", 784, 100, 500, true, false}, // vᵀ·p(h)
}

func operands(s rbmShape, density float64) (a, b, c *tensor.Matrix) {
	rng := tensor.NewRand(1)
	a = tensor.New(s.m, s.k)
	if s.transA {
		a = tensor.New(s.k, s.m)
	}
	b = tensor.New(s.k, s.n)
	if s.tran {
		b = tensor.New(s.n, s.k)
	}
	c = tensor.New(s.m, s.n)
	if density > 0 {
		p := make([]float32, len(a.Data))
		for i := range p {
			p[i] = float32(density)
		}
		rng.Bernoulli(a.Data, p)
	} else {
		rng.Normal(a.Data, 0, 1)
	}
	rng.Normal(b.Data, 0, 1)
	return a, b, c
}

func general(m *tensor.Matrix) blas32.General {
	return blas32.General{Rows: m.Rows, Cols: m.Cols, Stride: m.Cols, Data: m.Data}
}

func reportGFLOPs(b *testing.B, s rbmShape, clk cpuClock) {
	gflop := 2 * float64(s.m) * float64(s.k) * float64(s.n) * float64(b.N) / 1e9
	b.ReportMetric(gflop/b.Elapsed().Seconds(), "GFLOP/s")
	clk.report(b, gflop, "GFLOP")
}

// runGEMM benchmarks mul on the operands of shape s (a binary left operand
// of the given density, else Gaussian) as sub-benchmark name of s.
func runGEMM(b *testing.B, s rbmShape, name string, density float64, mul func(a, bb, c *tensor.Matrix)) {
	b.Run(s.name+"/"+name, func(b *testing.B) {
		a, bb, c := operands(s, density)
		b.ReportAllocs()
		clk := startCPU(b)
		for b.Loop() {
			mul(a, bb, c)
		}
		reportGFLOPs(b, s, clk)
	})
}

// BenchmarkSGEMM compares, for each RBM shape, gonum's blas32.Gemm, the
// dense kernels of tensor (assembly and portable) and, for a binary left
// operand of MNIST density (13% ones), tensor.Gemm's gather path. GFLOP/s
// counts the dense 2·m·k·n flops in every case, so the binary figure is an
// effective rate.
func BenchmarkSGEMM(b *testing.B) {
	for _, s := range rbmShapes {
		ta, tb := blas.NoTrans, blas.NoTrans
		if s.transA {
			ta = blas.Trans
		}
		if s.tran {
			tb = blas.Trans
		}
		runGEMM(b, s, "gonum", 0, func(a, bb, c *tensor.Matrix) {
			blas32.Gemm(ta, tb, 1, general(a), general(bb), 0, general(c))
		})
		for _, v := range []struct {
			name          string
			accel, avx512 bool
		}{{"ebm-avx512", true, true}, {"ebm-avx2", true, false}, {"ebm-portable", false, false}} {
			// b.Run returns when the benchmark is done.
			prevA, prevZ := tensor.SetAccelerated(v.accel), tensor.SetAVX512(v.avx512)
			if tensor.Accelerated() != v.accel || tensor.AVX512() != v.avx512 {
				tensor.SetAccelerated(prevA)
				tensor.SetAVX512(prevZ)
				continue // not on this machine
			}
			runGEMM(b, s, v.name, 0, func(a, bb, c *tensor.Matrix) {
				tensor.GemmDense(s.transA, s.tran, 1, a, bb, 0, c)
			})
			if !s.tran && v.accel {
				runGEMM(b, s, v.name+"-binary13%", 0.13, func(a, bb, c *tensor.Matrix) {
					tensor.Gemm(s.transA, s.tran, 1, a, bb, 0, c)
				})
			}
			tensor.SetAccelerated(prevA)
			tensor.SetAVX512(prevZ)
		}
	}
}
