package hopfield

import (
	"fmt"

	"github.com/ebm-go/ebm/internal/budget"
)

// MemoryBytes estimates the memory a memory of kind s with the given
// neurons and patterns holds while it is built and used: the patterns
// (twice: as loaded and as stored), and for the classical kind the N × N
// weights (three times for Storkey's and the pseudo-inverse's work
// matrices). float64, so huge sizes do not wrap around.
func MemoryBytes(s Spec, neurons, patterns int) float64 {
	n, p := float64(neurons), float64(patterns)
	b := 4 * 2 * p * n
	if s.Kind == KindClassical || s.Kind == "" {
		w := 1.0
		if s.Rule != Hebbian && s.Rule != "" {
			w = 3
		}
		b += 4 * w * n * n
	}
	return b
}

// checkMemory refuses a memory too large for limit bytes (≤ 0: half the
// machine's memory) before it is allocated, as an OptionError of option.
func checkMemory(option string, s Spec, neurons, patterns int, limit int64) error {
	if n, err := s.Normalize(); err == nil {
		s = n
	}
	what := fmt.Sprintf("a %s memory of %d neurons and %d patterns", s.Label(), neurons, patterns)
	return optionError(option, budget.Check(budget.Need{Bytes: MemoryBytes(s, neurons, patterns), What: what}, limit))
}
