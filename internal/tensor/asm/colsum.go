package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/ebm-go/ebm/internal/tensor/asm/vexp"
)

// columnSumKernels: dst[j] += s·m[i][j] for the rows i in order, over one
// block of nv ≤ 4 vectors of columns held in registers — per element the
// multiply and the add of the Go loop (two roundings, no fused
// multiply–add), so the same bits as ColumnSums' portable path. colSums8
// takes nv whole ymm vectors; colSums16 takes zmm vectors, the last under
// the low 16 bits of mask.
func columnSumKernels() {
	columnSumKernel(false)
	columnSumKernel(true)
}

func columnSumKernel(z bool) {
	vec, vb := YMM, 32
	name := "colSums8"
	sig := "func(dst, m *float32, ldm, rows, nv int, s float32)"
	doc := "colSums8 adds s times the rows of m (stride ldm) to nv·8 values of dst, row by row."
	if z {
		vec, vb = ZMM, 64
		name = "colSums16"
		sig = "func(dst, m *float32, ldm, rows, nv int, s float32, mask uint16)"
		doc = "colSums16 is colSums8 on AVX-512: nv vectors of 16, the last under the bits of mask."
	}
	vexp.Func(name, sig, doc)
	a := vexp.GPArgs("dst", "m", "ldm", "rows", "nv")
	pd, pm, ldm, rows, nv := a[0], a[1], a[2], a[3], a[4]
	SHLQ(U8(2), ldm)
	s := vec()
	VBROADCASTSS(NewParamAddr("s", 40), s)
	var km reg.OpmaskVirtual
	if z {
		km = K()
		KMOVW(Load(Param("mask"), GP32()), km)
	}
	load := func(src Mem, dst reg.VecVirtual, last bool) {
		if z && last {
			VMOVUPS_Z(src, km, dst)
		} else {
			VMOVUPS(src, dst)
		}
	}
	TESTQ(rows, rows)
	JZ(LabelRef("done"))
	for v := 1; v <= 4; v++ {
		CMPQ(nv, U8(v))
		JE(LabelRef(fmt.Sprintf("nv%d", v)))
	}
	JMP(LabelRef("done"))
	for v := 1; v <= 4; v++ {
		l := fmt.Sprintf("nv%d", v)
		Label(l)
		acc := make([]reg.VecVirtual, v)
		for i := range acc {
			acc[i] = vec()
			load(Mem{Base: pd, Disp: vb * i}, acc[i], i == v-1)
		}
		Label(l + "_row")
		for i := range acc {
			t := vec()
			load(Mem{Base: pm, Disp: vb * i}, t, i == v-1)
			VMULPS(t, s, t)
			VADDPS(t, acc[i], acc[i])
		}
		ADDQ(ldm, pm)
		DECQ(rows)
		JNZ(LabelRef(l + "_row"))
		for i := range acc {
			if z && i == v-1 {
				VMOVUPS(acc[i], km, Mem{Base: pd, Disp: vb * i})
			} else {
				VMOVUPS(acc[i], Mem{Base: pd, Disp: vb * i})
			}
		}
		JMP(LabelRef("done"))
	}
	Label("done")
	VZEROUPPER()
	RET()
}
