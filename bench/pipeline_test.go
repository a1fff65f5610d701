package bench

import (
	"math"
	"runtime"
	"sync"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

// A prototype of the row-block pipelined CD-1 step (docs/performance.md,
// "Row-block pipeline"): each of GOMAXPROCS goroutines takes a block of the
// batch's rows through v·W → σ → sample h → h·Wᵀ → σ → sample v → v·W → σ
// on its own (its kernels run whole: it holds a core), and only the
// gradient products, which need every row, run as parallel products after
// one join. Sampling draws the two keys first and samples each block at its
// offset in the key's stream, so the step gives the bits of stepNew.
type pipeline struct {
	s     *cdState
	blks  []pipeBlock
	keys  [2]tensor.BernoulliKey
	wg    sync.WaitGroup
	start []chan struct{} // wakes the goroutine of block b ≥ 1
}

// pipeBlock holds one block's row views (reset every step, no allocation).
type pipeBlock struct {
	v0, ph0, h, pv, v1, ph1 tensor.Matrix
}

// newPipeline starts a goroutine per block but the first (they run as
// long as the process: this is a benchmark).
func newPipeline(s *cdState) *pipeline {
	p := &pipeline{s: s, blks: make([]pipeBlock, runtime.GOMAXPROCS(0))}
	p.start = make([]chan struct{}, len(p.blks))
	for b := 1; b < len(p.blks); b++ {
		p.start[b] = make(chan struct{})
		go func() {
			for range p.start[b] {
				p.block(b)
				p.wg.Done()
			}
		}()
	}
	return p
}

// rows sets dst to rows [r0, r1) of m.
func rows(dst *tensor.Matrix, m *tensor.Matrix, r0, r1 int) {
	*dst = tensor.Matrix{Rows: r1 - r0, Cols: m.Cols, Data: m.Data[r0*m.Cols : r1*m.Cols]}
}

func (p *pipeline) block(b int) {
	if len(p.blks) > 1 {
		defer tensor.OwnCore()()
	}
	s, k := p.s, &p.blks[b]
	n := s.v0.Rows
	r0, r1 := b*n/len(p.blks), (b+1)*n/len(p.blks)
	rows(&k.v0, s.v0, r0, r1)
	rows(&k.ph0, s.ph0, r0, r1)
	rows(&k.h, s.h, r0, r1)
	rows(&k.pv, s.pv, r0, r1)
	rows(&k.v1, s.v1, r0, r1)
	rows(&k.ph1, s.ph1, r0, r1)
	tensor.MatMul(&k.ph0, &k.v0, s.w)
	tensor.SigmoidBiasRows(&k.ph0, s.c)
	p.keys[0].Sample(k.h.Data, k.ph0.Data, r0*s.h.Cols)
	tensor.MatMulTB(&k.pv, &k.h, s.w)
	tensor.SigmoidBiasRows(&k.pv, s.b)
	p.keys[1].Sample(k.v1.Data, k.pv.Data, r0*s.v1.Cols)
	tensor.MatMul(&k.ph1, &k.v1, s.w)
	tensor.SigmoidBiasRows(&k.ph1, s.c)
}

// step is stepNew with the up-down pass pipelined by row blocks.
func (p *pipeline) step() {
	const lr, mom, wd = 0.05, 0.5, 2e-4
	s := p.s
	s.next()
	n := float32(s.v0.Rows)
	p.keys[0], p.keys[1] = s.rng.BernoulliKey(), s.rng.BernoulliKey()
	p.wg.Add(len(p.blks) - 1)
	for b := 1; b < len(p.blks); b++ {
		p.start[b] <- struct{}{}
	}
	p.block(0)
	p.wg.Wait()
	tensor.Gemm(true, false, 1/n, s.v0, s.ph0, 0, s.gw)
	tensor.Gemm(true, false, -1/n, s.v1, s.ph1, 1, s.gw)
	tensor.MomentumStep(s.w.Data, s.vw.Data, s.gw.Data, lr, mom, wd)
	s.biasUpdate(lr, mom)
}

// TestPipelineBitIdentical: the pipelined step gives the weights of
// stepNew, bit for bit, at every GOMAXPROCS.
func TestPipelineBitIdentical(t *testing.T) {
	if testing.Short() {
		t.Skip("loads MNIST")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	ref := newCD(t)
	for range 5 {
		ref.stepNew()
	}
	for _, procs := range []int{1, 2, 3} {
		runtime.GOMAXPROCS(procs)
		p := newPipeline(newCD(t))
		for range 5 {
			p.step()
		}
		for i, w := range p.s.w.Data {
			if math.Float32bits(w) != math.Float32bits(ref.w.Data[i]) {
				t.Fatalf("GOMAXPROCS %d: W[%d] = %v, want %v", procs, i, w, ref.w.Data[i])
			}
		}
	}
}

// BenchmarkCD1Pipeline: the CD-1 step of BenchmarkCD1Step ("ebm-recommended",
// every kernel split over the cores by itself) beside the row-block
// pipelined step; run with -cpu 1,2.
func BenchmarkCD1Pipeline(b *testing.B) {
	for _, v := range []struct {
		name string
		step func(*cdState) func()
	}{
		{"kernels", func(s *cdState) func() { return s.stepNew }},
		{"pipelined", func(s *cdState) func() { return newPipeline(s).step }},
	} {
		b.Run(v.name, func(b *testing.B) {
			step := v.step(newCD(b))
			step()
			b.ReportAllocs()
			clk := startCPU(b)
			for b.Loop() {
				step()
			}
			b.ReportMetric(100*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
			clk.report(b, 100*float64(b.N), "samples")
		})
	}
}
