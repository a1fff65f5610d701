package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// normalKernelZ: the first word of the keyed normal draws (tensor's
// normalUnit) for 8 units at a time in the 8 qword lanes of a zmm vector,
// with the scalar code's operations in the same order — SplitMix64 on
// 64-bit lanes (VPMULLQ), the layer's x as float64(int64(w>>11))·xs[i]
// (VCVTQQ2PD, a gather of the table), the test x < xt[i] — then dst = loc
// + s·float32(±x) per unit (multiply, then add, as Go does). Units whose
// first word falls outside its layer's part under the curve (about 1%)
// get a value all the same, and their indices (0-based in the call) are
// written to fail, in order, for the Go code to redo; it returns their
// count. n may be any count: the last n mod 8 units run under mask
// (2^(n mod 8) − 1).
func normalKernelZ() {
	TEXT("normal8z", NOSPLIT, "func(dst, loc, s *float32, n int, key, first uint64, xs, xt *float64, fail *int64, mask uint8) int")
	Doc("normal8z draws the first word of 8 keyed normal units at a time with AVX-512 (see tensor's normalUnit).")
	pd := Load(Param("dst"), GP64())
	pl := Load(Param("loc"), GP64())
	ps := Load(Param("s"), GP64())
	n := Load(Param("n"), GP64())
	pxs := Load(Param("xs"), GP64())
	pxt := Load(Param("xt"), GP64())
	pf := Load(Param("fail"), GP64())
	f0 := GP64()
	MOVQ(pf, f0)

	bq := func(v uint64) reg.VecVirtual {
		t, z := GP64(), ZMM()
		MOVQ(U64(v), t)
		VPBROADCASTQ(t, z)
		return z
	}
	vkey := ZMM()
	VPBROADCASTQ(Load(Param("key"), GP64()), vkey)
	gamma, m1, m2 := bq(0x9e3779b97f4a7c15), bq(0xbf58476d1ce4e5b9), bq(0x94d049bb133111eb)
	one, eight, low7, bit7 := bq(1), bq(8), bq(127), bq(128)
	// u = first + lane (the unit), j = lane (the index in the call).
	iota := GLOBL("iota8q", RODATA|NOPTR)
	for l := 0; l < 8; l++ {
		DATA(8*l, U64(uint64(l)))
	}
	vj, vu := ZMM(), ZMM()
	VMOVDQU64(iota, vj)
	VPBROADCASTQ(Load(Param("first"), GP64()), vu)
	VPADDQ(vj, vu, vu)

	body := func(k reg.OpmaskVirtual) {
		w, t := ZMM(), ZMM()
		VPADDQ(one, vu, w)
		VPMULLQ(gamma, w, w)
		VPADDQ(vkey, w, w) // key + (u+1)·γ
		VPSRLQ(U8(30), w, t)
		VPXORQ(t, w, w)
		VPMULLQ(m1, w, w)
		VPSRLQ(U8(27), w, t)
		VPXORQ(t, w, w)
		VPMULLQ(m2, w, w)
		VPSRLQ(U8(31), w, t)
		VPXORQ(t, w, w) // the word
		idx := ZMM()
		VPANDQ(low7, w, idx)
		xs, xt := ZMM(), ZMM()
		g1, g2 := K(), K()
		KXNORB(g1, g1, g1)
		KXNORB(g2, g2, g2)
		VGATHERQPD(Mem{Base: pxs, Index: idx, Scale: 8}, g1, xs)
		VGATHERQPD(Mem{Base: pxt, Index: idx, Scale: 8}, g2, xt)
		x := ZMM()
		VPSRLQ(U8(11), w, x)
		VCVTQQ2PD(x, x)
		VMULPD(xs, x, x)
		ok := K()
		VCMPPD(U8(1), xt, x, ok) // x < xt (LT_OS)
		sign := ZMM()
		VPANDQ(bit7, w, sign)
		VPSLLQ(U8(56), sign, sign)
		VPXORQ(sign, x, x)
		f, l, sv := YMM(), YMM(), YMM()
		VCVTPD2PS(x, f)
		if k == nil {
			VMULPS(Mem{Base: ps}, f, f)
			VADDPS(Mem{Base: pl}, f, f)
			VMOVUPS(f, Mem{Base: pd})
		} else {
			VMOVUPS_Z(Mem{Base: ps}, k, sv)
			VMULPS(sv, f, f)
			VMOVUPS_Z(Mem{Base: pl}, k, l)
			VADDPS(l, f, f)
			VMOVUPS(f, k, Mem{Base: pd})
		}
		// The lanes that failed (and are in the call): their indices.
		bad := K()
		KNOTB(ok, bad)
		if k != nil {
			KANDB(k, bad, bad)
		}
		VPCOMPRESSQ(vj, bad, Mem{Base: pf})
		cnt := GP32()
		KMOVB(bad, cnt)
		POPCNTL(cnt, cnt)
		SHLL(U8(3), cnt)
		ADDQ(cnt.As64(), pf)
		VPADDQ(eight, vu, vu)
		VPADDQ(eight, vj, vj)
	}
	cnt := GP64()
	MOVQ(n, cnt)
	SHRQ(U8(3), cnt)
	JZ(LabelRef("tail"))
	Label("loop")
	body(nil)
	for _, p := range []reg.Register{pd, pl, ps} {
		ADDQ(U8(32), p)
	}
	DECQ(cnt)
	JNZ(LabelRef("loop"))
	Label("tail")
	TESTQ(U32(7), n)
	JZ(LabelRef("end"))
	// the last n mod 8 lanes: mask = 2^(n mod 8) − 1, from the caller
	m := Load(Param("mask"), GP32())
	k := K()
	KMOVB(m, k)
	body(k)
	Label("end")
	SUBQ(f0, pf)
	SHRQ(U8(3), pf)
	Store(pf, ReturnIndex(0))
	VZEROUPPER()
	RET()
}
