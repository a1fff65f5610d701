package tensor

import "sync"

// One-row products. c = alpha·x·op(b) + beta·c with a single row x and b
// not transposed is a sum of the rows of b scaled by alpha·x_k: the gather
// kernel with a coefficient per row (gemvAxpy), all k in order, so each
// element gets the fused multiply–adds of the dense path (coefficient
// float32(alpha·x_k), as packA rounds it) in the same order — the same
// bits, without packing b, which for one row costs as much as the product.

// gemvBuf holds the row indices 0…k−1 (with the two slots of slack the
// kernels read ahead) and the coefficients of one product.
type gemvBuf struct {
	idx  []int32
	coef []float32
}

var gemvBufs freeList[gemvBuf]

type gemvArgs struct {
	buf  *gemvBuf
	b    *Matrix
	c    []float32
	nblk int
}

var gemvTasks sync.Pool

// gemv computes c = alpha·x·b + beta·c for one row x (len k = b.Rows) and
// c (len n = b.Cols), split over column blocks.
func gemv(alpha float32, x []float32, b *Matrix, beta float32, c []float32) {
	k, n := b.Rows, b.Cols
	scaleC(&Matrix{Rows: 1, Cols: n, Data: c}, beta)
	buf := gemvBufs.get()
	if cap(buf.idx) < k+2 {
		buf.idx = make([]int32, k, k+2)
		buf.coef = make([]float32, k)
		for i := range buf.idx {
			buf.idx[i] = int32(i)
		}
	}
	buf.idx, buf.coef = buf.idx[:k], buf.coef[:k]
	for i, v := range x[:k] {
		buf.idx[i] = int32(i)
		if alpha != 1 {
			v = alpha * v
		}
		buf.coef[i] = v
	}
	nblk := (n + gatherWidth() - 1) / gatherWidth()
	parallelFor(&gemvTasks, gemvArgs{buf: buf, b: b, c: c, nblk: nblk}, func(a *gemvArgs, lo, hi int) {
		kern := gemvKernel()
		for blk := lo; blk < hi; blk++ {
			j0, j1 := blockCols(len(a.c), a.nblk, blk)
			kern(a.buf.coef, a.b.Data[j0:], a.b.Cols, a.buf.idx, a.c[j0:j1])
		}
	}, nblk, 1, float64(k)*float64(n))
	gemvBufs.put(buf)
}

// gemvGeneric is the portable one-row kernel: the gather kernel of this
// build (gatherKernel) once per row of b, with that row's coefficient.
func gemvGeneric(coef, b []float32, ldb int, idx []int32, c []float32) {
	g := gatherKernel()
	for t := range idx {
		g(coef[t], b, ldb, idx[t:t+1], c)
	}
}
