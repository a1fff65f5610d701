package tensor

import (
	"math"
	"runtime"
	"sync/atomic"
	"testing"
)

// TestElementwiseSplitIndependent: the element-wise kernels that share a
// batch out over goroutines (SigmoidBiasRows, SigmoidInto, BernoulliFast,
// ColumnSums, MomentumStep) give, for every GOMAXPROCS and on both paths,
// the bits of the element-by-element definition.
func TestElementwiseSplitIndependent(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	const rows, cols = 301, 517
	rng := NewRand(3)
	x := New(rows, cols)
	rng.Normal(x.Data, 0, 4)
	bias := make([]float32, cols)
	rng.Normal(bias, 0, 1)
	p := make([]float32, len(x.Data))
	for i, v := range x.Data {
		p[i] = SigmoidFast(v)
	}
	// References, element by element.
	sigBias := make([]float32, len(x.Data))
	for i, v := range x.Data {
		sigBias[i] = SigmoidFast(float32(v + bias[i%cols]))
	}
	key := NewRand(5).Uint64()
	bern := make([]float32, len(p))
	for i := range p {
		bern[i] = lessf(hashUniform(uint32(i), uint32(key), uint32(key>>32)), p[i])
	}
	sums := make([]float32, cols)
	for i := 0; i < rows; i++ {
		for j := range sums {
			sums[j] += -0.5 * x.Data[i*cols+j]
		}
	}
	same := func(t *testing.T, what string, got, want []float32) {
		t.Helper()
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s: element %d = %v, want %v", what, i, got[i], want[i])
			}
		}
	}
	bothPaths(t, func(t *testing.T) {
		for _, procs := range []int{1, 2, 3, 8} {
			runtime.GOMAXPROCS(procs)
			m := x.Clone()
			SigmoidBiasRows(m, bias)
			same(t, "SigmoidBiasRows", m.Data, sigBias)
			s := make([]float32, len(x.Data))
			SigmoidInto(s, x.Data)
			same(t, "SigmoidInto", s, p)
			b := make([]float32, len(p))
			NewRand(5).BernoulliFast(b, p)
			same(t, "BernoulliFast", b, bern)
			// In blocks from one key, as a pipelined step samples its rows.
			k := NewRand(5).BernoulliKey()
			clear(b)
			for lo := 0; lo < len(p); lo += 1000 {
				hi := min(lo+1000, len(p))
				k.Sample(b[lo:hi], p[lo:hi], lo)
			}
			same(t, "BernoulliKey.Sample", b, bern)
			cs := make([]float32, cols)
			ColumnSums(cs, x, -0.5)
			same(t, "ColumnSums", cs, sums)
		}
	})
}

// TestDot2: Dot2 gives the bits of two Dot calls.
func TestDot2(t *testing.T) {
	rng := NewRand(4)
	x1, x2, y := make([]float32, 785), make([]float32, 785), make([]float32, 785)
	rng.Normal(x1, 0, 3)
	rng.Normal(x2, 0, 3)
	rng.Bernoulli(y, x1) // binary y, as AIS's visible states
	a, b := Dot2(x1, x2, y)
	if math.Float64bits(a) != math.Float64bits(Dot(x1, y)) || math.Float64bits(b) != math.Float64bits(Dot(x2, y)) {
		t.Errorf("Dot2 = %v, %v; Dot gives %v, %v", a, b, Dot(x1, y), Dot(x2, y))
	}
}

// TestRowDots: RowDots and RowDotsVec give each row the bits of Dot, for
// row counts on both sides of the four-row interleave and lengths with
// and without a remainder.
func TestRowDots(t *testing.T) {
	rng := NewRand(5)
	for _, rows := range []int{0, 1, 3, 4, 5, 9} {
		for _, cols := range []int{1, 7, 785} {
			a, b := New(rows, cols), New(rows, cols)
			v := make([]float32, cols)
			rng.Normal(a.Data, 0, 3)
			rng.Normal(b.Data, 0, 1e3)
			rng.Normal(v, 0, 1e-3)
			got, gotV := make([]float64, rows), make([]float64, rows)
			for r := range rows { // RowDots sets, whatever dst held
				got[r], gotV[r] = 7, 7
			}
			RowDots(got, a, b)
			RowDotsVec(gotV, a, v)
			for r := range rows {
				if w := Dot(a.Row(r), b.Row(r)); math.Float64bits(got[r]) != math.Float64bits(w) {
					t.Errorf("%d×%d row %d: RowDots %v, Dot %v", rows, cols, r, got[r], w)
				}
				if w := Dot(a.Row(r), v); math.Float64bits(gotV[r]) != math.Float64bits(w) {
					t.Errorf("%d×%d row %d: RowDotsVec %v, Dot %v", rows, cols, r, gotV[r], w)
				}
			}
			// RowDotsFrom over column blocks, one after another from 0.
			from := make([]float64, rows)
			for c0 := 0; c0 < cols; c0 += 16 {
				c1 := min(c0+16, cols)
				ab, bb := New(rows, c1-c0), New(rows, c1-c0)
				for r := range rows {
					copy(ab.Row(r), a.Row(r)[c0:c1])
					copy(bb.Row(r), b.Row(r)[c0:c1])
				}
				RowDotsFrom(from, ab, bb)
			}
			for r := range rows {
				if math.Float64bits(from[r]) != math.Float64bits(got[r]) {
					t.Errorf("%d×%d row %d: RowDotsFrom by blocks %v, RowDots %v", rows, cols, r, from[r], got[r])
				}
			}
		}
	}
}

// TestSplitCoversOnce: Split hands every index of [0, n) to exactly one
// call, in contiguous ranges, for any n and parts, at GOMAXPROCS 1 and 3.
func TestSplitCoversOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 3} {
		runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, 2, 7, 100, 1001} {
			for _, parts := range []int{0, 1, 2, 3, 8, 2000} {
				seen := make([]int32, n)
				var calls atomic.Int32
				Split(n, parts, func(lo, hi int) {
					calls.Add(1)
					if lo >= hi {
						t.Errorf("n=%d parts=%d: empty range [%d, %d)", n, parts, lo, hi)
					}
					for i := lo; i < hi; i++ {
						seen[i]++
					}
				})
				for i, c := range seen {
					if c != 1 {
						t.Fatalf("n=%d parts=%d: index %d handled %d times", n, parts, i, c)
					}
				}
				if want := min(max(parts, 1), n); int(calls.Load()) != want {
					t.Fatalf("n=%d parts=%d: %d calls, want %d", n, parts, calls.Load(), want)
				}
			}
		}
	}
}
