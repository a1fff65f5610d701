// Command asm generates the AVX2/FMA kernels of package tensor with avo
// (github.com/mmcloughlin/avo). It is a separate module so that avo never
// enters the library's import graph; the generated kernels_amd64.s and
// kernels_amd64.go are committed. Regenerate with `go generate` in
// internal/tensor.
package main

import (
	"fmt"
	"math"
	"slices"
	"strings"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/ebm-go/ebm/internal/tensor/asm/vexp"
)

const (
	mr = 6
	nr = 16
)

func main() {
	ConstraintExpr("amd64,!purego")
	sgemmKernel()
	sgemmKernelAVX512()
	gatherAxpy()
	gatherAxpyAVX512()
	gemvKernels()
	onesIndex8()
	fastKernels()
	bernoulliKernel()
	momentumKernel()
	packBTransKernel()
	softplusLogKernel()
	elemKernelsAVX512()
	normalKernelZ()
	affineKernelsZ()
	columnSumKernels()
	fmaScalar()
	Generate()
}

// sgemmKernel: the 6×16 tile of C at c (row stride ldc floats) gets
// Σ_l a[l·6+i]·b[l·16+j], starting from C when load is set, else from 0.
// Twelve ymm accumulators, two B vectors and one broadcast A value.
func sgemmKernel() {
	sgemmTile("sgemmKernel6x16", "sgemmKernel6x16 computes a 6×16 tile of C += packed A panel · packed B panel (see kernelGeneric).", YMM, 32)
}

// sgemmKernelAVX512: the 6×32 tile of two adjacent packed B panels (the
// second k·16 floats after the first) — two 6×16 tiles side by side, each
// element with the fused multiply–adds of sgemmKernel in the same order.
// Twelve zmm accumulators.
func sgemmKernelAVX512() {
	sgemmTile("sgemmKernel6x32z", "sgemmKernel6x32z computes two adjacent 6×16 tiles of C with AVX-512 (see kernel2Generic).", ZMM, 64)
}

// sgemmTile writes a micro-kernel on vectors of vb bytes (made by vec):
// each row of the tile is two vectors; with ymm they are the 16 columns of
// one B panel, with zmm those of two adjacent panels.
func sgemmTile(name, doc string, vec func() reg.VecVirtual, vb int) {
	vexp.Func(name, "func(k int, a, b, c *float32, ldc int, load bool)", doc)
	a := vexp.GPArgs("k", "a", "b", "c", "ldc")
	k, pa, pb, pc, ldc := a[0], a[1], a[2], a[3], a[4]
	SHLQ(U8(2), ldc)
	load := Load(Param("load"), GP8())
	wide := vb == 64
	var pb2 reg.Register
	if wide {
		// The second panel starts k·16 floats after the first.
		pb2 = GP64()
		MOVQ(k, pb2)
		SHLQ(U8(6), pb2)
		ADDQ(pb, pb2)
	}

	var acc [mr][2]reg.VecVirtual
	for i := range acc {
		acc[i][0], acc[i][1] = vec(), vec()
	}
	row := GP64()
	TESTB(load, load)
	JZ(LabelRef("zero"))
	MOVQ(pc, row)
	for i := 0; i < mr; i++ {
		VMOVUPS(Mem{Base: row}, acc[i][0])
		VMOVUPS(Mem{Base: row, Disp: vb}, acc[i][1])
		if i < mr-1 {
			ADDQ(ldc, row)
		}
	}
	JMP(LabelRef("start"))
	Label("zero")
	for i := 0; i < mr; i++ {
		VXORPS(acc[i][0], acc[i][0], acc[i][0])
		VXORPS(acc[i][1], acc[i][1], acc[i][1])
	}
	Label("start")
	b0, b1, t := vec(), vec(), vec()
	body := func(u int) {
		if wide {
			VMOVUPS(Mem{Base: pb, Disp: u * nr * 4}, b0)
			VMOVUPS(Mem{Base: pb2, Disp: u * nr * 4}, b1)
		} else {
			VMOVUPS(Mem{Base: pb, Disp: u * nr * 4}, b0)
			VMOVUPS(Mem{Base: pb, Disp: u*nr*4 + 32}, b1)
		}
		for i := 0; i < mr; i++ {
			VBROADCASTSS(Mem{Base: pa, Disp: (u*mr + i) * 4}, t)
			VFMADD231PS(b0, t, acc[i][0])
			VFMADD231PS(b1, t, acc[i][1])
		}
	}
	advance := func(steps int) {
		ADDQ(U32(steps*mr*4), pa)
		ADDQ(U32(steps*nr*4), pb)
		if wide {
			ADDQ(U32(steps*nr*4), pb2)
		}
	}
	n4 := GP64()
	MOVQ(k, n4)
	SHRQ(U8(2), n4)
	JZ(LabelRef("tail"))
	Label("loop4")
	PREFETCHT0(Mem{Base: pb, Disp: 4 * nr * 4 * 4})
	if wide {
		PREFETCHT0(Mem{Base: pb2, Disp: 4 * nr * 4 * 4})
	}
	for u := 0; u < 4; u++ {
		body(u)
	}
	advance(4)
	DECQ(n4)
	JNZ(LabelRef("loop4"))
	Label("tail")
	ANDQ(U8(3), k)
	JZ(LabelRef("store"))
	Label("loop1")
	body(0)
	advance(1)
	DECQ(k)
	JNZ(LabelRef("loop1"))
	Label("store")
	MOVQ(pc, row)
	for i := 0; i < mr; i++ {
		VMOVUPS(acc[i][0], Mem{Base: row})
		VMOVUPS(acc[i][1], Mem{Base: row, Disp: vb})
		if i < mr-1 {
			ADDQ(ldc, row)
		}
	}
	VZEROUPPER()
	RET()
}

// gatherAxpy: c[j] = fma(alpha, b[idx[t]·ldb + j], c[j]) for t in order,
// for the nv·8 columns j of one pass (nv ≤ 12 vectors held in registers;
// the last vector is loaded and stored under mask, so a pass can end at any
// column). One variant is generated per nv.
func gatherAxpy() {
	gatherKernel(false)
}

// gatherAxpyAVX512 is gatherAxpy on zmm vectors of 16 columns (nv ≤ 24,
// so up to 384 columns a pass), the last under the opmask of mask's low
// 16 bits; the same fused multiply–adds in the same order.
func gatherAxpyAVX512() {
	gatherKernel(true)
}

// gemvAxpy and gemvAxpy16: gatherAxpy with a coefficient per index,
// c[j] = fma(coef[t], b[idx[t]·ldb + j], c[j]) — the one-row product.
func gemvKernels() {
	gatherKernelFor(false, true)
	gatherKernelFor(true, true)
}

func gatherKernel(z bool) { gatherKernelFor(z, false) }

func gatherKernelFor(z, perIndex bool) {
	vec, vb := YMM, 32
	name, sig := "gatherAxpy", "func(alpha float32, b *float32, ldb int, idx *int32, nidx int, c *float32, nv int, mask *int32)"
	doc := "gatherAxpy adds alpha times rows idx of b into nv vectors of c, the last under mask (see gatherGeneric)."
	if z {
		vec, vb = ZMM, 64
		name, sig = "gatherAxpy16", "func(alpha float32, b *float32, ldb int, idx *int32, nidx int, c *float32, nv int, mask uint16)"
		doc = "gatherAxpy16 is gatherAxpy on AVX-512: nv vectors of 16, the last under the bits of mask."
	}
	if perIndex {
		name, sig = "gemvAxpy", strings.Replace(sig, "alpha float32", "coef *float32", 1)
		doc = "gemvAxpy is gatherAxpy with the coefficient coef[t] for index t (see gemvGeneric)."
		if z {
			name, doc = "gemvAxpy16", "gemvAxpy16 is gatherAxpy16 with the coefficient coef[t] for index t (see gemvGeneric)."
		}
	}
	vexp.Func(name, sig, doc)
	al := vec()
	var pcoef reg.Register
	if perIndex {
		pcoef = Load(Param("coef"), GP64())
	} else {
		VBROADCASTSS(NewParamAddr("alpha", 0), al)
	}
	a := vexp.GPArgs("b", "ldb")
	pb, ldb := a[0], a[1]
	SHLQ(U8(2), ldb)
	a = vexp.GPArgs("idx", "nidx", "c", "nv")
	pidx, nidx, pc, nv := a[0], a[1], a[2], a[3]
	var msk reg.VecVirtual
	var km reg.OpmaskVirtual
	if z {
		km = K()
		m := Load(Param("mask"), GP32())
		KMOVW(m, km)
	} else {
		msk = YMM()
		VMOVDQU(Mem{Base: Load(Param("mask"), GP64())}, msk)
	}
	// The last vector, under mask.
	loadLast := func(src Mem, dst reg.VecVirtual) {
		if z {
			VMOVUPS_Z(src, km, dst)
		} else {
			VMASKMOVPS(src, msk, dst)
		}
	}
	storeLast := func(v reg.VecVirtual, dst Mem) {
		if z {
			VMOVUPS(v, km, dst)
		} else {
			VMASKMOVPS(v, msk, dst)
		}
	}
	// Up to 12 ymm vectors (AVX2: 16 registers) or 24 zmm (AVX-512: 32).
	maxv := 12
	if z {
		maxv = 24
	}
	TESTQ(nidx, nidx)
	JZ(LabelRef("done"))
	for v := 1; v <= maxv; v++ {
		CMPQ(nv, U8(v))
		JE(LabelRef(fmt.Sprintf("nv%d", v)))
	}
	JMP(LabelRef("done"))
	r, tmp := GP64(), vec()
	for v := 1; v <= maxv; v++ {
		name := fmt.Sprintf("nv%d", v)
		Label(name)
		acc := make([]reg.VecVirtual, v)
		for i := range acc {
			acc[i] = vec()
			if i < v-1 {
				VMOVUPS(Mem{Base: pc, Disp: vb * i}, acc[i])
			} else {
				loadLast(Mem{Base: pc, Disp: vb * i}, acc[i])
			}
		}
		Label(name + "_idx")
		// Prefetch the row two indices ahead (idx has slack past nidx).
		MOVLQSX(Mem{Base: pidx, Disp: 8}, r)
		IMULQ(ldb, r)
		ADDQ(pb, r)
		for l := 0; l < (vb*v+63)/64+1; l++ {
			PREFETCHT0(Mem{Base: r, Disp: 64 * l})
		}
		MOVLQSX(Mem{Base: pidx}, r)
		IMULQ(ldb, r)
		ADDQ(pb, r)
		if perIndex {
			VBROADCASTSS(Mem{Base: pcoef}, al)
			ADDQ(U8(4), pcoef)
		}
		for i := range acc {
			if i < v-1 {
				VFMADD231PS(Mem{Base: r, Disp: vb * i}, al, acc[i])
			} else {
				loadLast(Mem{Base: r, Disp: vb * i}, tmp)
				VFMADD231PS(tmp, al, acc[i])
			}
		}
		ADDQ(U8(4), pidx)
		DECQ(nidx)
		JNZ(LabelRef(name + "_idx"))
		for i := range acc {
			if i < v-1 {
				VMOVUPS(acc[i], Mem{Base: pc, Disp: vb * i})
			} else {
				storeLast(acc[i], Mem{Base: pc, Disp: vb * i})
			}
		}
		JMP(LabelRef("done"))
	}
	Label("done")
	VZEROUPPER()
	RET()
}

// onesIndex8 writes the positions j (0 ≤ j < 8·nvec) where row[j] = 1 to
// idx in increasing order and returns their count, or ok = false as soon as
// a value is neither 0 nor 1. Each group of 8 is left-packed with VPERMD
// through lut (lut[m] lists the set bits of m; lut[255] = 0…7) and stored
// whole, so idx needs 8 slots of slack past the count.
func onesIndex8() {
	vexp.Func("onesIndex8", "func(row *float32, nvec int, idx *int32, lut *[256][8]int32) (cnt int, ok bool)",
		"onesIndex8 lists the positions of the ones of row (8·nvec values); see the generator.")
	a := vexp.GPArgs("row", "nvec", "idx", "lut")
	prow, nvec, pidx, plut := a[0], a[1], a[2], a[3]
	cnt := GP64()
	XORQ(cnt, cnt)
	t := GP32()
	MOVL(U32(0x3f800000), t)
	one, zero, base, step := YMM(), YMM(), YMM(), YMM()
	VMOVD(t, one.AsX())
	VPBROADCASTD(one.AsX(), one)
	VXORPS(zero, zero, zero)
	MOVL(U32(8), t)
	VMOVD(t, step.AsX())
	VPBROADCASTD(step.AsX(), step)
	VMOVDQU(Mem{Base: plut, Disp: 255 * 32}, base)
	x, m1, m0, perm := YMM(), YMM(), YMM(), YMM()
	bits, u := GP64(), GP64()
	TESTQ(nvec, nvec)
	JZ(LabelRef("ok"))
	Label("loop")
	VMOVUPS(Mem{Base: prow}, x)
	VCMPPS(U8(0), one, x, m1)
	VCMPPS(U8(0), zero, x, m0)
	VORPS(m1, m0, m0)
	VMOVMSKPS(m0, bits.As32())
	CMPL(bits.As32(), U32(0xff))
	JNE(LabelRef("bad"))
	VMOVMSKPS(m1, bits.As32())
	MOVQ(bits, u)
	SHLQ(U8(5), u)
	VMOVDQU(Mem{Base: plut, Index: u, Scale: 1}, perm)
	VPERMD(base, perm, x)
	VMOVDQU(x, Mem{Base: pidx, Index: cnt, Scale: 4})
	POPCNTL(bits.As32(), bits.As32())
	ADDQ(bits, cnt)
	VPADDD(step, base, base)
	ADDQ(U8(32), prow)
	DECQ(nvec)
	JNZ(LabelRef("loop"))
	Label("ok")
	Store(cnt, ReturnIndex(0))
	MOVB(U8(1), t.As8())
	Store(t.As8(), ReturnIndex(1))
	VZEROUPPER()
	RET()
	Label("bad")
	Store(cnt, ReturnIndex(0))
	MOVB(U8(0), t.As8())
	Store(t.As8(), ReturnIndex(1))
	VZEROUPPER()
	RET()
}

// Constants of the sigmoid and softplus kernels, each repeated in 8
// lanes; the values and the order of operations are those of fast.go.
var fastConsts = slices.Concat(
	[]vexp.Row{vexp.Float("one", 1), vexp.Float("half", 0.5), vexp.Bits("sign", 0x80000000)},
	vexp.ExpRows("explo", "log2e", "magic", "ln2hi", "ln2lo", "bias127"),
	[]vexp.Row{vexp.Float("sqrt2", 1.41421356237309505), vexp.Float("zero", 0)},
	vexp.ExpRows("e0", "e1", "e2", "e3", "e4", "e5"),
	[]vexp.Row{
		vexp.Float("l0", 7.0376836292e-2), vexp.Float("l1", -1.1514610310e-1), vexp.Float("l2", 1.1676998740e-1),
		vexp.Float("l3", -1.2420140846e-1), vexp.Float("l4", 1.4249322787e-1), vexp.Float("l5", -1.6668057665e-1),
		vexp.Float("l6", 2.0000714765e-1), vexp.Float("l7", -2.4999993993e-1), vexp.Float("l8", 3.3333331174e-1),
	},
)

var cst map[string]Mem

func fastKernels() {
	cst = vexp.Constants("fastconst", fastConsts)
	sigmoidKernel()
	softplusSumKernel()
}

// expNegV returns e^t lane-wise for t ≤ 0: the generators' shared vector
// exponential (vexp.ExpNegV) on this table's constants.
func expNegV(t reg.VecVirtual) reg.VecVirtual { return vexp.ExpNegV(t, cst) }

// log1pV returns log(1+e) lane-wise for e ∈ [0,1] (see log1pUnit), on
// ymm or zmm registers (cst as wide as e): the same operations in the same
// order, the u > √2 choice by VBLENDVPS and a vector mask on ymm, by
// masked moves and an opmask on zmm.
func log1pV(e reg.VecVirtual, cst map[string]Mem) reg.VecVirtual {
	vec := vexp.Like(e)
	wide := e.Size() == 64
	var big reg.VecVirtual
	var kbig reg.OpmaskVirtual
	u := vec()
	if wide {
		kbig = K()
	} else {
		big = vec()
	}
	m, k, f, z, y, q, lg, c := vec(), vec(), vec(), vec(), vec(), vec(), vec(), vec()
	VADDPS(cst["one"], e, u)
	if wide {
		VCMPPS(U8(0x1e), cst["sqrt2"], u, kbig) // u > √2 (GT_OQ)
		VMOVAPS(u, m)
		VMULPS(cst["half"], u, kbig, m) // big ? u·0.5 : u
		VMOVUPS_Z(cst["one"], kbig, k)  // big ? 1 : +0
	} else {
		VCMPPS(U8(0x1e), cst["sqrt2"], u, big) // u > √2 (GT_OQ)
		VMULPS(cst["half"], u, m)
		VBLENDVPS(big, m, u, m) // big ? u·0.5 : u
		VANDPS(cst["one"], big, k)
	}
	VSUBPS(cst["one"], m, f)
	VMULPS(f, f, z)
	VMOVUPS(cst["l0"], y)
	for _, cn := range []string{"l1", "l2", "l3", "l4", "l5", "l6", "l7", "l8"} {
		VMULPS(f, y, y)
		VADDPS(cst[cn], y, y)
	}
	VMULPS(f, y, y)
	VMULPS(z, y, y)
	VMULPS(cst["ln2lo"], k, q)
	VADDPS(q, y, y)
	VMULPS(cst["half"], z, q)
	VSUBPS(q, y, y)
	VADDPS(y, f, lg)
	VMULPS(cst["ln2hi"], k, q)
	VADDPS(q, lg, lg)
	VSUBPS(cst["one"], u, q) // u − 1
	VSUBPS(q, e, c)          // e − (u − 1)
	VDIVPS(u, c, c)
	VADDPS(c, lg, lg)
	return lg
}

// sigmoidKernel: dst[i] = σ(x[i] (+ bias[i] when bias ≠ nil)), n a
// multiple of 8.
func sigmoidKernel() {
	vexp.Func("sigmoid8", "func(dst, x, bias *float32, n int)",
		"sigmoid8 sets dst[i] = σ(x[i] + bias[i]) (no bias when nil) for n a multiple of 8; see SigmoidFast.")
	a := vexp.GPArgs("dst", "x", "bias", "n")
	pd, px, pbias, n := a[0], a[1], a[2], a[3]
	vexp.Loop8(n, func() {
		x := YMM()
		VMOVUPS(Mem{Base: px}, x)
		TESTQ(pbias, pbias)
		JZ(LabelRef("nobias"))
		VADDPS(Mem{Base: pbias}, x, x)
		ADDQ(U8(32), pbias)
		Label("nobias")
		t := YMM()
		VORPS(cst["sign"], x, t)
		e := expNegV(t)
		d, num := YMM(), YMM()
		VADDPS(cst["one"], e, d)
		one := YMM()
		VMOVUPS(cst["one"], one)
		VBLENDVPS(x, e, one, num) // x < 0 (sign bit) ? e : 1
		VDIVPS(d, num, num)
		VMOVUPS(num, Mem{Base: pd})
	}, px, pd)
	VZEROUPPER()
	RET()
}

// softplusSumKernel: lanes[l] (+)= Σ_q softplus(a[8q+l] + d·w[8q+l]) in
// float64 (no shift when w = nil), n a multiple of 8.
func softplusSumKernel() {
	vexp.Func("softplusSum8", "func(a, w *float32, d float32, n int, lanes *[8]float64)",
		"softplusSum8 accumulates softplus(a[i] + d·w[i]) into 8 float64 lane sums; see softplusSum.")
	a := vexp.GPArgs("a", "w")
	pa, pw := a[0], a[1]
	dv := YMM()
	VBROADCASTSS(NewParamAddr("d", 16), dv)
	n := Load(Param("n"), GP64())
	lanes := vexp.LoadLaneSums("lanes")
	vexp.Loop8(n, func() {
		x := YMM()
		VMOVUPS(Mem{Base: pa}, x)
		TESTQ(pw, pw)
		JZ(LabelRef("noshift"))
		q := YMM()
		VMULPS(Mem{Base: pw}, dv, q)
		VADDPS(q, x, x)
		ADDQ(U8(32), pw)
		Label("noshift")
		t, p := YMM(), YMM()
		VORPS(cst["sign"], x, t)
		e := expNegV(t)
		l := log1pV(e, cst)
		zero := YMM()
		VXORPS(zero, zero, zero)
		VMAXPS(x, zero, p) // 0 > x ? 0 : x (NaN kept)
		VADDPS(l, p, p)
		lanes.Add(p, false)
	}, pa)
	lanes.Store()
	VZEROUPPER()
	RET()
}

// The constants of the Bernoulli kernels' counter hash (bernoulliHash in
// rand.go: lowbias32 of golden·counter + k0, then xor k1): the AVX2 and
// AVX-512 kernels must use the same ones.
const (
	hashM1     = 0x7feb352d
	hashM2     = 0x846ca68b
	hashGolden = 0x9e3779b9
)

// hashMix emits lowbias32's mixing of x in place (s a scratch register),
// with the xor of the vector width in use.
func hashMix(x, s, m1, m2 reg.VecVirtual, xor func(a, b, c Op)) {
	VPSRLD(U8(16), x, s)
	xor(s, x, x)
	VPMULLD(m1, x, x)
	VPSRLD(U8(15), x, s)
	xor(s, x, x)
	VPMULLD(m2, x, x)
	VPSRLD(U8(16), x, s)
	xor(s, x, x)
}

// bernoulliKernel: dst[i] = 1 if hashUniform(i, k0, k1) < p[i] else 0 for
// i < n (a multiple of 8); see BernoulliFast in rand.go.
func bernoulliKernel() {
	vexp.Func("bernoulliHash8", "func(dst, p *float32, n int, k0, k1 uint32)",
		"bernoulliHash8 samples dst[i] ~ Bernoulli(p[i]) from the counter hash; see BernoulliFast.")
	a := vexp.GPArgs("dst", "p", "n")
	pd, pp, n := a[0], a[1], a[2]
	vk0, vk1, m1, m2, golden, ctr, eight, scale, one := YMM(), YMM(), YMM(), YMM(), YMM(), YMM(), YMM(), YMM(), YMM()
	bc := func(v uint32, y reg.VecVirtual) {
		t := GP32()
		MOVL(U32(v), t)
		VMOVD(t, y.AsX())
		VPBROADCASTD(y.AsX(), y)
	}
	for _, kv := range []struct {
		name string
		y    reg.VecVirtual
	}{{"k0", vk0}, {"k1", vk1}} {
		g := Load(Param(kv.name), GP32())
		VMOVD(g, kv.y.AsX())
		VPBROADCASTD(kv.y.AsX(), kv.y)
	}
	bc(hashM1, m1)
	bc(hashM2, m2)
	bc(hashGolden, golden)
	bc(8, eight)
	bc(math.Float32bits(1.0/(1<<24)), scale)
	bc(math.Float32bits(1), one)
	// ctr = 0, 1, …, 7
	lanes := GLOBL("iota8", RODATA|NOPTR)
	for l := 0; l < 8; l++ {
		DATA(4*l, U32(uint32(l)))
	}
	VMOVDQU(lanes, ctr)
	x, s := YMM(), YMM()
	mix := func() { hashMix(x, s, m1, m2, func(a, b, c Op) { VPXOR(a, b, c) }) }
	vexp.Loop8(n, func() {
		VPMULLD(golden, ctr, x)
		VPADDD(vk0, x, x)
		mix()
		VPXOR(vk1, x, x)
		mix()
		VPSRLD(U8(8), x, x)
		VCVTDQ2PS(x, x)
		VMULPS(scale, x, x)
		VCMPPS(U8(1), Mem{Base: pp}, x, x) // u < p (LT_OS)
		VANDPS(one, x, x)
		VMOVUPS(x, Mem{Base: pd})
		VPADDD(eight, ctr, ctr)
	}, pp, pd)
	VZEROUPPER()
	RET()
}

// momentumKernel: v = mom·v + lr·(g − wd·w); w += v, 8 lanes at a time, n
// a multiple of 8 (the order of operations of momentum in update.go).
func momentumKernel() {
	vexp.Func("momentum8", "func(w, v, grad *float32, n int, lr, mom, wd float32)",
		"momentum8 applies the momentum update of MomentumStep to n (multiple of 8) values.")
	a := vexp.GPArgs("w", "v", "grad", "n")
	pw, pv, pg, n := a[0], a[1], a[2], a[3]
	f := vexp.Float32Args("lr", "mom", "wd")
	lr, mom, wd := f[0], f[1], f[2]
	vexp.Loop8(n, func() {
		a, b, c, w := YMM(), YMM(), YMM(), YMM()
		VMOVUPS(Mem{Base: pw}, w)
		VMULPS(Mem{Base: pv}, mom, a) // mom·v
		VMULPS(w, wd, b)              // wd·w
		VMOVUPS(Mem{Base: pg}, c)
		VSUBPS(b, c, c) // g − wd·w
		VMULPS(c, lr, c)
		VADDPS(c, a, a) // new v
		VMOVUPS(a, Mem{Base: pv})
		VADDPS(a, w, w)
		VMOVUPS(w, Mem{Base: pw})
	}, pw, pv, pg)
	VZEROUPPER()
	RET()
}

// packBTransKernel packs 16 rows of b (row stride ldb) over depths
// [0, 8·nblk) into an nr = 16 column panel: dst[l·16 + j] = src[j·ldb + l],
// transposing 8×8 blocks in registers.
func packBTransKernel() {
	vexp.Func("packBT16", "func(dst, src *float32, ldb int, nblk int)",
		"packBT16 packs a transposed 16-column B panel, 8 depths at a time; see packB.")
	a := vexp.GPArgs("dst", "src", "ldb")
	pd, ps, ldb := a[0], a[1], a[2]
	SHLQ(U8(2), ldb)
	n := Load(Param("nblk"), GP64())
	TESTQ(n, n)
	JZ(LabelRef("done"))
	row := GP64()
	Label("loop")
	for h := 0; h < 2; h++ {
		// rows 8h … 8h+7, columns l … l+7
		MOVQ(ps, row)
		if h == 1 {
			for k := 0; k < 8; k++ {
				ADDQ(ldb, row)
			}
		}
		var r [8]reg.VecVirtual
		for k := range r {
			r[k] = YMM()
			VMOVUPS(Mem{Base: row}, r[k])
			if k < 7 {
				ADDQ(ldb, row)
			}
		}
		var t [8]reg.VecVirtual
		for k := 0; k < 4; k++ {
			t[2*k], t[2*k+1] = YMM(), YMM()
			VUNPCKLPS(r[2*k+1], r[2*k], t[2*k])
			VUNPCKHPS(r[2*k+1], r[2*k], t[2*k+1])
		}
		var q [8]reg.VecVirtual
		for g := 0; g < 2; g++ { // rows 0-3, rows 4-7
			a0, a1, b0, b1 := t[4*g], t[4*g+1], t[4*g+2], t[4*g+3]
			q[4*g], q[4*g+1], q[4*g+2], q[4*g+3] = YMM(), YMM(), YMM(), YMM()
			VSHUFPS(U8(0x44), b0, a0, q[4*g])
			VSHUFPS(U8(0xee), b0, a0, q[4*g+1])
			VSHUFPS(U8(0x44), b1, a1, q[4*g+2])
			VSHUFPS(U8(0xee), b1, a1, q[4*g+3])
		}
		o := YMM()
		for k := 0; k < 4; k++ {
			VPERM2F128(U8(0x20), q[4+k], q[k], o)
			VMOVUPS(o, Mem{Base: pd, Disp: k*64 + h*32})
			VPERM2F128(U8(0x31), q[4+k], q[k], o)
			VMOVUPS(o, Mem{Base: pd, Disp: (k+4)*64 + h*32})
		}
	}
	ADDQ(U8(32), ps)
	ADDQ(U32(8*64), pd)
	DECQ(n)
	JNZ(LabelRef("loop"))
	Label("done")
	VZEROUPPER()
	RET()
}

// fmaScalar returns x·y+z with one rounding (VFMADD231SS); tests compare the
// portable fma32 against it.
func fmaScalar() {
	TEXT("fmaScalar", NOSPLIT, "func(x, y, z float32) float32")
	Doc("fmaScalar returns the hardware fused multiply–add x·y+z.")
	x := Load(Param("x"), XMM())
	y := Load(Param("y"), XMM())
	z := Load(Param("z"), XMM())
	VFMADD231SS(y, x, z)
	Store(z, ReturnIndex(0))
	RET()
}

// f64Row is a row of 4 float64 lanes holding x (as 8 32-bit halves).
func f64Row(name string, x float64) vexp.Row {
	u := math.Float64bits(x)
	r := vexp.Row{Name: name}
	for l := 0; l < 8; l += 2 {
		r.Lanes[l], r.Lanes[l+1] = uint32(u), uint32(u>>32)
	}
	return r
}

// Constants of softplusLogKernel; the same values as softplus64.go.
const (
	softplus64Lo    = -40.0                      // e^−40 < 2⁻⁵³: 1 + e^u rounds to 1 below this
	softplus64Ln2Hi = 6.93147180369123816490e-01 // 32 significant bits: n·ln2Hi is exact
	softplus64Ln2Lo = 1.90821492927058770002e-10
)

// sp64Poly names the coefficients 1/12! … 1/2! of softplusLogKernel's
// polynomial, after p13 = 1/13!.
var sp64Poly = []string{"p12", "p11", "p10", "p9", "p8", "p7", "p6", "p5", "p4", "p3", "p2"}

// sp64Rows are the constants of softplusLogKernel and softplusLogKernelZ.
func sp64Rows() []vexp.Row {
	rows := []vexp.Row{
		f64Row("sign", math.Copysign(0, -1)), f64Row("lo", softplus64Lo), f64Row("log2e", math.Log2E),
		f64Row("magic", 0x1.8p52), f64Row("ln2hi", softplus64Ln2Hi), f64Row("ln2lo", softplus64Ln2Lo),
		f64Row("one", 1), f64Row("p13", 1.0/6227020800),
	}
	fact := 479001600.0 // 12!
	for i, name := range sp64Poly {
		rows = append(rows, f64Row(name, 1/fact))
		fact /= float64(12 - i)
	}
	return append(rows, vexp.Row{Name: "bias", Lanes: [8]uint32{0, 1023 << 20, 0, 1023 << 20, 0, 1023 << 20, 0, 1023 << 20}})
}

// softplusLogLanes emits softplusLog's step for one vector of float64
// lanes (vec: YMM for 4, ZMM for 8), converted from the float32 values at
// src: pos += max(t, 0), prod *= 1 + e^u with t = β·a, u = max(−|t|, −40).
func softplusLogLanes(vec func() reg.VecVirtual, c map[string]Mem, src Mem, beta, pos, prod reg.VecVirtual) {
	t, q, u := vec(), vec(), vec()
	VCVTPS2PD(src, t)
	VMULPD(beta, t, t)
	VXORPD(q, q, q)
	VMAXPD(t, q, q) // max(0, t): t when NaN
	VADDPD(q, pos, pos)
	VORPD(c["sign"], t, u) // −|t|
	VMAXPD(c["lo"], u, u)  // u > lo ? u : lo
	z, k, nf, r, p := vec(), vec(), vec(), vec(), vec()
	VMULPD(c["log2e"], u, z)
	VADDPD(c["magic"], z, k)
	VSUBPD(c["magic"], k, nf)
	VMULPD(c["ln2hi"], nf, q)
	VSUBPD(q, u, r)
	VMULPD(c["ln2lo"], nf, q)
	VSUBPD(q, r, r)
	VMOVUPD(c["p13"], p)
	for _, name := range sp64Poly {
		VMULPD(r, p, p)
		VADDPD(c[name], p, p)
	}
	VMULPD(r, p, p)
	VADDPD(c["one"], p, p)
	VMULPD(r, p, p)
	VADDPD(c["one"], p, p)
	VPSLLQ(U8(52), k, k)
	VPADDQ(c["bias"], k, k)
	VMULPD(k, p, p) // e^u
	VADDPD(c["one"], p, p)
	VMULPD(p, prod, prod)
}

// softplusLogKernel: for n (a multiple of 8) floats a, with t = β·a[i] in
// float64 and lane l = i mod 8: pos[l] += max(t, 0) (NaN kept) and
// prod[l] *= 1 + e^u, u = max(−|t|, −40), e^u by expNeg64 of softplus64.go
// — the same float64 operations in the same order, none fused.
func softplusLogKernel() {
	c := vexp.Constants("sp64const", sp64Rows())
	vexp.Func("softplusLog8", "func(a *float32, n int, beta float64, pos, prod *[8]float64)",
		"softplusLog8 accumulates max(βa, 0) into 8 float64 lane sums and 1 + e^(−|βa|) into 8 lane products; see softplusLog.")
	pa := Load(Param("a"), GP64())
	n := Load(Param("n"), GP64())
	beta := YMM()
	VBROADCASTSD(NewParamAddr("beta", 16), beta)
	ppos := Load(Param("pos"), GP64())
	pprod := Load(Param("prod"), GP64())
	var pos, prod [2]reg.VecVirtual
	for h := range pos {
		pos[h], prod[h] = YMM(), YMM()
		VMOVUPD(Mem{Base: ppos, Disp: 32 * h}, pos[h])
		VMOVUPD(Mem{Base: pprod, Disp: 32 * h}, prod[h])
	}
	vexp.Loop8(n, func() {
		for h := 0; h < 2; h++ {
			softplusLogLanes(YMM, c, Mem{Base: pa, Disp: 16 * h}, beta, pos[h], prod[h])
		}
	}, pa)
	for h := range pos {
		VMOVUPD(pos[h], Mem{Base: ppos, Disp: 32 * h})
		VMOVUPD(prod[h], Mem{Base: pprod, Disp: 32 * h})
	}
	VZEROUPPER()
	RET()
}
