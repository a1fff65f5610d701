package hopfield

import "math"

// AGSCapacity is the critical load α_c = p/N ≈ 0.138 of the Hebbian network
// (Amit, Gutfreund & Sompolinsky 1985): below it the stored patterns are
// attractors with a small fraction (≤ 1.6%) of wrong bits; above it
// retrieval breaks down.
const AGSCapacity = 0.138

// MostStableCapacity is n/(2 ln n): the number of random patterns up to
// which most stored Hebbian patterns are exactly fixed points (McEliece,
// Posner, Rodemich & Venkatesh 1987).
func MostStableCapacity(n int) float64 { return float64(n) / (2 * math.Log(float64(n))) }

// AllStableCapacity is n/(4 ln n): the number of random patterns up to
// which every one of the stored Hebbian patterns is a fixed point with
// probability → 1 (McEliece et al. 1987).
func AllStableCapacity(n int) float64 { return float64(n) / (4 * math.Log(float64(n))) }

// StorkeyCapacity is n/√(2 ln n), the capacity Storkey (1997) gives for his
// rule.
func StorkeyCapacity(n int) float64 { return float64(n) / math.Sqrt(2*math.Log(float64(n))) }

// OneStepErrorProbability is the large-N approximation ½ erfc(√(N/(2p)))
// of the probability that a unit of a stored Hebbian pattern is unstable
// (its crosstalk outweighs the signal): the crosstalk is treated as a
// Gaussian of variance p/N.
func OneStepErrorProbability(n, p int) float64 {
	return 0.5 * math.Erfc(math.Sqrt(float64(n)/(2*float64(p))))
}

// ExactOneStepErrorProbability is that probability for random patterns at
// finite N and p, with this package's sgn(0) convention. For pattern ν and
// unit i, N·ξ_i^ν h_i = (N−1) + C, where the crosstalk
// C = Σ_{j≠i} Σ_{μ≠ν} ξ_i^ν ξ_i^μ ξ_j^μ ξ_j^ν is a sum of M = (N−1)(p−1)
// independent fair ±1 terms. The unit flips iff C < −(N−1) (C = −(N−1) is a
// zero field: the unit keeps its state), i.e. iff the number B ~ Bin(M, ½)
// of +1 terms satisfies 2B − M < −(N−1). Exact up to float64 rounding.
func ExactOneStepErrorProbability(n, p int) float64 {
	if n < 2 || p < 2 {
		return 0
	}
	m := (n - 1) * (p - 1)
	// Need 2B < M − N + 1 =: lim, i.e. B ≤ ⌈lim/2⌉ − 1.
	lim := m - n + 1
	if lim <= 0 {
		return 0
	}
	bmax := (lim+1)/2 - 1
	// Sum the binomial pmf from b = bmax down: the terms decrease (bmax is
	// below the mean M/2), by the ratio b/(M−b+1), so stop once they no
	// longer change the float64 sum.
	lgM, _ := math.Lgamma(float64(m) + 1)
	lb, _ := math.Lgamma(float64(bmax) + 1)
	lr, _ := math.Lgamma(float64(m-bmax) + 1)
	logTop := lgM - lb - lr + float64(m)*math.Log(0.5)
	var sum, term float64 = 0, 1 // in units of exp(logTop)
	for b := bmax; b >= 0; b-- {
		sum += term
		term *= float64(b) / float64(m-b+1)
		if term < 1e-17*sum {
			break
		}
	}
	return math.Exp(logTop + math.Log(sum))
}
