package tensor

import (
	"fmt"
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

// TestGemmOnes: products from an index built once have Gemm's bits, for
// op(a) = a and aᵀ, any alpha and beta, and column blocks of b (the owned
// step's parts); Index refuses operands that are not binary or too dense.
func TestGemmOnes(t *testing.T) {
	rng := NewRand(11)
	for _, g := range []gemmCase{
		{100, 784, 250, false, false, 1, 0, 0.13},
		{784, 100, 256, true, false, 0.01, 0, 0.13},
		{784, 100, 244, true, false, -0.01, 1, 0.3},
		{12, 784, 288, false, false, 1, 0, 0.32},
		{7, 9, 33, false, false, -0.5, 0.5, 0.2},
	} {
		a, b, c := g.operands(rng)
		want := c.Clone()
		Gemm(g.ta, false, g.alpha, a, b, g.beta, want)
		var o Ones
		if !o.Index(a, g.ta) || !o.Gathers() {
			t.Fatalf("%v: Index refused a sparse binary operand", g)
		}
		got := c.Clone()
		GemmOnes(g.alpha, &o, b, g.beta, got)
		sameBits(t, fmt.Sprintf("%v", g), got.Data, want.Data)
	}
	var o Ones
	dense := New(10, 20)
	for i := range dense.Data {
		dense.Data[i] = 1
	}
	if o.Index(dense, false) {
		t.Error("Index accepted an operand of all ones (denser than the gather limit)")
	}
	dense.Data[3] = 0.5
	if o.Index(dense, true) || o.Gathers() {
		t.Error("Index accepted an operand that is not binary")
	}
}
