package hopfield

import (
	"math"

	"github.com/ebm-go/ebm/internal/tensor"
)

// Block sizes of batched Storkey learning (storkeyStore). A block of B
// patterns costs one N×N×B product for the fields, O(N·B²) float64
// corrections (scalar code, so they set the best B: it grows with N) and
// one rank-2B update. B is at most N/storkeyBlockDiv so that the growth
// factor c^B = (1 + 2/N)^B ≤ e^{2/storkeyBlockDiv} stays close to 1 (see
// storkeyBlock: the old weights are scaled by c^B and the updates remove
// most of that again, so rounding errors grow with it). Blocks of fewer
// than storkeyMinBlock patterns, and every network of fewer than
// storkeyMinN neurons, use storkeyStep pattern by pattern. The sizes were
// chosen with BenchmarkStorkeyStore on a 2-core machine (fastest of
// B = 16, 32, 64, 128: 16 at N = 128 and 256, 32 at N = 784, 64 and 128
// within the noise of each other at N = 2,000, where 64 keeps the
// scratch smaller; see docs/performance.md, "Batched Storkey learning").
const (
	storkeyMinBlock = 4
	storkeyBlockDiv = 8
	storkeyMinN     = 64
)

// storkeyBlockSize is the block size storkeyStore uses for a network of n
// neurons (0: pattern by pattern).
func storkeyBlockSize(n int) int {
	b := 64
	switch {
	case n < 512:
		b = 16
	case n < 1536:
		b = 32
	}
	b = min(b, n/storkeyBlockDiv)
	if n < storkeyMinN || b < storkeyMinBlock {
		return 0
	}
	return b
}

// storkeyChunk is the fixed row chunk of storkeyBlock's field loop: the
// inner products a_kᵀξ_m are summed per chunk and the chunk sums added in
// order, so the result does not depend on how chunks are shared out.
const storkeyChunk = 256

// parallelParts runs f over [0, parts) split into contiguous ranges on up
// to par goroutines (on the caller alone unless split).
func parallelParts(parts, par int, split bool, f func(lo, hi int)) {
	if !split {
		par = 1
	}
	tensor.Split(parts, par, f)
}

// storkeyStore stores the rows of x (±1) in w with the Storkey rule, in
// blocks of storkeyBlockSize patterns (storkeyBlock), the tail of fewer
// than storkeyMinBlock patterns one at a time (storkeyStep). The blocks
// depend only on N and on the number of rows, never on par, and neither
// step's result depends on par: w does not depend on GOMAXPROCS.
func storkeyStore(w, x *tensor.Matrix, par int) {
	storkeyStoreBlocks(w, x, storkeyBlockSize(w.Rows), par)
}

// storkeyStoreBlocks is storkeyStore with blocks of bs patterns (0: one
// pattern at a time).
func storkeyStoreBlocks(w, x *tensor.Matrix, bs, par int) {
	n := w.Rows
	mu := 0
	if bs > 0 {
		var ws storkeyScratch
		for mu+storkeyMinBlock <= x.Rows {
			b := min(bs, x.Rows-mu)
			storkeyBlock(w, x.SliceRows(mu, mu+b), par, &ws)
			mu += b
		}
	}
	if mu < x.Rows {
		ws := make([]float64, 2*n)
		for ; mu < x.Rows; mu++ {
			storkeyStep(w, x.Row(mu), ws, par)
		}
	}
}

// storkeyScratch is the working memory of storkeyBlock, reused from block
// to block.
type storkeyScratch struct {
	f, s, lt, r *tensor.Matrix
	a           []float64 // B×N fields, row k = a_k
	acc         []float64 // N: Σ_{l<k} c^{k−1−l} ξ_l∘a_l
	t           []float64 // B×B: t[l·B+k] = a_lᵀξ_k for l < k
	part        []float64 // chunks×B: one chunk's part of a_kᵀξ_m
	pw          []float64 // B+1: c^m
	diag        []float32
}

func (s *storkeyScratch) ensure(b, n int) {
	if s.f == nil || s.f.Rows != b || s.f.Cols != n {
		s.f, s.s = tensor.New(b, n), tensor.New(b, b)
		s.lt, s.r = tensor.New(2*b, n), tensor.New(2*b, n)
		s.a = make([]float64, b*n)
		s.t, s.pw = make([]float64, b*b), make([]float64, b+1)
		s.part = make([]float64, (n+storkeyChunk-1)/storkeyChunk*b)
	}
	if len(s.acc) != n {
		s.acc, s.diag = make([]float64, n), make([]float32, n)
	}
}

// storkeyBlock stores the B rows ξ_0 … ξ_{B−1} of x (±1) in w with the
// Storkey rule, with the same result as B calls of storkeyStep up to
// rounding, using matrix products.
//
// Derivation. Write W = D + O, D the diagonal (which the rule never
// changes) and O the off-diagonal part. storkeyStep with pattern ξ_k and
// fields a_k = W_k ξ_k − D ξ_k = O_k ξ_k is, off the diagonal,
//
//	O_{k+1} = c·O_k + (1/N)·off(U_k),   c = 1 + 2/N,
//	U_k = ξ_kξ_kᵀ − ξ_k a_kᵀ − a_k ξ_kᵀ,
//
// where off(M) is M with its diagonal set to zero. Unrolled,
//
//	O_k = c^k O_0 + (1/N) Σ_{l<k} c^{k−1−l} off(U_l)               (1)
//
// and for k = B this is the result. The fields of step k follow from (1):
//
//	a_k = c^k (W_0ξ_k − D ξ_k) + (1/N) Σ_{l<k} c^{k−1−l} off(U_l) ξ_k.
//
// The diagonal of U_l is (U_l)_ii = ξ_li² − 2ξ_li a_li = 1 − 2ξ_li a_li, so
// off(U_l)ξ_k = U_lξ_k − diag(U_l)∘ξ_k, and with s_lk = ξ_lᵀξ_k (an exact
// integer) and t_lk = a_lᵀξ_k,
//
//	off(U_l)ξ_k = (s_lk − t_lk) ξ_l − s_lk a_l − ξ_k + 2 ξ_l∘a_l∘ξ_k.
//
// The last two terms do not depend on k beyond ξ_k and a weight c^{k−1−l},
// so with g_k = Σ_{l<k} c^{k−1−l} and ρ_k = Σ_{l<k} c^{k−1−l} ξ_l∘a_l
// (g_{k+1} = c·g_k + 1, ρ_{k+1} = c·ρ_k + ξ_k∘a_k):
//
//	a_k = c^k (F_k − D ξ_k) + (1/N) [ Σ_{l<k} c^{k−1−l} ((s_lk − t_lk) ξ_l − s_lk a_l)
//	                                  + ξ_k∘(2ρ_k − g_k) ]               (2)
//
// with F = Ξ W_0 (B×N, one tensor.Gemm; row k is W_0ξ_k since W_0 is
// symmetric) and S = Ξ Ξᵀ (B×B, exact). The fields are computed in order
// k = 0, 1, … (t_lk needs a_l complete), all in float64: O(N·B²) work.
//
// The update. By (1), off the diagonal,
//
//	W_B = c^B W_0 + Σ_k e_k U_k,   e_k = c^{B−1−k}/N,
//
// and U_k = v_kv_kᵀ − a_ka_kᵀ with v_k = ξ_k − a_k, so the sum is
// Lᵀ R with the 2B×N matrices L (rows √e_k v_k, √e_k a_k, interleaved) and
// R (rows √e_k v_k, −√e_k a_k): one tensor.Gemm with beta = c^B. Every
// term of element (i, j) is a product x_i·x_j (or its negation) of one
// row of L, summed in the same order as for (j, i), so W stays exactly
// symmetric. Gemm also adds c^B·D + Σ_k e_k diag(U_k) to the diagonal;
// the saved diagonal D is written back afterwards, which is exactly the
// rule (the diagonal is never changed, and the fields above already
// subtract what off() removes).
//
// Rounding: F is a float32 sum of N terms (storkeyStep sums in float64),
// L and R are rounded to float32 and the update is a float32 sum of 2B
// terms; everything else is float64. Every part splits only outputs: Gemm
// by output blocks, the fields by fixed chunks of storkeyChunk rows. The
// inner products t_km = a_kᵀξ_m (m > k) are summed per chunk while a_k is
// computed and the chunk sums added in chunk order, so the result does
// not depend on par or GOMAXPROCS.
func storkeyBlock(w, x *tensor.Matrix, par int, ws *storkeyScratch) {
	n, b := w.Rows, x.Rows
	ws.ensure(b, n)
	invN := 1 / float64(n)
	c := 1 + 2*invN
	ws.pw[0] = 1
	for m := 1; m <= b; m++ {
		ws.pw[m] = ws.pw[m-1] * c
	}
	for i := range n {
		ws.diag[i] = w.Data[i*n+i]
	}
	tensor.Gemm(false, false, 1, x, w, 0, ws.f) // F = Ξ W_0
	tensor.Gemm(false, true, 1, x, x, 0, ws.s)  // S = Ξ Ξᵀ, exact
	clear(ws.acc)
	a, acc, tt, part, diag := ws.a, ws.acc, ws.t, ws.part, ws.diag
	nc := len(part) / b
	var g float64
	for k := range b {
		xk := x.Row(k)
		ak := a[k*n : (k+1)*n]
		srow := ws.s.Row(k) // S is symmetric: s_lk = S[k][l]
		ck := ws.pw[k]
		fk := ws.f.Row(k)
		gk := g
		// Rows in fixed chunks of storkeyChunk: a_k by (2), then the
		// chunk's part of a_kᵀξ_m for the later patterns m > k.
		parallelParts(nc, par, n >= 2*storkeyChunk, func(clo, chi int) {
			for ch := clo; ch < chi; ch++ {
				lo, hi := ch*storkeyChunk, min(n, (ch+1)*storkeyChunk)
				dst := ak[lo:hi]
				for i := range dst {
					dst[i] = ck * (float64(fk[lo+i]) - float64(diag[lo+i])*float64(xk[lo+i]))
				}
				// Σ_{l<k} α_l ξ_l + β_l a_l, four patterns l per pass
				// over dst (added in the order l, l+1, l+2, l+3).
				coef := func(l int) (float64, float64) {
					e := ws.pw[k-1-l] * invN
					slk := float64(srow[l])
					return e * (slk - tt[l*b+k]), -e * slk
				}
				l := 0
				for ; l+4 <= k; l += 4 {
					a0, b0 := coef(l)
					a1, b1 := coef(l + 1)
					a2, b2 := coef(l + 2)
					a3, b3 := coef(l + 3)
					x0, x1 := x.Row(l)[lo:hi], x.Row(l + 1)[lo:hi]
					x2, x3 := x.Row(l + 2)[lo:hi], x.Row(l + 3)[lo:hi]
					v0, v1 := a[l*n+lo:l*n+hi], a[(l+1)*n+lo:(l+1)*n+hi]
					v2, v3 := a[(l+2)*n+lo:(l+2)*n+hi], a[(l+3)*n+lo:(l+3)*n+hi]
					x1, x2, x3 = x1[:len(dst)], x2[:len(dst)], x3[:len(dst)]
					v0, v1, v2, v3 = v0[:len(dst)], v1[:len(dst)], v2[:len(dst)], v3[:len(dst)]
					for i, x0i := range x0[:len(dst)] {
						d := dst[i] + (a0*float64(x0i) + b0*v0[i])
						d += a1*float64(x1[i]) + b1*v1[i]
						d += a2*float64(x2[i]) + b2*v2[i]
						dst[i] = d + (a3*float64(x3[i]) + b3*v3[i])
					}
				}
				for ; l < k; l++ {
					al, bl := coef(l)
					xl := x.Row(l)[lo:hi]
					av := a[l*n+lo : l*n+hi]
					for i, v := range xl {
						dst[i] += al*float64(v) + bl*av[i]
					}
				}
				for i := range dst {
					xi := float64(xk[lo+i])
					dst[i] += invN * xi * (2*acc[lo+i] - gk)
					acc[lo+i] = c*acc[lo+i] + xi*dst[i]
				}
				pc := part[ch*b : (ch+1)*b]
				for m := k + 1; m < b; m++ {
					pc[m] = dot64(dst, x.Row(m)[lo:hi])
				}
			}
		})
		// t_km = a_kᵀξ_m: the chunks' parts added in chunk order.
		for m := k + 1; m < b; m++ {
			var sum float64
			for ch := range nc {
				sum += part[ch*b+m]
			}
			tt[k*b+m] = sum
		}
		g = c*g + 1
	}
	// L and R (2B×N): rows 2k = √e_k v_k in both, rows 2k+1 = √e_k a_k in
	// L and −√e_k a_k in R.
	parallelRows(b, min(par, b*n/(1<<14)+1), func(lo, hi int) {
		for k := lo; k < hi; k++ {
			se := math.Sqrt(ws.pw[b-1-k] * invN)
			xk := x.Row(k)
			ak := a[k*n : (k+1)*n]
			lv, la := ws.lt.Row(2*k), ws.lt.Row(2*k+1)
			rv, ra := ws.r.Row(2*k), ws.r.Row(2*k+1)
			for i, v := range xk {
				p := float32(se * (float64(v) - ak[i]))
				q := float32(se * ak[i])
				lv[i], rv[i] = p, p
				la[i], ra[i] = q, -q
			}
		}
	})
	tensor.Gemm(true, false, 1, ws.lt, ws.r, float32(ws.pw[b]), w)
	for i := range n {
		w.Data[i*n+i] = diag[i]
	}
}

// dot64 is Σ a_i·x_i in float64: four interleaved partial sums (i mod 4)
// added at the end, a fixed order for a given length.
func dot64(a []float64, x []float32) float64 {
	x = x[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * float64(x[i])
		s1 += a[i+1] * float64(x[i+1])
		s2 += a[i+2] * float64(x[i+2])
		s3 += a[i+3] * float64(x[i+3])
	}
	for ; i < len(a); i++ {
		s0 += a[i] * float64(x[i])
	}
	return (s0 + s1) + (s2 + s3)
}
