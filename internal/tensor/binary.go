package tensor

import (
	"fmt"
	"math"
	"sync"
)

// Binary-aware products. When op(a) holds only zeros and ones, row i of
// alpha·op(a)·b is alpha times the sum of the rows of b selected by the ones
// of row i. Gemm detects this case (binarized data, sampled states) and
// gathers those rows instead of running the dense kernel, so the cost grows
// with the number of ones. Each element still gets the same fused
// multiply–adds in the same order as the dense path (the zero terms of the
// dense sum, fma(0, b, s) = s, change nothing), so the result is
// bit-identical.

// maxBinaryDensity is the fraction of ones above which the dense kernel is
// used: gathering costs about one load per multiply–add, the dense kernel
// packs its operands and keeps them in registers. Where the two cross
// depends on the dense kernel: 100×784 binary by 784×500, one core
// (µs, gather against dense, 2026-12-02):
//
//	ones   AVX-512          AVX2
//	0.3    526 vs 775       635 vs 1,136
//	0.4    770 vs 769       915 vs 1,115
//	0.5    987 vs 773     1,118 vs 1,140
//	0.6  1,193 vs 771     1,345 vs 1,114
//
// so 0.4 with the AVX-512 products, 0.5 otherwise (AVX2; the portable
// kernels keep AVX2's threshold, not measured). Chains started from noise
// (Restart's, half ones) had gathered at 0.5.
func maxBinaryDensity() float64 {
	if AVX512() {
		return 0.4
	}
	return 0.5
}

// onesIndex lists, for each row i of op(a), the depths k where op(a)[i][k]
// = 1, in increasing order: idx[ptr[i]:ptr[i+1]].
type onesIndex struct {
	ptr, idx   []int32
	rptr, ridx []int32 // ones of the rows of a, when op(a) = aᵀ
}

// Index buffers are kept on a free list (not a sync.Pool, which a garbage
// collection empties): at most one per concurrent Gemm call is ever made.
var onesFree freeList[onesIndex]

func growInt32(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n, n+n/4)
	}
	return s[:n]
}

// rowsOnes lists the ones of each row of a into ptr, idx (grown as needed)
// and reports whether a is binary.
func rowsOnes(a *Matrix, ptr, idx []int32) ([]int32, []int32, bool) {
	m, k := a.Rows, a.Cols
	ptr = growInt32(ptr, m+1)
	idx = growInt32(idx, len(a.Data)+8) // +8: the kernel stores whole vectors
	n := 0
	for i := 0; i < m; i++ {
		ptr[i] = int32(n)
		var ok bool
		n, ok = appendOnes(idx, n, a.Data[i*k:(i+1)*k])
		if !ok {
			return ptr, idx, false
		}
	}
	ptr[m] = int32(n)
	return ptr, idx, true
}

// build fills x from op(a) (m×k) and reports whether a is binary.
func (x *onesIndex) build(a *Matrix, trans bool) bool {
	if len(a.Data) >= math.MaxInt32-8 {
		return false
	}
	var ok bool
	if !trans {
		x.ptr, x.idx, ok = rowsOnes(a, x.ptr, x.idx)
		return ok
	}
	// op(a) = aᵀ: row i of op(a) is column i of a. List the ones of the
	// rows of a, then bucket them by column; taking rows in order keeps
	// every bucket sorted.
	x.rptr, x.ridx, ok = rowsOnes(a, x.rptr, x.ridx)
	if !ok {
		return false
	}
	kk, m := a.Rows, a.Cols
	nnz := x.rptr[kk]
	x.ptr = growInt32(x.ptr, m+1)
	clear(x.ptr)
	for _, i := range x.ridx[:nnz] {
		x.ptr[i+1]++
	}
	for i := 0; i < m; i++ {
		x.ptr[i+1] += x.ptr[i]
	}
	x.idx = growInt32(x.idx, int(nnz)+8) // +8: the kernel reads ahead
	// ptr[i] serves as the next free slot of bucket i, then is restored.
	for r := 0; r < kk; r++ {
		for _, i := range x.ridx[x.rptr[r]:x.rptr[r+1]] {
			x.idx[x.ptr[i]] = int32(r)
			x.ptr[i]++
		}
	}
	copy(x.ptr[1:], x.ptr[:m])
	x.ptr[0] = 0
	return true
}

// appendOnes writes the positions of the ones of row into idx from n on and
// returns the new length, or ok = false if row holds a value other than 0
// or 1. idx must have room for len(row)+8 more values.
func appendOnes(idx []int32, n int, row []float32) (int, bool) {
	j := 0
	if accelerated && len(row) >= 8 {
		nv := len(row) / 8
		_ = idx[n+nv*8+7]
		cnt, ok := onesIndex8(&row[0], nv, &idx[n], &onesLUT)
		if !ok {
			return n, false
		}
		n += cnt
		j = nv * 8
	}
	idx = idx[:n+len(row)-j+1]
	for k := j; k < len(row); k++ {
		v := row[k]
		idx[n] = int32(k)
		if v == 1 {
			n++
		} else if v != 0 {
			return n, false
		}
	}
	return n, true
}

// onesLUT[m] lists the set bits of m, for the left-packing kernel.
var onesLUT = func() (t [256][8]int32) {
	for m := range t {
		n := 0
		for b := 0; b < 8; b++ {
			if m&(1<<b) != 0 {
				t[m][n] = int32(b)
				n++
			}
		}
	}
	return t
}()

// binaryWork is a gather product split into parts.
type binaryWork struct {
	x           *onesIndex
	alpha, beta float32
	b, c        *Matrix
	splitRows   bool
	parts, nblk int
}

var binaryWorkPool = sync.Pool{New: func() any { return new(binaryWork) }}

// gatherBlock is the widest column block: 12 vectors of 8 accumulators in
// registers, enough independent fused multiply–adds to hide their latency;
// the rows of b it reads (k × 96 floats) stay in L2 while every row of c is
// summed.
const gatherBlock = 96

// gatherWidth is the widest column block of the gather kernel in use:
// gatherBlock, or four times that (24 of the 32 zmm registers) with
// AVX-512. With 24 vectors a 784×500 b is gathered in two passes of 250
// columns instead of three of 168, and the half of it one core owns in a
// training step (owned weights) in one pass instead of two: per pass every
// row's ones are walked again.
func gatherWidth() int {
	if accelerated && avx512 {
		return 4 * gatherBlock
	}
	return gatherBlock
}

// blockCols returns the columns [j0, j1) of block q of nblk over n columns:
// near-equal widths, multiples of 8 but for the last.
func blockCols(n, nblk, q int) (j0, j1 int) {
	nvec := (n + 7) / 8
	return min(q*nvec/nblk*8, n), min((q+1)*nvec/nblk*8, n)
}

// GemmBinary computes c = alpha·a·b + beta·c with the gather kernel when a
// holds only zeros and ones and is sparse enough, and reports whether it
// did; otherwise it leaves c alone. The result is Gemm's, bit for bit. It
// is for callers that hold b packed (PackedB) for the dense case.
func GemmBinary(alpha float32, a, b *Matrix, beta float32, c *Matrix) bool {
	if trivialGemm("GemmBinary", false, false, alpha, a, b, beta, c) {
		return true
	}
	return gemmBinary(false, alpha, a, b, beta, c)
}

// gemmBinary computes c = alpha·op(a)·b + beta·c with the gather kernel and
// returns true when op(a) is binary and sparse enough; otherwise it returns
// false without touching c.
func gemmBinary(transA bool, alpha float32, a, b *Matrix, beta float32, c *Matrix) bool {
	m, k := c.Rows, b.Rows
	x := onesFree.get()
	defer onesFree.put(x)
	if !x.build(a, transA) || !x.sparse(m, k) {
		return false
	}
	gatherProduct(x, alpha, b, beta, c)
	return true
}

// sparse reports whether the index of an m×k binary operand has few
// enough ones to gather (maxBinaryDensity).
func (x *onesIndex) sparse(m, k int) bool {
	return float64(x.ptr[m]) <= maxBinaryDensity()*float64(m)*float64(k)
}

// Ones is the index of the ones of a binary operand, for several products
// with it: the parts of a training step, each multiplying the same states
// by its own columns of the weights, index them once between them instead
// of once each. The zero value is empty; Index fills it, reusing its
// storage.
type Ones struct {
	x      onesIndex
	m, k   int
	gather bool
}

// Index indexes op(a) — a, or aᵀ when trans — and reports whether products
// from it gather: a holds only zeros and ones, no more of them than Gemm
// gathers (else GemmOnes must not be called; Gemm's dense path applies).
func (o *Ones) Index(a *Matrix, trans bool) bool {
	o.m, o.k = a.Rows, a.Cols
	if trans {
		o.m, o.k = o.k, o.m
	}
	o.gather = o.x.build(a, trans) && o.x.sparse(o.m, o.k)
	return o.gather
}

// Gathers reports what the last Index reported.
func (o *Ones) Gathers() bool { return o.gather }

// GemmOnes computes c = alpha·op(a)·b + beta·c with op(a) indexed in o
// (Index reported true): Gemm's bits, split over the free cores as Gemm's
// gather is.
func GemmOnes(alpha float32, o *Ones, b *Matrix, beta float32, c *Matrix) {
	if !o.gather {
		panic("tensor.GemmOnes: the operand was not indexed for gathering")
	}
	if o.k != b.Rows || c.Rows != o.m || c.Cols != b.Cols {
		panic(fmt.Sprintf("tensor.GemmOnes: shapes op(a) %d×%d, b %d×%d, c %d×%d", o.m, o.k, b.Rows, b.Cols, c.Rows, c.Cols))
	}
	if c.Rows == 0 || c.Cols == 0 {
		return
	}
	if o.k == 0 || alpha == 0 {
		scaleC(c, beta)
		return
	}
	gatherProduct(&o.x, alpha, b, beta, c)
}

// gatherProduct runs the gather kernel for c = alpha·op(a)·b + beta·c with
// op(a) indexed in x.
func gatherProduct(x *onesIndex, alpha float32, b *Matrix, beta float32, c *Matrix) {
	m, n := c.Rows, c.Cols
	nnz := int(x.ptr[m])
	w := binaryWorkPool.Get().(*binaryWork)
	*w = binaryWork{x: x, alpha: alpha, beta: beta, b: b, c: c}
	w.nblk = (n + gatherWidth() - 1) / gatherWidth()
	parts := workers(float64(nnz)*float64(n) + float64(m)*float64(n))
	w.nblk, w.parts, w.splitRows = splitBinary(m, w.nblk, parts)
	run(w, w.parts)
	*w = binaryWork{}
	binaryWorkPool.Put(w)
}

// splitBinary chooses how a gather product of m rows over nblk column
// blocks runs as parts (at most parts of them): by column blocks when there
// are enough of them (each part reads only its own columns of b, once),
// else by rows into only one block per core (parts/partsPerProc, at least
// 2): every row part streams all of b (a 784×500 b is 1.5 MB, more than a
// core's L2), so 8 slivers for 2 cores read it 8 times (measured: 100×784
// ×500 at GOMAXPROCS 2, 181 µs with 8 row parts, 132 µs with 2). Narrower
// column blocks than the kernel's width were slower still.
func splitBinary(m, nblk, parts int) (blocks, nparts int, rows bool) {
	if parts <= 1 {
		return nblk, 1, false
	}
	if nblk >= parts {
		return nblk, parts, false
	}
	return nblk, min(max(parts/partsPerProc, 2), m), true
}

func (w *binaryWork) RunPart(p int) {
	m, n := w.c.Rows, w.c.Cols
	r0, r1, b0, b1 := 0, m, 0, w.nblk
	if w.splitRows {
		r0, r1 = span(m, w.parts, p)
	} else {
		b0, b1 = span(w.nblk, w.parts, p)
	}
	ldb, ldc := w.b.Cols, w.c.Cols
	gather := gatherKernel()
	for blk := b0; blk < b1; blk++ {
		j0, j1 := blockCols(n, w.nblk, blk)
		for i := r0; i < r1; i++ {
			row := w.c.Data[i*ldc+j0 : i*ldc+j1]
			switch w.beta {
			case 0:
				clear(row)
			case 1:
			default:
				for j, v := range row {
					row[j] = w.beta * v
				}
			}
			idx := w.x.idx[w.x.ptr[i]:w.x.ptr[i+1]]
			if len(idx) > 0 {
				gather(w.alpha, w.b.Data[j0:], ldb, idx, row)
			}
		}
	}
}
