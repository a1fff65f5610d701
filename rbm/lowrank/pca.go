package lowrank

import (
	"context"
	"math"
	"sort"

	"github.com/ebm-go/ebm/internal/tensor"
)

// principal returns the d leading eigenvectors of the data's covariance
// (N × d, orthonormal columns, largest variance first, each signed so that
// its largest entry is positive) and their variances, by subspace (block
// power) iteration from a Gaussian start drawn from rng, then a
// Rayleigh–Ritz rotation. The products with the data go through tensor's
// matrix product; C·V = (Xᵀ(XV))/n − μ(μᵀV).
func principal(ctx context.Context, x *tensor.Matrix, d, iters int, rng *tensor.Rand) (*tensor.Matrix, []float64, error) {
	n, nv := x.Rows, x.Cols
	mu := make([]float32, nv)
	tensor.ColumnSums(mu, x, 1/float32(n))
	v := tensor.New(nv, d)
	rng.Normal(v.Data, 0, 1)
	orthonormalize(v)
	xv, cv := tensor.New(n, d), tensor.New(nv, d)
	apply := func() {
		tensor.MatMul(xv, x, v)
		tensor.MatMulTA(cv, x, xv)
		tensor.Scale(cv.Data, 1/float32(n))
		for l := range d {
			var mv float64
			for i := range nv {
				mv += float64(mu[i]) * float64(v.At(i, l))
			}
			for i := range nv {
				cv.Data[i*d+l] -= mu[i] * float32(mv)
			}
		}
	}
	for it := 0; it < iters; it++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		apply()
		prev := v.Clone()
		v.CopyFrom(cv)
		orthonormalize(v)
		// Stop when the subspace no longer moves: ‖V − V_prev V_prevᵀ V‖ small.
		moved := 0.0
		for l := range d {
			for l2 := range d {
				var dot float64
				for i := range nv {
					dot += float64(v.At(i, l)) * float64(prev.At(i, l2))
				}
				if l == l2 {
					moved = math.Max(moved, 1-math.Abs(dot))
				}
			}
		}
		if moved < 1e-7 {
			break
		}
	}
	// Rayleigh–Ritz: T = Vᵀ C V, rotate V to T's eigenvectors.
	apply()
	t := make([]float64, d*d)
	for a := range d {
		for b := range d {
			for i := range nv {
				t[a*d+b] += float64(v.At(i, a)) * float64(cv.At(i, b))
			}
		}
	}
	for a := range d { // symmetrize float32 noise
		for b := a + 1; b < d; b++ {
			m := (t[a*d+b] + t[b*d+a]) / 2
			t[a*d+b], t[b*d+a] = m, m
		}
	}
	vals, vecs := jacobi(t, d)
	order := make([]int, d)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return vals[order[i]] > vals[order[j]] })
	out := tensor.New(nv, d)
	variances := make([]float64, d)
	for l, e := range order {
		variances[l] = vals[e]
		big, at := 0.0, 0
		for i := range nv {
			var s float64
			for a := range d {
				s += float64(v.At(i, a)) * vecs[a*d+e]
			}
			out.Data[i*d+l] = float32(s)
			if math.Abs(s) > big {
				big, at = math.Abs(s), i
			}
		}
		if out.Data[at*d+l] < 0 {
			for i := range nv {
				out.Data[i*d+l] = -out.Data[i*d+l]
			}
		}
	}
	orthonormalize(out)
	return out, variances, nil
}

// orthonormalize makes the columns of v orthonormal (modified Gram–Schmidt
// in float64). A column that vanishes stays zero.
func orthonormalize(v *tensor.Matrix) {
	nv, d := v.Rows, v.Cols
	col := make([][]float64, d)
	for l := range d {
		col[l] = make([]float64, nv)
		for i := range nv {
			col[l][i] = float64(v.At(i, l))
		}
		for p := range l {
			var dot float64
			for i := range nv {
				dot += col[l][i] * col[p][i]
			}
			for i := range nv {
				col[l][i] -= dot * col[p][i]
			}
		}
		var norm float64
		for _, x := range col[l] {
			norm += x * x
		}
		if norm = math.Sqrt(norm); norm > 0 {
			for i := range col[l] {
				col[l][i] /= norm
			}
		}
		for i := range nv {
			v.Data[i*d+l] = float32(col[l][i])
		}
	}
}

// jacobi returns the eigenvalues and eigenvectors (columns of the row-major
// d × d result) of the symmetric matrix a, by cyclic Jacobi rotations.
func jacobi(a []float64, d int) ([]float64, []float64) {
	a = append([]float64(nil), a...)
	v := make([]float64, d*d)
	for i := range d {
		v[i*d+i] = 1
	}
	for sweep := 0; sweep < 100; sweep++ {
		var off float64
		for p := range d {
			for q := p + 1; q < d; q++ {
				off += a[p*d+q] * a[p*d+q]
			}
		}
		if off < 1e-30 {
			break
		}
		for p := range d {
			for q := p + 1; q < d; q++ {
				if a[p*d+q] == 0 {
					continue
				}
				theta := (a[q*d+q] - a[p*d+p]) / (2 * a[p*d+q])
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := range d {
					akp, akq := a[k*d+p], a[k*d+q]
					a[k*d+p], a[k*d+q] = c*akp-s*akq, s*akp+c*akq
				}
				for k := range d {
					apk, aqk := a[p*d+k], a[q*d+k]
					a[p*d+k], a[q*d+k] = c*apk-s*aqk, s*apk+c*aqk
				}
				for k := range d {
					vkp, vkq := v[k*d+p], v[k*d+q]
					v[k*d+p], v[k*d+q] = c*vkp-s*vkq, s*vkp+c*vkq
				}
			}
		}
	}
	vals := make([]float64, d)
	for i := range d {
		vals[i] = a[i*d+i]
	}
	return vals, v
}
