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
func Constants(table string, rows []Row) map[string]Mem {
	g := GLOBL(table, RODATA|NOPTR)
	addr := make(map[string]Mem, len(rows))
	for i, r := range rows {
		for l, u := range r.Lanes {
			DATA(32*i+4*l, U32(u))
		}
		addr[r.Name] = g.Offset(32 * i)
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
func Float32Args(names ...string) []reg.VecVirtual {
	y := make([]reg.VecVirtual, len(names))
	for i := range y {
		y[i] = YMM()
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
