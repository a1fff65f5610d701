package tensor

import (
	"math"
	"testing"
)

// ulpErr is |got − want| in units of the float32 spacing at want.
func ulpErr(got float32, want float64) float64 {
	w32 := float32(want)
	ulp := float64(math.Nextafter32(float32(math.Abs(float64(w32))), float32(math.Inf(1)))) - math.Abs(float64(w32))
	return math.Abs(float64(got)-want) / ulp
}

// fastInputs returns float32 values spread over [−lim, lim] by stepping
// through their bit patterns, plus special values.
func fastInputs(lim float32, stride uint32) []float32 {
	var xs []float32
	top := math.Float32bits(lim)
	for b := uint32(0); b <= top; b += stride {
		x := math.Float32frombits(b)
		xs = append(xs, x, -x)
	}
	return append(xs, 0, 1, -1, 87.3, -87.3, 88, -88, 89, -89, 103, -103, 1e4, -1e4, 1e30, -1e30,
		float32(math.Inf(1)), float32(math.Inf(-1)), math.MaxFloat32, -math.MaxFloat32, 1e-45, -1e-45)
}

// ulpMax keeps the largest error in ulps of a fast function against
// float64 math, and the input where it occurred; where the true value is
// below the smallest normal float32 it demands an absolute error of at most
// 2⁻¹²⁶ instead.
type ulpMax struct {
	name string
	err  float64
	at   float32
}

func (m *ulpMax) check(t *testing.T, x, got float32, want float64) {
	t.Helper()
	if want >= 0x1p-126 {
		if e := ulpErr(got, want); e > m.err {
			m.err, m.at = e, x
		}
	} else if math.Abs(float64(got)-want) > 0x1p-126 {
		t.Fatalf("%s(%g) = %g, want %g", m.name, x, got, want)
	}
}

// TestFastAccuracy measures SigmoidFast and SoftplusFast against float64
// math and checks that the vector kernels give the same bits.
func TestFastAccuracy(t *testing.T) {
	xs := fastInputs(120, 1021)
	sig, sp := ulpMax{name: "σ"}, ulpMax{name: "softplus"}
	for _, x := range xs {
		sig.check(t, x, SigmoidFast(x), Sigmoid(float64(x)))
		sp.check(t, x, SoftplusFast(x), Softplus(float64(x)))
	}
	t.Logf("max error over %d inputs: sigmoid %.2f ulp (at %g), softplus %.2f ulp (at %g)", len(xs), sig.err, sig.at, sp.err, sp.at)
	if sig.err > 3 || sp.err > 3 {
		t.Fatalf("max error: sigmoid %.2f ulp at %g, softplus %.2f ulp at %g; documented bound 3", sig.err, sig.at, sp.err, sp.at)
	}
	if s := SigmoidFast(float32(math.NaN())); s == s {
		t.Fatal("σ(NaN) is not NaN")
	}
	if s := SoftplusFast(float32(math.NaN())); s == s {
		t.Fatal("softplus(NaN) is not NaN")
	}
	// The vector kernels agree bit for bit with the scalar code.
	bothPaths(t, func(t *testing.T) {
		got := make([]float32, len(xs))
		SigmoidInto(got, xs)
		for i, x := range xs {
			if w := SigmoidFast(x); math.Float32bits(got[i]) != math.Float32bits(w) && !(w != w && got[i] != got[i]) {
				t.Fatalf("SigmoidInto(%g) = %g, scalar %g", x, got[i], w)
			}
		}
	})
}

func TestSigmoidBiasRowsAndSums(t *testing.T) {
	rng := NewRand(4)
	var ref []float32
	var refSum, refShift float64
	bothPaths(t, func(t *testing.T) {
		for _, cols := range []int{1, 7, 8, 13, 64, 500} {
			m := New(3, cols)
			rng := NewRand(uint64(cols))
			rng.Normal(m.Data, 0, 4)
			bias := make([]float32, cols)
			rng.Normal(bias, 0, 4)
			x := m.Clone()
			SigmoidBiasRows(m, bias)
			for i, v := range m.Data {
				want := SigmoidFast(float32(x.Data[i] + bias[i%cols]))
				if math.Float32bits(v) != math.Float32bits(want) {
					t.Fatalf("cols %d: SigmoidBiasRows[%d] = %g, want %g", cols, i, v, want)
				}
			}
			var s, ss float64
			for i, v := range x.Data[:cols] {
				s += Softplus(float64(v))
				ss += Softplus(float64(float32(v - bias[i])))
			}
			got, gotShift := SoftplusSumFast(x.Data[:cols]), SoftplusShiftSum(x.Data[:cols], bias, -1)
			if math.Abs(got-s) > 4e-7*math.Abs(s)+1e-6*float64(cols) || math.Abs(gotShift-ss) > 4e-7*math.Abs(ss)+1e-6*float64(cols) {
				t.Fatalf("cols %d: softplus sums %v, %v; want %v, %v", cols, got, gotShift, s, ss)
			}
		}
	})
	// Both paths give the same bits on a long vector.
	a := make([]float32, 1003)
	w := make([]float32, 1003)
	rng.Normal(a, 0, 5)
	rng.Normal(w, 0, 1)
	bothPaths(t, func(t *testing.T) {
		s, sh := SoftplusSumFast(a), SoftplusShiftSum(a, w, 1)
		out := make([]float32, len(a))
		SigmoidInto(out, a)
		if ref == nil {
			ref, refSum, refShift = out, s, sh
			return
		}
		if s != refSum || sh != refShift {
			t.Fatalf("paths differ: %v %v vs %v %v", s, sh, refSum, refShift)
		}
		for i := range out {
			if out[i] != ref[i] {
				t.Fatalf("SigmoidInto paths differ at %d", i)
			}
		}
	})
}

func TestFastNoAllocs(t *testing.T) {
	m := New(100, 500)
	bias := make([]float32, 500)
	if n := testing.AllocsPerRun(10, func() {
		SigmoidBiasRows(m, bias)
		SigmoidInto(m.Data, m.Data)
		_ = SoftplusShiftSum(m.Row(0), m.Row(1), -1)
		_ = SoftplusSumFast(m.Row(0))
	}); n > 0 {
		t.Fatalf("%v allocations", n)
	}
}
