package tensor

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: element %d is %v, want %v", what, i, got[i], want[i])
		}
	}
}

// colBlock returns columns [j0, j1) of m as a new matrix.
func colBlock(m *Matrix, j0, j1 int) *Matrix {
	b := New(m.Rows, j1-j0)
	for i := range m.Rows {
		copy(b.Row(i), m.Row(i)[j0:j1])
	}
	return b
}

// TestGemmPackedBitIdentical: a product from a packed operand has Gemm's
// bits, whole or cut into row blocks, and a product over depth split into
// pieces continued with beta = 1 — the trainer's pipeline of h·Wᵀ over
// blocks of hidden units — has the bits of the one product over the whole
// depth.
func TestGemmPackedBitIdentical(t *testing.T) {
	cases := []gemmCase{
		{100, 500, 784, false, true, 1, 0, 0.3}, // h·Wᵀ at the RBM's size, binary h
		{37, 300, 70, false, true, 1, 1, 0},
		{13, 260, 33, false, false, -0.5, 0.5, 0},
		{6, 17, 16, false, true, 2, 0, 0},
		{50, 600, 40, false, false, 1, -1, 0.2},
	}
	bothPaths(t, func(t *testing.T) {
		rng := NewRand(3)
		for _, g := range cases {
			a, b, c := g.operands(rng)
			want := c.Clone()
			Gemm(false, g.tb, g.alpha, a, b, g.beta, want)
			var p PackedB
			p.Pack(b, g.tb)
			got := c.Clone()
			GemmPacked(g.alpha, a, &p, g.beta, got)
			sameBits(t, fmt.Sprintf("%v whole", g), got.Data, want.Data)
			// Row blocks of 12 (and a short last one), one packing.
			got = c.Clone()
			for r := 0; r < g.m; r += 12 {
				r1 := min(r+12, g.m)
				GemmPacked(g.alpha, a.SliceRows(r, r1), &p, g.beta, got.SliceRows(r, r1))
			}
			sameBits(t, fmt.Sprintf("%v row blocks", g), got.Data, want.Data)
			if g.beta != 0 && g.beta != 1 {
				continue
			}
			// Depth in three pieces, the later ones continuing with beta = 1.
			got = c.Clone()
			cuts := []int{0, g.k / 3 &^ 15, 2 * g.k / 3, g.k}
			for i := range 3 {
				k0, k1 := cuts[i], cuts[i+1]
				var bp Matrix
				if g.tb {
					bp = *colBlock(b, k0, k1)
				} else {
					bp = *b.SliceRows(k0, k1)
				}
				var q PackedB
				q.Pack(&bp, g.tb)
				beta := g.beta
				if i > 0 {
					beta = 1
				}
				GemmPacked(g.alpha, colBlock(a, k0, k1), &q, beta, got)
			}
			sameBits(t, fmt.Sprintf("%v depth pieces", g), got.Data, want.Data)
		}
	})
}

// TestGemmPackedABitIdentical: a product from a packed left operand has
// Gemm's bits — transposed or not, alpha folded in, any beta, binary or
// dense — packed whole or in shares of its panels, multiplied by column
// blocks of b (the owned step's parts, each with its hidden units), and
// with b packed too (GemmPackedAB).
func TestGemmPackedABitIdentical(t *testing.T) {
	cases := []gemmCase{
		{100, 784, 500, false, false, 1, 0, 0},   // x·W at the RBM's size
		{784, 100, 250, true, false, 0.01, 0, 0}, // xᵀ·p(h|x)/n, the gradient
		{784, 100, 250, true, false, -0.01, 1, 0.13},
		{37, 300, 70, false, false, -0.5, 0.5, 0},
		{13, 7, 33, true, false, 2, 1, 0},
		{6, 17, 16, false, false, 1, 0, 0.5},
	}
	bothPaths(t, func(t *testing.T) {
		rng := NewRand(6)
		for _, g := range cases {
			a, b, c := g.operands(rng)
			want := c.Clone()
			Gemm(g.ta, false, g.alpha, a, b, g.beta, want)
			for _, shares := range []int{1, 2, 5} {
				var p PackedA
				p.Init(a, g.ta, g.alpha)
				for i := range shares {
					p.PackPart(i, shares)
				}
				got := c.Clone()
				GemmPackedA(&p, b, g.beta, got)
				sameBits(t, fmt.Sprintf("%v whole, %d shares", g, shares), got.Data, want.Data)
				// Column blocks of 32, 16 and the rest.
				got = c.Clone()
				for _, cut := range [][2]int{{0, min(32, g.n)}, {min(32, g.n), min(48, g.n)}, {min(48, g.n), g.n}} {
					if cut[0] < cut[1] {
						out := colBlock(c, cut[0], cut[1])
						GemmPackedA(&p, colBlock(b, cut[0], cut[1]), g.beta, out)
						for i := range out.Rows {
							copy(got.Row(i)[cut[0]:cut[1]], out.Row(i))
						}
					}
				}
				sameBits(t, fmt.Sprintf("%v column blocks, %d shares", g, shares), got.Data, want.Data)
				// Both operands packed.
				var q PackedB
				q.Pack(b, false)
				got = c.Clone()
				GemmPackedAB(&p, &q, g.beta, got)
				sameBits(t, fmt.Sprintf("%v both packed, %d shares", g, shares), got.Data, want.Data)
			}
		}
	})
}

func TestGemmPackedNoAllocs(t *testing.T) {
	g := gemmCase{12, 250, 784, false, true, 1, 1, 0}
	a, b, c := g.operands(NewRand(4))
	var p PackedB
	p.Pack(b, true)
	GemmPacked(1, a, &p, 1, c)
	if n := testing.AllocsPerRun(5, func() { p.Pack(b, true); GemmPacked(1, a, &p, 1, c) }); n > 0 {
		t.Fatalf("%v allocations per pack and product", n)
	}
}

// TestSampleRowsMatchesBernoulliFast: blocks of columns and of rows of a
// batch, each sampled at its offset, give the bits of one BernoulliFast
// call over the batch; on every kernel path.
func TestSampleRowsMatchesBernoulliFast(t *testing.T) {
	const rows, cols = 23, 181
	p := New(rows, cols)
	for i := range p.Data {
		p.Data[i] = float32(i%97) / 96
	}
	var ref []float32
	bothPaths(t, func(t *testing.T) {
		want := New(rows, cols)
		NewRand(9).BernoulliFast(want.Data, p.Data)
		if ref == nil {
			ref = want.Data
		}
		sameBits(t, "paths", want.Data, ref)
		key := NewRand(9).BernoulliKey()
		got := New(rows, cols)
		for _, j := range [][2]int{{0, 64}, {64, 65}, {65, 181}} {
			d, q := colBlock(got, j[0], j[1]), colBlock(p, j[0], j[1])
			key.SampleRows(d, q, j[0], cols)
			for i := range rows {
				copy(got.Row(i)[j[0]:j[1]], d.Row(i))
			}
		}
		sameBits(t, "column blocks", got.Data, want.Data)
		clear(got.Data)
		for r := 0; r < rows; r += 5 {
			r1 := min(r+5, rows)
			key.SampleRows(got.SliceRows(r, r1), p.SliceRows(r, r1), r*cols, cols)
		}
		sameBits(t, "row blocks", got.Data, want.Data)
		clear(got.Data)
		for _, c := range [][2]int{{0, 48}, {48, 49}, {49, 181}} {
			key.SampleCols(got, p, c[0], c[1], 0)
		}
		sameBits(t, "column ranges", got.Data, want.Data)
	})
}

// TestSigmoidBiasCols: column ranges get SigmoidBiasRows's bits.
func TestSigmoidBiasCols(t *testing.T) {
	bothPaths(t, func(t *testing.T) {
		m := New(7, 100)
		bias := make([]float32, 100)
		for i := range m.Data {
			m.Data[i] = float32(i%41)/4 - 5
		}
		for j := range bias {
			bias[j] = float32(j%7) - 3
		}
		want := m.Clone()
		SigmoidBiasRows(want, bias)
		got := m.Clone()
		for _, c := range [][2]int{{0, 33}, {33, 34}, {34, 100}} {
			SigmoidBiasCols(got, bias, c[0], c[1])
		}
		sameBits(t, "column ranges", got.Data, want.Data)
	})
}

// pipeTask is a pipeline of n stages over blocks: stage p of block b
// waits for stage p−1 of block b and records the progress it saw; stage 0
// then waits for the last stage to finish (a wait for a higher part,
// which a Crew allows).
type pipeTask struct {
	blocks int
	done   []atomic.Int64
	log    [][]int64
}

func (t *pipeTask) RunPart(p int) {
	for b := range t.blocks {
		if p > 0 {
			WaitAtLeast(&t.done[p-1], int64(b+1))
			t.log[p] = append(t.log[p], t.done[p-1].Load())
		}
		t.done[p].Add(1)
	}
	if p == 0 {
		WaitAtLeast(&t.done[len(t.done)-1], int64(t.blocks))
	}
}

// TestCrewPipeline: a crew runs every part of every call concurrently
// (parts that wait for lower and higher parts finish) at every GOMAXPROCS,
// with and without binding threads to CPUs, and Close ends it.
func TestCrewPipeline(t *testing.T) {
	for _, pin := range []bool{true, false} {
		for _, procs := range []int{1, 2, 3} {
			for _, n := range []int{1, 2, 3} {
				t.Run(fmt.Sprintf("pin=%v procs=%d parts=%d", pin, procs, n), func(t *testing.T) {
					defer SetPinning(SetPinning(pin))
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
					c := NewCrew(n)
					defer c.Close()
					for call := range 30 {
						pt := &pipeTask{blocks: 9, done: make([]atomic.Int64, n), log: make([][]int64, n)}
						c.Run(pt)
						for p := range n {
							if got := pt.done[p].Load(); got != 9 {
								t.Fatalf("call %d: stage %d finished %d blocks, want 9", call, p, got)
							}
							for b, seen := range pt.log[p] {
								if seen < int64(b+1) {
									t.Fatalf("stage %d started block %d when stage %d had done %d", p, b, p-1, seen)
								}
							}
						}
						if call%10 == 9 {
							time.Sleep(time.Millisecond) // long enough for the crew to park
						}
					}
				})
			}
		}
	}
}

type nopTask struct{}

func (nopTask) RunPart(int) {}

func TestCrewNoAllocs(t *testing.T) {
	c := NewCrew(2)
	defer c.Close()
	var task nopTask
	if n := testing.AllocsPerRun(100, func() { c.Run(task) }); n > 0 {
		t.Fatalf("%v allocations per call", n)
	}
}

// TestCrewsClaimCPUs: crews running at once are bound to different CPUs,
// a crew that finds too few free is not bound, and FreeCores counts the
// running crews' parts.
func TestCrewsClaimCPUs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	free := FreeCores()
	a := NewCrew(1)
	if got := FreeCores(); got != free-1 {
		t.Errorf("FreeCores = %d with a crew of 1, want %d", got, free-1)
	}
	done := make(chan *Crew)
	go func() { done <- NewCrew(1) }() // NewCrew binds its caller's thread
	b := <-done
	if len(allowedCPUs()) >= 2 && !pinningOff.Load() {
		if a.cpus == nil || b.cpus == nil || a.cpus[0] == b.cpus[0] {
			t.Errorf("two crews bound to %v and %v, want two different CPUs", a.cpus, b.cpus)
		}
		go func() { done <- NewCrew(2) }()
		if c := <-done; c.cpus != nil {
			t.Errorf("a crew of 2 with no CPU free was bound to %v", c.cpus)
		} else {
			go func() { c.Close(); done <- nil }()
			<-done
		}
	}
	go func() { b.Close(); done <- nil }()
	<-done
	a.Close()
	if got := FreeCores(); got != free {
		t.Errorf("FreeCores = %d after the crews closed, want %d", got, free)
	}
}

// TestBindEnv: EBM_BIND_CPUS=0 in a fresh process turns binding off.
func TestBindEnv(t *testing.T) {
	if os.Getenv("EBM_TEST_BIND_CHILD") == "1" {
		if !pinningOff.Load() {
			t.Fatal("EBM_BIND_CPUS=0 left binding on")
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestBindEnv$")
	cmd.Env = append(os.Environ(), "EBM_TEST_BIND_CHILD=1", "EBM_BIND_CPUS=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}
