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

var cst map[string]Mem

func constants() { cst = vexp.Constants("softmaxconst", consts) }

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
