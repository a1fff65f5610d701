package rbm

import (
	"fmt"
	"math"

	"github.com/ebm-go/ebm/internal/tensor"
)

// Standardization maps raw data to a model's units column by column,
// x ↦ (x − Mean)/Std. Gaussian–Bernoulli models of raw data are trained on
// standardized columns and store the map (tensors data_mean and data_std)
// so that data can be mapped in and samples mapped back out.
type Standardization struct {
	Mean, Std []float32
}

// DefaultStdFloor is Standardize's default floor: a column's standard
// deviation is taken as at least a tenth of the largest column's.
const DefaultStdFloor = 0.1

// Standardize returns the column means and standard deviations of x, with
// each standard deviation floored at floor·(largest column std) (floor ≤ 0
// means DefaultStdFloor; and at 1e-12), so constant or nearly constant
// columns map to finite values instead of dividing by zero. x must be
// finite.
func Standardize(x *tensor.Matrix, floor float64) *Standardization {
	if floor <= 0 {
		floor = DefaultStdFloor
	}
	mean, std := make([]float32, x.Cols), make([]float32, x.Cols)
	m, s := make([]float64, x.Cols), make([]float64, x.Cols)
	for r := 0; r < x.Rows; r++ {
		for i, v := range x.Row(r) {
			m[i] += float64(v)
		}
	}
	for i := range m {
		m[i] /= float64(max(x.Rows, 1))
	}
	for r := 0; r < x.Rows; r++ {
		for i, v := range x.Row(r) {
			d := float64(v) - m[i]
			s[i] += d * d
		}
	}
	var top float64
	for i := range s {
		s[i] = math.Sqrt(s[i] / float64(max(x.Rows, 1)))
		top = math.Max(top, s[i])
	}
	lo := math.Max(floor*top, 1e-12)
	for i := range s {
		mean[i], std[i] = float32(m[i]), float32(math.Max(s[i], lo))
	}
	return &Standardization{Mean: mean, Std: std}
}

// Apply sets x = (x − Mean)/Std in place.
func (s *Standardization) Apply(x *tensor.Matrix) {
	for r := 0; r < x.Rows; r++ {
		row := x.Row(r)
		for i := range row {
			row[i] = (row[i] - s.Mean[i]) / s.Std[i]
		}
	}
}

// Applied returns a standardized copy of x (x itself when s is nil).
func (s *Standardization) Applied(x *tensor.Matrix) *tensor.Matrix {
	if s == nil {
		return x
	}
	y := x.Clone()
	s.Apply(y)
	return y
}

// Undo sets x = x·Std + Mean in place (nothing when s is nil).
func (s *Standardization) Undo(x *tensor.Matrix) {
	if s == nil {
		return
	}
	for r := 0; r < x.Rows; r++ {
		row := x.Row(r)
		for i := range row {
			row[i] = row[i]*s.Std[i] + s.Mean[i]
		}
	}
}

// Clone returns a deep copy.
func (s *Standardization) Clone() *Standardization {
	return &Standardization{Mean: append([]float32(nil), s.Mean...), Std: append([]float32(nil), s.Std...)}
}

func (s *Standardization) validate(n int) error {
	if len(s.Mean) != n || len(s.Std) != n {
		return fmt.Errorf("standardization has %d means and %d deviations for %d visible units: %w", len(s.Mean), len(s.Std), n, ErrShape)
	}
	if !tensor.AllFinite(s.Mean) || !tensor.AllFinite(s.Std) {
		return ErrNotFinite
	}
	for i, d := range s.Std {
		if !(d > 0) {
			return fmt.Errorf("standardization: data_std[%d] = %v must be positive: %w", i, d, ErrShape)
		}
	}
	return nil
}

// LogJacobian returns log |det ∂z/∂x| = −Σ_i log Std_i of the map
// x ↦ z = (x − Mean)/Std (0 for a nil s): a density of the model's
// (standardized) units becomes one of the data's units by adding it,
// log p_x(x) = log p_z(z(x)) + LogJacobian.
func (s *Standardization) LogJacobian() float64 {
	if s == nil {
		return 0
	}
	var j float64
	for _, d := range s.Std {
		j -= math.Log(float64(d))
	}
	return j
}
