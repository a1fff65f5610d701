package main

import (
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/ebm-go/ebm/internal/tensor/asm/vexp"
)

// The AVX-512 twins of the element-wise kernels: 16 float32 lanes a zmm
// vector (8 float64 lanes for softplusLog8z), and for every element the
// operations of the AVX2 kernel in the same order, so the same bits. Where
// AVX2 uses a vector mask (VBLENDVPS, VANDPS/VANDNPS with a compare
// result) these use an opmask and a masked or zero-masked move — which
// selects the same value, +0 where AVX2's AND leaves +0. sigmoid16,
// bernoulliHash16 and momentum16 take any n and a mask of its last n mod 16
// lanes, which they load and store under (nothing past n is touched), so
// no element is left to Go; the kernels with float64 lane sums keep the
// AVX2 kernels' 8 lanes and their order of additions.

// cz is the AVX-512 table of fastConsts (64-byte rows).
var cz map[string]Mem

func elemKernelsAVX512() {
	cz = vexp.Constants16("fastconst16", fastConsts)
	sigmoidKernelZ()
	softplusSumKernelZ()
	bernoulliKernelZ()
	momentumKernelZ()
	softplusLogKernelZ()
}

// sigmoidKernelZ: sigmoid8 on 16 lanes, for any n (see Loop16).
func sigmoidKernelZ() {
	vexp.Func("sigmoid16", "func(dst, x, bias *float32, n int, mask uint16)",
		"sigmoid16 is sigmoid8 on AVX-512 for any n, the last n mod 16 lanes under mask.")
	a := vexp.GPArgs("dst", "x", "bias", "n")
	pd, px, pbias, n := a[0], a[1], a[2], a[3]
	mask := Load(Param("mask"), GP32())
	body := func(k reg.OpmaskVirtual, bias bool) {
		x := ZMM()
		vexp.LoadZ(Mem{Base: px}, k, x)
		if bias {
			if k == nil {
				VADDPS(Mem{Base: pbias}, x, x)
			} else {
				b := ZMM()
				VMOVUPS_Z(Mem{Base: pbias}, k, b)
				VADDPS(b, x, x)
			}
		}
		t := ZMM()
		VORPS(cz["sign"], x, t)
		e := vexp.ExpNegV(t, cz)
		d, num := ZMM(), ZMM()
		VADDPS(cz["one"], e, d)
		neg := K()
		VPMOVD2M(x, neg) // the sign bits of x
		VMOVUPS(cz["one"], num)
		VMOVAPS(e, neg, num) // x < 0 (sign bit) ? e : 1
		VDIVPS(d, num, num)
		vexp.StoreZ(num, k, Mem{Base: pd})
	}
	TESTQ(pbias, pbias)
	JZ(LabelRef("nobias"))
	vexp.Loop16("b", n, mask, func(k reg.OpmaskVirtual) { body(k, true) }, px, pd, pbias)
	JMP(LabelRef("end"))
	Label("nobias")
	vexp.Loop16("n", n, mask, func(k reg.OpmaskVirtual) { body(k, false) }, px, pd)
	Label("end")
	VZEROUPPER()
	RET()
}

// softplusSumKernelZ: softplusSum8 with the softplus on 16 lanes; the
// float64 lane sums stay 8 (lane l takes element 8q+l, in increasing q).
// n is a multiple of 8: its last 8 elements, when n mod 16 = 8, run as a
// half vector.
func softplusSumKernelZ() {
	vexp.Func("softplusSum16", "func(a, w *float32, d float32, n int, lanes *[8]float64)",
		"softplusSum16 is softplusSum8 on AVX-512 (n a multiple of 8; the same 8 lane sums in the same order).")
	a := vexp.GPArgs("a", "w")
	pa, pw := a[0], a[1]
	dv := ZMM()
	VBROADCASTSS(NewParamAddr("d", 16), dv)
	n := Load(Param("n"), GP64())
	lanes := vexp.LoadLaneSumsZ("lanes")
	half := K()
	t8 := GP32()
	MOVL(U32(0xff), t8)
	KMOVW(t8, half)
	body := func(k reg.OpmaskVirtual, shift bool) {
		x := ZMM()
		vexp.LoadZ(Mem{Base: pa}, k, x)
		if shift {
			q := ZMM()
			if k == nil {
				VMULPS(Mem{Base: pw}, dv, q)
			} else {
				wv := ZMM()
				VMOVUPS_Z(Mem{Base: pw}, k, wv)
				VMULPS(wv, dv, q)
			}
			VADDPS(q, x, x)
		}
		t, p := ZMM(), ZMM()
		VORPS(cz["sign"], x, t)
		e := vexp.ExpNegV(t, cz)
		l := log1pV(e, cz)
		zero := ZMM()
		VXORPS(zero, zero, zero)
		VMAXPS(x, zero, p) // 0 > x ? 0 : x (NaN kept)
		VADDPS(l, p, p)
		lanes.Add(p, k != nil)
	}
	loop := func(name string, shift bool, advance ...reg.Register) {
		cnt := GP64()
		MOVQ(n, cnt)
		SHRQ(U8(4), cnt)
		JZ(LabelRef(name + "tail"))
		Label(name + "loop")
		body(nil, shift)
		for _, p := range advance {
			ADDQ(U8(64), p)
		}
		DECQ(cnt)
		JNZ(LabelRef(name + "loop"))
		Label(name + "tail")
		TESTQ(U32(8), n)
		JZ(LabelRef("end"))
		body(half, shift)
		JMP(LabelRef("end"))
	}
	TESTQ(pw, pw)
	JZ(LabelRef("noshift"))
	loop("s", true, pa, pw)
	Label("noshift")
	loop("n", false, pa)
	Label("end")
	lanes.Store()
	VZEROUPPER()
	RET()
}

// bernoulliKernelZ: bernoulliHash8 on 16 lanes for any n (see Loop16):
// unit i hashes the counter i, as on every path.
func bernoulliKernelZ() {
	vexp.Func("bernoulliHash16", "func(dst, p *float32, n int, k0, k1 uint32, mask uint16)",
		"bernoulliHash16 is bernoulliHash8 on AVX-512 for any n, the last n mod 16 units under mask.")
	a := vexp.GPArgs("dst", "p", "n")
	pd, pp, n := a[0], a[1], a[2]
	mask := Load(Param("mask"), GP32())
	vk0, vk1, m1, m2, golden, ctr, sixteen, scale, one := ZMM(), ZMM(), ZMM(), ZMM(), ZMM(), ZMM(), ZMM(), ZMM(), ZMM()
	bc := func(v uint32, z reg.VecVirtual) {
		t := GP32()
		MOVL(U32(v), t)
		VPBROADCASTD(t, z)
	}
	for _, kv := range []struct {
		name string
		z    reg.VecVirtual
	}{{"k0", vk0}, {"k1", vk1}} {
		VPBROADCASTD(Load(Param(kv.name), GP32()), kv.z)
	}
	bc(hashM1, m1)
	bc(hashM2, m2)
	bc(hashGolden, golden)
	bc(16, sixteen)
	bc(math.Float32bits(1.0/(1<<24)), scale)
	bc(math.Float32bits(1), one)
	// ctr = 0, 1, …, 15
	lanes := GLOBL("iota16", RODATA|NOPTR)
	for l := 0; l < 16; l++ {
		DATA(4*l, U32(uint32(l)))
	}
	VMOVDQU32(lanes, ctr)
	x, s := ZMM(), ZMM()
	mix := func() { hashMix(x, s, m1, m2, func(a, b, c Op) { VPXORD(a, b, c) }) }
	vexp.Loop16("", n, mask, func(k reg.OpmaskVirtual) {
		VPMULLD(golden, ctr, x)
		VPADDD(vk0, x, x)
		mix()
		VPXORD(vk1, x, x)
		mix()
		VPSRLD(U8(8), x, x)
		VCVTDQ2PS(x, x)
		VMULPS(scale, x, x)
		lt := K()
		if k == nil {
			VCMPPS(U8(1), Mem{Base: pp}, x, lt) // u < p (LT_OS)
		} else {
			pv := ZMM()
			VMOVUPS_Z(Mem{Base: pp}, k, pv)
			VCMPPS(U8(1), pv, x, lt)
		}
		VMOVAPS_Z(one, lt, x) // u < p ? 1 : +0
		vexp.StoreZ(x, k, Mem{Base: pd})
		if k == nil {
			VPADDD(sixteen, ctr, ctr)
		}
	}, pp, pd)
	VZEROUPPER()
	RET()
}

// momentumKernelZ: momentum8 on 16 lanes for any n (see Loop16).
func momentumKernelZ() {
	vexp.Func("momentum16", "func(w, v, grad *float32, n int, lr, mom, wd float32, mask uint16)",
		"momentum16 is momentum8 on AVX-512 for any n, the last n mod 16 values under mask.")
	a := vexp.GPArgs("w", "v", "grad", "n")
	pw, pv, pg, n := a[0], a[1], a[2], a[3]
	f := vexp.Float32ArgsZ("lr", "mom", "wd")
	lr, mom, wd := f[0], f[1], f[2]
	mask := Load(Param("mask"), GP32())
	vexp.Loop16("", n, mask, func(k reg.OpmaskVirtual) {
		a, b, c, w := ZMM(), ZMM(), ZMM(), ZMM()
		vexp.LoadZ(Mem{Base: pw}, k, w)
		if k == nil {
			VMULPS(Mem{Base: pv}, mom, a) // mom·v
		} else {
			v := ZMM()
			VMOVUPS_Z(Mem{Base: pv}, k, v)
			VMULPS(v, mom, a)
		}
		VMULPS(w, wd, b) // wd·w
		vexp.LoadZ(Mem{Base: pg}, k, c)
		VSUBPS(b, c, c) // g − wd·w
		VMULPS(c, lr, c)
		VADDPS(c, a, a) // new v
		vexp.StoreZ(a, k, Mem{Base: pv})
		VADDPS(a, w, w)
		vexp.StoreZ(w, k, Mem{Base: pw})
	}, pw, pv, pg)
	VZEROUPPER()
	RET()
}

// softplusLogKernelZ: softplusLog8 with its 8 float64 lanes in one zmm
// register instead of two ymm — the same operations per lane in the same
// order; n a multiple of 8.
func softplusLogKernelZ() {
	c := vexp.Constants16("sp64const16", sp64Rows())
	vexp.Func("softplusLog8z", "func(a *float32, n int, beta float64, pos, prod *[8]float64)",
		"softplusLog8z is softplusLog8 on AVX-512 (one zmm of 8 float64 lanes).")
	pa := Load(Param("a"), GP64())
	n := Load(Param("n"), GP64())
	beta := ZMM()
	VBROADCASTSD(NewParamAddr("beta", 16), beta)
	ppos := Load(Param("pos"), GP64())
	pprod := Load(Param("prod"), GP64())
	pos, prod := ZMM(), ZMM()
	VMOVUPD(Mem{Base: ppos}, pos)
	VMOVUPD(Mem{Base: pprod}, prod)
	vexp.Loop8(n, func() {
		softplusLogLanes(ZMM, c, Mem{Base: pa}, beta, pos, prod)
	}, pa)
	VMOVUPD(pos, Mem{Base: ppos})
	VMOVUPD(prod, Mem{Base: pprod})
	VZEROUPPER()
	RET()
}
