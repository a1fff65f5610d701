package tensor

import (
	"math"
	"testing"
)

// TestBernoulliFastFrequencies: per-unit frequencies within 5 standard
// errors, and no correlation between neighbouring units (lanes of one
// vector, and across the vector boundary) or between consecutive calls.
func TestBernoulliFastFrequencies(t *testing.T) {
	bothPaths(t, func(t *testing.T) {
		rng := NewRand(7)
		ps := []float32{0, 1e-3, 0.1, 0.3, 0.5, 0.77, 0.999, 1, 0.5, 0.5, 0.5}
		const n = 100000
		dst := make([]float32, len(ps))
		prev := make([]float32, len(ps))
		counts := make([]float64, len(ps))
		var pair, cross, lag float64
		for range n {
			copy(prev, dst)
			rng.BernoulliFast(dst, ps)
			for i, v := range dst {
				counts[i] += float64(v)
			}
			pair += float64(dst[2] * dst[3])
			cross += float64(dst[7] * dst[8]) // lanes 7 and 8: vector boundary
			lag += float64(dst[4] * prev[4])
		}
		checkFrequencies(t, ps, counts, n)
		for _, c := range []struct {
			name string
			got  float64
			p    float64
		}{{"pair", pair / n, 0.1 * 0.3}, {"boundary", cross / n, 1 * 0.5}, {"lag", lag / n, 0.25}} {
			if math.Abs(c.got-c.p) > 5*math.Sqrt(c.p*(1-c.p)/n) {
				t.Errorf("%s joint frequency %v, want %v", c.name, c.got, c.p)
			}
		}
	})
}

// TestBernoulliFastLong: a long vector at p = 0.5 has ≈ half ones, in runs
// whose count matches independent draws (n/4 runs of ones), and both paths
// give the same bits.
func TestBernoulliFastLong(t *testing.T) {
	const n = 1 << 20
	p := make([]float32, n+5)
	for i := range p {
		p[i] = 0.5
	}
	var ref []float32
	bothPaths(t, func(t *testing.T) {
		rng := NewRand(99)
		dst := make([]float32, len(p))
		rng.BernoulliFast(dst, p)
		var ones, runs float64
		for i, v := range dst {
			ones += float64(v)
			if v == 1 && (i == 0 || dst[i-1] == 0) {
				runs++
			}
		}
		N := float64(len(p))
		if math.Abs(ones-N/2) > 5*math.Sqrt(N/4) || math.Abs(runs-N/4) > 5*math.Sqrt(N*3/16) {
			t.Fatalf("ones %v, runs %v of %v", ones, runs, N)
		}
		if ref == nil {
			ref = dst
			return
		}
		for i := range dst {
			if dst[i] != ref[i] {
				t.Fatalf("paths differ at %d", i)
			}
		}
	})
}

func TestBernoulliNoAllocs(t *testing.T) {
	rng := NewRand(1)
	p := make([]float32, 1001)
	dst := make([]float32, 1001)
	if n := testing.AllocsPerRun(10, func() {
		rng.Bernoulli(dst, p)
		rng.BernoulliFast(dst, p)
	}); n > 0 {
		t.Fatalf("%v allocations", n)
	}
}
