package tensor

import (
	"math"
	"testing"
)

// TestSoftplusSum64Accuracy: SoftplusSum64 is within the rounding bound of
// a float64 sum, n·2⁻⁵³·Σ terms, of the compensated sum of Softplus
// (math.Log1p) terms, and every path gives the same bits.
func TestSoftplusSum64Accuracy(t *testing.T) {
	rng := NewRand(9)
	for _, n := range []int{0, 1, 7, 8, 63, 500, 4096 + 13, 20000} {
		for _, scale := range []float32{0.01, 1, 30, 300} {
			a := make([]float32, n)
			rng.Normal(a, 0, scale)
			for _, beta := range []float64{0, 1e-5, 0.3, 1} {
				var want, comp float64 // Neumaier's compensated sum
				for _, x := range a {
					v := Softplus(beta * float64(x))
					s := want + v
					if math.Abs(want) >= math.Abs(v) {
						comp += (want - s) + v
					} else {
						comp += (v - s) + want
					}
					want = s
				}
				want += comp
				tol := float64(n+8) * 0x1p-53 * math.Max(1, want)
				var ref float64
				bothPaths(t, func(t *testing.T) {
					got := SoftplusSum64(a, beta)
					if d := math.Abs(got - want); d > tol {
						t.Errorf("n=%d scale=%g β=%g: %.17g, want %.17g (diff %g)", n, scale, beta, got, want, d)
					}
					if ref == 0 {
						ref = got
					} else if math.Float64bits(got) != math.Float64bits(ref) {
						t.Errorf("n=%d scale=%g β=%g: paths differ: %v, %v", n, scale, beta, got, ref)
					}
				})
			}
		}
	}
	nan := []float32{1, float32(math.NaN()), 2, 3, 4, 5, 6, 7, 8}
	if s := SoftplusSum64(nan, 1); !math.IsNaN(s) {
		t.Errorf("NaN input gives %v", s)
	}
}

func TestExpNeg64(t *testing.T) {
	var worst float64
	for u := -40.0; u <= 0; u += 0.00137 {
		want := math.Exp(u)
		if d := math.Abs(expNeg64(u)-want) / want; d > worst {
			worst = d
		}
	}
	if worst > 4e-16 {
		t.Errorf("expNeg64: max relative error %g", worst)
	}
}
