package lowrank

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/ebm-go/ebm/internal/tensor"
)

// ErrUnderflow reports a model that puts weight on lattice points whose
// base-rate probability is near float64's underflow, where the density of
// states is no longer exact.
var ErrUnderflow = errors.New("low-rank model reaches the edge of the density of states' float64 range")

// Space is the lattice of quantized projections and its density of states:
// directions Ũ = Q·diag(Step) (N × d), base biases B0, and for each
// lattice point k (k_l from Lo[l] to Lo[l]+Size[l]−1, last dimension
// fastest) log Ω(k) = log Σ_{v: Qᵀv = k} exp(B0ᵀv).
type Space struct {
	N, D int
	Q    *tensor.Matrix // N × d, integer-valued
	Step []float64      // δ_l
	B0   []float32      // base visible biases
	Lo   []int          // smallest reachable k_l
	Size []int          // lattice points per dimension
	// QuantError is ‖Ũ_l − U_l‖ / ‖U_l‖ for each direction: how much of it
	// the quantization lost.
	QuantError []float64

	logZ0  float64   // Σ_i softplus(b₀_i): log of the base measure's normaliser
	p0     []float64 // Ω / exp(logZ0): probability of each lattice point under the base measure
	cells  []int32   // indices of the points with p0 > 0
	y      []float64 // len(cells) × d: Ũᵀv at each of them
	stride []int
}

// Cells returns the number of reachable lattice points.
func (s *Space) Cells() int { return len(s.cells) }

// Directions returns Ũ = Q·diag(Step), the quantized directions (N × d).
func (s *Space) Directions() *tensor.Matrix {
	u := s.Q.Clone()
	for i := 0; i < s.N; i++ {
		for l := range s.D {
			u.Data[i*s.D+l] *= float32(s.Step[l])
		}
	}
	return u
}

// maxQuantError is the largest relative quantization error of a direction
// newSpace accepts. On MNIST with 2^18 lattice points d = 2 loses 18% of
// each direction; d = 3 and 4 lose all of it (every entry rounds to 0).
const maxQuantError = 0.5

// newSpace quantizes the directions u (N × d, columns of unit length) so
// that the box of reachable k has at most about cells points, and computes
// the density of states under the base biases b0.
func newSpace(ctx context.Context, u *tensor.Matrix, b0 []float32, cells int) (*Space, error) {
	n, d := u.Rows, u.Cols
	s := &Space{N: n, D: d, Step: make([]float64, d), B0: b0, Lo: make([]int, d), Size: make([]int, d)}
	per := math.Floor(math.Pow(float64(cells), 1/float64(d)) + 1e-9)
	if per < 2 {
		return nil, fmt.Errorf("lowrank: %d lattice points leave fewer than 2 per direction in %d dimensions", cells, d)
	}
	for l := range d {
		var abs float64
		for i := range n {
			abs += math.Abs(float64(u.At(i, l)))
		}
		if abs == 0 {
			return nil, fmt.Errorf("lowrank: direction %d is zero (the data vary in fewer than %d directions)", l+1, d)
		}
		// Rounding moves Σ|k| by up to N/2; widen the step until the box fits.
		for step := abs / (per - 1); ; step *= 1.05 {
			var span int
			for i := range n {
				span += int(math.Abs(math.Round(float64(u.At(i, l)) / step)))
			}
			if float64(span+1) <= per || span == 0 {
				s.Step[l] = step
				break
			}
		}
	}
	s.Q = tensor.New(n, d)
	hi := make([]int, d)
	s.QuantError = make([]float64, d)
	norm := make([]float64, d)
	for i := range n {
		for l := range d {
			x := float64(u.At(i, l))
			k := int(math.Round(x / s.Step[l]))
			s.Q.Data[i*d+l] = float32(k)
			if k < 0 {
				s.Lo[l] += k
			} else {
				hi[l] += k
			}
			e := float64(k)*s.Step[l] - x
			s.QuantError[l] += e * e
			norm[l] += x * x
		}
	}
	for l := range d {
		s.QuantError[l] = math.Sqrt(s.QuantError[l] / norm[l])
		if s.QuantError[l] > maxQuantError {
			return nil, &OptionError{Option: "init-rank", Err: fmt.Errorf(
				"rank %d: a lattice of %d points quantizes direction %d to steps of %.3g, losing %.0f%% of it (‖Ũ−U‖/‖U‖ = %.2f > %g); use a lower rank or more lattice points",
				d, cells, l+1, s.Step[l], 100*s.QuantError[l], s.QuantError[l], maxQuantError)}
		}
	}
	total := 1
	s.stride = make([]int, d)
	for l := d - 1; l >= 0; l-- {
		s.Size[l] = hi[l] - s.Lo[l] + 1
		s.stride[l] = total
		total *= s.Size[l]
	}
	if err := s.density(ctx, total); err != nil {
		return nil, err
	}
	return s, nil
}

// density computes p0, the distribution of k = Qᵀv for v_i independent
// Bernoulli(σ(b0_i)), by adding one unit at a time:
// p'(k) = (1−p_i)·p(k) + p_i·p(k − Q_i). Every partial sum of the Q_i lies
// in the box, so a shift by Q_i's flattened offset never leaves it.
func (s *Space) density(ctx context.Context, total int) error {
	cur, nxt := make([]float64, total), make([]float64, total)
	origin := 0
	for l := range s.D {
		origin += -s.Lo[l] * s.stride[l]
	}
	cur[origin] = 1
	lo, hi := origin, origin+1 // the flattened span that may be nonzero
	for i := 0; i < s.N; i++ {
		b := float64(s.B0[i])
		s.logZ0 += tensor.Softplus(b)
		off := 0
		for l := range s.D {
			off += int(s.Q.Data[i*s.D+l]) * s.stride[l]
		}
		if off == 0 && s.zeroRow(i) {
			continue // the unit moves no projection: its factor is in logZ0
		}
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		p := tensor.Sigmoid(b)
		nlo, nhi := min(lo, lo+off), max(hi, hi+off)
		clear(nxt[nlo:nhi])
		for j := lo; j < hi; j++ {
			nxt[j] += (1 - p) * cur[j]
		}
		dst := nxt[lo+off : hi+off]
		for j, x := range cur[lo:hi] {
			dst[j] += p * x
		}
		cur, nxt = nxt, cur
		lo, hi = nlo, nhi
	}
	s.p0 = cur
	for j := lo; j < hi; j++ {
		if cur[j] > 0 {
			s.cells = append(s.cells, int32(j))
		}
	}
	s.y = make([]float64, len(s.cells)*s.D)
	for c, j := range s.cells {
		for l := range s.D {
			k := int(j)/s.stride[l]%s.Size[l] + s.Lo[l]
			s.y[c*s.D+l] = float64(k) * s.Step[l]
		}
	}
	return nil
}

func (s *Space) zeroRow(i int) bool {
	for _, q := range s.Q.Row(i) {
		if q != 0 {
			return false
		}
	}
	return true
}

// logOmega returns log Ω at reachable cell c.
func (s *Space) logOmega(c int) float64 { return math.Log(s.p0[s.cells[c]]) + s.logZ0 }

// nearUnderflow reports whether cell c's base probability is close enough
// to float64's smallest values that neighbours may have underflowed to 0.
func (s *Space) nearUnderflow(c int) bool { return s.p0[s.cells[c]] < 1e-280 }

// histogram projects binary rows onto the lattice: the reachable cells the
// rows fall in (indices into the reachable list) with their shares, and
// the mean of B0ᵀv. One matrix product gives Qᵀv for all rows,
// exact in float32 (integer sums far below 2^24).
func (s *Space) histogram(data *tensor.Matrix) (hist, error) {
	var h hist
	k := tensor.New(data.Rows, s.D)
	tensor.MatMul(k, data, s.Q)
	where := make(map[int32]int, len(s.cells))
	for c, j := range s.cells {
		where[j] = c
	}
	idx := map[int]int{}
	bv := make([]float64, data.Rows)
	for r := range data.Rows {
		j := 0
		for l, x := range k.Row(r) {
			kl := int(x) - s.Lo[l]
			if kl < 0 || kl >= s.Size[l] {
				return hist{}, fmt.Errorf("lowrank: row %d projects outside the lattice", r)
			}
			j += kl * s.stride[l]
		}
		c, ok := where[int32(j)]
		if !ok {
			return hist{}, fmt.Errorf("row %d: %w (its lattice point has base probability 0 in float64)", r, ErrUnderflow)
		}
		if at, seen := idx[c]; seen {
			h.counts[at]++
		} else {
			idx[c] = len(h.cells)
			h.cells = append(h.cells, c)
			h.counts = append(h.counts, 1)
		}
		bv[r] = tensor.Dot(s.B0, data.Row(r))
	}
	var sum float64
	for _, x := range bv {
		sum += x
	}
	for i := range h.counts {
		h.counts[i] /= float64(data.Rows)
	}
	h.meanB0 = sum / float64(data.Rows)
	return h, nil
}

// logZ returns log Σ_k Ω(k) exp(g(k)) for a log-weight g of the
// projections (given the cell's index and y), written into w (len Cells()) as log Ω + g, and checks the
// underflow edge.
func (s *Space) logZ(w []float64, g func(c int, y []float64) float64) (float64, error) {
	for c := range s.cells {
		w[c] = s.logOmega(c) + g(c, s.y[c*s.D:(c+1)*s.D])
	}
	lz := tensor.LogSumExp(w)
	for c := range s.cells {
		if s.nearUnderflow(c) && w[c] > lz-40 {
			return math.NaN(), ErrUnderflow
		}
	}
	return lz, nil
}
