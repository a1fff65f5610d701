package estimate

import (
	"math"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

// TestSoftplusSumMatchesLog1p checks the block-product Σ softplus against
// the sum of tensor.Softplus terms (math.Log1p) that AIS used before: the
// two agree to a few float64 ulps of the sum.
func TestSoftplusSumMatchesLog1p(t *testing.T) {
	rng := tensor.NewRand(7)
	for _, n := range []int{1, 63, 64, 65, 500, 2000} {
		for _, scale := range []float32{0.01, 1, 30, 300} {
			a := make([]float32, n)
			rng.Normal(a, 0, scale)
			for _, beta := range []float64{0, 1e-5, 0.5, 1} {
				var want float64
				for _, x := range a {
					want += tensor.Softplus(beta * float64(x))
				}
				got := softplusSum(a, beta)
				if d := math.Abs(got - want); d > 1e-13*math.Max(1, math.Abs(want)) {
					t.Errorf("n=%d scale=%g β=%g: got %.17g, want %.17g (diff %g)", n, scale, beta, got, want, d)
				}
			}
		}
	}
}
