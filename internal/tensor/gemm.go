package tensor

import (
	"fmt"
	"sync"
)

// Blocking of the packed GEMM (Goto / BLIS scheme). A micro-kernel computes
// an mr×nr tile of C from an mr-row panel of packed A and an nr-column
// panel of packed B; kc is the depth of one packed block (the B micro-panel,
// kc·nr floats, stays in L1), mc the rows of a packed A block (mc·kc floats,
// in L2), nc the columns of a packed B block.
const (
	mr = 6
	nr = 16
	kc = 256
	mc = 96
	nc = 2048
)

// Summation order. Every element of C is computed the same way whichever
// path runs (AVX2 assembly or portable Go, dense or binary-aware, any
// blocking, any number of threads):
//
//	s = 0 when beta = 0, c when beta = 1, else float32(beta·c)
//	for k = 0, 1, …, K−1:  s = fma(float32(alpha·a_ik), b_kj, s)   (one rounding)
//	c = s
//
// Parts of a product only ever split the output, never k, so results are
// bit-identical for every GOMAXPROCS and on every machine.

// gemmWork is one Gemm call split into parts over output blocks.
type gemmWork struct {
	transA, transB bool
	alpha, beta    float32
	a, b, c        *Matrix
	m, n, k        int
	splitRows      bool // parts are row ranges (else column ranges)
	parts          int
	tiles          int // row tiles (mr) or column tiles (nr) to share out
	kstep          int // depth block: the K range split evenly into blocks ≤ kc
	// shared is the operand every part needs whole (B when parts split
	// rows, A when they split columns), packed once for all depth blocks by
	// a first parallel phase instead of by every part; nil when the parts
	// pack their own (one part, or a shared operand too large).
	shared  *packBuf
	packing bool // RunPart packs panels of shared (the first phase)
	// packedA, when set, is A packed for all depth blocks (PackedA), read
	// beside a shared B (GemmPackedAB).
	packedA *packBuf
}

// packBuf is a buffer for a shared packed operand.
type packBuf struct{ data []float32 }

// maxSharedPack bounds a shared packed operand (floats): the B block one
// part packs, kc×nc.
const maxSharedPack = kc * nc

var packBufs freeList[packBuf]

var gemmWorkPool = sync.Pool{New: func() any { return new(gemmWork) }}

// workspace holds one goroutine's packing buffers.
type workspace struct {
	ap   []float32 // packed A block: mc×kc
	bp   []float32 // packed B block: kc×nc
	tile [mr * nr]float32
}

// Workspaces are kept on a free list rather than in a sync.Pool: they are
// large (the B block is up to kc×nc floats) and a garbage collection must not
// throw them away between two products. At most one per concurrently running
// part is ever made.
var workspaces = freeList[workspace]{alloc: func() *workspace {
	return &workspace{ap: make([]float32, mc*kc)}
}}

// Gemm computes c = alpha·op(a)·op(b) + beta·c, where op(x) is x or xᵀ as
// transA / transB say. Shapes are checked; a mismatch is a programming error
// and panics. With beta = 0 the old contents of c are ignored (NaNs
// included); with alpha = 0, a and b are not read.
//
// Products run on the AVX2/FMA assembly kernels when the CPU has them (see
// Accelerated), split over GOMAXPROCS goroutines by output blocks. When
// op(a) holds only zeros and ones (binary data, sampled states) and op(b) is
// not transposed, a gather kernel adds up the rows of op(b) selected by the
// ones instead, at a cost proportional to their number. Every path computes
// each element with the same sequence of roundings, so the result is
// bit-identical whichever runs (see the package documentation).
func Gemm(transA, transB bool, alpha float32, a, b *Matrix, beta float32, c *Matrix) {
	if trivialGemm("Gemm", transA, transB, alpha, a, b, beta, c) {
		return
	}
	if !transB && gemmBinary(transA, alpha, a, b, beta, c) {
		return
	}
	if c.Rows == 1 && !transB {
		// One row: op(a) is a's data whether a is a row or a column.
		gemv(alpha, a.Data, b, beta, c.Data)
		return
	}
	gemmDense(transA, transB, alpha, a, b, beta, c)
}

// trivialGemm checks the shapes of a product (panicking, as a programming
// error, when they do not fit) and does the products that need no
// arithmetic on a and b: an empty C, or k = 0 or alpha = 0 (C = beta·C).
// It reports whether the product is done.
func trivialGemm(name string, transA, transB bool, alpha float32, a, b *Matrix, beta float32, c *Matrix) bool {
	m, k := a.Rows, a.Cols
	if transA {
		m, k = k, m
	}
	br, n := b.Rows, b.Cols
	if transB {
		br, n = n, br
	}
	if k != br || c.Rows != m || c.Cols != n {
		panic(fmt.Sprintf("tensor.%s: shapes op(a) %d×%d, op(b) %d×%d, c %d×%d", name, m, k, br, n, c.Rows, c.Cols))
	}
	if m == 0 || n == 0 {
		return true
	}
	if k == 0 || alpha == 0 {
		scaleC(c, beta)
		return true
	}
	return false
}

func scaleC(c *Matrix, beta float32) {
	switch beta {
	case 1:
	case 0:
		clear(c.Data)
	default:
		for i, v := range c.Data {
			c.Data[i] = beta * v
		}
	}
}

// GemmDense is Gemm without the binary-operand detection: always the packed
// dense kernels. It gives the same result as Gemm; it exists for benchmarks
// and tests.
func GemmDense(transA, transB bool, alpha float32, a, b *Matrix, beta float32, c *Matrix) {
	if trivialGemm("GemmDense", transA, transB, alpha, a, b, beta, c) {
		return
	}
	gemmDense(transA, transB, alpha, a, b, beta, c)
}

func gemmDense(transA, transB bool, alpha float32, a, b *Matrix, beta float32, c *Matrix) {
	m, n, k := c.Rows, c.Cols, a.Cols
	if transA {
		k = a.Rows
	}
	w := gemmWorkPool.Get().(*gemmWork)
	*w = gemmWork{transA: transA, transB: transB, alpha: alpha, beta: beta, a: a, b: b, c: c, m: m, n: n, k: k}
	rowTiles, colTiles := (m+mr-1)/mr, (n+nr-1)/nr
	parts := workers(float64(m) * float64(n) * float64(k))
	// Split the dimension with more tiles; each part packs its own blocks.
	w.splitRows = rowTiles > colTiles
	w.tiles = colTiles
	if w.splitRows {
		w.tiles = rowTiles
	}
	w.parts = min(parts, w.tiles)
	w.kstep = depthStep(k)
	if w.parts > 1 && w.sharedSize() <= maxSharedPack {
		// Pack the operand every part reads once, in parallel by panels,
		// rather than once per part: at the RBM's sizes (100 rows) the
		// parts would otherwise spend as long packing A as multiplying.
		w.shared = packBufs.get()
		if n := w.sharedSize(); len(w.shared.data) < n {
			w.shared.data = make([]float32, n)
		}
		w.packing = true
		run(w, min(w.parts, w.sharedPanels()))
		w.packing = false
	}
	run(w, w.parts)
	if w.shared != nil {
		packBufs.put(w.shared)
	}
	*w = gemmWork{}
	gemmWorkPool.Put(w)
}

// depthStep is the depth block of a product of depth k: equal blocks of
// at most kc (784 = 4×196, not 3×256 + 16), since a thin last block would
// load and store C for little work.
func depthStep(k int) int { return (k + (k+kc-1)/kc - 1) / ((k + kc - 1) / kc) }

// PackedB is the right operand of products packed once for many of them:
// a pipeline that multiplies row blocks of a by the same b one after
// another packs b once instead of once per block. The zero value is
// empty; Pack fills it, reusing its storage.
type PackedB struct {
	buf  packBuf
	k, n int
}

// Pack packs op(b) — b, or bᵀ when trans — on the calling goroutine.
func (p *PackedB) Pack(b *Matrix, trans bool) {
	k, n := b.Rows, b.Cols
	if trans {
		k, n = n, k
	}
	p.k, p.n = k, n
	if k == 0 || n == 0 {
		return
	}
	w := gemmWork{b: b, transB: trans, k: k, n: n, splitRows: true, kstep: depthStep(k)}
	if size := w.sharedSize(); len(p.buf.data) < size {
		p.buf.data = make([]float32, size)
	}
	w.shared = &p.buf
	w.packShared(0, w.sharedPanels())
}

// GemmPacked computes c = alpha·a·op(b) + beta·c with op(b) packed in p,
// on the calling goroutine (no parts): the bits of Gemm(false, trans,
// alpha, a, b, beta, c) — every element gets the same fused
// multiply–adds in the same order. Shapes are checked as by Gemm.
func GemmPacked(alpha float32, a *Matrix, p *PackedB, beta float32, c *Matrix) {
	m, k := a.Rows, a.Cols
	if k != p.k || c.Rows != m || c.Cols != p.n {
		panic(fmt.Sprintf("tensor.GemmPacked: shapes a %d×%d, op(b) %d×%d, c %d×%d", m, k, p.k, p.n, c.Rows, c.Cols))
	}
	if m == 0 || p.n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(c, beta)
		return
	}
	w := gemmWork{alpha: alpha, beta: beta, a: a, c: c, m: m, n: p.n, k: k,
		splitRows: true, parts: 1, kstep: depthStep(k), shared: &p.buf}
	ws := workspaces.get()
	w.block(ws, 0, m, 0, p.n)
	workspaces.put(ws)
}

// PackedA is the left operand of products packed once for many of them,
// alpha folded in as Gemm folds it: parts that each multiply the same
// op(a) by a block of columns of their own pack it once between them
// instead of once each. The zero value is empty; Init and PackPart (or
// Pack) fill it, reusing its storage.
type PackedA struct {
	buf packBuf
	w   gemmWork // the operand and its shape while it is packed
}

// Init sizes p for alpha·op(a) — a, or aᵀ when trans — without packing
// it: PackPart(i, n) for every i < n then packs it, share i of its panels
// each (on as many goroutines), before GemmPackedA reads it.
func (p *PackedA) Init(a *Matrix, trans bool, alpha float32) {
	m, k := a.Rows, a.Cols
	if trans {
		m, k = k, m
	}
	p.w = gemmWork{a: a, transA: trans, alpha: alpha, m: m, k: k, kstep: depthStep(k)}
	if size := p.w.sharedSize(); len(p.buf.data) < size {
		p.buf.data = make([]float32, size)
	}
	p.w.shared = &p.buf
}

// PackPart packs share i of n of p's panels (Init).
func (p *PackedA) PackPart(i, n int) {
	if p.w.m == 0 || p.w.k == 0 {
		return
	}
	q := p.w.sharedPanels()
	lo, hi := span(q, n, i)
	p.w.packShared(lo, hi)
}

// Pack packs alpha·op(a) on the calling goroutine.
func (p *PackedA) Pack(a *Matrix, trans bool, alpha float32) {
	p.Init(a, trans, alpha)
	p.PackPart(0, 1)
}

// GemmPackedA computes c = alpha·op(a)·b + beta·c with alpha·op(a) packed
// in p, on the calling goroutine (no parts): the bits of Gemm(transA,
// false, alpha, a, b, beta, c) — every element gets the same fused
// multiply–adds in the same order. Shapes are checked as by Gemm.
func GemmPackedA(p *PackedA, b *Matrix, beta float32, c *Matrix) {
	m, k := p.w.m, p.w.k
	if k != b.Rows || c.Rows != m || c.Cols != b.Cols {
		panic(fmt.Sprintf("tensor.GemmPackedA: shapes op(a) %d×%d, b %d×%d, c %d×%d", m, k, b.Rows, b.Cols, c.Rows, c.Cols))
	}
	n := b.Cols
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || p.w.alpha == 0 {
		scaleC(c, beta)
		return
	}
	w := gemmWork{alpha: p.w.alpha, beta: beta, b: b, c: c, m: m, n: n, k: k,
		parts: 1, kstep: p.w.kstep, shared: &p.buf}
	ws := workspaces.get()
	if need := kc * min(nc, (n+nr-1)/nr*nr); len(ws.bp) < need {
		ws.bp = make([]float32, need)
	}
	w.block(ws, 0, m, 0, n)
	workspaces.put(ws)
}

// GemmPackedAB computes c = alpha·op(a)·op(b) + beta·c with alpha·op(a)
// packed in pa and op(b) in pb (of one depth), on the calling goroutine:
// the bits of Gemm, without packing either operand again — for a weight
// matrix multiplied by several operands in a step and an operand several
// parts multiply by their own weights.
func GemmPackedAB(pa *PackedA, pb *PackedB, beta float32, c *Matrix) {
	m, k, n := pa.w.m, pa.w.k, pb.n
	if k != pb.k || c.Rows != m || c.Cols != n {
		panic(fmt.Sprintf("tensor.GemmPackedAB: shapes op(a) %d×%d, op(b) %d×%d, c %d×%d", m, k, pb.k, pb.n, c.Rows, c.Cols))
	}
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || pa.w.alpha == 0 {
		scaleC(c, beta)
		return
	}
	w := gemmWork{alpha: pa.w.alpha, beta: beta, c: c, m: m, n: n, k: k,
		splitRows: true, parts: 1, kstep: depthStep(k), shared: &pb.buf, packedA: &pa.buf}
	ws := workspaces.get()
	w.block(ws, 0, m, 0, n)
	workspaces.put(ws)
}

// sharedSize is the length of the shared packed operand: all depths of A
// (rows padded to mr) when parts split columns, of B (columns padded to nr)
// when they split rows.
func (w *gemmWork) sharedSize() int {
	if w.splitRows {
		return w.k * ((w.n + nr - 1) / nr * nr)
	}
	return w.k * ((w.m + mr - 1) / mr * mr)
}

// sharedPanels is the number of micro-panels of the shared operand.
func (w *gemmWork) sharedPanels() int {
	if w.splitRows {
		return (w.n + nr - 1) / nr
	}
	return (w.m + mr - 1) / mr
}

// packShared packs panels [q0, q1) of the shared operand for every depth
// block. The block of depths [pc, pc+d) starts at pad·pc, pad the padded
// row (A) or column (B) count, and holds its panels in order, each d deep.
func (w *gemmWork) packShared(q0, q1 int) {
	for pc := 0; pc < w.k; pc += w.kstep {
		d := min(w.kstep, w.k-pc)
		if w.splitRows {
			pad := (w.n + nr - 1) / nr * nr
			j0, j1 := q0*nr, min(q1*nr, w.n)
			packB(w.shared.data[pad*pc+j0*d:], w.b, w.transB, pc, d, j0, j1-j0)
		} else {
			pad := (w.m + mr - 1) / mr * mr
			i0, i1 := q0*mr, min(q1*mr, w.m)
			packA(w.shared.data[pad*pc+i0*d:], w.a, w.transA, w.alpha, i0, i1-i0, pc, d)
		}
	}
}

// span returns the range of tiles part p owns (contiguous, fixed by the
// part count only).
func span(tiles, parts, p int) (lo, hi int) {
	return p * tiles / parts, (p + 1) * tiles / parts
}

func (w *gemmWork) RunPart(p int) {
	if w.packing {
		q := w.sharedPanels()
		lo, hi := span(q, min(w.parts, q), p)
		w.packShared(lo, hi)
		return
	}
	lo, hi := span(w.tiles, w.parts, p)
	r0, r1, c0, c1 := 0, w.m, 0, w.n
	if w.splitRows {
		r0, r1 = lo*mr, min(hi*mr, w.m)
	} else {
		c0, c1 = lo*nr, min(hi*nr, w.n)
	}
	if r0 >= r1 || c0 >= c1 {
		return
	}
	ws := workspaces.get()
	if need := kc * min(nc, (c1-c0+nr-1)/nr*nr); !(w.shared != nil && w.splitRows) && len(ws.bp) < need {
		ws.bp = make([]float32, need)
	}
	w.block(ws, r0, r1, c0, c1)
	workspaces.put(ws)
}

// block computes rows [r0,r1) × columns [c0,c1) of C.
func (w *gemmWork) block(ws *workspace, r0, r1, c0, c1 int) {
	c := w.c
	ldc := c.Cols
	if w.beta != 0 && w.beta != 1 {
		for i := r0; i < r1; i++ {
			row := c.Data[i*ldc+c0 : i*ldc+c1]
			for j, v := range row {
				row[j] = w.beta * v
			}
		}
	}
	kern, kern2 := microKernel(), microKernel2()
	for jc := c0; jc < c1; jc += nc {
		ncb := min(nc, c1-jc)
		for pc := 0; pc < w.k; pc += w.kstep {
			kcb := min(w.kstep, w.k-pc)
			load := pc > 0 || w.beta != 0
			// B panels of columns [jc, jc+ncb), A panels of rows [ic, ic+mcb):
			// packed here, or read from the shared packing (see packShared).
			bps := ws.bp
			if w.shared != nil && w.splitRows {
				bps = w.shared.data[(w.n+nr-1)/nr*nr*pc+jc*kcb:]
			} else {
				packB(bps, w.b, w.transB, pc, kcb, jc, ncb)
			}
			for ic := r0; ic < r1; ic += mc {
				mcb := min(mc, r1-ic)
				aps := ws.ap
				if w.packedA != nil {
					aps = w.packedA.data[(w.m+mr-1)/mr*mr*pc+ic*kcb:]
				} else if w.shared != nil && !w.splitRows {
					aps = w.shared.data[(w.m+mr-1)/mr*mr*pc+ic*kcb:]
				} else {
					packA(aps, w.a, w.transA, w.alpha, ic, mcb, pc, kcb)
				}
				for jr := 0; jr < ncb; {
					// Two full panels at once where the AVX-512 kernel runs.
					step := nr
					if kern2 != nil && jr+2*nr <= ncb {
						step = 2 * nr
					}
					for ir := 0; ir < mcb; ir += mr {
						ap := aps[ir*kcb : (ir+mr)*kcb]
						mrb := min(mr, mcb-ir)
						off := (ic+ir)*ldc + jc + jr
						if mrb == mr && step == 2*nr {
							kern2(kcb, ap, bps[jr*kcb:(jr+2*nr)*kcb], c.Data[off:], ldc, load)
							continue
						}
						for j := jr; j < jr+step; j += nr {
							bp := bps[j*kcb : (j+nr)*kcb]
							w.tile(ws, kern, kcb, ap, bp, off+j-jr, mrb, min(nr, ncb-j), load)
						}
					}
					jr += step
				}
			}
		}
	}
}

// tile runs kern on the mr×nr tile of C at off, of which the first mrb
// rows and nrb columns are inside C; a partial tile runs the full kernel
// on a scratch tile.
func (w *gemmWork) tile(ws *workspace, kern func(k int, a, b, c []float32, ldc int, load bool), kcb int, ap, bp []float32, off, mrb, nrb int, load bool) {
	c, ldc := w.c.Data, w.c.Cols
	if mrb == mr && nrb == nr {
		kern(kcb, ap, bp, c[off:], ldc, load)
		return
	}
	t := ws.tile[:]
	if load {
		for i := 0; i < mrb; i++ {
			copy(t[i*nr:i*nr+nrb], c[off+i*ldc:off+i*ldc+nrb])
		}
	}
	kern(kcb, ap, bp, t, nr, load)
	for i := 0; i < mrb; i++ {
		copy(c[off+i*ldc:off+i*ldc+nrb], t[i*nr:i*nr+nrb])
	}
}

// packA packs rows [i0, i0+rows) × depth [p0, p0+d) of op(a), times alpha,
// into mr-row micro-panels: panel q holds, for each depth l, the mr values
// op(a)[i0+q·mr+r][p0+l] at dst[q·mr·d + l·mr + r], zero-padded.
func packA(dst []float32, a *Matrix, trans bool, alpha float32, i0, rows, p0, d int) {
	lda := a.Cols
	for q := 0; q*mr < rows; q++ {
		panel := dst[q*mr*d : (q+1)*mr*d]
		rq := min(mr, rows-q*mr)
		ib := i0 + q*mr
		if trans {
			// op(a)[i][p] = a[p][i]: mr contiguous values per depth.
			for l := 0; l < d; l++ {
				packRow(panel[l*mr:l*mr+mr], a.Data[(p0+l)*lda+ib:(p0+l)*lda+ib+rq], alpha)
			}
			continue
		}
		for r := 0; r < mr; r++ {
			var src []float32 // nil past the last row: zero padding
			if r < rq {
				src = a.Data[(ib+r)*lda+p0 : (ib+r)*lda+p0+d]
			}
			packColumn(panel, mr, r, d, src, alpha)
		}
	}
}

// packRow sets out to alpha·src followed by zeros (src itself when alpha
// is 1).
func packRow(out, src []float32, alpha float32) {
	if alpha == 1 {
		copy(out, src)
	} else {
		for r, v := range src {
			out[r] = alpha * v
		}
	}
	clear(out[len(src):])
}

// packColumn sets column r of a panel of width w over d depths,
// panel[l·w + r], to alpha·src[l] (src itself when alpha is 1), or to zero
// when src is nil.
func packColumn(panel []float32, w, r, d int, src []float32, alpha float32) {
	switch {
	case src == nil:
		for l := 0; l < d; l++ {
			panel[l*w+r] = 0
		}
	case alpha == 1:
		for l, v := range src {
			panel[l*w+r] = v
		}
	default:
		for l, v := range src {
			panel[l*w+r] = alpha * v
		}
	}
}

// packB packs depth [p0, p0+d) × columns [j0, j0+cols) of op(b) into
// nr-column micro-panels: panel q holds op(b)[p0+l][j0+q·nr+j] at
// dst[q·nr·d + l·nr + j], zero-padded.
func packB(dst []float32, b *Matrix, trans bool, p0, d, j0, cols int) {
	ldb := b.Cols
	for q := 0; q*nr < cols; q++ {
		panel := dst[q*nr*d : (q+1)*nr*d]
		cq := min(nr, cols-q*nr)
		jb := j0 + q*nr
		if !trans {
			for l := 0; l < d; l++ {
				packRow(panel[l*nr:l*nr+nr], b.Data[(p0+l)*ldb+jb:(p0+l)*ldb+jb+cq], 1)
			}
			continue
		}
		// op(b)[p][j] = b[j][p]: transpose nr rows of b.
		if cq == nr && packBTransFast(panel, b.Data[jb*ldb+p0:], ldb, d) {
			continue
		}
		for j := 0; j < nr; j++ {
			var src []float32
			if j < cq {
				src = b.Data[(jb+j)*ldb+p0 : (jb+j)*ldb+p0+d]
			}
			packColumn(panel, nr, j, d, src, 1)
		}
	}
}

// MatMul sets dst = a·b.
func MatMul(dst, a, b *Matrix) { Gemm(false, false, 1, a, b, 0, dst) }

// MatMulTB sets dst = a·bᵀ.
func MatMulTB(dst, a, b *Matrix) { Gemm(false, true, 1, a, b, 0, dst) }

// MatMulTA sets dst = aᵀ·b.
func MatMulTA(dst, a, b *Matrix) { Gemm(true, false, 1, a, b, 0, dst) }
