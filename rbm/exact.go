package rbm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/ebm-go/ebm/internal/tensor"
)

// MaxExactUnits is the largest smaller-layer size ExactLogZ enumerates.
// 2^30 states of a 784-unit other layer is already hours of work.
const MaxExactUnits = 30

// ErrTooLarge is returned by ExactLogZ for models whose smaller layer has
// more than MaxExactUnits units.
var ErrTooLarge = errors.New("model too large to enumerate")

// exactChunkBits sets the number of states per work unit (2^10 rows per
// matrix product). Chunking is independent of GOMAXPROCS, so the result is
// bit-identical on any number of cores.
const exactChunkBits = 10

// ExactLogZ returns log Z by enumerating the hidden layer and summing (or
// integrating) the visible one out with the units' LogPartition:
//
//	log Z = logsumexp_h [cᵀh + LogPartition(Wh)]
//	      = logsumexp_h [cᵀh + Σ_i softplus(b_i + (Wh)_i)]                    (Bernoulli)
//	      = logsumexp_h [cᵀh + Σ_i (b_i u_i/σ_i + u_i²/2 + log √(2π)σ_i)]      (Gaussian, u = Wh)
//
// For Bernoulli visible units with fewer visible than hidden units it
// enumerates v instead: log Z = logsumexp_v [bᵀv + Σ_j softplus(c_j + (vᵀW)_j)].
// In float64, split over all cores; cost 2^n·V·H for n the enumerated layer.
func (m *RBM) ExactLogZ(ctx context.Context) (float64, error) {
	nv, nh := m.NVisible(), m.NHidden()
	u := m.units()
	_, binary := u.(Bernoulli)
	if n := m.ExactUnits(); n > MaxExactUnits {
		if binary {
			return 0, fmt.Errorf("smaller layer has %d units (%d visible, %d hidden), at most %d can be enumerated: %w",
				n, nv, nh, MaxExactUnits, ErrTooLarge)
		}
		return 0, fmt.Errorf("the hidden layer has %d units, at most %d can be enumerated (%s visible units are integrated out): %w",
			nh, MaxExactUnits, u.Name(), ErrTooLarge)
	}
	// Enumerate layer "s" (bias bs) against layer "o" (bias bo) through M (s × o).
	if binary && nv < nh {
		return enumerateLSE(ctx, m.W, m.B, func(a []float32) float64 {
			tensor.AddRowVector(tensor.FromSlice(1, len(a), a), m.C)
			return tensor.SoftplusSum(a)
		})
	}
	return enumerateLSE(ctx, transpose(m.W), m.C, func(a []float32) float64 { return u.LogPartition(a, m.B) })
}

func transpose(a *tensor.Matrix) *tensor.Matrix {
	t := tensor.New(a.Cols, a.Rows)
	for i := 0; i < a.Rows; i++ {
		for j, v := range a.Row(i) {
			t.Data[j*a.Rows+i] = v
		}
	}
	return t
}

// enumerateLSE returns logsumexp over s ∈ {0,1}^n of bsᵀs + other(sᵀM),
// other being the other layer summed out given its input sᵀM (which it may
// overwrite).
func enumerateLSE(ctx context.Context, M *tensor.Matrix, bs []float32, other func(a []float32) float64) (float64, error) {
	n := M.Rows
	chunkBits := min(exactChunkBits, n)
	chunk := 1 << chunkBits
	nChunks := 1 << (n - chunkBits)
	lse := make([]float64, nChunks)
	workers := min(runtime.GOMAXPROCS(0), nChunks)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			S := tensor.New(chunk, n)
			A := tensor.New(chunk, M.Cols)
			terms := make([]float64, chunk)
			for k := range next {
				base := k << chunkBits
				for r := 0; r < chunk; r++ {
					idx := base + r
					row := S.Row(r)
					for j := range row {
						row[j] = float32((idx >> j) & 1)
					}
				}
				// A = S·M, one (binary-aware) product per chunk; the other
				// layer's sum stays float64: this is the exact answer.
				tensor.MatMul(A, S, M)
				for r := 0; r < chunk; r++ {
					terms[r] = tensor.Dot(bs, S.Row(r)) + other(A.Row(r))
				}
				lse[k] = tensor.LogSumExp(terms)
			}
		}()
	}
	for k := 0; k < nChunks; k++ {
		if err := ctx.Err(); err != nil {
			mu.Lock()
			firstErr = err
			mu.Unlock()
			break
		}
		next <- k
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return math.NaN(), firstErr
	}
	return tensor.LogSumExp(lse), nil
}

// ExactLogLikelihood returns the mean of log p(v) = −F(v) − log Z over the
// rows of data, with log Z computed exactly.
func (m *RBM) ExactLogLikelihood(ctx context.Context, data *tensor.Matrix) (meanLL, logZ float64, err error) {
	if err := m.CheckData(data); err != nil {
		return 0, 0, err
	}
	logZ, err = m.ExactLogZ(ctx)
	if err != nil {
		return 0, 0, err
	}
	return -m.MeanFreeEnergy(data) - logZ, logZ, nil
}

// PseudoLogLikelihood returns the mean over the rows of binary data v of
// Σ_i log p(v_i | v_−i) = Σ_i log σ(F(ṽ⁽ⁱ⁾) − F(v)), ṽ⁽ⁱ⁾ being v with bit i
// flipped, summed exactly over every visible unit (not scikit-learn's
// one-random-bit estimate, whose expectation is this same sum). Divide by
// n_visible for the per-unit figure. Rows are split over all cores. It is
// NaN for visible units that are not Bernoulli.
func (m *RBM) PseudoLogLikelihood(v *tensor.Matrix) float64 {
	if _, binary := m.units().(Bernoulli); !binary || v.Rows == 0 {
		return math.NaN()
	}
	a := tensor.New(v.Rows, m.NHidden())
	m.HiddenInputs(a, v)
	per := make([]float64, v.Rows)
	parallelRows(v.Rows, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			per[r] = m.pllRow(v.Row(r), a.Row(r))
		}
	})
	var s float64
	for _, x := range per {
		s += x
	}
	return s / float64(v.Rows)
}

// pllRow sums log p(v_i|v_−i) over the units of one row with hidden input
// a. The V·H softplus terms use tensor's vectorized softplus (≤ 2 ulp,
// float64 sums): this is the monitoring hot spot.
func (m *RBM) pllRow(v, a []float32) float64 {
	base := tensor.SoftplusSumFast(a)
	var pll float64
	for i, vi := range v {
		d := 1 - 2*vi // +1 when bit i goes 0→1, −1 when 1→0
		sp := tensor.SoftplusShiftSum(a, m.W.Row(i), d)
		// F(ṽ) − F(v) = −b_i·d − sp + base
		pll += tensor.LogSigmoid(-float64(m.B[i])*float64(d) - sp + base)
	}
	return pll
}

// parallelRows splits [0, n) into GOMAXPROCS contiguous ranges and runs f on
// each concurrently. Results written per row are independent of the split.
func parallelRows(n int, f func(lo, hi int)) {
	tensor.Split(n, runtime.GOMAXPROCS(0), f)
}

// ExactUnits returns the number of units ExactLogZ enumerates: the smaller
// layer for Bernoulli visible units, the hidden layer otherwise (the
// visible one is integrated out). ExactLogZ costs 2^ExactUnits products.
func (m *RBM) ExactUnits() int {
	if _, binary := m.units().(Bernoulli); binary {
		return min(m.NVisible(), m.NHidden())
	}
	return m.NHidden()
}
