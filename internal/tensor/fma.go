package tensor

import "math"

// fma32 returns x·y + z rounded once to float32, bit for bit what the
// VFMADD instructions of the assembly kernels (and any IEEE 754 fused
// multiply–add) compute. The product of two float32 values is exact in
// float64, so s = x·y + z carries a single float64 rounding; rounding s to
// float32 again can differ from the correctly rounded result only when s
// lands exactly on a float32 halfway point (double rounding), which the
// slow path resolves with the exact error of the float64 sum.
func fma32(x, y, z float32) float32 {
	p := float64(x) * float64(y)
	s := p + float64(z)
	b := math.Float64bits(s)
	// Normal float32 range (biased float64 exponent ≥ 1023−126) and not a
	// halfway point (29 low mantissa bits 1000…0): float32(s) is exact.
	if (b&(1<<29-1) != 1<<28 && (b>>52)&0x7ff >= 1023-126) || s == 0 {
		return float32(s)
	}
	return fma32Slow(p, float64(z), s)
}

func fma32Slow(p, z, s float64) float32 {
	// TwoSum: p + z = s + e exactly.
	bb := s - p
	e := (p - (s - bb)) + (z - bb)
	r := float32(s)
	if e == 0 || math.IsInf(s, 0) || math.IsNaN(s) || float64(r) == s {
		return r
	}
	lo, hi := r, r
	if float64(r) < s {
		hi = math.Nextafter32(r, float32(math.Inf(1)))
	} else {
		lo = math.Nextafter32(r, float32(math.Inf(-1)))
	}
	if mid := (float64(lo) + float64(hi)) / 2; s != mid {
		return r // not a halfway point: float32(s) is already correctly rounded
	}
	if e > 0 {
		return hi
	}
	return lo
}
