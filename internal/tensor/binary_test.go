package tensor

import (
	"math"
	"slices"
	"testing"
)

// TestOnesIndex: the ones of every row (and, for op(a) = aᵀ, of every
// column) in increasing order; any value other than 0 or 1 — wherever it
// sits, in the vector part or the tail of a row — makes the matrix
// non-binary.
func TestOnesIndex(t *testing.T) {
	bothPaths(t, func(t *testing.T) {
		rng := NewRand(5)
		for _, sz := range [][2]int{{1, 1}, {3, 7}, {5, 8}, {4, 29}, {100, 784}} {
			a := New(sz[0], sz[1])
			p := make([]float32, len(a.Data))
			for i := range p {
				p[i] = 0.3
			}
			rng.Bernoulli(a.Data, p)
			if len(a.Data) > 2 {
				a.Data[1] = float32(math.Copysign(0, -1)) // −0 counts as 0
			}
			for _, trans := range []bool{false, true} {
				var x onesIndex
				if !x.build(a, trans) {
					t.Fatalf("%v trans=%v: binary matrix rejected", sz, trans)
				}
				m, k := a.Rows, a.Cols
				if trans {
					m, k = k, m
				}
				for i := 0; i < m; i++ {
					var want []int32
					for kk := 0; kk < k; kk++ {
						var v float32
						if trans {
							v = a.At(kk, i)
						} else {
							v = a.At(i, kk)
						}
						if v == 1 {
							want = append(want, int32(kk))
						}
					}
					if got := x.idx[x.ptr[i]:x.ptr[i+1]]; !slices.Equal(got, want) {
						t.Fatalf("%v trans=%v row %d: %v, want %v", sz, trans, i, got, want)
					}
				}
			}
			for _, bad := range []float32{0.5, 2, -1, float32(math.NaN()), float32(math.Inf(1)), 1e-30} {
				for _, pos := range []int{0, len(a.Data) / 2, len(a.Data) - 1} {
					b := a.Clone()
					b.Data[pos] = bad
					var x onesIndex
					if x.build(b, false) || x.build(b, true) {
						t.Fatalf("%v: value %v at %d accepted as binary", sz, bad, pos)
					}
				}
			}
		}
	})
}
