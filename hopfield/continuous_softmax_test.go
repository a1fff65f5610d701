package hopfield

import (
	"context"
	"math"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

// TestContinuousRetrieveAgainstFloat64 compares one-step Retrieve with a
// brute-force float64 retrieval (scores, softmax and mixture all in
// float64) on a small random memory, entry by entry, with a tolerance
// derived from the float32 path. With u = 2⁻²⁴, A_μ = Σ_j |x^μ_j||ξ_j|,
// A = max_μ A_μ and t_μ = β(z_μ − max z):
//
//   - each score from the fused-multiply–add product is within d·u·A_μ;
//   - the softmax of tensor.SoftmaxRows (β rounded to float32 adds u|t_μ|)
//     then gives every weight within relative
//     η_μ = u·(4βdA + 3|t_μ| + 3 ln M + 6)  (+ 2⁻¹²⁶ absolute);
//   - the mixture R_j = Σ_μ p_μ x^μ_j, again by fused multiply–adds in
//     order, adds M·u·Σ_μ p_μ|x^μ_j|.
//
// So |r_j − r*_j| ≤ Σ_μ (η_μ + M·u)·p*_μ·|x^μ_j| + M·2⁻¹²⁶·max|x| + ½ulp(r*_j),
// up to second-order terms, covered by a factor 1.01. The reports are
// checked the same way: the effective number 1/Σp² within the relative
// error 2·Σ p*²η/Σ p*² of Σp² (and its inverse), the top pattern whenever
// its score leads the next by more than twice the score error.
func TestContinuousRetrieveAgainstFloat64(t *testing.T) {
	const u = 0x1p-24
	rng := tensor.NewRand(21)
	const mm, d, nq = 301, 24, 40
	x := randomNormal(mm, d, rng)
	q := randomNormal(nq, d, rng)
	tensor.Scale(q.Data, 0.7)
	for _, beta := range []float64{0, 0.05, 0.5, 2, 8, 1e6} {
		c := newContinuousWith(t, beta, x)
		r, reps, err := c.Retrieve(context.Background(), q, RetrieveOptions{Steps: 1})
		if err != nil {
			t.Fatal(err)
		}
		var worst float64
		for i := 0; i < nq; i++ {
			xi := q.Row(i)
			z, a := make([]float64, mm), make([]float64, mm)
			zmax, amax := math.Inf(-1), 0.0
			for mu := 0; mu < mm; mu++ {
				for j, v := range x.Row(mu) {
					z[mu] += float64(v) * float64(xi[j])
					a[mu] += math.Abs(float64(v) * float64(xi[j]))
				}
				zmax, amax = math.Max(zmax, z[mu]), math.Max(amax, a[mu])
			}
			p, eta := make([]float64, mm), make([]float64, mm)
			var s float64
			for mu := range z {
				tm := beta * (z[mu] - zmax)
				p[mu] = math.Exp(tm)
				s += p[mu]
				eta[mu] = u * (4*beta*d*amax + 3*math.Abs(tm) + 3*math.Log(mm) + 6)
			}
			var s2, s2err float64
			for mu := range p {
				p[mu] /= s
				s2 += p[mu] * p[mu]
				s2err += 2 * p[mu] * p[mu] * eta[mu]
			}
			for j := 0; j < d; j++ {
				var want, tol float64
				for mu := 0; mu < mm; mu++ {
					xv := float64(x.At(mu, j))
					want += p[mu] * xv
					tol += (eta[mu]+mm*u)*p[mu]*math.Abs(xv) + 0x1p-126*math.Abs(xv)
				}
				tol = 1.01*tol + 0.5*u*2*math.Abs(want)
				got := float64(r.At(i, j))
				if e := math.Abs(got - want); e > tol {
					t.Fatalf("β %g, query %d, entry %d: %v, float64 %v: error %g > tolerance %g", beta, i, j, got, want, e, tol)
				} else if tol > 0 {
					worst = math.Max(worst, e/tol)
				}
			}
			rep := reps[i]
			if rel := 1.01 * s2err / s2; rel < 1 && math.Abs(rep.Effective*s2-1) > rel/(1-rel) {
				t.Fatalf("β %g, query %d: effective %v, float64 %v", beta, i, rep.Effective, 1/s2)
			}
			if beta > 0 {
				top, second := 0, -1
				for mu := 1; mu < mm; mu++ {
					if z[mu] > z[top] {
						top, second = mu, top
					} else if second < 0 || z[mu] > z[second] {
						second = mu
					}
				}
				if z[top]-z[second] > 2*d*u*amax && rep.Top != top {
					t.Fatalf("β %g, query %d: top %d, float64 %d", beta, i, rep.Top, top)
				}
				if math.Abs(rep.TopWeight-p[top]) > 1.01*eta[top]*p[top]+0x1p-126 && rep.Top == top {
					t.Fatalf("β %g, query %d: top weight %v, float64 %v", beta, i, rep.TopWeight, p[top])
				}
			} else if rep.Top != 0 || rep.Fixed != FixedGlobal {
				t.Fatalf("β = 0, query %d: %+v", i, rep)
			}
		}
		t.Logf("β %g: largest error %.3f of the tolerance", beta, worst)
	}
}
