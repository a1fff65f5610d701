package vexp

import (
	"math"
	"slices"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// Func opens a kernel: the function name, its Go signature and the doc line
// of its stub; its pointer arguments do not escape.
func Func(name, signature, doc string) {
	TEXT(name, NOSPLIT, signature)
	Pragma("noescape")
	Doc(doc)
}

// Row is one row of a table of constants: its name and its 8 lanes.
type Row struct {
	Name  string
	Lanes [8]uint32
}

// Bits is the row holding u in every lane.
func Bits(name string, u uint32) Row {
	r := Row{Name: name}
	for l := range r.Lanes {
		r.Lanes[l] = u
	}
	return r
}

// Float is the row holding f in every lane, as its bits (avo prints F32(1)
// as $(1), an integer).
func Float(name string, f float32) Row { return Bits(name, math.Float32bits(f)) }

// expConsts are the constants ExpNegV reads: those of expNeg in fast.go.
var expConsts = []Row{
	Float("one", 1),
	Float("explo", -87.33654),
	Float("log2e", 1.44269504088896341),
	Float("magic", 12582912),
	Float("ln2hi", 0.693359375),
	Float("ln2lo", -2.12194440e-4),
	Bits("bias127", 127),
	Float("e0", 1.9875691500e-4),
	Float("e1", 1.3981999507e-3),
	Float("e2", 8.3334519073e-3),
	Float("e3", 4.1665795894e-2),
	Float("e4", 1.6666665459e-1),
	Float("e5", 5.0000001201e-1),
}

// ExpRows returns the named rows of the constants of ExpNegV, in the order
// asked for; a caller's table must hold all of them.
func ExpRows(names ...string) []Row {
	rows := make([]Row, len(names))
	for i, name := range names {
		k := slices.IndexFunc(expConsts, func(r Row) bool { return r.Name == name })
		if k < 0 {
			panic("vexp: no constant " + name)
		}
		rows[i] = expConsts[k]
	}
	return rows
}

// Constants lays out the read-only table named table, one 32-byte row after
// another, and returns the address of each row by its name.
func Constants(table string, rows []Row) map[string]Mem { return constants(table, rows, 1) }

// Constants16 is Constants for the AVX-512 kernels: 64-byte rows, each
// row's 8 lanes twice (so a row of 4 float64 lanes holds 8).
func Constants16(table string, rows []Row) map[string]Mem { return constants(table, rows, 2) }

func constants(table string, rows []Row, reps int) map[string]Mem {
	g := GLOBL(table, RODATA|NOPTR)
	addr := make(map[string]Mem, len(rows))
	size := 32 * reps
	for i, r := range rows {
		for h := 0; h < reps; h++ {
			for l, u := range r.Lanes {
				DATA(size*i+32*h+4*l, U32(u))
			}
		}
		addr[r.Name] = g.Offset(size * i)
	}
	return addr
}

// GPArgs loads the named arguments (pointers and ints) into
// general-purpose registers, in order.
func GPArgs(names ...string) []reg.Register {
	r := make([]reg.Register, len(names))
	for i, name := range names {
		r[i] = Load(Param(name), GP64())
	}
	return r
}

// Float32Args broadcasts the named float32 arguments to all 8 lanes of a
// register each, in order.
func Float32Args(names ...string) []reg.VecVirtual { return float32Args(YMM, names) }

// Float32ArgsZ broadcasts them to all 16 lanes of a zmm register each.
func Float32ArgsZ(names ...string) []reg.VecVirtual { return float32Args(ZMM, names) }

func float32Args(vec func() reg.VecVirtual, names []string) []reg.VecVirtual {
	y := make([]reg.VecVirtual, len(names))
	for i := range y {
		y[i] = vec()
	}
	for i, name := range names {
		VBROADCASTSS(Load(Param(name), XMM()), y[i])
	}
	return y
}

// Loop8 emits the loop of a streaming kernel: n, a count of floats (a
// multiple of 8), becomes a count of 8-lane blocks; body runs once a block,
// after which each of advance moves on by one block (32 bytes). It ends at
// the label "done", where the kernel's epilogue follows.
func Loop8(n reg.Register, body func(), advance ...reg.Register) {
	SHRQ(U8(3), n)
	JZ(LabelRef("done"))
	Label("loop")
	body()
	for _, p := range advance {
		ADDQ(U8(32), p)
	}
	DECQ(n)
	JNZ(LabelRef("loop"))
	Label("done")
}

// Loop16 emits the loop of an AVX-512 streaming kernel over n floats (any
// count; n is clobbered): body(nil) once for each full block of 16 lanes,
// after which each of advance moves on by 64 bytes; then, when n mod 16 ≠
// 0, body(k) once more with the opmask k set from mask (a register holding
// the low n mod 16 bits), under which that body must load (zero-masked)
// and store, so that nothing past n is touched. Its labels start with
// name; it ends at the label name+"done".
func Loop16(name string, n, mask reg.Register, body func(k reg.OpmaskVirtual), advance ...reg.Register) {
	cnt := GP64()
	MOVQ(n, cnt)
	SHRQ(U8(4), cnt)
	JZ(LabelRef(name + "tail"))
	Label(name + "loop")
	body(nil)
	for _, p := range advance {
		ADDQ(U8(64), p)
	}
	DECQ(cnt)
	JNZ(LabelRef(name + "loop"))
	Label(name + "tail")
	ANDQ(U8(15), n)
	JZ(LabelRef(name + "done"))
	k := K()
	KMOVW(mask, k)
	body(k)
	Label(name + "done")
}

// LoadZ loads a vector from src, under k (zero-masked) unless k is nil.
func LoadZ(src Mem, k reg.OpmaskVirtual, dst reg.VecVirtual) {
	if k == nil {
		VMOVUPS(src, dst)
	} else {
		VMOVUPS_Z(src, k, dst)
	}
}

// StoreZ stores v to dst, under k unless k is nil.
func StoreZ(v reg.VecVirtual, k reg.OpmaskVirtual, dst Mem) {
	if k == nil {
		VMOVUPS(v, dst)
	} else {
		VMOVUPS(v, k, dst)
	}
}

// LaneSums are the 8 float64 lane sums of a kernel's *[8]float64 argument,
// held in two registers (lanes 0–3 and 4–7) while the kernel runs.
type LaneSums struct {
	p      reg.Register
	lo, hi reg.VecVirtual
}

// LoadLaneSums loads the lane sums the named argument points to.
func LoadLaneSums(param string) LaneSums {
	s := LaneSums{p: Load(Param(param), GP64())}
	s.lo, s.hi = YMM(), YMM()
	VMOVUPD(Mem{Base: s.p}, s.lo)
	VMOVUPD(Mem{Base: s.p, Disp: 32}, s.hi)
	return s
}

// Add widens the 8 float32 lanes of v to float64 and adds them to the sums;
// with square set it adds their squares (exact: a float32 square fits in 48
// bits).
func (s LaneSums) Add(v reg.VecVirtual, square bool) {
	lo, hi := YMM(), YMM()
	VCVTPS2PD(v.AsX(), lo)
	VEXTRACTF128(U8(1), v, hi.AsX())
	VCVTPS2PD(hi.AsX(), hi)
	if square {
		VMULPD(lo, lo, lo)
		VMULPD(hi, hi, hi)
	}
	VADDPD(lo, s.lo, s.lo)
	VADDPD(hi, s.hi, s.hi)
}

// Store writes the sums back to the argument.
func (s LaneSums) Store() {
	VMOVUPD(s.lo, Mem{Base: s.p})
	VMOVUPD(s.hi, Mem{Base: s.p, Disp: 32})
}

// LaneSumsZ are the same 8 float64 lane sums in one zmm register, for the
// AVX-512 kernels.
type LaneSumsZ struct {
	p   reg.Register
	acc reg.VecVirtual
}

// LoadLaneSumsZ loads the lane sums the named argument points to.
func LoadLaneSumsZ(param string) LaneSumsZ {
	s := LaneSumsZ{p: Load(Param(param), GP64()), acc: ZMM()}
	VMOVUPD(Mem{Base: s.p}, s.acc)
	return s
}

// Add widens the 16 float32 lanes of v to float64 and adds them to the
// sums, lanes 0–7 first, then lanes 8–15 (elements 16q+l, then 16q+8+l:
// the order in which LaneSums.Add takes them from two 8-lane vectors); with
// half set only lanes 0–7.
func (s LaneSumsZ) Add(v reg.VecVirtual, half bool) {
	lo := ZMM()
	VCVTPS2PD(v.AsY(), lo)
	VADDPD(lo, s.acc, s.acc)
	if half {
		return
	}
	hi := ZMM()
	VEXTRACTF64X4(U8(1), v, hi.AsY())
	VCVTPS2PD(hi.AsY(), hi)
	VADDPD(hi, s.acc, s.acc)
}

// Store writes the sums back to the argument.
func (s LaneSumsZ) Store() { VMOVUPD(s.acc, Mem{Base: s.p}) }
