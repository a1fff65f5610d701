package bench

import (
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
)

// cdState is one CD-1 training step of a 784→500 RBM on batches of 100
// threshold-binarized MNIST images, written directly with tensor calls so
// that the kernels can be compared without the rbm package.
type cdState struct {
	x                       *tensor.Matrix
	w, vw, gw               *tensor.Matrix
	b, c, vb, vc, gb, gc    []float32
	v0, ph0, h, pv, v1, ph1 *tensor.Matrix
	rng                     *tensor.Rand
	batch                   int
}

func newCD(b testing.TB) *cdState {
	s, err := dataset.Load("mnist:10000", dataset.Options{Binarize: "threshold"})
	if err != nil {
		b.Fatal(err)
	}
	const nv, nh, n = 784, 500, 100
	st := &cdState{x: s.X, w: tensor.New(nv, nh), vw: tensor.New(nv, nh), gw: tensor.New(nv, nh),
		b: make([]float32, nv), c: make([]float32, nh), vb: make([]float32, nv), vc: make([]float32, nh),
		gb: make([]float32, nv), gc: make([]float32, nh),
		ph0: tensor.New(n, nh), h: tensor.New(n, nh), pv: tensor.New(n, nv), v1: tensor.New(n, nv), ph1: tensor.New(n, nh),
		rng: tensor.NewRand(1)}
	st.rng.Normal(st.w.Data, 0, 0.01)
	return st
}

func (s *cdState) next() {
	n := 100
	lo := (s.batch * n) % (s.x.Rows - n)
	if s.v0 == nil {
		s.v0 = new(tensor.Matrix)
	}
	*s.v0 = tensor.Matrix{Rows: n, Cols: s.x.Cols, Data: s.x.Data[lo*s.x.Cols : (lo+n)*s.x.Cols]}
	s.batch++
}

func (s *cdState) biasUpdate(lr, mom float32) {
	n := float32(s.v0.Rows)
	clear(s.gb)
	clear(s.gc)
	tensor.ColumnSums(s.gb, s.v0, 1/n)
	tensor.ColumnSums(s.gb, s.v1, -1/n)
	tensor.ColumnSums(s.gc, s.ph0, 1/n)
	tensor.ColumnSums(s.gc, s.ph1, -1/n)
	momentumBias(s.b, s.vb, s.gb, lr, mom)
	momentumBias(s.c, s.vc, s.gc, lr, mom)
}

// momentumBias is the bias update of rbm/train.go: v = mom·v + lr·g, then
// b += v.
func momentumBias(b, v, g []float32, lr, mom float32) {
	for i, gi := range g {
		v[i] = mom*v[i] + lr*gi
	}
	tensor.Axpy(1, v, b)
}

// stepOld is the step as rbm/train.go writes it today (products through
// Gemm, exact float64 sigmoid, PCG Bernoulli, two-loop momentum update);
// with gonum set, the products run on gonum's blas32 as before this work.
func (s *cdState) stepOld(gonum bool) {
	const lr, mom, wd = 0.05, 0.5, 2e-4
	s.next()
	n := float32(s.v0.Rows)
	gemm := tensor.Gemm
	if gonum {
		gemm = gonumGemm
	}
	gemm(false, false, 1, s.v0, s.w, 0, s.ph0)
	tensor.AddRowVector(s.ph0, s.c)
	tensor.SigmoidInPlace(s.ph0.Data)
	s.rng.Bernoulli(s.h.Data, s.ph0.Data)
	gemm(false, true, 1, s.h, s.w, 0, s.pv)
	tensor.AddRowVector(s.pv, s.b)
	tensor.SigmoidInPlace(s.pv.Data)
	s.rng.Bernoulli(s.v1.Data, s.pv.Data)
	gemm(false, false, 1, s.v1, s.w, 0, s.ph1)
	tensor.AddRowVector(s.ph1, s.c)
	tensor.SigmoidInPlace(s.ph1.Data)
	gemm(true, false, 1/n, s.v0, s.ph0, 0, s.gw)
	gemm(true, false, -1/n, s.v1, s.ph1, 1, s.gw)
	for i, g := range s.gw.Data {
		s.vw.Data[i] = mom*s.vw.Data[i] + lr*(g-wd*s.w.Data[i])
	}
	tensor.Axpy(1, s.vw.Data, s.w.Data)
	s.biasUpdate(lr, mom)
}

// stepNew is the step with the recommended wiring: fused bias+sigmoid,
// BernoulliFast, MomentumStep (the products are the same Gemm calls; Gemm
// takes the gather path for the binary v0, v1 by itself).
func (s *cdState) stepNew() {
	const lr, mom, wd = 0.05, 0.5, 2e-4
	s.next()
	n := float32(s.v0.Rows)
	tensor.MatMul(s.ph0, s.v0, s.w)
	tensor.SigmoidBiasRows(s.ph0, s.c)
	s.rng.BernoulliFast(s.h.Data, s.ph0.Data)
	tensor.MatMulTB(s.pv, s.h, s.w)
	tensor.SigmoidBiasRows(s.pv, s.b)
	s.rng.BernoulliFast(s.v1.Data, s.pv.Data)
	tensor.MatMul(s.ph1, s.v1, s.w)
	tensor.SigmoidBiasRows(s.ph1, s.c)
	tensor.Gemm(true, false, 1/n, s.v0, s.ph0, 0, s.gw)
	tensor.Gemm(true, false, -1/n, s.v1, s.ph1, 1, s.gw)
	tensor.MomentumStep(s.w.Data, s.vw.Data, s.gw.Data, lr, mom, wd)
	s.biasUpdate(lr, mom)
}

func gonumGemm(transA, transB bool, alpha float32, a, b *tensor.Matrix, beta float32, c *tensor.Matrix) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	blas32.Gemm(ta, tb, alpha, general(a), general(b), beta, general(c))
}

// BenchmarkCD1Step times one CD-1 update (batch 100, 784→500, MNIST) four
// ways: before this work (gonum products, old element-wise code), today's
// rbm calls on the new Gemm, the recommended wiring, and the recommended
// wiring on the portable Go kernels. samples/s = 100 / step time.
func BenchmarkCD1Step(b *testing.B) {
	run := func(name string, step func(s *cdState), accel bool) {
		b.Run(name, func(b *testing.B) {
			prev := tensor.SetAccelerated(accel && tensor.CanAccelerate())
			defer tensor.SetAccelerated(prev)
			s := newCD(b)
			step(s)
			b.ReportAllocs()
			clk := startCPU(b)
			for b.Loop() {
				step(s)
			}
			b.ReportMetric(100*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
			clk.report(b, 100*float64(b.N), "samples")
		})
	}
	run("gonum+old-elementwise", func(s *cdState) { s.stepOld(true) }, true)
	run("ebm-gemm+old-elementwise", func(s *cdState) { s.stepOld(false) }, true)
	run("ebm-recommended", (*cdState).stepNew, true)
	run("ebm-recommended-portable", (*cdState).stepNew, false)
}
