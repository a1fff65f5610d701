package hopfield

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// PatternCounts returns the pattern counts of a capacity experiment on n
// neurons given as counts (ParseCounts) or as loads (ParseLoads), not both;
// with neither, def(n) when def is not nil. Errors are OptionErrors naming
// patterns (the counts) or load.
func PatternCounts(counts, loads string, n int, def func(n int) []int) ([]int, error) {
	var err error
	switch {
	case counts != "" && loads != "":
		err = fmt.Errorf("give either pattern counts or loads, not both: %w", ErrOption)
		return nil, &OptionError{Option: "load", Err: err}
	case counts != "":
		ps, err := ParseCounts(counts)
		return ps, optionError("patterns", err)
	case loads != "":
		ps, err := ParseLoads(loads, n)
		return ps, optionError("load", err)
	case def == nil:
		err = fmt.Errorf("give pattern counts (e.g. 5,10,20) or loads α = p/N (e.g. 0.05:0.30:0.01): %w", ErrNoPatterns)
		return nil, &OptionError{Option: "patterns", Err: err}
	}
	return def(n), nil
}

// ParseCounts parses pattern counts "5,10,20" (each at least 1).
func ParseCounts(s string) ([]int, error) {
	var ps []int
	for _, f := range strings.Split(s, ",") {
		p, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("pattern counts %q: %q is not a count: %w", s, f, ErrOption)
		}
		if p < 1 {
			return nil, fmt.Errorf("pattern counts %q: a pattern count of %d (each must be at least 1): %w", s, p, ErrOption)
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// ParseLoads parses loads α = p/N as "from:to:step" (0 < from ≤ to,
// step > 0, at most 10,000 loads) and returns the pattern counts
// LoadCounts gives for n neurons.
func ParseLoads(s string, n int) ([]int, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return nil, fmt.Errorf("loads %q: want from:to:step, e.g. 0.05:0.30:0.01: %w", s, ErrOption)
	}
	var v [3]float64
	for i, f := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("loads %q: %q is not a number: %w", s, f, ErrOption)
		}
		v[i] = x
	}
	if v[0] <= 0 || v[1] < v[0] || v[2] <= 0 {
		return nil, fmt.Errorf("loads %q: want 0 < from ≤ to and step > 0: %w", s, ErrOption)
	}
	if (v[1]-v[0])/v[2] > 10000 {
		return nil, fmt.Errorf("loads %q: more than 10,000 loads: %w", s, ErrOption)
	}
	var loads []float64
	for k := 0; ; k++ {
		a := v[0] + float64(k)*v[2]
		if a > v[1]+1e-9*v[2] {
			break
		}
		loads = append(loads, a)
	}
	ps, err := LoadCounts(loads, n)
	if err != nil {
		return nil, fmt.Errorf("loads %q: %w", s, err)
	}
	return ps, nil
}

// LoadCounts turns loads into pattern counts p = round(α·n), a count
// repeated by consecutive loads kept once; a load that rounds to 0 is an
// error.
func LoadCounts(loads []float64, n int) ([]int, error) {
	var ps []int
	for _, a := range loads {
		p := int(math.Round(a * float64(n)))
		if p < 1 {
			return nil, fmt.Errorf("load %g × %d neurons rounds to a pattern count of 0: %w", a, n, ErrOption)
		}
		if len(ps) == 0 || ps[len(ps)-1] != p {
			ps = append(ps, p)
		}
	}
	return ps, nil
}

// CompareLoads are the loads α = p/N at which CompareSpecs are measured by
// default: from the classical collapse (α ≈ 0.14) to the loads where
// poly:3 gives way at N = 100 (α ≈ 4–10).
var CompareLoads = []float64{0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2, 4, 6, 8, 12}

// CompareCounts returns the pattern counts of CompareLoads for n neurons
// (LoadCounts), leaving out the loads that round to no pattern.
func CompareCounts(n int) []int {
	var loads []float64
	for _, a := range CompareLoads {
		if math.Round(a*float64(n)) >= 1 {
			loads = append(loads, a)
		}
	}
	ps, _ := LoadCounts(loads, n) // every load gives a pattern
	return ps
}

// CompareSpecs are the memories of a comparison of every kind: the
// classical network with the Hebbian and the Storkey rule, a dense memory
// for each of interactions, and the continuous network at beta. The specs
// are not normalized.
func CompareSpecs(interactions []Interaction, beta float64) []Spec {
	specs := []Spec{{Rule: Hebbian}, {Rule: Storkey}}
	for _, f := range interactions {
		specs = append(specs, Spec{Kind: KindDense, Interaction: f})
	}
	return append(specs, Spec{Kind: KindContinuous, Beta: beta})
}
