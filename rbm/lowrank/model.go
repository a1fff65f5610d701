package lowrank

import (
	"fmt"
	"math"
	"sort"

	"github.com/ebm-go/ebm/internal/tensor"
)

// Model is the low-rank model of the package doc on a Space:
//
//	log p(v) = B0ᵀv + Betaᵀy + Σ_a Q[a]·relu(Dirs[a]ᵀy − Thresh[a]) − log Z,  y = Ũᵀv.
//
// Its parameters, in the order Gradient returns them, are Beta (d values)
// then Q (one per feature); Q must be ≥ 0.
type Model struct {
	Space  *Space
	Dirs   [][]float64 // n_a, unit vectors in R^d
	Thresh []float64   // t_a
	Beta   []float64
	Q      []float64
}

// NumParams returns d + the number of features.
func (m *Model) NumParams() int { return m.Space.D + len(m.Q) }

// params returns (Beta, Q) as one vector.
func (m *Model) params() []float64 { return append(append([]float64(nil), m.Beta...), m.Q...) }

func (m *Model) setParams(p []float64) {
	d := m.Space.D
	copy(m.Beta, p[:d])
	copy(m.Q, p[d:])
}

// features writes φ(y) = (y, relu(n_aᵀy − t_a)…) into phi.
func (m *Model) features(phi, y []float64) {
	d := m.Space.D
	copy(phi, y)
	for a, n := range m.Dirs {
		var s float64
		for l := range d {
			s += n[l] * y[l]
		}
		phi[d+a] = math.Max(s-m.Thresh[a], 0)
	}
}

// g returns the log-weight Betaᵀy + Σ Q_a relu(·) at y.
func (m *Model) g(y []float64) float64 {
	d := m.Space.D
	var s float64
	for l := range d {
		s += m.Beta[l] * y[l]
	}
	for a, n := range m.Dirs {
		if m.Q[a] == 0 {
			continue
		}
		var x float64
		for l := range d {
			x += n[l] * y[l]
		}
		if x > m.Thresh[a] {
			s += m.Q[a] * (x - m.Thresh[a])
		}
	}
	return s
}

func (m *Model) gAt(_ int, y []float64) float64 { return m.g(y) }

// LogZ returns the exact log partition function (a sum over the lattice).
func (m *Model) LogZ() (float64, error) {
	w := make([]float64, m.Space.Cells())
	return m.Space.logZ(w, m.gAt)
}

// LogLikelihood returns the exact mean log p(v) over the rows of binary data.
func (m *Model) LogLikelihood(data *tensor.Matrix) (float64, error) {
	ll, _, err := m.evaluate(data, false)
	return ll, err
}

// Gradient returns the exact mean log-likelihood of binary data and its
// gradient with respect to (Beta, Q): E_data[φ(y)] − E_model[φ(y)].
func (m *Model) Gradient(data *tensor.Matrix) (float64, []float64, error) {
	return m.evaluate(data, true)
}

func (m *Model) evaluate(data *tensor.Matrix, grad bool) (float64, []float64, error) {
	if err := checkBinary(data, m.Space.N); err != nil {
		return 0, nil, err
	}
	h, err := m.Space.histogram(data)
	if err != nil {
		return 0, nil, err
	}
	st, err := m.stats(h, grad, false)
	if err != nil {
		return 0, nil, err
	}
	return st.ll, st.grad, nil
}

// hist is binary data seen through the lattice: the cells its rows fall in,
// their shares, and the mean of B0ᵀv.
type hist struct {
	cells  []int
	counts []float64
	meanB0 float64
}

// stats are the log-likelihood and, on request, its gradient and the
// Hessian of log Z (the model covariance of φ, P × P row-major).
type stats struct {
	ll, logZ float64
	grad     []float64
	cov      []float64
}

// modelMassCut drops lattice points whose weight is below e^-60 of the
// total from the moments: they change them by less than 1e-26 relative.
const modelMassCut = 60

func (m *Model) stats(h hist, grad, hessian bool) (stats, error) {
	s := m.Space
	w := make([]float64, s.Cells())
	lz, err := s.logZ(w, m.gAt)
	if err != nil {
		return stats{}, err
	}
	var dataG float64
	for i, c := range h.cells {
		dataG += h.counts[i] * m.g(s.y[c*s.D:(c+1)*s.D])
	}
	st := stats{ll: h.meanB0 + dataG - lz, logZ: lz}
	if !grad {
		return st, nil
	}
	p := m.NumParams()
	phi := make([]float64, p)
	st.grad = make([]float64, p)
	for i, c := range h.cells {
		m.features(phi, s.y[c*s.D:(c+1)*s.D])
		for k, f := range phi {
			st.grad[k] += h.counts[i] * f
		}
	}
	mean := make([]float64, p)
	if hessian {
		st.cov = make([]float64, p*p)
	}
	for c := range w {
		if w[c] < lz-modelMassCut {
			continue
		}
		pc := math.Exp(w[c] - lz)
		m.features(phi, s.y[c*s.D:(c+1)*s.D])
		for k, f := range phi {
			mean[k] += pc * f
		}
		if hessian {
			for k, f := range phi {
				if f == 0 {
					continue
				}
				row := st.cov[k*p : (k+1)*p]
				for k2, f2 := range phi {
					row[k2] += pc * f * f2
				}
			}
		}
	}
	for k := range st.grad {
		st.grad[k] -= mean[k]
	}
	if hessian {
		for k := range p {
			for k2 := range p {
				st.cov[k*p+k2] -= mean[k] * mean[k2]
			}
		}
	}
	return st, nil
}

// checkBinary reports the first value of x that is not 0 or 1, or a width
// other than n.
func checkBinary(x *tensor.Matrix, n int) error {
	if x.Cols != n {
		return fmt.Errorf("lowrank: data has %d columns, the model %d visible units", x.Cols, n)
	}
	for k, v := range x.Data {
		if v != 0 && v != 1 {
			return fmt.Errorf("lowrank: row %d, column %d (0-based) holds %v: the low-rank fit needs binary (0/1) data", k/x.Cols, k%x.Cols, v)
		}
	}
	return nil
}

// directions returns the feature directions in R^d: ±e_l, and for d ≥ 2
// also ±(e_l ± e_m)/√2 for l < m — 2, 8, 18 or 32 directions for d = 1…4,
// a fixed set, symmetric under sign, as the paper's code uses for small d.
func directions(d int) [][]float64 {
	var out [][]float64
	for l := range d {
		for _, s := range []float64{1, -1} {
			n := make([]float64, d)
			n[l] = s
			out = append(out, n)
		}
	}
	for l := range d {
		for m := l + 1; m < d; m++ {
			for _, s := range [][2]float64{{1, 1}, {-1, -1}, {1, -1}, {-1, 1}} {
				n := make([]float64, d)
				n[l], n[m] = s[0]/math.Sqrt2, s[1]/math.Sqrt2
				out = append(out, n)
			}
		}
	}
	return out
}

// newModel places the features: at most maxFeatures of them, the
// directions of directions(d) each with the same number T of thresholds at
// the data's quantiles (j+1)/(T+1) of nᵀy, T = min(perDir, maxFeatures/#dirs)
// — or, when there are more directions than features, the first
// maxFeatures directions with one threshold at the median. All parameters
// start at 0: the base-rate model.
func newModel(s *Space, data *tensor.Matrix, perDir, maxFeatures int) *Model {
	dirs := directions(s.D)
	t := min(perDir, maxFeatures/len(dirs))
	if t == 0 {
		dirs, t = dirs[:maxFeatures], 1
	}
	y := tensor.New(data.Rows, s.D)
	tensor.MatMul(y, data, s.Q)
	m := &Model{Space: s, Beta: make([]float64, s.D)}
	proj := make([]float64, data.Rows)
	for _, n := range dirs {
		for r := range data.Rows {
			var x float64
			for l, k := range y.Row(r) {
				x += n[l] * float64(k) * s.Step[l]
			}
			proj[r] = x
		}
		sort.Float64s(proj)
		for j := range t {
			q := float64(j+1) / float64(t+1)
			m.Dirs = append(m.Dirs, n)
			m.Thresh = append(m.Thresh, proj[min(int(q*float64(len(proj))), len(proj)-1)])
		}
	}
	m.Q = make([]float64, len(m.Dirs))
	return m
}
