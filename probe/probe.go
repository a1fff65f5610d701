// Package probe measures features with a linear probe: a multinomial
// logistic regression (softmax) with an L2 penalty, fitted by L-BFGS
// (lbfgs.go; gonum's optimize would pull golang.org/x/tools into the build) and scored by its accuracy on held-out data.
//
// The objective is the mean cross-entropy plus (λ/2)‖W‖² (biases are not
// penalised):
//
//	L(W, b) = −(1/n) Σ_r log softmax(x_r W + b)_{y_r} + (λ/2) Σ W²
//
// which is convex, so L-BFGS reaches its global optimum. The gradient is
// accumulated over blocks of rows (mini-batches of BlockRows), so memory
// stays bounded on large data; products use the fast float32 kernels, the
// sums float64.
package probe

import (
	"errors"
	"fmt"
	"math"

	"github.com/ebm-go/ebm/internal/tensor"
)

// Config holds the fitting settings; zero values take the defaults.
type Config struct {
	L2         float64 // λ, the L2 cost on the weights (default 1e-4; 0 is allowed through NoL2)
	NoL2       bool    // fit without a penalty (λ = 0)
	Iterations int     // maximum L-BFGS iterations (default 300)
	BlockRows  int     // rows per gradient block (default 4096)
	// OnIteration, when set, is called after every L-BFGS iteration with
	// its number and the objective.
	OnIteration func(iter int, loss float64)
}

func (c *Config) defaults() error {
	if c.NoL2 {
		c.L2 = 0
	} else if c.L2 == 0 {
		c.L2 = 1e-4
	}
	if c.L2 < 0 || math.IsNaN(c.L2) || math.IsInf(c.L2, 0) {
		return fmt.Errorf("probe: L2 cost must be ≥ 0 and finite, got %g", c.L2)
	}
	if c.Iterations <= 0 {
		c.Iterations = 300
	}
	if c.BlockRows <= 0 {
		c.BlockRows = 4096
	}
	return nil
}

// Model is a fitted softmax classifier: class scores are x·W + B.
type Model struct {
	W *tensor.Matrix // d × k
	B []float32      // k
	// Loss is the final objective; Iterations the L-BFGS iterations used.
	Loss       float64
	Iterations int
}

// Classes is the number of classes k.
func (m *Model) Classes() int { return len(m.B) }

// ErrLabels reports labels that do not fit the data.
var ErrLabels = errors.New("probe: bad labels")

// CheckLabels returns an error wrapping ErrLabels when y has not one label
// per row or a label lies outside [0, k).
func CheckLabels(n int, y []int, k int) error {
	if len(y) != n {
		return fmt.Errorf("%d labels for %d rows: %w", len(y), n, ErrLabels)
	}
	for i, c := range y {
		if c < 0 || c >= k {
			return fmt.Errorf("label %d of row %d (0-based) is outside [0, %d): %w", c, i, k, ErrLabels)
		}
	}
	return nil
}

// NumClasses returns 1 + the largest label (at least 2).
func NumClasses(y []int) int {
	k := 2
	for _, c := range y {
		k = max(k, c+1)
	}
	return k
}

// objective evaluates L and its gradient for a data set.
type objective struct {
	x      *tensor.Matrix
	y      []int
	k      int
	l2     float64
	block  int
	w      *tensor.Matrix // d × k float32 copy of the parameters
	b      []float32
	logits *tensor.Matrix
	gw     *tensor.Matrix
	gb     []float64
}

func newObjective(x *tensor.Matrix, y []int, k int, l2 float64, block int) *objective {
	d := x.Cols
	return &objective{x: x, y: y, k: k, l2: l2, block: block,
		w: tensor.New(d, k), b: make([]float32, k), gw: tensor.New(d, k), gb: make([]float64, k)}
}

// unpack copies θ = [W (row-major d×k), b] into the float32 buffers.
func (o *objective) unpack(theta []float64) {
	for i := range o.w.Data {
		o.w.Data[i] = float32(theta[i])
	}
	nw := len(o.w.Data)
	for j := range o.b {
		o.b[j] = float32(theta[nw+j])
	}
}

// eval returns L(θ) and, when grad is non-nil, writes ∂L/∂θ to it.
func (o *objective) eval(theta, grad []float64) float64 {
	o.unpack(theta)
	n := o.x.Rows
	var loss float64
	if grad != nil {
		o.gw.Zero()
		clear(o.gb)
	}
	inv := 1 / float32(n)
	for lo := 0; lo < n; lo += o.block {
		hi := min(lo+o.block, n)
		xb := o.x.SliceRows(lo, hi)
		o.logits = o.logits.Resize(hi-lo, o.k)
		tensor.MatMul(o.logits, xb, o.w)
		tensor.AddRowVector(o.logits, o.b)
		for r := 0; r < hi-lo; r++ {
			row := o.logits.Row(r)
			mx := float64(row[0])
			for _, v := range row {
				mx = math.Max(mx, float64(v))
			}
			var s float64
			for _, v := range row {
				s += math.Exp(float64(v) - mx)
			}
			lse := mx + math.Log(s)
			y := o.y[lo+r]
			loss += lse - float64(row[y])
			if grad != nil {
				// Row r becomes (softmax − onehot)/n, the gradient wrt the logits.
				for j, v := range row {
					p := math.Exp(float64(v) - lse)
					if j == y {
						p--
					}
					row[j] = float32(p) * inv
					o.gb[j] += p / float64(n)
				}
			}
		}
		if grad != nil {
			tensor.Gemm(true, false, 1, xb, o.logits, 1, o.gw)
		}
	}
	loss /= float64(n)
	var sq float64
	for _, v := range theta[:len(o.w.Data)] {
		sq += v * v
	}
	loss += 0.5 * o.l2 * sq
	if grad != nil {
		for i, g := range o.gw.Data {
			grad[i] = float64(g) + o.l2*theta[i]
		}
		copy(grad[len(o.w.Data):], o.gb)
	}
	return loss
}

// Loss returns the objective L of the parameters (W, b) on (x, y) with L2
// cost l2, and its gradient in the layout [W row-major, b].
func Loss(x *tensor.Matrix, y []int, w *tensor.Matrix, b []float32, l2 float64) (float64, []float64) {
	o := newObjective(x, y, len(b), l2, 4096)
	theta := pack(w, b)
	g := make([]float64, len(theta))
	return o.eval(theta, g), g
}

func pack(w *tensor.Matrix, b []float32) []float64 {
	theta := make([]float64, len(w.Data)+len(b))
	for i, v := range w.Data {
		theta[i] = float64(v)
	}
	for j, v := range b {
		theta[len(w.Data)+j] = float64(v)
	}
	return theta
}

// Fit trains a k-class softmax classifier on the rows of x with labels y,
// starting from zero weights. It stops at convergence (gradient max-norm
// below 1e-6, or no decrease of the objective for 20 iterations) or after
// cfg.Iterations iterations.
func Fit(x *tensor.Matrix, y []int, k int, cfg Config) (*Model, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if x.Rows == 0 {
		return nil, errors.New("probe: no training rows")
	}
	if k < 2 {
		return nil, fmt.Errorf("probe: need at least 2 classes, got %d", k)
	}
	if err := CheckLabels(x.Rows, y, k); err != nil {
		return nil, err
	}
	if !tensor.AllFinite(x.Data) {
		return nil, errors.New("probe: features contain NaN or Inf")
	}
	o := newObjective(x, y, k, cfg.L2, cfg.BlockRows)
	theta, loss, iters := lbfgs(o.eval, make([]float64, x.Cols*k+k), cfg.Iterations, cfg.OnIteration)
	m := &Model{W: tensor.New(x.Cols, k), B: make([]float32, k), Loss: loss, Iterations: iters}
	for i := range m.W.Data {
		m.W.Data[i] = float32(theta[i])
	}
	for j := range m.B {
		m.B[j] = float32(theta[len(m.W.Data)+j])
	}
	if !tensor.AllFinite(m.W.Data) || !tensor.AllFinite(m.B) {
		return nil, errors.New("probe: the fit diverged (NaN or Inf weights)")
	}
	return m, nil
}

// Predict returns the most probable class of every row of x.
func (m *Model) Predict(x *tensor.Matrix) []int {
	out := make([]int, x.Rows)
	const block = 4096
	var s *tensor.Matrix
	for lo := 0; lo < x.Rows; lo += block {
		hi := min(lo+block, x.Rows)
		s = s.Resize(hi-lo, m.Classes())
		tensor.MatMul(s, x.SliceRows(lo, hi), m.W)
		tensor.AddRowVector(s, m.B)
		for r := range hi - lo {
			row := s.Row(r)
			best := 0
			for j, v := range row {
				if v > row[best] {
					best = j
				}
			}
			out[lo+r] = best
		}
	}
	return out
}

// Accuracy returns the fraction of rows of x whose predicted class is y.
func (m *Model) Accuracy(x *tensor.Matrix, y []int) float64 {
	if x.Rows == 0 {
		return math.NaN()
	}
	pred := m.Predict(x)
	ok := 0
	for i, p := range pred {
		if p == y[i] {
			ok++
		}
	}
	return float64(ok) / float64(x.Rows)
}
