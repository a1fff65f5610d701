package tensor

import (
	"math"
	"testing"
)

func naive(transA, transB bool, alpha float32, a, b *Matrix, beta float32, c *Matrix) []float64 {
	at := func(i, k int) float64 {
		if transA {
			return float64(a.At(k, i))
		}
		return float64(a.At(i, k))
	}
	bt := func(k, j int) float64 {
		if transB {
			return float64(b.At(j, k))
		}
		return float64(b.At(k, j))
	}
	inner := a.Cols
	if transA {
		inner = a.Rows
	}
	out := make([]float64, c.Rows*c.Cols)
	for i := 0; i < c.Rows; i++ {
		for j := 0; j < c.Cols; j++ {
			var s float64
			for k := 0; k < inner; k++ {
				s += at(i, k) * bt(k, j)
			}
			out[i*c.Cols+j] = float64(alpha)*s + float64(beta)*float64(c.At(i, j))
		}
	}
	return out
}

func TestGemmAllLayoutsAgainstFloat64(t *testing.T) {
	rng := NewRand(1)
	for _, sz := range [][3]int{{1, 1, 1}, {7, 13, 5}, {3, 1, 4}, {65, 33, 70}, {100, 784, 17}, {0, 3, 4}, {2, 0, 3}} {
		m, k, n := sz[0], sz[1], sz[2]
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				a := New(m, k)
				if ta {
					a = New(k, m)
				}
				b := New(k, n)
				if tb {
					b = New(n, k)
				}
				c := New(m, n)
				rng.Normal(a.Data, 0, 1)
				rng.Normal(b.Data, 0, 1)
				rng.Normal(c.Data, 0, 1)
				want := naive(ta, tb, 0.7, a, b, -0.3, c)
				Gemm(ta, tb, 0.7, a, b, -0.3, c)
				// float32 accumulation over k terms of unit scale: error ≲ k·2⁻²⁴·√k-ish; allow 1e-5·k.
				tol := 1e-5 * float64(max(k, 1))
				for i, w := range want {
					if d := math.Abs(float64(c.Data[i]) - w); d > tol {
						t.Fatalf("%v ta=%v tb=%v: c[%d] = %v, want %v", sz, ta, tb, i, c.Data[i], w)
					}
				}
			}
		}
	}
}

func TestGemmPanicsOnShapeMismatch(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for mismatched shapes")
		}
	}()
	MatMul(New(2, 2), New(2, 3), New(2, 2))
}

func TestSigmoidSoftplus(t *testing.T) {
	for _, x := range []float64{-1e4, -50, -3, -1e-8, 0, 1e-8, 2, 40, 1e4} {
		s := Sigmoid(x)
		if s < 0 || s > 1 || math.IsNaN(s) {
			t.Fatalf("σ(%g) = %g", x, s)
		}
		// softplus(x) − softplus(−x) = x, and log σ(x) = −softplus(−x).
		if d := Softplus(x) - Softplus(-x); math.Abs(d-x) > 1e-12*math.Max(1, math.Abs(x)) {
			t.Fatalf("softplus(%g) − softplus(−%g) = %g", x, x, d)
		}
		if math.Abs(x) < 30 {
			if want := math.Log(1 + math.Exp(x)); math.Abs(Softplus(x)-want) > 1e-12 {
				t.Fatalf("softplus(%g) = %g, want %g", x, Softplus(x), want)
			}
			if want := 1 / (1 + math.Exp(-x)); math.Abs(s-want) > 1e-15 {
				t.Fatalf("σ(%g) = %g, want %g", x, s, want)
			}
		}
	}
	if got := LogSumExp([]float64{1000, 1000}); math.Abs(got-(1000+math.Ln2)) > 1e-12 {
		t.Fatalf("LogSumExp overflowed: %v", got)
	}
	if got := LogSumExp(nil); !math.IsInf(got, -1) {
		t.Fatalf("LogSumExp(empty) = %v", got)
	}
}

// checkFrequencies checks that each unit's frequency counts[i]/n of ones
// in n Bernoulli(ps[i]) draws is within 5 standard errors √(p(1−p)/n) of
// ps[i] (and 1e-9, for p = 0 and 1).
func checkFrequencies(t *testing.T, ps []float32, counts []float64, n float64) {
	t.Helper()
	for i, q := range ps {
		f := counts[i] / n
		se := math.Sqrt(float64(q) * (1 - float64(q)) / n)
		if math.Abs(f-float64(q)) > 5*se+1e-9 {
			t.Errorf("p=%v: frequency %v (5σ = %v)", q, f, 5*se)
		}
	}
}

// TestBernoulliFrequencies: each unit's frequency over n draws has standard
// error √(p(1−p)/n); we allow 5, and also check the two halves of a 64-bit
// draw are not correlated (pairs (1,1) at rate p², within 5 standard errors).
func TestBernoulliFrequencies(t *testing.T) {
	rng := NewRand(7)
	ps := []float32{0, 1e-3, 0.1, 0.3, 0.5, 0.77, 0.999, 1}
	const n = 200000
	p := make([]float32, len(ps))
	copy(p, ps)
	dst := make([]float32, len(ps))
	counts := make([]float64, len(ps))
	var both float64
	for range n {
		rng.Bernoulli(dst, p)
		for i, v := range dst {
			counts[i] += float64(v)
		}
		both += float64(dst[2] * dst[3])
	}
	checkFrequencies(t, ps, counts, n)
	pp := float64(ps[2]) * float64(ps[3])
	if f := both / n; math.Abs(f-pp) > 5*math.Sqrt(pp*(1-pp)/n) {
		t.Errorf("joint frequency of a pair %v, want %v", f, pp)
	}
	// An odd-length input uses the tail path.
	odd := make([]float32, 3)
	rng.Bernoulli(odd, []float32{1, 1, 1})
	if odd[2] != 1 {
		t.Fatal("odd tail not sampled")
	}
}

func TestRandReproducibleAndRestorable(t *testing.T) {
	a, b := NewRand(42), NewRand(42)
	for range 10 {
		if a.Uint64() != b.Uint64() {
			t.Fatal("same seed, different streams")
		}
	}
	state, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	want := []uint64{a.Uint64(), a.Uint64()}
	c := NewRand(0)
	if err := c.UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	if c.Uint64() != want[0] || c.Uint64() != want[1] {
		t.Fatal("restored state gives a different stream")
	}
	if NewRand(1).Uint64() == NewRand(2).Uint64() {
		t.Fatal("different seeds gave the same first value")
	}
}
