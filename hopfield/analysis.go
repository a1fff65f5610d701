package hopfield

import (
	"fmt"
	"math"
	"slices"

	"github.com/ebm-go/ebm/internal/tensor"
)

// Bipolar returns a copy of src with entries in {−1, +1}. A vector holding
// only −1 and +1 is copied; one holding only 0 and 1 is mapped 0 → −1,
// 1 → +1. Anything else (a mix of 0 and −1, another value, NaN) is an error
// wrapping ErrValue that names the first offending position.
func Bipolar(src []float32) ([]float32, error) {
	dst := make([]float32, len(src))
	if err := bipolarInto(dst, src, bipolarKind(src)); err != nil {
		return nil, err
	}
	return dst, nil
}

// BipolarMatrix is Bipolar for every row of m, deciding the encoding (±1 or
// 0/1) once for the whole matrix: a 0/1 matrix may have all-ones rows, a ±1
// matrix may not contain a 0. Errors name the row and column (0-based).
func BipolarMatrix(m *tensor.Matrix) (*tensor.Matrix, error) {
	if m == nil {
		return nil, fmt.Errorf("hopfield: nil pattern matrix: %w", ErrNoPatterns)
	}
	out := tensor.New(m.Rows, m.Cols)
	if err := bipolarInto(out.Data, m.Data, bipolarKind(m.Data)); err != nil {
		if m.Cols > 0 {
			if e, ok := err.(*valueError); ok {
				return nil, fmt.Errorf("hopfield: row %d, column %d (0-based): %s: %w", e.pos/m.Cols, e.pos%m.Cols, e.msg, ErrValue)
			}
		}
		return nil, err
	}
	return out, nil
}

type valueError struct {
	pos int
	msg string
}

func (e *valueError) Error() string {
	return fmt.Sprintf("hopfield: position %d (0-based): %s: %v", e.pos, e.msg, ErrValue)
}
func (e *valueError) Unwrap() error { return ErrValue }

// bipolarKind reports whether src uses the ±1 encoding (it contains a −1).
func bipolarKind(src []float32) (plusMinus bool) {
	return slices.Contains(src, -1)
}

func bipolarInto(dst, src []float32, plusMinus bool) error {
	for i, v := range src {
		switch {
		case v == 1:
			dst[i] = 1
		case plusMinus && v == -1:
			dst[i] = -1
		case !plusMinus && v == 0:
			dst[i] = -1
		case plusMinus && v == 0:
			return &valueError{i, "value 0 in a ±1 vector (use either ±1 or 0/1 throughout)"}
		default:
			return &valueError{i, fmt.Sprintf("value %v is neither ±1 nor 0/1", v)}
		}
	}
	return nil
}

// Overlap returns m = ξ·s/N, the overlap of two ±1 vectors of equal length
// N: 1 when they are equal, −1 when s = −ξ, about 0 for unrelated random
// vectors.
func Overlap(xi, s []float32) float64 {
	if len(xi) != len(s) {
		panic(fmt.Sprintf("hopfield.Overlap: lengths %d and %d differ", len(xi), len(s)))
	}
	if len(s) == 0 {
		return 0
	}
	return tensor.Dot(xi, s) / float64(len(s))
}

// Overlaps returns the overlaps of s with every row of patterns.
func Overlaps(patterns *tensor.Matrix, s []float32) []float64 {
	out := make([]float64, patterns.Rows)
	for mu := range out {
		out[mu] = Overlap(patterns.Row(mu), s)
	}
	return out
}

// Nearest returns the stored pattern closest to s up to a global sign: the
// index μ with the largest |m_μ| (the lowest index on ties) and its signed
// overlap m_μ. A negative overlap means s is nearer the reversed pattern
// −ξ^μ. With no patterns it returns −1, 0.
func Nearest(patterns *tensor.Matrix, s []float32) (index int, overlap float64) {
	index = -1
	if patterns == nil {
		return -1, 0
	}
	for mu := 0; mu < patterns.Rows; mu++ {
		m := Overlap(patterns.Row(mu), s)
		if index < 0 || math.Abs(m) > math.Abs(overlap) {
			index, overlap = mu, m
		}
	}
	return index, overlap
}

// StateClass names what a state is, relative to the stored patterns.
type StateClass string

// Classes of states.
const (
	// ClassStored: the state is (close to) a stored pattern ξ^μ.
	ClassStored StateClass = "stored"
	// ClassReversed: the state is (close to) a reversed pattern −ξ^μ.
	ClassReversed StateClass = "reversed"
	// ClassMixture: the state is (close to) a mixture sgn(±ξ^μ ± ξ^ν ± ξ^ρ …)
	// of an odd number (3, 5 or 7) of stored patterns.
	ClassMixture StateClass = "mixture"
	// ClassOther: none of these (a spin-glass state, or a state far from
	// every pattern).
	ClassOther StateClass = "other"
)

// DefaultMinOverlap is the overlap Classify requires when minOverlap <= 0.
// A retrieval state below the Hebbian capacity has m > 0.967 (Amit,
// Gutfreund & Sompolinsky 1985), a symmetric 3-mixture has m = 0.5 with each
// component, so 0.9 separates the two.
const DefaultMinOverlap = 0.9

// Classification describes a state.
type Classification struct {
	Class StateClass `json:"class"`
	// Patterns are the stored patterns involved: one for stored and
	// reversed, the components of a mixture (in increasing order); empty
	// for other.
	Patterns []int `json:"patterns"`
	// Signs are the signs of the components of a mixture (+1 or −1), in
	// the order of Patterns; for stored/reversed the single sign.
	Signs []int `json:"signs"`
	// Overlap is the overlap of the state with the pattern or mixture named;
	// for other, the overlap with the nearest pattern.
	Overlap float64 `json:"overlap"`
	// Exact reports that the state equals the pattern or mixture exactly.
	Exact bool `json:"exact"`
}

// Classify says whether s is a stored pattern, a reversed pattern, a
// mixture of an odd number of patterns, or something else. A class is given
// when the overlap with the pattern (or the mixture state
// sgn(Σ ε_μ ξ^μ)) is at least minOverlap (DefaultMinOverlap when <= 0);
// Exact then says whether the match is exact. Stored and reversed patterns
// are preferred to mixtures. Mixtures are searched among the 7 patterns of
// largest |m_μ|, with ε_μ = sgn(m_μ), over all subsets of size 3, 5 and 7.
func Classify(patterns *tensor.Matrix, s []float32, minOverlap float64) Classification {
	if minOverlap <= 0 {
		minOverlap = DefaultMinOverlap
	}
	if patterns == nil || patterns.Rows == 0 {
		return Classification{Class: ClassOther}
	}
	m := Overlaps(patterns, s)
	best := 0
	for mu := range m {
		if math.Abs(m[mu]) > math.Abs(m[best]) {
			best = mu
		}
	}
	if math.Abs(m[best]) >= minOverlap {
		c := Classification{Class: ClassStored, Patterns: []int{best}, Signs: []int{1}, Overlap: m[best], Exact: m[best] == 1}
		if m[best] < 0 {
			c = Classification{Class: ClassReversed, Patterns: []int{best}, Signs: []int{-1}, Overlap: -m[best], Exact: m[best] == -1}
		}
		return c
	}
	// Candidates: the (up to) 7 patterns of largest |m|.
	idx := make([]int, len(m))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch da, db := math.Abs(m[a]), math.Abs(m[b]); {
		case da > db:
			return -1
		case da < db:
			return 1
		}
		return 0
	})
	cand := idx[:min(7, len(idx))]
	n := len(s)
	mix := make([]float32, n)
	sum := make([]float64, n)
	bestMix := Classification{Class: ClassOther, Patterns: []int{}, Signs: []int{}, Overlap: m[best]}
	bestOv := math.Inf(-1)
	for mask := 1; mask < 1<<len(cand); mask++ {
		k := popcount(mask)
		if k < 3 || k%2 == 0 {
			continue
		}
		clear(sum)
		for b, mu := range cand {
			if mask&(1<<b) == 0 {
				continue
			}
			sign := 1.0
			if m[mu] < 0 {
				sign = -1
			}
			for i, v := range patterns.Row(mu) {
				sum[i] += sign * float64(v)
			}
		}
		for i, v := range sum { // odd number of ±1 terms: never 0
			mix[i] = 1
			if v < 0 {
				mix[i] = -1
			}
		}
		ov := Overlap(mix, s)
		if ov > bestOv {
			bestOv = ov
			var comps, signs []int
			for b, mu := range cand {
				if mask&(1<<b) != 0 {
					comps = append(comps, mu)
				}
			}
			slices.Sort(comps)
			for _, mu := range comps {
				if m[mu] < 0 {
					signs = append(signs, -1)
				} else {
					signs = append(signs, 1)
				}
			}
			if ov >= minOverlap {
				bestMix = Classification{Class: ClassMixture, Patterns: comps, Signs: signs, Overlap: ov, Exact: ov == 1}
			}
		}
	}
	return bestMix
}

func popcount(x int) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// RandomPatterns returns p random ±1 patterns of length n (p×n), each entry
// an independent fair coin drawn from rng.
func RandomPatterns(p, n int, rng *tensor.Rand) *tensor.Matrix {
	x := tensor.New(p, n)
	fillRandomSigns(x.Data, rng)
	return x
}

// fillRandomSigns sets each entry of dst to ±1 with probability ½, using
// each 64-bit draw for 64 entries.
func fillRandomSigns(dst []float32, rng *tensor.Rand) {
	for i := 0; i < len(dst); i += 64 {
		u := rng.Uint64()
		for j := i; j < min(i+64, len(dst)); j++ {
			dst[j] = float32(int(u&1)*2 - 1)
			u >>= 1
		}
	}
}

// NoiseFlips returns the number of units Corrupt flips for a noise level:
// round(noise·n).
func NoiseFlips(noise float64, n int) int {
	return int(math.Round(noise * float64(n)))
}

// Corrupt flips exactly NoiseFlips(noise, len(s)) distinct units of s, in
// place, chosen uniformly at random from rng, and returns how many it
// flipped. noise must be in [0, 1].
func Corrupt(s []float32, noise float64, rng *tensor.Rand) (int, error) {
	if !(noise >= 0 && noise <= 1) {
		return 0, fmt.Errorf("hopfield: noise %g is outside [0, 1]: %w", noise, ErrOption)
	}
	k := NoiseFlips(noise, len(s))
	corrupt(s, k, make([]int, len(s)), rng)
	return k, nil
}

// corrupt flips k distinct random units of s; idx is scratch of len(s).
// It is a partial Fisher–Yates shuffle: the first k positions of a uniform
// random permutation.
func corrupt(s []float32, k int, idx []int, rng *tensor.Rand) {
	n := len(s)
	for i := range idx[:n] {
		idx[i] = i
	}
	for i := 0; i < k; i++ {
		j := i + rng.IntN(n-i)
		idx[i], idx[j] = idx[j], idx[i]
		s[idx[i]] = -s[idx[i]]
	}
}
