package tensor

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"slices"
	"testing"
)

// normalDraws returns n draws of one key's stream.
func normalDraws(seed uint64, n int) []float32 {
	z := make([]float32, n)
	NewRand(seed).NormalKey().Normal(z, 0)
	return z
}

// ksDistance sorts x and returns the Kolmogorov–Smirnov distance between
// its empirical distribution and cdf.
func ksDistance(x []float64, cdf func(float64) float64) float64 {
	slices.Sort(x)
	n := float64(len(x))
	var d float64
	for i, v := range x {
		p := cdf(v)
		d = max(d, math.Abs(float64(i+1)/n-p), math.Abs(p-float64(i)/n))
	}
	return d
}

// The ziggurat's layers have equal areas and close at the top: the last
// layer's rectangle, from f(x_127) to 1, has area v too (to the precision
// of the published constants).
func TestZigguratTables(t *testing.T) {
	for i := 1; i < 128; i++ {
		a := zigX[i] * (zigF[i+1] - zigF[i])
		if math.Abs(a-zigV) > 1e-9 {
			t.Errorf("layer %d: area %.12g, want %.12g", i, a, zigV)
		}
	}
	// The base: the rectangle under f(r) plus the tail beyond r.
	tail := math.Sqrt(math.Pi/2) * math.Erfc(zigR/math.Sqrt2)
	if a := zigR*zigF[1] + tail; math.Abs(a-zigV) > 1e-9 {
		t.Errorf("base layer: area %.12g, want %.12g", a, zigV)
	}
	if zigX[127] <= 0 || zigX[127] >= zigX[126] {
		t.Errorf("x_127 = %g: the layers do not decrease to the top", zigX[127])
	}
}

// TestNormalKeyMoments: 2·10⁶ draws have mean 0, variance 1, third moment
// 0 and fourth 3. The standard errors are 1/√N, √(2/N), √(15/N) and
// √(96/N) (the variances of z, z², z³ and z⁴ are 1, 2, 15 and 96); each
// is allowed 5 of them.
func TestNormalKeyMoments(t *testing.T) {
	const n = 2_000_000
	z := normalDraws(1, n)
	var m [5]float64
	for _, v := range z {
		x := float64(v)
		p := 1.0
		for k := 1; k <= 4; k++ {
			p *= x
			m[k] += p / n
		}
	}
	se := func(v float64) float64 { return 5 * math.Sqrt(v/n) }
	for _, c := range []struct {
		k         int
		want, tol float64
	}{{1, 0, se(1)}, {2, 1, se(2)}, {3, 0, se(15)}, {4, 3, se(96)}} {
		if math.Abs(m[c.k]-c.want) > c.tol {
			t.Errorf("moment %d = %.5f, want %g ± %.5f", c.k, m[c.k], c.want, c.tol)
		}
	}
}

// TestNormalKeyDistribution: the empirical CDF of 10⁶ draws is within the
// Kolmogorov–Smirnov bound of Φ (D·√N < 1.95: p = 0.001 under the
// normal), and the tails — beyond r (drawn by the ziggurat's tail
// branch), beyond 4 and below −4 — hold as many draws as Φ says, within 5
// binomial standard deviations. A sampler that got the tail, a wedge or
// the sign wrong fails one of them.
func TestNormalKeyDistribution(t *testing.T) {
	const n = 1_000_000
	z := normalDraws(2, n)
	x := make([]float64, n)
	for i, v := range z {
		x[i] = float64(v)
	}
	phi := func(v float64) float64 { return 0.5 * math.Erfc(-v/math.Sqrt2) }
	if d := ksDistance(x, phi); d*math.Sqrt(n) > 1.95 {
		t.Errorf("Kolmogorov–Smirnov D = %.5f (D√N = %.2f > 1.95)", d, d*math.Sqrt(n))
	}
	count := func(f func(float64) bool) float64 {
		c := 0
		for _, v := range x {
			if f(v) {
				c++
			}
		}
		return float64(c)
	}
	for _, c := range []struct {
		name string
		in   func(float64) bool
		p    float64
	}{
		{"|z| > r", func(v float64) bool { return math.Abs(v) > zigR }, 2 * (1 - phi(zigR))},
		{"z > 4", func(v float64) bool { return v > 4 }, 1 - phi(4)},
		{"z < −4", func(v float64) bool { return v < -4 }, phi(-4)},
		{"z < 0", func(v float64) bool { return v < 0 }, 0.5},
		{"0.2 < z < 0.3 (top layer's wedge)", func(v float64) bool { return v > 0.2 && v < 0.3 }, phi(0.3) - phi(0.2)},
	} {
		got, want := count(c.in), c.p*n
		if sd := math.Sqrt(n * c.p * (1 - c.p)); math.Abs(got-want) > 5*sd {
			t.Errorf("%s: %g draws, want %.1f ± %.1f", c.name, got, want, 5*sd)
		}
	}
}

// TestZigguratTail: draws of the tail branch alone follow the normal
// beyond r: P(X > x | X > r) = erfc(x/√2)/erfc(r/√2), Kolmogorov–Smirnov
// D·√N < 1.95 on 2·10⁵ draws (an Exp(r) tail without the rejection has
// D ≈ 0.03, D√N ≈ 13).
func TestZigguratTail(t *testing.T) {
	const n = 200_000
	x := make([]float64, n)
	for i := range x {
		x[i], _ = zigTail(0x1234, uint64(i), 1)
	}
	cdf := func(v float64) float64 { return 1 - math.Erfc(v/math.Sqrt2)/math.Erfc(zigR/math.Sqrt2) }
	if d := ksDistance(x, cdf); d*math.Sqrt(n) > 1.95 {
		t.Errorf("tail: Kolmogorov–Smirnov D = %.5f (D√N = %.2f > 1.95)", d, d*math.Sqrt(n))
	}
}

// Neighbouring units of one key, the same unit under neighbouring keys,
// and a unit and the one 2⁴⁰ − 1 units on (whose first word is the
// unit's second) are uncorrelated: |ρ| < 5/√N.
func TestNormalKeyIndependence(t *testing.T) {
	const n = 400_000
	r := NewRand(3)
	k1, k2 := r.NormalKey(), r.NormalKey()
	a, b := make([]float32, n+1), make([]float32, n)
	k1.Normal(a, 0)
	k2.Normal(b, 0)
	far := make([]float32, n)
	for i := range far {
		far[i] = float32(normalUnit(uint64(k1), uint64(i)+1<<40-1))
	}
	corr := func(x, y []float32) float64 {
		var s float64
		for i := range x {
			s += float64(x[i]) * float64(y[i])
		}
		return s / float64(len(x))
	}
	for _, c := range []struct {
		name string
		x, y []float32
	}{{"unit n, n+1", a[:n], a[1:]}, {"two keys", a[:n], b}, {"unit n, n+2⁴⁰−1", a[:n], far}} {
		if rho := corr(c.x, c.y); math.Abs(rho) > 5/math.Sqrt(n) {
			t.Errorf("%s: correlation %.5f beyond %.5f", c.name, rho, 5/math.Sqrt(n))
		}
	}
}

// TestNormalKeyBlocks: sampling a matrix whole (split over goroutines),
// by column blocks and by row blocks at their offsets gives the same
// bits, as does Normal at the element's unit.
func TestNormalKeyBlocks(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(procs)
	r := NewRand(4)
	loc := New(37, 53)
	r.Normal(loc.Data, 0, 2)
	s := make([]float32, 53)
	for i := range s {
		s[i] = 0.1 + float32(i)/10
	}
	k := r.NormalKey()
	var want *Matrix
	for _, p := range []int{1, 2, 4} {
		runtime.GOMAXPROCS(p)
		got := New(37, 53)
		k.Sample(got, loc, s)
		if want == nil {
			want = got
		} else if !slices.Equal(got.Data, want.Data) {
			t.Fatalf("GOMAXPROCS %d: Sample differs", p)
		}
	}
	cols := New(37, 53)
	for _, c := range [][2]int{{0, 16}, {16, 17}, {17, 53}} {
		k.SampleCols(cols, loc, s, c[0], c[1], 0)
	}
	rows := New(37, 53)
	for _, b := range [][2]int{{0, 5}, {5, 36}, {36, 37}} {
		d := &Matrix{Rows: b[1] - b[0], Cols: 53, Data: rows.Data[b[0]*53 : b[1]*53]}
		l := &Matrix{Rows: b[1] - b[0], Cols: 53, Data: loc.Data[b[0]*53 : b[1]*53]}
		k.SampleCols(d, l, s, 0, 53, b[0]*53)
	}
	z := make([]float32, 37*53)
	k.Normal(z, 0)
	for i := range z {
		z[i] = loc.Data[i] + s[i%53]*z[i]
	}
	for name, m := range map[string][]float32{"by columns": cols.Data, "by rows": rows.Data, "Normal": z} {
		if !slices.Equal(m, want.Data) {
			t.Errorf("%s: not the bits of Sample", name)
		}
	}
}

// TestNormalKeyStream pins the stream: the sha256 of 10⁵ draws of one
// key. A change of the generator changes every Gaussian model trained
// with a seed and must say so here.
func TestNormalKeyStream(t *testing.T) {
	z := normalDraws(5, 100_000)
	h := sha256.New()
	for _, v := range z {
		binary.Write(h, binary.LittleEndian, math.Float32bits(v))
	}
	if got, want := fmt.Sprintf("%x", h.Sum(nil))[:16], "2c0d1e38abf4c59c"; got != want {
		t.Errorf("stream sha256 %s, want %s", got, want)
	}
}

// TestNormalKeyPaths: the AVX-512 kernel (first words 8 units at a time,
// the rest redone in Go) and the portable code give the same bits, over
// enough units that hundreds take the slow path, with row lengths that
// leave every tail of 0–7 lanes and rows longer than a kernel call.
func TestNormalKeyPaths(t *testing.T) {
	if !AVX512() {
		t.Skip("no AVX-512 here: one path only")
	}
	defer SetAVX512Elementwise(SetAVX512Elementwise(true))
	k := NewRand(8).NormalKey()
	for _, cols := range []int{784, 1, 7, 9, 15, normalChunk + 3} {
		rows := 40_000/cols + 1
		loc, s := New(rows, cols), make([]float32, cols)
		NewRand(9).Normal(loc.Data, 0, 1)
		for i := range s {
			s[i] = 0.5 + float32(i%5)
		}
		fast, slow := New(rows, cols), New(rows, cols)
		SetAVX512Elementwise(true)
		k.SampleCols(fast, loc, s, 0, cols, 3)
		SetAVX512Elementwise(false)
		k.SampleCols(slow, loc, s, 0, cols, 3)
		if !slices.Equal(fast.Data, slow.Data) {
			for i := range fast.Data {
				if fast.Data[i] != slow.Data[i] {
					t.Fatalf("%d columns: element %d is %v on AVX-512, %v portable", cols, i, fast.Data[i], slow.Data[i])
				}
			}
		}
	}
}
