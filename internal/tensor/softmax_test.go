package tensor

import (
	"math"
	"runtime"
	"testing"
)

// expNegULP is the bound E (in ulps) on expNeg's error over [expLo, 0],
// used by the softmax bound; TestExpNegAccuracy measures it.
const expNegULP = 1.0

// TestExpNegAccuracy measures expNeg (the exponential of the softmax and
// of the sigmoid) against math.Exp over t ∈ [expLo, 0], stepping through
// the float32 bit patterns (about 1.1 M values), and checks that it is 0
// below expLo.
func TestExpNegAccuracy(t *testing.T) {
	var worst float64
	var at float32
	n := 0
	top := math.Float32bits(-expLo)
	for b := uint32(0); b <= top; b += 997 {
		x := -math.Float32frombits(b)
		if x < expLo {
			continue
		}
		n++
		if e := ulpErr(expNeg(x), math.Exp(float64(x))); e > worst {
			worst, at = e, x
		}
	}
	t.Logf("expNeg: max error %.3f ulp at %g over %d inputs", worst, at, n)
	if worst > expNegULP {
		t.Fatalf("expNeg: %.3f ulp at %g, bound %v", worst, at, expNegULP)
	}
	for _, x := range []float32{-87.34, -100, -1e30, float32(math.Inf(-1))} {
		if e := expNeg(x); e != 0 {
			t.Fatalf("expNeg(%g) = %g, want 0", x, e)
		}
	}
	if expNeg(0) != 1 || expNeg(float32(math.Copysign(0, -1))) != 1 {
		t.Fatal("expNeg(±0) ≠ 1")
	}
}

// softmaxRef is the float64 softmax of β·z for float32 scores z, with the
// shifted arguments t_j = β(z_j − max z).
func softmaxRef(z []float32, beta float32) (p, t []float64) {
	m := math.Inf(-1)
	for _, v := range z {
		m = math.Max(m, float64(v))
	}
	p, t = make([]float64, len(z)), make([]float64, len(z))
	var s float64
	for j, v := range z {
		t[j] = float64(beta) * (float64(v) - m)
		p[j] = math.Exp(t[j])
		s += p[j]
	}
	for j := range p {
		p[j] /= s
	}
	return p, t
}

// softmaxCases returns rows of several lengths (tails of every size, one
// longer than a memory of MNIST images) with scores of several scales.
func softmaxCases() []struct {
	z    []float32
	beta float32
} {
	rng := NewRand(11)
	var cases []struct {
		z    []float32
		beta float32
	}
	for _, n := range []int{1, 2, 7, 8, 9, 15, 16, 17, 63, 100, 1001, 60013} {
		for _, sc := range []struct{ sigma, beta float32 }{{1, 1}, {10, 1}, {30, 0.5}, {5, 0}, {0.01, 3.7}, {50, 1000}, {1e4, 1e-4}} {
			z := make([]float32, n)
			rng.Normal(z, 0, sc.sigma)
			cases = append(cases, struct {
				z    []float32
				beta float32
			}{z, sc.beta})
		}
	}
	// Ties: the first index of the maximum wins — within 8 lanes (5, 13,
	// 37 of 40), and across the lanes of a 16-lane block (9 is an
	// upper-half lane, 25 of the next block) and the 8-lane block after
	// the 16-lane ones (49 of 56).
	for _, tie := range []struct {
		n   int
		at  []int
		max float32
	}{{40, []int{5, 13, 37}, 2}, {56, []int{25, 9, 49}, 3}} {
		z := make([]float32, tie.n)
		for _, j := range tie.at {
			z[j] = tie.max
		}
		cases = append(cases, struct {
			z    []float32
			beta float32
		}{z, 1})
	}
	return cases
}

// TestSoftmaxRowsAccuracy checks every weight against the float64 softmax
// of the same float32 scores with the bound derived in softmax.go,
//
//	|p − p*| ≤ u·(2|t_j| + 2·Σ p*_k|t_k| + 4E + 2)·p* + 2⁻¹²⁶,  u = 2⁻²⁴,
//
// the statistics (argmax exactly, top weight p[Arg] exactly, Σp² against
// the weights returned to 1e-12), and that the two paths agree bit for bit.
func TestSoftmaxRowsAccuracy(t *testing.T) {
	const u = 0x1p-24
	cases := softmaxCases()
	var ref [][]float32
	var refStats []SoftmaxStats
	bothPaths(t, func(t *testing.T) {
		var worst float64 // largest error as a fraction of the bound
		var outs [][]float32
		var stats []SoftmaxStats
		for ci, c := range cases {
			p := append([]float32(nil), c.z...)
			m := FromSlice(1, len(p), p)
			st := make([]SoftmaxStats, 1)
			SoftmaxRows(m, c.beta, st)
			want, tt := softmaxRef(c.z, c.beta)
			var mean float64
			for j := range want {
				mean += want[j] * math.Abs(tt[j])
			}
			var sq float64
			for j, w := range want {
				bound := u*(2*math.Abs(tt[j])+2*mean+4*expNegULP+2)*w + 0x1p-126
				err := math.Abs(float64(p[j]) - w)
				if err > bound {
					t.Fatalf("case %d (n %d, β %g): p[%d] = %g, want %g (t = %g): error %g > bound %g",
						ci, len(p), c.beta, j, p[j], w, tt[j], err, bound)
				}
				worst = math.Max(worst, err/bound)
				sq += float64(p[j]) * float64(p[j])
			}
			arg := 0
			for j, v := range c.z {
				if v > c.z[arg] && c.beta > 0 {
					arg = j
				}
			}
			// Two float64 sums of n positive terms in different orders:
			// each within (n−1)·2⁻⁵³ relative of the exact sum.
			if st[0].Arg != arg || st[0].Max != p[arg] || math.Abs(st[0].SumSq-sq) > float64(len(p))*0x1p-52*sq {
				t.Fatalf("case %d: stats %+v, want arg %d, max %g, Σp² %g", ci, st[0], arg, p[arg], sq)
			}
			outs, stats = append(outs, p), append(stats, st[0])
		}
		t.Logf("largest error: %.3f of the bound", worst)
		if ref == nil {
			ref, refStats = outs, stats
			return
		}
		for ci := range outs {
			if refStats[ci] != stats[ci] {
				t.Fatalf("case %d: paths give stats %+v and %+v", ci, refStats[ci], stats[ci])
			}
			for j := range outs[ci] {
				if math.Float32bits(outs[ci][j]) != math.Float32bits(ref[ci][j]) {
					t.Fatalf("case %d: paths differ at %d: %g vs %g", ci, j, outs[ci][j], ref[ci][j])
				}
			}
		}
	})
}

// Exact cases: β = 0 gives float32(1/n) everywhere; a score far above the
// others gives weight exactly 1 and zeros; one column gives 1.
func TestSoftmaxRowsExact(t *testing.T) {
	bothPaths(t, func(t *testing.T) {
		m := New(3, 37)
		NewRand(3).Normal(m.Data, 0, 100)
		st := make([]SoftmaxStats, 3)
		SoftmaxRows(m, 0, st)
		for i, v := range m.Data {
			if v != float32(1.0/37) {
				t.Fatalf("β = 0: p[%d] = %g", i, v)
			}
		}
		if math.Abs(1/st[0].SumSq-37) > 1e-5 || st[0].Arg != 0 {
			t.Fatalf("β = 0: stats %+v", st[0])
		}
		m = New(2, 50)
		m.Set(0, 17, 200)
		m.Set(1, 49, 1)
		SoftmaxRows(m, 1, st)
		for j := 0; j < 50; j++ {
			if want := float32(0); j == 17 && m.At(0, j) != 1 || j != 17 && m.At(0, j) != want {
				t.Fatalf("one-hot row: p[%d] = %g", j, m.At(0, j))
			}
		}
		if st[0].Arg != 17 || st[0].Max != 1 || st[0].SumSq != 1 || st[1].Arg != 49 {
			t.Fatalf("stats %+v %+v", st[0], st[1])
		}
		one := FromSlice(1, 1, []float32{-3})
		SoftmaxRows(one, 2, nil)
		if one.Data[0] != 1 {
			t.Fatalf("one column: %g", one.Data[0])
		}
	})
}

// The result does not depend on GOMAXPROCS (rows are handed out
// dynamically) and equals SoftmaxRow row by row.
func TestSoftmaxRowsDeterministic(t *testing.T) {
	src := New(37, 3001)
	NewRand(5).Normal(src.Data, 0, 8)
	var ref *Matrix
	var refSt []SoftmaxStats
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 3, 8} {
		runtime.GOMAXPROCS(procs)
		m := src.Clone()
		st := make([]SoftmaxStats, m.Rows)
		SoftmaxRows(m, 0.7, st)
		if ref == nil {
			ref, refSt = m, st
			for i := 0; i < src.Rows; i++ {
				row := append([]float32(nil), src.Row(i)...)
				if s := SoftmaxRow(row, 0.7); s != st[i] {
					t.Fatalf("row %d: SoftmaxRow %+v, SoftmaxRows %+v", i, s, st[i])
				}
				for j := range row {
					if math.Float32bits(row[j]) != math.Float32bits(m.At(i, j)) {
						t.Fatalf("row %d: SoftmaxRow differs at %d", i, j)
					}
				}
			}
			continue
		}
		for i := range m.Data {
			if math.Float32bits(m.Data[i]) != math.Float32bits(ref.Data[i]) {
				t.Fatalf("GOMAXPROCS %d: differs at %d", procs, i)
			}
		}
		for i := range st {
			if st[i] != refSt[i] {
				t.Fatalf("GOMAXPROCS %d: stats of row %d differ", procs, i)
			}
		}
	}
}

func TestSoftmaxRowsNaNAndPanics(t *testing.T) {
	bothPaths(t, func(t *testing.T) {
		x := []float32{1, float32(math.NaN()), 3, 0, 0, 0, 0, 0, 0, 2}
		st := SoftmaxRow(x, 1)
		if st.Arg != 2 {
			t.Fatalf("argmax with a NaN: %d", st.Arg)
		}
		for _, v := range x {
			if v == v {
				t.Fatalf("a NaN score gives %v, want NaN weights", x)
			}
		}
		y := []float32{0, float32(math.Inf(-1)), 0, 0, 0, 0, 0, 0, 0, float32(math.Inf(-1))}
		if st := SoftmaxRow(y, 1); st.Arg != 0 || y[1] != 0 || y[9] != 0 || y[0] != 0.125 || st.SumSq != 0.125 {
			t.Fatalf("−∞ scores: %v, %+v", y, st)
		}
	})
	for _, beta := range []float32{-1, float32(math.NaN()), float32(math.Inf(1))} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("β = %g did not panic", beta)
				}
			}()
			SoftmaxRows(New(1, 3), beta, nil)
		}()
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("SoftmaxRow: β = %g did not panic", beta)
				}
			}()
			SoftmaxRow(make([]float32, 3), beta)
		}()
	}
}

func TestSoftmaxRowsNoAllocs(t *testing.T) {
	m := New(16, 5000)
	st := make([]SoftmaxStats, 16)
	SoftmaxRows(m, 1, st)
	if n := testing.AllocsPerRun(10, func() { SoftmaxRows(m, 1, st) }); n > 0 {
		t.Fatalf("%v allocations", n)
	}
}

// BenchmarkSoftmaxRows: 139 rows of 60,000 scores (one block of the MNIST
// Hopfield retrieval).
func BenchmarkSoftmaxRows(b *testing.B) {
	src := New(139, 60000)
	NewRand(1).Normal(src.Data, 0, 10)
	m := src.Clone()
	st := make([]SoftmaxStats, m.Rows)
	b.SetBytes(int64(len(m.Data) * 4))
	for b.Loop() {
		copy(m.Data, src.Data)
		SoftmaxRows(m, 1, st)
	}
	b.ReportMetric(float64(b.N)*float64(len(m.Data))/b.Elapsed().Seconds()/1e6, "Mvalues/s")
}
