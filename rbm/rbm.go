package rbm

import (
	"errors"
	"fmt"
	"math"

	"github.com/ebm-go/ebm/internal/tensor"
)

// RBM is a Bernoulli–Bernoulli restricted Boltzmann machine.
type RBM struct {
	W *tensor.Matrix // n_visible × n_hidden weights
	B []float32      // visible biases, length n_visible
	C []float32      // hidden biases, length n_hidden
}

// ErrShape reports data whose width does not match the model.
var ErrShape = errors.New("shape mismatch")

// New returns an RBM with all parameters zero.
func New(nVisible, nHidden int) *RBM {
	return &RBM{W: tensor.New(nVisible, nHidden), B: make([]float32, nVisible), C: make([]float32, nHidden)}
}

// NVisible is the number of visible units.
func (m *RBM) NVisible() int { return m.W.Rows }

// NHidden is the number of hidden units.
func (m *RBM) NHidden() int { return m.W.Cols }

// Clone returns a deep copy of m.
func (m *RBM) Clone() *RBM {
	return &RBM{W: m.W.Clone(), B: append([]float32(nil), m.B...), C: append([]float32(nil), m.C...)}
}

// Init sets the parameters as Hinton's practical guide recommends:
// W ~ N(0, std²) (std 0.01 when std ≤ 0), hidden biases 0, and visible biases
// log(p_i/(1−p_i)) of the column means p_i of data, clipped to
// [clip, 1−clip] (clip = 1e-3) so that constant pixels get a finite bias. A
// nil data leaves the visible biases at 0.
func (m *RBM) Init(data *tensor.Matrix, std float32, rng *tensor.Rand) {
	if std <= 0 {
		std = 0.01
	}
	rng.Normal(m.W.Data, 0, std)
	clear(m.C)
	clear(m.B)
	if data == nil || data.Rows == 0 {
		return
	}
	mean := make([]float64, m.NVisible())
	for i := 0; i < data.Rows; i++ {
		for j, v := range data.Row(i) {
			mean[j] += float64(v)
		}
	}
	const clip = 1e-3
	for j := range mean {
		p := mean[j] / float64(data.Rows)
		p = math.Min(math.Max(p, clip), 1-clip)
		m.B[j] = float32(math.Log(p / (1 - p)))
	}
}

// Validate checks that the parameter shapes agree and every value is finite.
func (m *RBM) Validate() error {
	if m.W == nil || len(m.B) != m.W.Rows || len(m.C) != m.W.Cols {
		return fmt.Errorf("rbm: inconsistent shapes: %w", ErrShape)
	}
	if !tensor.AllFinite(m.W.Data) || !tensor.AllFinite(m.B) || !tensor.AllFinite(m.C) {
		return ErrNotFinite
	}
	return nil
}

// CheckData returns an error wrapping ErrShape when x's width is not n_visible.
func (m *RBM) CheckData(x *tensor.Matrix) error {
	if x.Cols != m.NVisible() {
		return fmt.Errorf("data has %d columns but the model has %d visible units: %w", x.Cols, m.NVisible(), ErrShape)
	}
	return nil
}

// Energy returns E(v,h) = −bᵀv − cᵀh − vᵀWh.
func (m *RBM) Energy(v, h []float32) float64 {
	e := -tensor.Dot(m.B, v) - tensor.Dot(m.C, h)
	for i, vi := range v {
		if vi != 0 {
			e -= float64(vi) * tensor.Dot(m.W.Row(i), h)
		}
	}
	return e
}

// FreeEnergy returns F(v) = −bᵀv − Σ_j softplus(c_j + (vᵀW)_j), so that
// p(v) = exp(−F(v))/Z. It is finite for every finite v and parameters.
func (m *RBM) FreeEnergy(v []float32) float64 {
	a := make([]float32, m.NHidden())
	m.hiddenInput(a, v)
	return -tensor.Dot(m.B, v) - tensor.SoftplusSum(a)
}

// hiddenInput sets a = c + vᵀW for one row.
func (m *RBM) hiddenInput(a, v []float32) {
	copy(a, m.C)
	for i, vi := range v {
		if vi != 0 {
			tensor.Axpy(vi, m.W.Row(i), a)
		}
	}
}

// LogProb returns log p(v) = −F(v) − log Z for a known log Z.
func (m *RBM) LogProb(v []float32, logZ float64) float64 { return -m.FreeEnergy(v) - logZ }

// FreeEnergies sets dst[r] = F(row r of v), using one matrix product for the
// whole batch. dst must have length v.Rows.
func (m *RBM) FreeEnergies(dst []float64, v *tensor.Matrix) {
	a := tensor.New(v.Rows, m.NHidden())
	m.HiddenInputs(a, v)
	for r := 0; r < v.Rows; r++ {
		dst[r] = -tensor.Dot(m.B, v.Row(r)) - tensor.SoftplusSum(a.Row(r))
	}
}

// MeanFreeEnergy returns the mean of F over the rows of v.
func (m *RBM) MeanFreeEnergy(v *tensor.Matrix) float64 {
	if v.Rows == 0 {
		return math.NaN()
	}
	f := make([]float64, v.Rows)
	m.FreeEnergies(f, v)
	var s float64
	for _, x := range f {
		s += x
	}
	return s / float64(v.Rows)
}

// HiddenInputs sets dst = v·W + c (n × n_hidden): the hidden units' total input.
func (m *RBM) HiddenInputs(dst, v *tensor.Matrix) {
	tensor.MatMul(dst, v, m.W)
	tensor.AddRowVector(dst, m.C)
}

// VisibleInputs sets dst = h·Wᵀ + b (n × n_visible).
func (m *RBM) VisibleInputs(dst, h *tensor.Matrix) {
	tensor.MatMulTB(dst, h, m.W)
	tensor.AddRowVector(dst, m.B)
}

// HiddenProbs sets dst = p(h=1|v) = σ(v·W + c); these are also the RBM's
// features. The sigmoid is tensor's vectorized one (≤ 2.4 ulp).
func (m *RBM) HiddenProbs(dst, v *tensor.Matrix) {
	tensor.MatMul(dst, v, m.W)
	tensor.SigmoidBiasRows(dst, m.C)
}

// VisibleProbs sets dst = p(v=1|h) = σ(h·Wᵀ + b).
func (m *RBM) VisibleProbs(dst, h *tensor.Matrix) {
	tensor.MatMulTB(dst, h, m.W)
	tensor.SigmoidBiasRows(dst, m.B)
}

// Reconstruct sets dst = p(v|ĥ) with ĥ = p(h|v): a deterministic
// (mean-field) up–down pass, so the same input always gives the same
// reconstruction.
func (m *RBM) Reconstruct(dst, v *tensor.Matrix) {
	h := tensor.New(v.Rows, m.NHidden())
	m.HiddenProbs(h, v)
	m.VisibleProbs(dst, h)
}

// ReconstructionError returns the mean over rows of ‖v − p(v|p(h|v))‖²,
// the squared error of a mean-field reconstruction, summed over visible units.
func (m *RBM) ReconstructionError(v *tensor.Matrix) float64 {
	if v.Rows == 0 {
		return math.NaN()
	}
	r := tensor.New(v.Rows, v.Cols)
	m.Reconstruct(r, v)
	var s float64
	for i, x := range v.Data {
		d := float64(x) - float64(r.Data[i])
		s += d * d
	}
	return s / float64(v.Rows)
}

// Chain holds the buffers of a batch of block-Gibbs chains so that repeated
// steps allocate nothing.
type Chain struct {
	V, H   *tensor.Matrix // current visible and hidden states (binary)
	PV, PH *tensor.Matrix // probabilities of the last half-steps
}

// NewChain returns a chain of n rows for m, with V set from init (copied) or
// zero when init is nil.
func (m *RBM) NewChain(init *tensor.Matrix, n int) *Chain {
	c := &Chain{
		V: tensor.New(n, m.NVisible()), H: tensor.New(n, m.NHidden()),
		PV: tensor.New(n, m.NVisible()), PH: tensor.New(n, m.NHidden()),
	}
	if init != nil {
		c.V.CopyFrom(init)
	}
	return c
}

// Up samples the hidden layer from the chain's visible layer: PH = p(h|V), H ~ PH.
func (m *RBM) Up(c *Chain, rng *tensor.Rand) {
	m.HiddenProbs(c.PH, c.V)
	rng.BernoulliFast(c.H.Data, c.PH.Data)
}

// Down samples the visible layer from the chain's hidden layer: PV = p(v|H), V ~ PV.
func (m *RBM) Down(c *Chain, rng *tensor.Rand) {
	m.VisibleProbs(c.PV, c.H)
	rng.BernoulliFast(c.V.Data, c.PV.Data)
}

// Gibbs runs k full block-Gibbs steps v → h → v on the chain. After it,
// c.V holds v_k, c.PV = p(v|h_{k−1}) and c.H, c.PH the hidden layer of the
// last step.
func (m *RBM) Gibbs(c *Chain, k int, rng *tensor.Rand) {
	for range k {
		m.Up(c, rng)
		m.Down(c, rng)
	}
}

// Sample runs n independent chains for steps Gibbs steps and returns the
// visible probabilities of the last half-step (n × n_visible), which make
// smoother pictures than the binary states. init gives the starting states
// (n rows); nil starts from uniform random binary vectors.
func (m *RBM) Sample(n, steps int, init *tensor.Matrix, rng *tensor.Rand) (states, probs *tensor.Matrix) {
	c := m.NewChain(init, n)
	if init == nil {
		half := make([]float32, len(c.V.Data))
		for i := range half {
			half[i] = 0.5
		}
		rng.BernoulliFast(c.V.Data, half)
	}
	if steps < 1 {
		steps = 1
	}
	m.Gibbs(c, steps, rng)
	return c.V, c.PV
}
