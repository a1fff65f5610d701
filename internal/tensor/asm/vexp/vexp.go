// Package vexp holds what ebm's kernel generators share (../gen.go for the
// GEMM-side kernels, ../softmax for the softmax): the AVX2 vector
// exponential, so that every generated kernel computes e^t with the same
// instructions — and the same bits as expNeg in package tensor, which the
// tests of both paths compare against — and the frame of a streaming kernel
// (Func, GPArgs, Loop8, LaneSums).
package vexp

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// ExpNegV returns e^t lane-wise for t ≤ 0 (t = −|x| in the callers; see
// expNeg in fast.go). cst maps the names explo, log2e, magic, ln2hi, ln2lo,
// e0…e5, one and bias127 to 8-lane copies of the constants of fast.go in
// the caller's data table. t is clobbered.
func ExpNegV(t reg.VecVirtual, cst map[string]Mem) reg.VecVirtual {
	under, z, n, r, p, y, q := YMM(), YMM(), YMM(), YMM(), YMM(), YMM(), YMM()
	VCMPPS(U8(1), cst["explo"], t, under) // t < expLo (LT_OS)
	lo := YMM()
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
	VMULPS(n, y, y)
	VANDNPS(y, under, y) // (^under) & y
	return y
}
