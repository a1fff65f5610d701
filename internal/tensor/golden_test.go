package tensor

import (
	"hash/fnv"
	"math"
	"testing"
)

// goldenOperands fills matrices from the generator's raw bits only (no
// math library calls), so the inputs are the same on every platform.
func goldenFill(rng *Rand, x []float32, binary bool) {
	for i := range x {
		u := rng.Uint64()
		if binary {
			x[i] = float32(u >> 63)
			continue
		}
		x[i] = float32(int64(u>>40)-1<<23) * 0x1p-21
	}
}

// TestGemmGolden: products give the same bits on every machine and path.
// The hash was recorded on amd64 (AVX2 kernels and the portable path agree
// there) and is checked wherever the tests run, e.g. on arm64, where the
// portable kernels use the compiler's fused multiply–add.
func TestGemmGolden(t *testing.T) {
	const want = uint64(0x3cbc2360862c27c7)
	bothPaths(t, func(t *testing.T) {
		rng := NewRand(2024)
		h := fnv.New64a()
		var buf [4]byte
		for _, g := range []gemmCase{
			{37, 300, 70, false, false, 0.5, 0.25, 0},
			{37, 300, 70, true, false, 1, 1, 0},
			{37, 300, 70, false, true, -1, 0, 0},
			{64, 100, 90, false, false, 0.01, 1, 1},
			{64, 100, 90, true, false, 1, 0, 1},
		} {
			a, b := New(g.m, g.k), New(g.k, g.n)
			if g.ta {
				a = New(g.k, g.m)
			}
			if g.tb {
				b = New(g.n, g.k)
			}
			c := New(g.m, g.n)
			goldenFill(rng, a.Data, g.binaryA > 0)
			goldenFill(rng, b.Data, false)
			goldenFill(rng, c.Data, false)
			Gemm(g.ta, g.tb, g.alpha, a, b, g.beta, c)
			for _, v := range c.Data {
				u := math.Float32bits(v)
				buf = [4]byte{byte(u), byte(u >> 8), byte(u >> 16), byte(u >> 24)}
				h.Write(buf[:])
			}
		}
		if got := h.Sum64(); got != want {
			t.Fatalf("hash of products %#x, recorded %#x", got, want)
		}
	})
}
