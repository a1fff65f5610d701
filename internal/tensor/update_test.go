package tensor

import (
	"math"
	"testing"
)

// TestMomentumStepMatchesTwoLoops: the fused update gives the bits of the
// plain form v = mom·v + lr·(g − wd·w); w += v on both paths.
func TestMomentumStepMatchesTwoLoops(t *testing.T) {
	bothPaths(t, func(t *testing.T) {
		for _, n := range []int{1, 7, 8, 33, 1000, 392000 + 3} {
			rng := NewRand(uint64(n))
			w, v, g := make([]float32, n), make([]float32, n), make([]float32, n)
			rng.Normal(w, 0, 0.1)
			rng.Normal(v, 0, 0.01)
			rng.Normal(g, 0, 0.1)
			w2, v2 := append([]float32(nil), w...), append([]float32(nil), v...)
			lr, mom, wd := float32(0.05), float32(0.9), float32(2e-4)
			MomentumStep(w, v, g, lr, mom, wd)
			for i, gi := range g {
				// Explicit conversions: each operation rounds (no fusion, as
				// on amd64 where rbm's loop compiles that way).
				v2[i] = float32(mom*v2[i]) + float32(lr*float32(gi-float32(wd*w2[i])))
			}
			Axpy(1, v2, w2)
			for i := range w {
				if math.Float32bits(w[i]) != math.Float32bits(w2[i]) || math.Float32bits(v[i]) != math.Float32bits(v2[i]) {
					t.Fatalf("n=%d: element %d: w %v v %v, want %v %v", n, i, w[i], v[i], w2[i], v2[i])
				}
			}
		}
	})
}

func TestTranspose(t *testing.T) {
	for _, sz := range [][2]int{{1, 1}, {3, 70}, {784, 500}} {
		a := New(sz[0], sz[1])
		NewRand(1).Normal(a.Data, 0, 1)
		b := New(sz[1], sz[0])
		Transpose(b, a)
		for i := 0; i < a.Rows; i++ {
			for j := 0; j < a.Cols; j++ {
				if a.At(i, j) != b.At(j, i) {
					t.Fatalf("%v: (%d,%d)", sz, i, j)
				}
			}
		}
	}
}

func TestMomentumStepNoAllocs(t *testing.T) {
	w, v, g := make([]float32, 392000), make([]float32, 392000), make([]float32, 392000)
	if n := testing.AllocsPerRun(10, func() { MomentumStep(w, v, g, 0.1, 0.5, 0) }); n > 0 {
		t.Fatalf("%v allocations", n)
	}
}
