package bench

import (
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

// A speed prototype of a CD-1 step whose weights are owned by the cores
// (docs/performance.md, "Two cores, later the same day"): part p of
// GOMAXPROCS keeps its own block of hidden units — its columns of W, their
// velocity, gradient and biases, in its own allocations — and does all the
// work on them: v·W_p, σ, sampling h_p, the partial product h_p·W_pᵀ, v1·W_p,
// the gradient block and the momentum step. Only two things cross between
// cores: the partial products of h·Wᵀ (summed by the part that owns the
// rows of v1) and v1 itself. Three spin barriers a step, no task hand-offs.
// It computes the same quantities as stepNew but not the same bits (h·Wᵀ
// is summed from per-part partial products, and each part samples from its
// own random source): it measures what ownership would buy, nothing more.
type ownedStep struct {
	s     *cdState
	parts []ownedPart
	p     [][2]*tensor.Matrix // partial products h_p·W_pᵀ, double-buffered by step
	pv    *tensor.Matrix
	v1    [2]*tensor.Matrix
	gb    []float32
	t     int // step count (picks the buffers)
	bar   spinBarrier
	start atomic.Int64 // step number the helper parts may start
	stop  atomic.Bool
}

type ownedPart struct {
	w, vw, gw     *tensor.Matrix
	c, vc, gc     []float32
	ph0, h, ph1   *tensor.Matrix
	rng           *tensor.Rand
	h0, h1        int // hidden units [h0, h1)
	r0, r1        int // rows of v1 this part samples
	vis0, vis1    int // visible units whose bias this part updates
	started, done bool
}

// spinBarrier lets n goroutines wait for each other by spinning (each
// holds a core: a parked goroutine would cost a wake-up per barrier).
type spinBarrier struct {
	n       int64
	arrived atomic.Int64
	gen     atomic.Int64
}

func (b *spinBarrier) wait() {
	g := b.gen.Load()
	if b.arrived.Add(1) == b.n {
		b.arrived.Store(0)
		b.gen.Add(1)
		return
	}
	for b.gen.Load() == g {
	}
}

func newOwned(s *cdState) *ownedStep {
	const n = 100
	nv, nh := s.w.Rows, s.w.Cols
	np := runtime.GOMAXPROCS(0)
	o := &ownedStep{s: s, parts: make([]ownedPart, np), p: make([][2]*tensor.Matrix, np),
		pv: tensor.New(n, nv), gb: make([]float32, nv)}
	o.v1 = [2]*tensor.Matrix{tensor.New(n, nv), tensor.New(n, nv)}
	o.bar.n = int64(np)
	for p := range o.parts {
		k := &o.parts[p]
		k.h0, k.h1 = p*nh/np, (p+1)*nh/np
		k.r0, k.r1 = p*n/np, (p+1)*n/np
		k.vis0, k.vis1 = p*nv/np, (p+1)*nv/np
		w := k.h1 - k.h0
		k.w, k.vw, k.gw = tensor.New(nv, w), tensor.New(nv, w), tensor.New(nv, w)
		for i := 0; i < nv; i++ {
			copy(k.w.Row(i), s.w.Row(i)[k.h0:k.h1])
		}
		k.c, k.vc, k.gc = make([]float32, w), make([]float32, w), make([]float32, w)
		k.ph0, k.h, k.ph1 = tensor.New(n, w), tensor.New(n, w), tensor.New(n, w)
		k.rng = tensor.NewRand(uint64(p + 1))
		o.p[p] = [2]*tensor.Matrix{tensor.New(n, nv), tensor.New(n, nv)}
	}
	for p := 1; p < np; p++ {
		go func() {
			defer tensor.OwnCore()()
			for t := int64(1); ; t++ {
				for o.start.Load() < t {
					if o.stop.Load() {
						return
					}
				}
				o.part(p)
			}
		}()
	}
	return o
}

func (o *ownedStep) step() {
	o.s.next()
	o.t++
	if len(o.parts) > 1 {
		defer tensor.OwnCore()()
		o.start.Store(int64(o.t))
	}
	o.part(0)
}

func (o *ownedStep) part(p int) {
	const lr, mom, wd = 0.05, 0.5, 2e-4
	s, k := o.s, &o.parts[p]
	v0 := s.v0
	n := float32(v0.Rows)
	buf := o.t & 1
	tensor.MatMul(k.ph0, v0, k.w)
	tensor.SigmoidBiasRows(k.ph0, k.c)
	k.rng.BernoulliFast(k.h.Data, k.ph0.Data)
	tensor.MatMulTB(o.p[p][buf], k.h, k.w)
	o.bar.wait() // every partial product is done
	// Rows [r0, r1) of p(v|h): the sum of the parts' partial products.
	var pv, v1 tensor.Matrix
	rows(&pv, o.pv, k.r0, k.r1)
	rows(&v1, o.v1[buf], k.r0, k.r1)
	var part tensor.Matrix
	rows(&part, o.p[0][buf], k.r0, k.r1)
	copy(pv.Data, part.Data)
	for q := 1; q < len(o.parts); q++ {
		rows(&part, o.p[q][buf], k.r0, k.r1)
		tensor.Axpy(1, part.Data, pv.Data)
	}
	tensor.SigmoidBiasRows(&pv, s.b)
	k.rng.BernoulliFast(v1.Data, pv.Data)
	o.bar.wait() // v1 is whole
	tensor.MatMul(k.ph1, o.v1[buf], k.w)
	tensor.SigmoidBiasRows(k.ph1, k.c)
	tensor.Gemm(true, false, 1/n, v0, k.ph0, 0, k.gw)
	tensor.Gemm(true, false, -1/n, o.v1[buf], k.ph1, 1, k.gw)
	tensor.MomentumStep(k.w.Data, k.vw.Data, k.gw.Data, lr, mom, wd)
	clear(k.gc)
	tensor.ColumnSums(k.gc, k.ph0, 1/n)
	tensor.ColumnSums(k.gc, k.ph1, -1/n)
	momentumBias(k.c, k.vc, k.gc, lr, mom)
	// The visible biases of this part's visible units.
	gb := o.gb[k.vis0:k.vis1]
	clear(gb)
	for i := 0; i < v0.Rows; i++ {
		tensor.Axpy(1/n, v0.Row(i)[k.vis0:k.vis1], gb)
		tensor.Axpy(-1/n, o.v1[buf].Row(i)[k.vis0:k.vis1], gb)
	}
	momentumBias(s.b[k.vis0:k.vis1], s.vb[k.vis0:k.vis1], gb, lr, mom)
	o.bar.wait() // the step is done everywhere
}

// BenchmarkCD1Owned: the CD-1 step of BenchmarkCD1Step ("kernels": every
// kernel split over the cores by itself) beside the owned-weights prototype;
// run with -cpu 1,2 and compare the ratios 2÷1.
func BenchmarkCD1Owned(b *testing.B) {
	for _, v := range []struct {
		name string
		step func(testing.TB, *cdState) func()
	}{
		{"kernels", func(_ testing.TB, s *cdState) func() { return s.stepNew }},
		{"owned", func(tb testing.TB, s *cdState) func() {
			o := newOwned(s)
			tb.Cleanup(func() { o.stop.Store(true) })
			return o.step
		}},
	} {
		b.Run(v.name, func(b *testing.B) {
			step := v.step(b, newCD(b))
			step()
			clk := startCPU(b)
			for b.Loop() {
				step()
			}
			b.ReportMetric(100*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
			clk.report(b, 100*float64(b.N), "samples")
		})
	}
}
