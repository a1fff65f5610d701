package probe

import (
	"errors"
	"math"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

// refLoss is an independent float64 implementation of the objective.
func refLoss(x [][]float64, y []int, theta []float64, k int, l2 float64) float64 {
	d := len(x[0])
	var loss float64
	for r, row := range x {
		s := make([]float64, k)
		for j := range k {
			s[j] = theta[d*k+j]
			for i := range d {
				s[j] += row[i] * theta[i*k+j]
			}
		}
		mx := math.Inf(-1)
		for _, v := range s {
			mx = math.Max(mx, v)
		}
		var z float64
		for _, v := range s {
			z += math.Exp(v - mx)
		}
		loss += mx + math.Log(z) - s[y[r]]
	}
	loss /= float64(len(x))
	for _, w := range theta[:d*k] {
		loss += 0.5 * l2 * w * w
	}
	return loss
}

// The analytic gradient matches central differences of an independent
// float64 objective. With h = 1e-4 the truncation error is O(h²·L”') ≈ 1e-8
// and the rounding error ≈ 1e-16/h = 1e-12; the analytic gradient itself is
// computed with float32 products (relative error ≈ 1e-6 on values ≲ 1), so
// 1e-5 is a bound the derivation allows and a sign or factor error breaks.
func TestGradientFiniteDifferences(t *testing.T) {
	const n, d, k, l2 = 25, 4, 3, 0.05
	rng := tensor.NewRand(3)
	x := tensor.New(n, d)
	rng.Normal(x.Data, 0, 1)
	y := make([]int, n)
	for i := range y {
		y[i] = rng.IntN(k)
	}
	w := tensor.New(d, k)
	rng.Normal(w.Data, 0, 0.7)
	b := []float32{0.3, -0.2, 0.1}
	xs := make([][]float64, n)
	for r := range xs {
		for _, v := range x.Row(r) {
			xs[r] = append(xs[r], float64(v))
		}
	}
	loss, grad := Loss(x, y, w, b, l2)
	theta := pack(w, b)
	if ref := refLoss(xs, y, theta, k, l2); math.Abs(ref-loss) > 1e-5*math.Abs(ref) {
		t.Fatalf("loss %v, float64 reference %v", loss, ref)
	}
	const h = 1e-4
	for i := range theta {
		tp := append([]float64(nil), theta...)
		tm := append([]float64(nil), theta...)
		tp[i] += h
		tm[i] -= h
		fd := (refLoss(xs, y, tp, k, l2) - refLoss(xs, y, tm, k, l2)) / (2 * h)
		if math.Abs(fd-grad[i]) > 1e-5 {
			t.Errorf("∂L/∂θ[%d] = %.8f, finite difference %.8f", i, grad[i], fd)
		}
	}
}

// On a data set symmetric under (x, y) → (−x, 1−y) the optimum has
// W = [−a, a], b0 = b1, and a minimises the one-dimensional convex function
// g(a) = mean_r log(1+exp(−2a·x_r·s_r)) + λa² (s_r = ±1 for y_r = 1/0).
// Bisection on g′ in float64 finds a* independently of L-BFGS.
func TestFitReachesKnownOptimum(t *testing.T) {
	xs := []float32{2, -2, 0.5, -0.5, -0.5, 0.5, 1, -1}
	ys := []int{1, 0, 1, 0, 1, 0, 1, 0}
	const l2 = 0.1 // λ: penalty (λ/2)(a² + a²) = λa²
	dg := func(a float64) float64 {
		var s float64
		for i, x := range xs {
			sgn := -1.0
			if ys[i] == 1 {
				sgn = 1
			}
			z := 2 * a * float64(x) * sgn
			s += -2 * float64(x) * sgn / (1 + math.Exp(z))
		}
		return s/float64(len(xs)) + 2*l2*a
	}
	lo, hi := 0.0, 100.0
	for range 200 {
		mid := (lo + hi) / 2
		if dg(mid) > 0 {
			hi = mid
		} else {
			lo = mid
		}
	}
	aStar := (lo + hi) / 2
	m, err := Fit(tensor.FromSlice(len(xs), 1, xs), ys, 2, Config{L2: l2})
	if err != nil {
		t.Fatal(err)
	}
	// The optimum is flat to second order, and the gradient (float32
	// products, relative error ~1e-7) pins θ to ~1e-6; 1e-4 leaves margin.
	if math.Abs(float64(m.W.At(0, 1))-aStar) > 1e-4 || math.Abs(float64(m.W.At(0, 0))+aStar) > 1e-4 {
		t.Errorf("W = [%v %v], want [%v %v]", m.W.At(0, 0), m.W.At(0, 1), -aStar, aStar)
	}
	if math.Abs(float64(m.B[0]-m.B[1])) > 1e-4 {
		t.Errorf("biases %v differ; the symmetric optimum has b0 = b1", m.B)
	}
}

// Three well-separated Gaussian blobs are linearly separable: the probe
// classifies all training rows and fresh rows from the same blobs. Blob
// centres are 10σ apart, so a point falls across a Bayes boundary
// (≥ 5σ from its centre) with probability < 3e-7 per row.
func TestFitSeparableBlobs(t *testing.T) {
	centres := [][2]float32{{0, 10}, {8.66, -5}, {-8.66, -5}}
	make3 := func(n int, seed uint64) (*tensor.Matrix, []int) {
		rng := tensor.NewRand(seed)
		x := tensor.New(n, 2)
		rng.Normal(x.Data, 0, 1)
		y := make([]int, n)
		for r := range n {
			y[r] = r % 3
			x.Data[2*r] += centres[y[r]][0]
			x.Data[2*r+1] += centres[y[r]][1]
		}
		return x, y
	}
	x, y := make3(300, 1)
	m, err := Fit(x, y, 3, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if a := m.Accuracy(x, y); a != 1 {
		t.Errorf("training accuracy %v, want 1", a)
	}
	xt, yt := make3(300, 2)
	if a := m.Accuracy(xt, yt); a != 1 {
		t.Errorf("test accuracy %v, want 1", a)
	}
}

func TestLabelErrors(t *testing.T) {
	x := tensor.New(3, 2)
	if _, err := Fit(x, []int{0, 1}, 2, Config{}); !errors.Is(err, ErrLabels) {
		t.Errorf("wrong count: got %v", err)
	}
	if _, err := Fit(x, []int{0, 1, 2}, 2, Config{}); !errors.Is(err, ErrLabels) {
		t.Errorf("label out of range: got %v", err)
	}
	if _, err := Fit(x, []int{0, -1, 1}, 2, Config{}); !errors.Is(err, ErrLabels) {
		t.Errorf("negative label: got %v", err)
	}
}
