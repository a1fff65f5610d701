// Command softmax generates the AVX2 row-softmax kernels of package tensor
// (softmax_amd64.s and its stubs) with avo. It lives beside the GEMM
// generator (../gen.go) in the same module but writes its own files, so
// the two can be regenerated independently; run `go generate` in
// internal/tensor. The exponential repeats the operation sequence of
// expNegV in ../gen.go (and of expNeg in fast.go) exactly.
package main

import (
	"math"

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
	Generate()
}

// Constants, each repeated in 8 lanes; the values are those of fast.go.
var consts = []struct {
	name string
	u    uint32
}{
	{"one", math.Float32bits(1)},
	{"explo", math.Float32bits(-87.33654)},
	{"log2e", math.Float32bits(1.44269504088896341)},
	{"magic", math.Float32bits(12582912)},
	{"ln2hi", math.Float32bits(0.693359375)},
	{"ln2lo", math.Float32bits(-2.12194440e-4)},
	{"bias127", 127},
	{"e0", math.Float32bits(1.9875691500e-4)},
	{"e1", math.Float32bits(1.3981999507e-3)},
	{"e2", math.Float32bits(8.3334519073e-3)},
	{"e3", math.Float32bits(4.1665795894e-2)},
	{"e4", math.Float32bits(1.6666665459e-1)},
	{"e5", math.Float32bits(5.0000001201e-1)},
	{"neginf", 0xff800000},
	{"eight", 8},
	{"iota", 0}, // lanes 0…7
}

var cst = map[string]Mem{}

func constants() {
	g := GLOBL("softmaxconst", RODATA|NOPTR)
	for i, c := range consts {
		for l := 0; l < 8; l++ {
			u := c.u
			if c.name == "iota" {
				u = uint32(l)
			}
			DATA(32*i+4*l, U32(u))
		}
		cst[c.name] = g.Offset(32 * i)
	}
}

// expNegV returns e^t lane-wise for t ≤ 0: the generators' shared vector
// exponential (vexp.ExpNegV) on this table's constants.
func expNegV(t reg.VecVirtual) reg.VecVirtual { return vexp.ExpNegV(t, cst) }

// maxKernel: per lane l, the largest x[8q+l] (NaN skipped, −∞ to start)
// and the first index attaining it (l when none exceeds −∞), n a multiple
// of 8; see rowMax.
func maxKernel() {
	TEXT("softmaxMax8", NOSPLIT, "func(x *float32, n int, lm *[8]float32, li *[8]int32)")
	Pragma("noescape")
	Doc("softmaxMax8 finds the lane maxima of x (n a multiple of 8) and their first indices; see rowMax.")
	px := Load(Param("x"), GP64())
	n := Load(Param("n"), GP64())
	plm := Load(Param("lm"), GP64())
	pli := Load(Param("li"), GP64())
	vmax, vidx, cur, eight := YMM(), YMM(), YMM(), YMM()
	VMOVUPS(cst["neginf"], vmax)
	VMOVDQU(cst["iota"], vidx)
	VMOVDQU(cst["iota"], cur)
	VMOVDQU(cst["eight"], eight)
	SHRQ(U8(3), n)
	JZ(LabelRef("done"))
	x, gt := YMM(), YMM()
	Label("loop")
	VMOVUPS(Mem{Base: px}, x)
	VCMPPS(U8(0x1e), vmax, x, gt) // x > vmax (GT_OQ: false for NaN)
	VBLENDVPS(gt, x, vmax, vmax)  // gt ? x : vmax
	VBLENDVPS(gt, cur, vidx, vidx)
	VPADDD(eight, cur, cur)
	ADDQ(U8(32), px)
	DECQ(n)
	JNZ(LabelRef("loop"))
	Label("done")
	VMOVUPS(vmax, Mem{Base: plm})
	VMOVDQU(vidx, Mem{Base: pli})
	VZEROUPPER()
	RET()
}

// accumulate adds the 8 float32 lanes of v, converted to float64, to the
// lane sums acc0 (lanes 0–3) and acc1 (lanes 4–7), squared first when sq.
func accumulate(v, acc0, acc1 reg.VecVirtual, sq bool) { vexp.AccumulatePD(v, acc0, acc1, sq) }

// expKernel: x[i] = expNeg(β·(x[i] − m)), lanes[l] += Σ_q x[8q+l] in
// float64, n a multiple of 8; see expShiftSum.
func expKernel() {
	TEXT("softmaxExp8", NOSPLIT, "func(x *float32, n int, m, beta float32, lanes *[8]float64)")
	Pragma("noescape")
	Doc("softmaxExp8 sets x[i] = e^{β(x[i]−m)} and adds the values to 8 float64 lane sums (n a multiple of 8); see expShiftSum.")
	px := Load(Param("x"), GP64())
	n := Load(Param("n"), GP64())
	vm, vb := YMM(), YMM()
	VBROADCASTSS(Load(Param("m"), XMM()), vm)
	VBROADCASTSS(Load(Param("beta"), XMM()), vb)
	pl := Load(Param("lanes"), GP64())
	acc0, acc1 := YMM(), YMM()
	VMOVUPD(Mem{Base: pl}, acc0)
	VMOVUPD(Mem{Base: pl, Disp: 32}, acc1)
	SHRQ(U8(3), n)
	JZ(LabelRef("done"))
	Label("loop")
	t := YMM()
	VMOVUPS(Mem{Base: px}, t)
	VSUBPS(vm, t, t) // z − m
	VMULPS(vb, t, t) // β·(z − m)
	e := expNegV(t)
	VMOVUPS(e, Mem{Base: px})
	accumulate(e, acc0, acc1, false)
	ADDQ(U8(32), px)
	DECQ(n)
	JNZ(LabelRef("loop"))
	Label("done")
	VMOVUPD(acc0, Mem{Base: pl})
	VMOVUPD(acc1, Mem{Base: pl, Disp: 32})
	VZEROUPPER()
	RET()
}

// scaleKernel: x[i] = x[i]·inv, lanes[l] += Σ_q x[8q+l]² in float64, n a
// multiple of 8; see scaleSumSq.
func scaleKernel() {
	TEXT("softmaxScale8", NOSPLIT, "func(x *float32, n int, inv float32, lanes *[8]float64)")
	Pragma("noescape")
	Doc("softmaxScale8 sets x[i] = x[i]·inv and adds the squares to 8 float64 lane sums (n a multiple of 8); see scaleSumSq.")
	px := Load(Param("x"), GP64())
	n := Load(Param("n"), GP64())
	vi := YMM()
	VBROADCASTSS(Load(Param("inv"), XMM()), vi)
	pl := Load(Param("lanes"), GP64())
	acc0, acc1 := YMM(), YMM()
	VMOVUPD(Mem{Base: pl}, acc0)
	VMOVUPD(Mem{Base: pl, Disp: 32}, acc1)
	SHRQ(U8(3), n)
	JZ(LabelRef("done"))
	Label("loop")
	p := YMM()
	VMULPS(Mem{Base: px}, vi, p)
	VMOVUPS(p, Mem{Base: px})
	accumulate(p, acc0, acc1, true)
	ADDQ(U8(32), px)
	DECQ(n)
	JNZ(LabelRef("loop"))
	Label("done")
	VMOVUPD(acc0, Mem{Base: pl})
	VMOVUPD(acc1, Mem{Base: pl, Disp: 32})
	VZEROUPPER()
	RET()
}
