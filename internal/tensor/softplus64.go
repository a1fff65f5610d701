package tensor

import "math"

// Σ softplus in float64 for AIS. SoftplusSum64 returns Σ_j softplus(β·a_j)
// = Σ_j max(t_j, 0) + log Π_j (1 + e^{−|t_j|}), t_j = β·a_j in float64:
// 8 lanes of sums and products (lane l takes j ≡ l mod 8, one logarithm
// per lane every 4,096 values — a lane's product of 512 factors in [1, 2]
// cannot overflow), then the tail in order. e^u for u ∈ [−40, 0] is
// Cody–Waite reduction (u = n·ln2 + r, |r| ≤ ln2/2) and the Taylor
// polynomial of degree 13 (truncation < 4·10⁻¹⁸), below −40 the factor
// 1 + e^u rounds to 1 anyway. The AVX2 and AVX-512 kernels (the same 8
// lanes in two ymm or one zmm register) and the Go code below do the
// same float64 operations in the same order (the explicit conversions stop
// the compiler from fusing), so every path gives the same bits. Against the
// sum of math.Log1p terms the result differs by a few float64 ulps of the
// sum (TestSoftplusSum64Accuracy).

const (
	softplus64Lo    = -40.0
	softplus64Ln2Hi = 6.93147180369123816490e-01 // 32 significant bits: n·ln2Hi is exact
	softplus64Ln2Lo = 1.90821492927058770002e-10
	softplus64Chunk = 4096
)

// expPoly64 are 1/13!, 1/12!, …, 1/2!, then 1, 1.
var expPoly64 = func() (c [14]float64) {
	f := 1.0
	for i := 0; i <= 13; i++ {
		if i > 0 {
			f *= float64(i)
		}
		c[13-i] = 1 / f
	}
	c[13], c[12] = 1, 1
	return c
}()

// expNeg64 returns e^u for u ∈ [−40, 0].
func expNeg64(u float64) float64 {
	z := float64(u * math.Log2E)
	k := float64(z + 0x1.8p52) // the low bits hold round(z)
	n := float64(k - 0x1.8p52)
	r := float64(u - float64(n*softplus64Ln2Hi))
	r = float64(r - float64(n*softplus64Ln2Lo))
	p := expPoly64[0]
	for _, c := range expPoly64[1:] {
		p = float64(float64(p*r) + c)
	}
	scale := math.Float64frombits(math.Float64bits(k)<<52 + 1023<<52)
	return float64(p * scale)
}

// softplusTerm returns max(t, 0) (NaN kept) and the factor 1 + e^{−|t|}.
func softplusTerm(t float64) (pos, factor float64) {
	pos = t
	if 0 > t {
		pos = 0
	}
	u := math.Float64frombits(math.Float64bits(t) | 1<<63)
	if !(u > softplus64Lo) {
		u = softplus64Lo
	}
	return pos, float64(1 + expNeg64(u))
}

// SoftplusSum64 returns Σ_j softplus(β·a_j) in float64, a few float64 ulps
// from the exact sum (see above).
func SoftplusSum64(a []float32, beta float64) float64 {
	var pos [8]float64
	var logs float64
	nv := len(a) &^ 7
	for lo := 0; lo < nv; lo += softplus64Chunk {
		blk := a[lo:min(nv, lo+softplus64Chunk)]
		prod := [8]float64{1, 1, 1, 1, 1, 1, 1, 1}
		if elemAVX512() {
			softplusLog8z(&blk[0], len(blk), beta, &pos, &prod)
		} else if accelerated {
			softplusLog8(&blk[0], len(blk), beta, &pos, &prod)
		} else {
			for i, x := range blk {
				p, f := softplusTerm(float64(beta * float64(x)))
				pos[i&7] += p
				prod[i&7] = float64(prod[i&7] * f)
			}
		}
		for _, p := range prod {
			logs += math.Log(p)
		}
	}
	s := ((pos[0] + pos[4]) + (pos[2] + pos[6])) + ((pos[1] + pos[5]) + (pos[3] + pos[7]))
	tail := 1.0
	for _, x := range a[nv:] {
		p, f := softplusTerm(float64(beta * float64(x)))
		s += p
		tail = float64(tail * f)
	}
	return s + logs + math.Log(tail)
}
