package tensor

import (
	"math"
	"sync"
)

// Keyed normal sampling. A NormalKey is one 64-bit draw from a Rand; the
// standard normal draw of unit n of its stream depends on (key, n) only,
// so the units of a batch can be sampled in any blocks, on any goroutines,
// with the bits of one call (as BernoulliKey does for binary units).
//
// Unit n's draws are the 64-bit words
//
//	w_t = splitmix(key + (n + t·2⁴⁰ + 1)·0x9E3779B97F4A7C15),  t = 0, 1, …
//
// (splitmix is the output function of Steele, Lea & Flood's SplitMix64:
// the words of one t are SplitMix64's stream seeded with key), and the
// draw is Marsaglia & Tsang's ziggurat ("The Ziggurat Method for
// Generating Random Variables", J. Stat. Softw. 5(8), 2000) with 128
// layers on those words: w_0's low 7 bits pick the layer, bit 7 the sign,
// its top 53 bits the uniform; about 99% of draws end there, the rest
// (wedges, the tail beyond r = 3.4426…) take further words in order. The
// arithmetic is float64, rounded to float32 once, and uses only math.Exp
// and math.Log beside + − × ÷, so every path gives the same bits.
// Units are numbered below 2⁴⁰ in one call.

// NormalKey is the key of one keyed normal-sampling call.
type NormalKey uint64

// NormalKey draws a key, advancing r by exactly one draw.
func (r *Rand) NormalKey() NormalKey { return NormalKey(r.src.Uint64()) }

// maxNormalUnits bounds the units of one keyed call: unit n's words for
// t ≥ 1 sit 2⁴⁰ positions apart in the key's stream.
const maxNormalUnits = 1 << 40

// Ziggurat of the half-normal f(x) = exp(−x²/2) in 128 layers of equal
// area v: layer i < 128 spans x ∈ [0, zigX[i]] between the heights
// zigF[i] and zigF[i+1] (layer 0, the base, from 0 to f(r), with the
// tail beyond r). zigX[1] = r; zigX[128] = 0.
const (
	zigR = 3.442619855899
	zigV = 9.91256303526217e-3
)

var zigX, zigF [129]float64

// zigXs is zigX·2⁻⁵³: a layer's x from the 53-bit integer of a word in
// one rounding, as (u·2⁻⁵³)·x_i (the power of two is exact).
var zigXs [128]float64

func init() {
	f := func(x float64) float64 { return math.Exp(-0.5 * x * x) }
	zigX[0] = zigV / f(zigR)
	zigX[1] = zigR
	for i := 1; i < 127; i++ {
		zigX[i+1] = math.Sqrt(-2 * math.Log(zigV/zigX[i]+f(zigX[i])))
	}
	zigX[128] = 0
	for i := range zigX {
		zigF[i] = f(zigX[i])
	}
	zigF[0] = 0 // the base layer's rectangle starts at the axis
	for i := range zigXs {
		zigXs[i] = zigX[i] * 0x1p-53
	}
}

// splitmix is SplitMix64's output function.
func splitmix(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// normalWord is word t of unit n of key k's stream.
func normalWord(k, n, t uint64) uint64 {
	return splitmix(k + (n+t<<40+1)*0x9e3779b97f4a7c15)
}

// uniform53 maps a word to (0, 1].
func uniform53(w uint64) float64 { return float64(int64(w>>11+1)) * 0x1p-53 }

// normalUnit is unit n's standard normal draw.
func normalUnit(k, n uint64) float64 {
	w := normalWord(k, n, 0)
	i := w & 127
	x := float64(int64(w>>11)) * zigXs[i]
	if x < zigX[i+1] {
		return signed(x, w)
	}
	return normalSlow(k, n, w, x)
}

// normalSlow finishes unit n's draw when its first word w, giving x, fell
// outside the layer's part under the curve.
func normalSlow(k, n, w uint64, x float64) float64 {
	for t := uint64(1); ; {
		i := w & 127
		if x < zigX[i+1] {
			return signed(x, w)
		}
		switch i {
		case 0:
			x, _ = zigTail(k, n, t)
			return signed(x, w)
		default: // a wedge: accept under the curve
			y := zigF[i] + uniform53(normalWord(k, n, t))*(zigF[i+1]-zigF[i])
			t++
			if y < math.Exp(-0.5*x*x) {
				return signed(x, w)
			}
		}
		w = normalWord(k, n, t)
		t++
		x = float64(int64(w>>11)) * zigXs[w&127]
	}
}

// zigTail draws from the normal's tail beyond r with unit n's words from
// t on: r + a, a ~ Exp(r), accepted with probability e^{−a²/2}. It
// returns the draw and the next word's t.
func zigTail(k, n, t uint64) (float64, uint64) {
	for {
		a := -math.Log(uniform53(normalWord(k, n, t))) / zigR
		b := -math.Log(uniform53(normalWord(k, n, t+1)))
		t += 2
		if 2*b > a*a {
			return zigR + a, t
		}
	}
}

// signed gives x the sign of bit 7 of w.
// (without a branch: the sign is a coin flip no predictor learns).
func signed(x float64, w uint64) float64 {
	return math.Float64frombits(math.Float64bits(x) ^ (w&128)<<56)
}

// Normal sets dst[i] to unit first+i's standard normal draw.
func (k NormalKey) Normal(dst []float32, first int) {
	checkNormalUnits(first, len(dst))
	for i := range dst {
		dst[i] = float32(normalUnit(uint64(k), uint64(first+i)))
	}
}

// SampleCols sets dst[r][c] = loc[r][c] + s[c]·z for columns [c0, c1) of
// every row (dst and loc of one shape, len(s) = Cols), z being unit first
// + r·Cols + c's draw: the bits that sampling the whole matrix at first
// gives those elements, on the calling goroutine.
func (k NormalKey) SampleCols(dst, loc *Matrix, s []float32, c0, c1, first int) {
	mustSameShape("NormalKey.SampleCols", dst, loc)
	if c0 < 0 || c1 > loc.Cols || c0 > c1 || len(s) != loc.Cols {
		panic("tensor.NormalKey.SampleCols: bad columns")
	}
	checkNormalUnits(first, loc.Rows*loc.Cols)
	s = s[c0:c1]
	var fail *[normalChunk]int64
	if elemAVX512() {
		fail = normalFails.get()
		defer normalFails.put(fail)
	}
	for r := range loc.Rows {
		d, l := dst.Row(r)[c0:c1], loc.Row(r)[c0:c1]
		n := uint64(first + r*loc.Cols + c0)
		if fail != nil {
			normalRowZ(d, l, s, uint64(k), n, fail)
			continue
		}
		for j, sj := range s {
			// normalUnit, its first word inline.
			u := n + uint64(j)
			w := splitmix(uint64(k) + (u+1)*0x9e3779b97f4a7c15)
			i := w & 127
			x := float64(int64(w>>11)) * zigXs[i]
			if x >= zigX[i+1] {
				x = normalSlow(uint64(k), u, w, x)
			} else {
				x = signed(x, w)
			}
			d[j] = l[j] + sj*float32(x)
		}
	}
}

// normalRowZ is SampleCols' row on the AVX-512 kernel: every unit's first
// word there, then the units it reports in Go (normalSlow), which gives
// them the scalar code's values — the same bits.
func normalRowZ(d, l, s []float32, k, n uint64, fail *[normalChunk]int64) {
	for c := 0; c < len(s); c += normalChunk {
		m := min(normalChunk, len(s)-c)
		nf := normal8z(&d[c], &l[c], &s[c], m, k, n+uint64(c), &zigXs[0], &zigX[1], &fail[0], uint8(1<<(m&7)-1))
		for _, j := range fail[:nf] {
			j += int64(c)
			u := n + uint64(j)
			w := splitmix(k + (u+1)*0x9e3779b97f4a7c15)
			x := float64(int64(w>>11)) * zigXs[w&127]
			d[j] = l[j] + s[j]*float32(normalSlow(k, u, w, x))
		}
	}
}

// normalChunk is the most units one call of the AVX-512 kernel takes: its
// list of units to redo has that room.
const normalChunk = 512

var normalFails freeList[[normalChunk]int64]

// Sample sets dst = loc + s·z row by row (SampleCols of every column),
// split over rows on GOMAXPROCS goroutines; the bits do not depend on the
// split.
func (k NormalKey) Sample(dst, loc *Matrix, s []float32) {
	mustSameShape("NormalKey.Sample", dst, loc)
	parallelFor(&normalTasks, normalArgs{k: k, dst: dst, loc: loc, s: s}, func(a *normalArgs, lo, hi int) {
		nv := a.loc.Cols
		d := Matrix{Rows: hi - lo, Cols: nv, Data: a.dst.Data[lo*nv : hi*nv]}
		l := Matrix{Rows: hi - lo, Cols: nv, Data: a.loc.Data[lo*nv : hi*nv]}
		a.k.SampleCols(&d, &l, a.s, 0, nv, lo*nv)
	}, loc.Rows, 1, 8*float64(loc.Rows*loc.Cols))
}

var normalTasks sync.Pool

type normalArgs struct {
	k        NormalKey
	dst, loc *Matrix
	s        []float32
}

func checkNormalUnits(first, n int) {
	if first < 0 || first+n > maxNormalUnits {
		panic("tensor.NormalKey: units beyond 2⁴⁰ in one call")
	}
}
