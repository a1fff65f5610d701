// Package vexp holds what ebm's kernel generators share (../gen.go for the
// GEMM-side kernels, ../softmax for the softmax): the vector exponential
// (AVX2 or AVX-512), so that every generated kernel computes e^t with the
// same operations — and the same bits as expNeg in package tensor, which
// the tests of every path compare against — and the frame of a streaming
// kernel (Func, GPArgs, Loop8, Loop16, LaneSums).
package vexp

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// ExpNegV returns e^t lane-wise for t ≤ 0 (t = −|x| in the callers; see
// expNeg in fast.go). cst maps the names explo, log2e, magic, ln2hi, ln2lo,
// e0…e5, one and bias127 to copies of the constants of fast.go in the
// caller's data table, a row per constant as wide as t: t may be a ymm
// register (8 lanes, a Constants table) or a zmm one (16 lanes, a
// Constants16 table). Both widths run the same operations in the same
// order; only the underflow mask differs — a vector and VANDNPS on ymm, an
// opmask and a zero-masked last multiply on zmm — and both give +0 in the
// lanes below explo, so every lane gets the same bits. t is clobbered.
func ExpNegV(t reg.VecVirtual, cst map[string]Mem) reg.VecVirtual {
	vec := Like(t)
	wide := t.Size() == 64
	var under reg.VecVirtual
	var keep reg.OpmaskVirtual
	if wide {
		keep = K()
	} else {
		under = vec()
	}
	z, n, r, p, y, q := vec(), vec(), vec(), vec(), vec(), vec()
	if wide {
		VCMPPS(U8(5), cst["explo"], t, keep) // !(t < expLo) (NLT_US): NaN kept
	} else {
		VCMPPS(U8(1), cst["explo"], t, under) // t < expLo (LT_OS)
	}
	lo := vec()
	VMOVUPS(cst["explo"], lo)
	VMAXPS(t, lo, t) // lo > t ? lo : t (NaN kept)
	VMULPS(cst["log2e"], t, z)
	VADDPS(cst["magic"], z, n)
	VSUBPS(cst["magic"], n, n)
	VMULPS(cst["ln2hi"], n, q)
	VSUBPS(q, t, r)
	VMULPS(cst["ln2lo"], n, q)
	VSUBPS(q, r, r)
	VMOVUPS(cst["e0"], p)
	for _, c := range []string{"e1", "e2", "e3", "e4", "e5"} {
		VMULPS(r, p, p)
		VADDPS(cst[c], p, p)
	}
	VMULPS(r, r, q)
	VMULPS(q, p, y)
	VADDPS(r, y, y)
	VADDPS(cst["one"], y, y)
	VCVTTPS2DQ(n, n)
	VPADDD(cst["bias127"], n, n)
	VPSLLD(U8(23), n, n)
	if wide {
		VMULPS_Z(n, y, keep, y) // keep ? y·2ⁿ : +0
	} else {
		VMULPS(n, y, y)
		VANDNPS(y, under, y) // (^under) & y
	}
	return y
}

// Like returns the allocator of registers as wide as v: YMM or ZMM.
func Like(v reg.VecVirtual) func() reg.VecVirtual {
	if v.Size() == 64 {
		return ZMM
	}
	return YMM
}
