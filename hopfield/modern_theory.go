package hopfield

import "math"

// DenseCapacity is the error-free capacity of a dense associative memory
// with F(x) = xⁿ (or max(x,0)ⁿ) on N neurons, N^{n−1} / (2(2n−3)!! ln N)
// (Krotov & Hopfield 2016): the number of random patterns up to which all
// are fixed points with high probability. n = 2 gives N/(2 ln N), the
// classical "most patterns stable" count.
func DenseCapacity(n, degree int) float64 {
	df := 1.0
	for k := 2*degree - 3; k > 1; k -= 2 {
		df *= float64(k)
	}
	return math.Pow(float64(n), float64(degree-1)) / (2 * df * math.Log(float64(n)))
}

// ExpCapacity is 2^{N/2}, the exponential capacity of the dense memory with
// F(x) = exp(x) (Demircigil et al. 2017) in its simplest form.
func ExpCapacity(n int) float64 { return math.Exp2(float64(n) / 2) }
