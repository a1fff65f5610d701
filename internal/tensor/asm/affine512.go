package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/ebm-go/ebm/internal/tensor/asm/vexp"
)

// The element-wise kernels of Gaussian visible units, on 16 lanes for any
// n (the last n mod 16 under mask): for each element the Go loop's
// operations in the same order, each rounded alone (no fused
// multiply–add), so every path gives the same bits.
func affineKernelsZ() {
	mulKernelZ()
	affineKernelZ()
	shiftedSumKernelZ(false)
	shiftedSumKernelZ(true)
}

// mulKernelZ: dst[i] = x[i]·y[i].
func mulKernelZ() {
	vexp.Func("mul16", "func(dst, x, y *float32, n int, mask uint16)",
		"mul16 sets dst = x⊙y on AVX-512 for any n, the last n mod 16 under mask.")
	a := vexp.GPArgs("dst", "x", "y", "n")
	pd, px, py, n := a[0], a[1], a[2], a[3]
	mask := Load(Param("mask"), GP32())
	vexp.Loop16("", n, mask, func(k reg.OpmaskVirtual) {
		x, y := ZMM(), ZMM()
		vexp.LoadZ(Mem{Base: px}, k, x)
		vexp.LoadZ(Mem{Base: py}, k, y)
		VMULPS(y, x, x)
		vexp.StoreZ(x, k, Mem{Base: pd})
	}, pd, px, py)
	VZEROUPPER()
	RET()
}

// affineKernelZ: u[i] = b[i] + s[i]·u[i].
func affineKernelZ() {
	vexp.Func("affine16", "func(u, b, s *float32, n int, mask uint16)",
		"affine16 sets u = b + s⊙u on AVX-512 for any n, the last n mod 16 under mask.")
	a := vexp.GPArgs("u", "b", "s", "n")
	pu, pb, ps, n := a[0], a[1], a[2], a[3]
	mask := Load(Param("mask"), GP32())
	vexp.Loop16("", n, mask, func(k reg.OpmaskVirtual) {
		u, b, s := ZMM(), ZMM(), ZMM()
		vexp.LoadZ(Mem{Base: pu}, k, u)
		vexp.LoadZ(Mem{Base: ps}, k, s)
		vexp.LoadZ(Mem{Base: pb}, k, b)
		VMULPS(u, s, u) // s·u
		VADDPS(u, b, u) // b + s·u
		vexp.StoreZ(u, k, Mem{Base: pu})
	}, pu, pb, ps)
	VZEROUPPER()
	RET()
}

// shiftedSumKernelZ: g[i] += s·((x[i]−b[i])·w[i]), or with square
// g[i] += s·(d·d) for d = (x[i]−b[i])·w[i].
func shiftedSumKernelZ(square bool) {
	name, doc := "shiftedSum16", "shiftedSum16 adds s·((x−b)⊙w) to acc on AVX-512 for any n, the last n mod 16 under mask."
	if square {
		name, doc = "shiftedSquares16", "shiftedSquares16 adds s·((x−b)⊙w)² to acc on AVX-512 for any n, the last n mod 16 under mask."
	}
	vexp.Func(name, "func(acc, x, b, w *float32, n int, s float32, mask uint16)", doc)
	a := vexp.GPArgs("acc", "x", "b", "w", "n")
	pg, px, pb, pw, n := a[0], a[1], a[2], a[3], a[4]
	sv := vexp.Float32ArgsZ("s")[0]
	mask := Load(Param("mask"), GP32())
	vexp.Loop16("", n, mask, func(k reg.OpmaskVirtual) {
		x, b, w, g := ZMM(), ZMM(), ZMM(), ZMM()
		vexp.LoadZ(Mem{Base: px}, k, x)
		vexp.LoadZ(Mem{Base: pb}, k, b)
		vexp.LoadZ(Mem{Base: pw}, k, w)
		vexp.LoadZ(Mem{Base: pg}, k, g)
		VSUBPS(b, x, x) // x − b
		VMULPS(w, x, x) // d = (x − b)·w
		if square {
			VMULPS(x, x, x) // d·d
		}
		VMULPS(x, sv, x) // s·…
		VADDPS(x, g, g)
		vexp.StoreZ(g, k, Mem{Base: pg})
	}, pg, px, pb, pw)
	VZEROUPPER()
	RET()
}
