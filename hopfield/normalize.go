package hopfield

import (
	"math"

	"github.com/ebm-go/ebm/internal/tensor"
)

// Normalization says how a continuous memory rescales each stored key and
// each query before it is used, one vector at a time (no statistics are
// shared between vectors, so a query needs nothing but itself):
//
//	none         as it is
//	l2           x / ‖x‖₂                     (a zero vector stays zero)
//	standardize  (x − mean(x)) / std(x)       (population std over the d entries;
//	                                           a constant vector becomes zero)
//
// standardize is the layer normalization (without learned scale and shift)
// that hopfield-layers applies to stored and state patterns. It is recorded
// in the model file ("normalize"), so that queries are treated as the keys
// were. Sums are accumulated in float64.
type Normalization string

// The normalizations. In a Spec the zero value "" means NormNone.
const (
	NormNone        Normalization = "none"
	NormL2          Normalization = "l2"
	NormStandardize Normalization = "standardize"
)

var normNames = map[string]Normalization{"": NormNone, "none": NormNone, "l2": NormL2, "standardize": NormStandardize}

// ParseNormalization maps a name (none, l2, standardize; case-insensitive;
// "" means none) to a Normalization.
func ParseNormalization(s string) (Normalization, error) {
	return parseName(s, "normalization", "none, l2 or standardize", normNames)
}

// Apply normalizes every row of x in place.
func (n Normalization) Apply(x *tensor.Matrix) {
	if n == NormNone || n == "" || x == nil {
		return
	}
	for i := 0; i < x.Rows; i++ {
		n.Row(x.Row(i))
	}
}

// Row normalizes one vector in place.
func (n Normalization) Row(v []float32) {
	switch n {
	case NormL2:
		var s float64
		for _, x := range v {
			s += float64(x) * float64(x)
		}
		if s == 0 {
			return
		}
		inv := 1 / math.Sqrt(s)
		for j, x := range v {
			v[j] = float32(float64(x) * inv)
		}
	case NormStandardize:
		var mean float64
		for _, x := range v {
			mean += float64(x)
		}
		mean /= float64(len(v))
		var ss float64
		for _, x := range v {
			d := float64(x) - mean
			ss += d * d
		}
		std := math.Sqrt(ss / float64(len(v)))
		inv := 1.0
		if std > 0 {
			inv = 1 / std
		}
		for j, x := range v {
			v[j] = float32((float64(x) - mean) * inv)
		}
	}
}
