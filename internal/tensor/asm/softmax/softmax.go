// Command softmax generates the AVX2 row-softmax kernels of package tensor
// (softmax_amd64.s and its stubs) with avo. It lives beside the GEMM
// generator (../gen.go) in the same module but writes its own files, so
// the two can be regenerated independently; run `go generate` in
// internal/tensor. The exponential, its constants and the kernels' frame
// come from ../vexp, shared with ../gen.go.
package main

import (
	"slices"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/ebm-go/ebm/internal/tensor/asm/vexp"
)

func main() {
	ConstraintExpr("amd64,!purego")
	constants()
	maxKernel()
	expKernel()
	scaleKernel()
	maxKernelZ()
	expKernelZ()
	scaleKernelZ()
	Generate()
}

// Constants, each repeated in 8 lanes; the values are those of fast.go.
var consts = slices.Concat(
	vexp.ExpRows("one", "explo", "log2e", "magic", "ln2hi", "ln2lo", "bias127", "e0", "e1", "e2", "e3", "e4", "e5"),
	[]vexp.Row{
		vexp.Bits("neginf", 0xff800000),
		vexp.Bits("eight", 8),
		{Name: "iota", Lanes: [8]uint32{0, 1, 2, 3, 4, 5, 6, 7}},
	},
)

var cst, cz map[string]Mem

func constants() {
	cst = vexp.Constants("softmaxconst", consts)
	cz = vexp.Constants16("softmaxconst16", slices.Concat(
		vexp.ExpRows("one", "explo", "log2e", "magic", "ln2hi", "ln2lo", "bias127", "e0", "e1", "e2", "e3", "e4", "e5"),
		[]vexp.Row{
			vexp.Bits("neginf", 0xff800000),
			vexp.Bits("sixteen", 16),
			{Name: "iota", Lanes: [8]uint32{0, 1, 2, 3, 4, 5, 6, 7}},
			{Name: "iota8", Lanes: [8]uint32{8, 9, 10, 11, 12, 13, 14, 15}},
		},
	))
}

// expNegV returns e^t lane-wise for t ≤ 0: the generators' shared vector
// exponential (vexp.ExpNegV) on this table's constants.
func expNegV(t reg.VecVirtual) reg.VecVirtual { return vexp.ExpNegV(t, cst) }

// maxKernel: per lane l, the largest x[8q+l] (NaN skipped, −∞ to start)
// and the first index attaining it (l when none exceeds −∞), n a multiple
// of 8; see rowMax.
func maxKernel() {
	vexp.Func("softmaxMax8", "func(x *float32, n int, lm *[8]float32, li *[8]int32)",
		"softmaxMax8 finds the lane maxima of x (n a multiple of 8) and their first indices; see rowMax.")
	a := vexp.GPArgs("x", "n", "lm", "li")
	px, n, plm, pli := a[0], a[1], a[2], a[3]
	vmax, vidx, cur, eight := YMM(), YMM(), YMM(), YMM()
	VMOVUPS(cst["neginf"], vmax)
	VMOVDQU(cst["iota"], vidx)
	VMOVDQU(cst["iota"], cur)
	VMOVDQU(cst["eight"], eight)
	x, gt := YMM(), YMM()
	vexp.Loop8(n, func() {
		VMOVUPS(Mem{Base: px}, x)
		VCMPPS(U8(0x1e), vmax, x, gt) // x > vmax (GT_OQ: false for NaN)
		VBLENDVPS(gt, x, vmax, vmax)  // gt ? x : vmax
		VBLENDVPS(gt, cur, vidx, vidx)
		VPADDD(eight, cur, cur)
	}, px)
	VMOVUPS(vmax, Mem{Base: plm})
	VMOVDQU(vidx, Mem{Base: pli})
	VZEROUPPER()
	RET()
}

// laneKernel is the frame of the kernels that rewrite x (n a multiple of 8)
// in place while adding to the float64 lane sums at lanes: scalars names
// float32 arguments broadcast to all lanes, and step emits the work on one
// block x8 of x with them, returning the vector to add (squared when
// square).
func laneKernel(name, signature, doc string, scalars []string, square bool, step func(x8 Mem, s []reg.VecVirtual) reg.VecVirtual) {
	vexp.Func(name, signature, doc)
	a := vexp.GPArgs("x", "n")
	px, n := a[0], a[1]
	s := vexp.Float32Args(scalars...)
	lanes := vexp.LoadLaneSums("lanes")
	vexp.Loop8(n, func() {
		v := step(Mem{Base: px}, s)
		VMOVUPS(v, Mem{Base: px})
		lanes.Add(v, square)
	}, px)
	lanes.Store()
	VZEROUPPER()
	RET()
}

// expKernel: x[i] = expNeg(β·(x[i] − m)), lanes[l] += Σ_q x[8q+l] in
// float64, n a multiple of 8; see expShiftSum.
func expKernel() {
	laneKernel("softmaxExp8", "func(x *float32, n int, m, beta float32, lanes *[8]float64)",
		"softmaxExp8 sets x[i] = e^{β(x[i]−m)} and adds the values to 8 float64 lane sums (n a multiple of 8); see expShiftSum.",
		[]string{"m", "beta"}, false, func(x8 Mem, s []reg.VecVirtual) reg.VecVirtual {
			t := YMM()
			VMOVUPS(x8, t)
			VSUBPS(s[0], t, t) // z − m
			VMULPS(s[1], t, t) // β·(z − m)
			return expNegV(t)
		})
}

// scaleKernel: x[i] = x[i]·inv, lanes[l] += Σ_q x[8q+l]² in float64, n a
// multiple of 8; see scaleSumSq.
func scaleKernel() {
	laneKernel("softmaxScale8", "func(x *float32, n int, inv float32, lanes *[8]float64)",
		"softmaxScale8 sets x[i] = x[i]·inv and adds the squares to 8 float64 lane sums (n a multiple of 8); see scaleSumSq.",
		[]string{"inv"}, true, func(x8 Mem, s []reg.VecVirtual) reg.VecVirtual {
			p := YMM()
			VMULPS(x8, s[0], p)
			return p
		})
}

// The AVX-512 twins: 16 float32 lanes a zmm vector, the same operations
// per element, and the same 8 float64 lane sums in the same order (lane l
// takes element 8q+l, in increasing q: of a 16-lane block, its low half
// first). n is a multiple of 16 for softmaxMax16 (its 16 lane maxima and
// first indices reduce to the same maximum and first index), a multiple
// of 8 for the others (a last half block runs under a mask).

// maxKernelZ: maxKernel on 16 lanes, n a multiple of 16.
func maxKernelZ() {
	vexp.Func("softmaxMax16", "func(x *float32, n int, lm *[16]float32, li *[16]int32)",
		"softmaxMax16 is softmaxMax8 on AVX-512: 16 lane maxima and first indices (n a multiple of 16); see rowMax.")
	a := vexp.GPArgs("x", "n", "lm", "li")
	px, n, plm, pli := a[0], a[1], a[2], a[3]
	vmax, vidx, cur, sixteen := ZMM(), ZMM(), ZMM(), ZMM()
	VMOVUPS(cz["neginf"], vmax)
	// A Constants16 row repeats its 8 lanes twice: the indices 0…15 are
	// the low half of iota (0…7) under the low half of iota8 (8…15).
	lo8 := ZMM()
	VMOVDQU32(cz["iota"], lo8)
	VINSERTI64X4(U8(1), cz["iota8"], lo8, vidx)
	VMOVDQA32(vidx, cur)
	VMOVDQU32(cz["sixteen"], sixteen)
	x := ZMM()
	gt := K()
	cnt := GP64()
	MOVQ(n, cnt)
	SHRQ(U8(4), cnt)
	JZ(LabelRef("done"))
	Label("loop")
	VMOVUPS(Mem{Base: px}, x)
	VCMPPS(U8(0x1e), vmax, x, gt) // x > vmax (GT_OQ: false for NaN)
	VMOVAPS(x, gt, vmax)          // gt ? x : vmax
	VMOVDQA32(cur, gt, vidx)
	VPADDD(sixteen, cur, cur)
	ADDQ(U8(64), px)
	DECQ(cnt)
	JNZ(LabelRef("loop"))
	Label("done")
	VMOVUPS(vmax, Mem{Base: plm})
	VMOVDQU32(vidx, Mem{Base: pli})
	VZEROUPPER()
	RET()
}

// laneKernelZ is laneKernel on 16 lanes: n a multiple of 8, a last half
// block under a mask.
func laneKernelZ(name, signature, doc string, scalars []string, square bool, step func(x reg.VecVirtual, s []reg.VecVirtual)) {
	vexp.Func(name, signature, doc)
	a := vexp.GPArgs("x", "n")
	px, n := a[0], a[1]
	s := vexp.Float32ArgsZ(scalars...)
	p := Load(Param("lanes"), GP64())
	acc := ZMM()
	VMOVUPD(Mem{Base: p}, acc)
	half := K()
	t8 := GP32()
	MOVL(U32(0xff), t8)
	KMOVW(t8, half)
	add := func(v reg.VecVirtual, halfOnly bool) {
		lo := ZMM()
		VCVTPS2PD(v.AsY(), lo)
		if square {
			VMULPD(lo, lo, lo)
		}
		VADDPD(lo, acc, acc)
		if halfOnly {
			return
		}
		hi := ZMM()
		VEXTRACTF64X4(U8(1), v, hi.AsY())
		VCVTPS2PD(hi.AsY(), hi)
		if square {
			VMULPD(hi, hi, hi)
		}
		VADDPD(hi, acc, acc)
	}
	body := func(k reg.OpmaskVirtual) {
		x := ZMM()
		vexp.LoadZ(Mem{Base: px}, k, x)
		step(x, s)
		vexp.StoreZ(x, k, Mem{Base: px})
		add(x, k != nil)
	}
	cnt := GP64()
	MOVQ(n, cnt)
	SHRQ(U8(4), cnt)
	JZ(LabelRef("tail"))
	Label("loop")
	body(nil)
	ADDQ(U8(64), px)
	DECQ(cnt)
	JNZ(LabelRef("loop"))
	Label("tail")
	TESTQ(U32(8), n)
	JZ(LabelRef("end"))
	body(half)
	Label("end")
	VMOVUPD(acc, Mem{Base: p})
	VZEROUPPER()
	RET()
}

// expKernelZ: expKernel on 16 lanes.
func expKernelZ() {
	laneKernelZ("softmaxExp16", "func(x *float32, n int, m, beta float32, lanes *[8]float64)",
		"softmaxExp16 is softmaxExp8 on AVX-512 (n a multiple of 8; the same 8 lane sums in the same order).",
		[]string{"m", "beta"}, false, func(x reg.VecVirtual, s []reg.VecVirtual) {
			VSUBPS(s[0], x, x) // z − m
			VMULPS(s[1], x, x) // β·(z − m)
			e := vexp.ExpNegV(x, cz)
			VMOVAPS(e, x)
		})
}

// scaleKernelZ: scaleKernel on 16 lanes.
func scaleKernelZ() {
	laneKernelZ("softmaxScale16", "func(x *float32, n int, inv float32, lanes *[8]float64)",
		"softmaxScale16 is softmaxScale8 on AVX-512 (n a multiple of 8; the same 8 lane sums of squares in the same order).",
		[]string{"inv"}, true, func(x reg.VecVirtual, s []reg.VecVirtual) {
			VMULPS(x, s[0], x)
		})
}
