package lowrank

import (
	"context"
	"math"

	"github.com/ebm-go/ebm/internal/tensor"
)

// The RBM built from the low-rank model is not the model: its hidden units
// compute softplus(q(nᵀy − t)), not q·relu(nᵀy − t), a difference of up to
// log 2 per unit near every hyperplane, and the spare units add their own
// small terms. Since the RBM is still exactly low-rank, its log-likelihood
// and gradient with respect to its projection-space parameters (β, w, c)
// are exact sums over the lattice too; refine climbs that exact
// log-likelihood with Adam from the converted parameters, keeping the best
// point seen. This step is not in the paper (whose Coulomb machine is
// converted to ±1 hidden units directly); on MNIST the direct conversion
// loses many nats, measured in docs/results.md.

// rbmResult is the RBM's exact log-likelihood on a histogram, its log Z,
// and on request the gradient of the log-likelihood.
type rbmResult struct {
	ll, logZ float64
	gBeta    []float64
	gW, gC   []float32
	err      error
}

const evalBlock = 4096

// hiddenSums sets out[i] = Σ_j softplus(c_j + w_jᵀy) for the lattice
// points cells (or every reachable point when cells is nil), a block of
// points per matrix product.
func (f *Fit) hiddenSums(out []float64, cells []int) {
	s := f.Model.Space
	d, nh := s.D, len(f.c)
	wm := tensor.FromSlice(d, nh, f.w)
	n := len(out)
	y, a := tensor.New(evalBlock, d), tensor.New(evalBlock, nh)
	for lo := 0; lo < n; lo += evalBlock {
		hi := min(lo+evalBlock, n)
		y, a = y.Resize(hi-lo, d), a.Resize(hi-lo, nh)
		f.gather(y, cells, lo, hi)
		tensor.MatMul(a, y, wm)
		tensor.AddRowVector(a, f.c)
		for i := lo; i < hi; i++ {
			out[i] = tensor.SoftplusSumFast(a.Row(i - lo))
		}
	}
}

// gather copies y of points lo…hi−1 of cells (or of the reachable list
// when cells is nil) into the rows of y.
func (f *Fit) gather(y *tensor.Matrix, cells []int, lo, hi int) {
	s := f.Model.Space
	d := s.D
	for i := lo; i < hi; i++ {
		c := i
		if cells != nil {
			c = cells[i]
		}
		for l := range d {
			y.Data[(i-lo)*d+l] = float32(s.y[c*d+l])
		}
	}
}

// rbmEval returns the RBM's exact log Z and, given the data's histogram
// h, its mean log-likelihood, and with grad its gradient:
// E_data[∂] − E_model[∂] of log p̃ = B0ᵀv + βᵀy + Σ_j softplus(c_j + w_jᵀy),
// whose derivatives are y, σ_j·y and σ_j.
func (f *Fit) rbmEval(h *hist, grad bool) rbmResult {
	s := f.Model.Space
	d, nh := s.D, len(f.c)
	hid := make([]float64, s.Cells())
	f.hiddenSums(hid, nil)
	logw := make([]float64, s.Cells())
	lz, err := s.logZ(logw, func(c int, y []float64) float64 {
		v := hid[c]
		for l, b := range f.beta {
			v += b * y[l]
		}
		return v
	})
	r := rbmResult{logZ: lz, err: err}
	if err != nil || h == nil {
		return r
	}
	dataHid := make([]float64, len(h.cells))
	f.hiddenSums(dataHid, h.cells)
	r.ll = h.meanB0 - lz
	for i, c := range h.cells {
		v := dataHid[i]
		for l, b := range f.beta {
			v += b * s.y[c*d+l]
		}
		r.ll += h.counts[i] * v
	}
	if !grad {
		return r
	}
	r.gBeta, r.gW, r.gC = make([]float64, d), make([]float32, d*nh), make([]float32, nh)
	var model []int
	var mw []float64
	for c, x := range logw {
		if x > lz-modelMassCut {
			model = append(model, c)
			mw = append(mw, math.Exp(x-lz))
		}
	}
	f.accumulate(&r, h.cells, h.counts, 1)
	f.accumulate(&r, model, mw, -1)
	return r
}

// accumulate adds sign · Σ_i weight_i · (y, σ(c + wᵀy)·y, σ(c + wᵀy)) over
// the lattice points cells to the gradient in r.
func (f *Fit) accumulate(r *rbmResult, cells []int, weight []float64, sign float32) {
	s := f.Model.Space
	d, nh := s.D, len(f.c)
	wm := tensor.FromSlice(d, nh, f.w)
	gw := tensor.FromSlice(d, nh, r.gW)
	y, p := tensor.New(evalBlock, d), tensor.New(evalBlock, nh)
	for lo := 0; lo < len(cells); lo += evalBlock {
		hi := min(lo+evalBlock, len(cells))
		y, p = y.Resize(hi-lo, d), p.Resize(hi-lo, nh)
		f.gather(y, cells, lo, hi)
		tensor.MatMul(p, y, wm)
		tensor.SigmoidBiasRows(p, f.c)
		for i := lo; i < hi; i++ {
			wi := weight[i]
			for l := range d {
				r.gBeta[l] += float64(sign) * wi * s.y[cells[i]*d+l]
			}
			tensor.Scale(p.Row(i-lo), float32(wi))
		}
		tensor.ColumnSums(r.gC, p, sign)
		tensor.Gemm(true, false, sign, y, p, 1, gw)
	}
}

// refine runs Adam on (β, w, c) for steps steps at rate lr, keeping the
// parameters of the highest exact log-likelihood seen, and returns the
// log-likelihood of the starting (converted) RBM.
func (f *Fit) refine(ctx context.Context, h hist, steps int, lr float64) (float64, error) {
	first := f.rbmEval(&h, steps > 0)
	if first.err != nil {
		return 0, first.err
	}
	if steps <= 0 {
		return first.ll, nil
	}
	d := len(f.beta)
	np := d + len(f.w) + len(f.c)
	m1, m2 := make([]float64, np), make([]float64, np)
	best := first.ll
	bestBeta, bestW, bestC := append([]float64(nil), f.beta...), append([]float32(nil), f.w...), append([]float32(nil), f.c...)
	r := first
	const b1, b2, eps = 0.9, 0.999, 1e-8
	for t := 1; t <= steps; t++ {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		k := 0
		step := func(g float64) float64 {
			m1[k] = b1*m1[k] + (1-b1)*g
			m2[k] = b2*m2[k] + (1-b2)*g*g
			mh := m1[k] / (1 - math.Pow(b1, float64(t)))
			vh := m2[k] / (1 - math.Pow(b2, float64(t)))
			k++
			return lr * mh / (math.Sqrt(vh) + eps)
		}
		for l, g := range r.gBeta {
			f.beta[l] += step(g)
		}
		for i, g := range r.gW {
			f.w[i] += float32(step(float64(g)))
		}
		for j, g := range r.gC {
			f.c[j] += float32(step(float64(g)))
		}
		r = f.rbmEval(&h, true)
		if r.err != nil {
			break // the underflow edge: stop at the best point so far
		}
		f.RefineSteps = t
		if r.ll > best {
			best = r.ll
			copy(bestBeta, f.beta)
			copy(bestW, f.w)
			copy(bestC, f.c)
		}
	}
	copy(f.beta, bestBeta)
	copy(f.w, bestW)
	copy(f.c, bestC)
	return first.ll, nil
}
