package tensor

import (
	"fmt"
	"math"
	"runtime"
	"testing"
)

// kernelPath is one set of kernels: the portable Go ones, AVX2, or AVX2
// with the AVX-512 kernels.
type kernelPath struct {
	name          string
	accel, avx512 bool
}

// kernelPaths lists the paths this machine can run.
func kernelPaths() []kernelPath {
	p := []kernelPath{{"portable", false, false}}
	if CanAccelerate() {
		p = append(p, kernelPath{"avx2", true, false})
	}
	if hasAVX512 {
		p = append(p, kernelPath{"avx512", true, true})
	}
	return p
}

// use switches to the path's kernels and returns the undo.
func (p kernelPath) use() func() {
	a, z := SetAccelerated(p.accel), SetAVX512(p.avx512)
	return func() { SetAccelerated(a); SetAVX512(z) }
}

// bothPaths runs f with every kernel path this machine has: portable Go,
// AVX2 and AVX-512 (when the CPU has them).
func bothPaths(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	for _, p := range kernelPaths() {
		t.Run(p.name, func(t *testing.T) {
			defer p.use()()
			f(t)
		})
	}
}

type gemmCase struct {
	m, k, n     int
	ta, tb      bool
	alpha, beta float32
	binaryA     float64 // > 0: op(a) is binary with this density
}

func (g gemmCase) String() string {
	return fmt.Sprintf("%dx%dx%d ta=%v tb=%v α=%g β=%g bin=%g", g.m, g.k, g.n, g.ta, g.tb, g.alpha, g.beta, g.binaryA)
}

func (g gemmCase) operands(rng *Rand) (a, b, c *Matrix) {
	a = New(g.m, g.k)
	if g.ta {
		a = New(g.k, g.m)
	}
	b = New(g.k, g.n)
	if g.tb {
		b = New(g.n, g.k)
	}
	c = New(g.m, g.n)
	if g.binaryA > 0 {
		p := make([]float32, len(a.Data))
		for i := range p {
			p[i] = float32(g.binaryA)
		}
		rng.Bernoulli(a.Data, p)
	} else {
		rng.Normal(a.Data, 0, 1)
	}
	rng.Normal(b.Data, 0, 1)
	rng.Normal(c.Data, 0, 1)
	return a, b, c
}

// checkGemm compares Gemm with the float64 reference. The float32 result of
// a k-term sum of products of N(0,1) values is within about √k·2⁻²⁴ times
// the sum of |terms|; we allow 4·k·2⁻²⁴·Σ|terms| + 1e-6.
func checkGemm(t *testing.T, g gemmCase, a, b, c0, c *Matrix) {
	t.Helper()
	want := naive(g.ta, g.tb, g.alpha, a, b, g.beta, c0)
	mag := naiveAbs(g.ta, g.tb, g.alpha, a, b, g.beta, c0)
	for i, w := range want {
		tol := 4*float64(g.k+1)*0x1p-24*mag[i] + 1e-6
		if d := math.Abs(float64(c.Data[i]) - w); d > tol || math.IsNaN(float64(c.Data[i])) {
			t.Fatalf("%v: c[%d,%d] = %v, want %v (tol %g)", g, i/g.n, i%g.n, c.Data[i], w, tol)
		}
	}
}

func naiveAbs(transA, transB bool, alpha float32, a, b *Matrix, beta float32, c *Matrix) []float64 {
	abs := func(m *Matrix) *Matrix {
		r := m.Clone()
		for i, v := range r.Data {
			r.Data[i] = float32(math.Abs(float64(v)))
		}
		return r
	}
	return naive(transA, transB, float32(math.Abs(float64(alpha))), abs(a), abs(b), float32(math.Abs(float64(beta))), abs(c))
}

var gemmSizes = [][3]int{
	{1, 1, 1}, {7, 13, 5}, {6, 1, 16}, {5, 3, 17}, {13, 7, 33}, {12, 300, 32},
	{6, 257, 16}, {25, 20, 47}, {97, 31, 40}, {100, 784, 17}, {3, 513, 2},
}

var alphaBetas = [][2]float32{{1, 0}, {1, 1}, {0.7, -0.3}, {-0.01, 1}, {0, 0.5}, {2, 0}}

func TestGemmVsFloat64(t *testing.T) {
	bothPaths(t, func(t *testing.T) {
		rng := NewRand(3)
		for _, sz := range gemmSizes {
			for _, ab := range alphaBetas {
				for _, ta := range []bool{false, true} {
					for _, tb := range []bool{false, true} {
						for _, bin := range []float64{0, 0.3} {
							g := gemmCase{sz[0], sz[1], sz[2], ta, tb, ab[0], ab[1], bin}
							a, b, c := g.operands(rng)
							c0 := c.Clone()
							Gemm(ta, tb, g.alpha, a, b, g.beta, c)
							checkGemm(t, g, a, b, c0, c)
						}
					}
				}
			}
		}
	})
}

// TestGemmBitIdentical: the assembly and the portable kernels, the dense and
// the binary paths, and every GOMAXPROCS give the same bits.
func TestGemmBitIdentical(t *testing.T) {
	rng := NewRand(11)
	cases := []gemmCase{
		{100, 784, 50, false, false, 1, 0, 0.13},
		{37, 300, 70, true, false, -0.1, 1, 0.5},
		{64, 100, 130, true, false, 0.01, 0, 0.2},
		{50, 260, 33, false, true, 1, 1, 0},
		{50, 100, 64, false, false, 1.5, -0.5, 0},
		{31, 529, 17, true, true, 1, 0, 0},
		{9, 40, 200, false, false, 1, 1, 1},
		// Gather passes of 13–24 zmm vectors (AVX-512: up to 384 columns).
		{30, 200, 381, false, false, 1, 0, 0.2},
		{50, 100, 250, true, false, 0.5, 1, 0.3},
		{3, 90, 768, false, false, -1, 0.5, 0.4},
		// Parts split columns and share a packed A over several depth blocks.
		{20, 600, 300, false, true, 0.5, 0.5, 0},
		{31, 700, 200, true, false, 2, 0, 0},
		// One row: the gemv path (Gemm) against the packed kernels (GemmDense).
		{1, 784, 500, false, false, 0.5, 0.3, 0},
		{1, 300, 70, true, false, 1, 1, 0},
		{1, 37, 9, false, false, -2, 0, 0},
	}
	procs := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(procs)
	for _, g := range cases {
		a, b, c := g.operands(rng)
		var ref *Matrix
		check := func(name string, f func(c *Matrix)) {
			t.Helper()
			got := c.Clone()
			f(got)
			if ref == nil {
				ref = got
				return
			}
			for i := range got.Data {
				if math.Float32bits(got.Data[i]) != math.Float32bits(ref.Data[i]) {
					t.Fatalf("%v: %s differs at %d: %v vs %v", g, name, i, got.Data[i], ref.Data[i])
				}
			}
		}
		for _, kp := range kernelPaths() {
			undo := kp.use()
			for _, p := range []int{1, 2, 3, 5} {
				runtime.GOMAXPROCS(p)
				check(fmt.Sprintf("%s procs=%d dense", kp.name, p), func(c *Matrix) { GemmDense(g.ta, g.tb, g.alpha, a, b, g.beta, c) })
				check(fmt.Sprintf("%s procs=%d auto", kp.name, p), func(c *Matrix) { Gemm(g.ta, g.tb, g.alpha, a, b, g.beta, c) })
			}
			undo()
		}
	}
}

func TestGemmBetaZeroIgnoresNaN(t *testing.T) {
	bothPaths(t, func(t *testing.T) {
		for _, bin := range []float64{0, 0.5} {
			g := gemmCase{7, 9, 20, false, false, 1, 0, bin}
			a, b, c := g.operands(NewRand(5))
			for i := range c.Data {
				c.Data[i] = float32(math.NaN())
			}
			Gemm(false, false, 1, a, b, 0, c)
			if !AllFinite(c.Data) {
				t.Fatal("beta = 0 kept NaNs of c")
			}
		}
	})
}

func TestGemmNoAllocs(t *testing.T) {
	rng := NewRand(2)
	for _, g := range []gemmCase{{100, 784, 500, false, false, 1, 0, 0}, {100, 784, 500, false, false, 1, 0, 0.13}, {100, 500, 784, false, true, 1, 0, 0}, {784, 100, 500, true, false, 1, 1, 0.13}} {
		a, b, c := g.operands(rng)
		Gemm(g.ta, g.tb, g.alpha, a, b, g.beta, c)
		if n := testing.AllocsPerRun(5, func() { Gemm(g.ta, g.tb, g.alpha, a, b, g.beta, c) }); n > 0 {
			t.Errorf("%v: %v allocations per call", g, n)
		}
	}
}

// TestFMA32MatchesHardware checks the portable fused multiply–add against
// the VFMADD instruction, including constructed halfway cases where a
// naive float64 evaluation double-rounds.
func TestFMA32MatchesHardware(t *testing.T) {
	if !CanAccelerate() {
		t.Skip("no FMA hardware")
	}
	rng := NewRand(9)
	check := func(x, y, z float32) {
		if got, want := fma32(x, y, z), fmaHW(x, y, z); math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("fma32(%g, %g, %g) = %g, hardware %g", x, y, z, got, want)
		}
	}
	for range 200000 {
		x := float32(rng.NormFloat64())
		y := float32(rng.NormFloat64() * math.Exp(rng.NormFloat64()*10))
		z := float32(rng.NormFloat64() * math.Exp(rng.NormFloat64()*10))
		check(x, y, z)
		check(x, y, -x*y)
	}
	// Halfway cases: x·y is a float32 halfway point (25 significant bits)
	// and z nudges it by much less than a float64 ulp.
	for range 20000 {
		m1 := float32(1<<23 | rng.IntN(1<<23))
		x := m1 * 0x1p-23
		// y odd multiple so that x·y has its 25th bit set.
		y := float32(1<<12|rng.IntN(1<<12)|1) * 0x1p-12
		p := float64(x) * float64(y)
		if float64(float32(p)) == p {
			continue
		}
		for _, z := range []float32{0x1p-60, -0x1p-60, 0x1p-100, float32(p) * 0x1p-40, -float32(p) * 0x1p-40} {
			check(x, y, z)
		}
	}
	for _, v := range [][3]float32{{0, 5, 0}, {float32(math.Copysign(0, -1)), 5, 0}, {1, 1, -1}, {1e30, 1e30, 1}, {1e-30, 1e-30, 1e-38}, {1e-20, 1e-20, -1e-40}} {
		check(v[0], v[1], v[2])
	}
}

func FuzzGemm(f *testing.F) {
	f.Add(uint8(7), uint8(13), uint8(5), uint8(0), uint8(0), uint64(1))
	f.Add(uint8(1), uint8(1), uint8(1), uint8(3), uint8(2), uint64(2))
	f.Add(uint8(40), uint8(255), uint8(33), uint8(1), uint8(5), uint64(3))
	f.Fuzz(func(t *testing.T, m, k, n, layout, ab uint8, seed uint64) {
		rng := NewRand(seed)
		albe := alphaBetas[int(ab)%len(alphaBetas)]
		g := gemmCase{int(m%64) + 1, int(k) + 1, int(n%80) + 1, layout&1 != 0, layout&2 != 0, albe[0], albe[1], 0}
		if layout&4 != 0 {
			g.binaryA = 0.3
		}
		a, b, c := g.operands(rng)
		c0 := c.Clone()
		Gemm(g.ta, g.tb, g.alpha, a, b, g.beta, c)
		checkGemm(t, g, a, b, c0, c)
		if CanAccelerate() {
			prev := SetAccelerated(!Accelerated())
			c2 := c0.Clone()
			Gemm(g.ta, g.tb, g.alpha, a, b, g.beta, c2)
			SetAccelerated(prev)
			for i := range c.Data {
				if math.Float32bits(c.Data[i]) != math.Float32bits(c2.Data[i]) {
					t.Fatalf("%v: assembly and portable differ at %d: %v vs %v", g, i, c.Data[i], c2.Data[i])
				}
			}
		}
	})
}
