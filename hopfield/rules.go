package hopfield

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/ebm-go/ebm/internal/tensor"
)

// storeHebbian adds (1/N) XᵀX to w and zeroes the diagonal. X is ±1, so the
// product is an exact integer matrix before the single scaling.
func storeHebbian(w, x *tensor.Matrix) {
	n := w.Rows
	tensor.Gemm(true, false, 1/float32(n), x, x, 1, w)
	for i := 0; i < n; i++ {
		w.Set(i, i, 0)
	}
}

// storkeyStep stores one ±1 pattern ξ with the Storkey (1997) rule, in
// place, in O(N²):
//
//	W_ij ← W_ij + (1/N)(ξ_iξ_j − ξ_i h_ji − h_ij ξ_j)   (i ≠ j)
//	h_ij = Σ_{k≠i,j} W_ik ξ_k                            (weights before ξ)
//
// The fields come from one matrix–vector product with the old weights:
// h_i = Σ_k W_ik ξ_k, a_i = h_i − W_ii ξ_i, so h_ij = a_i − W_ij ξ_j and
// h_ji = a_j − W_ji ξ_i = a_j − W_ij ξ_i (W symmetric). With ξ_i² = 1,
//
//	ξ_i h_ji + h_ij ξ_j = ξ_i a_j + a_i ξ_j − 2W_ij,
//
// so ΔW_ij = (1/N)(ξ_iξ_j + 2W_ij − (ξ_i a_j + ξ_j a_i)). That expression is
// symmetric in i and j operation by operation, so W stays exactly symmetric,
// and each row needs only its own old entries: rows are updated in parallel
// and the result does not depend on par. The diagonal is left unchanged.
// ws is scratch of length ≥ 2N.
func storkeyStep(w *tensor.Matrix, xi []float32, ws []float64, par int) {
	n := w.Rows
	a := ws[:n]
	parallelRows(n, par, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := w.Row(i)
			a[i] = tensor.Dot(row, xi) - float64(row[i])*float64(xi[i])
		}
	})
	invN := 1 / float64(n)
	parallelRows(n, par, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := w.Row(i)
			xiI, aI := float64(xi[i]), a[i]
			for j, wij := range row {
				if j == i {
					continue
				}
				xiJ := float64(xi[j])
				v := float64(wij)
				d := (xiI*xiJ + 2*v) - (xiI*a[j] + xiJ*aI)
				row[j] = float32(v + invN*d)
			}
		}
	})
}

// rankTol is the relative size below which an eigenvalue of the Gram matrix
// XXᵀ counts as zero (a linear dependence among the patterns). The computed
// eigenvalues of a p×p symmetric matrix are accurate to about p·2⁻⁵² of the
// largest, far below 1e-9; and independent ±1 patterns have an integer Gram
// matrix with determinant ≥ 1, whose eigenvalues are not that small in
// practice. A ratio of 1e-9 is a ratio of about 3e-5 between singular
// values of X.
const rankTol = 1e-9

// projection returns P = X⁺X (N×N), the orthogonal projection onto the span
// of the rows of x (p×N, ±1), and the rank of x. It uses the Gram matrix
// G = XXᵀ = QΛQᵀ: with B = Λ_r^{−½} Q_rᵀ X (the r right singular vectors of
// X, for the eigenvalues above rankTol·λ_max), P = BᵀB. Linearly dependent
// patterns are handled by dropping the zero eigenvalues, which gives the
// Moore–Penrose pseudo-inverse. The eigen-decomposition is float64 (gonum);
// the N×N product goes through tensor.Gemm in float32, and P is made exactly
// symmetric.
func projection(x *tensor.Matrix, par int) (*tensor.Matrix, int, error) {
	p, n := x.Rows, x.Cols
	g32 := tensor.New(p, p)
	tensor.MatMulTB(g32, x, x) // exact: integer entries ≤ N
	g := mat.NewSymDense(p, nil)
	for i := 0; i < p; i++ {
		for j := i; j < p; j++ {
			g.SetSym(i, j, float64(g32.At(i, j)))
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(g, true) {
		return nil, 0, fmt.Errorf("hopfield: pseudo-inverse: the eigen-decomposition of the %d×%d Gram matrix did not converge", p, p)
	}
	vals := eig.Values(nil)
	var q mat.Dense
	eig.VectorsTo(&q)
	lmax := vals[len(vals)-1]
	var keep []int
	for k, l := range vals {
		if l > rankTol*lmax && l > 0 {
			keep = append(keep, k)
		}
	}
	r := len(keep)
	out := tensor.New(n, n)
	if r == 0 {
		return out, 0, nil
	}
	// C = Q_rᵀ X scaled row-wise by λ^{−½}, in float64, then rounded to B.
	qr := tensor.New(r, p)
	for a, k := range keep {
		s := 1 / math.Sqrt(vals[k])
		for i := 0; i < p; i++ {
			qr.Set(a, i, float32(q.At(i, k)*s))
		}
	}
	// B = qr·X in float64 accumulation: X is ±1, so each entry is a signed
	// sum of p float32 values; do it row by row in float64.
	b := tensor.New(r, n)
	parallelRows(r, par, func(lo, hi int) {
		acc := make([]float64, n)
		for a := lo; a < hi; a++ {
			clear(acc)
			for i, c := range qr.Row(a) {
				cf := float64(c)
				for j, v := range x.Row(i) {
					acc[j] += cf * float64(v)
				}
			}
			for j, v := range acc {
				b.Set(a, j, float32(v))
			}
		}
	})
	tensor.MatMulTA(out, b, b)
	d := out.Data
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			avg := float32((float64(d[i*n+j]) + float64(d[j*n+i])) / 2)
			d[i*n+j], d[j*n+i] = avg, avg
		}
	}
	return out, r, nil
}
