package rbm

import (
	"errors"
	"fmt"
	"math"
	"runtime"

	"github.com/ebm-go/ebm/internal/tensor"
)

// RBM is a restricted Boltzmann machine with Bernoulli hidden units and
// visible units of the type Visible (Bernoulli when nil):
//
//	E(v,h) = E_v(v; b) − cᵀh − x(v)ᵀWh
//
// (see Units). Standard, when set, is the standardization the model's
// inputs went through (Gaussian models of raw data): callers apply it to
// data before and undo it on samples after; the model itself works in
// standardized units.
type RBM struct {
	W       *tensor.Matrix // n_visible × n_hidden weights
	B       []float32      // visible biases, length n_visible
	C       []float32      // hidden biases, length n_hidden
	Visible Units          // the visible units' type; nil means Bernoulli
	// Standard maps raw data to the model's units; nil when the model sees
	// the data as it is.
	Standard *Standardization
	// StartRate, when set (Bernoulli units only), is where chains started
	// "at random" begin: v_i ~ Bernoulli(StartRate_i), the base-rate model
	// of the training data that a Restart run with RestartFrom "base-rate"
	// restarted its chains from. Nil: the units' Start (uniform bits).
	StartRate []float32
}

// ErrShape reports data whose width does not match the model.
var ErrShape = errors.New("shape mismatch")

// New returns a Bernoulli–Bernoulli RBM with all parameters zero.
func New(nVisible, nHidden int) *RBM {
	return NewUnits(Bernoulli{}, nVisible, nHidden)
}

// NewUnits returns an RBM with visible units u and zero weights and biases.
func NewUnits(u Units, nVisible, nHidden int) *RBM {
	return &RBM{W: tensor.New(nVisible, nHidden), B: make([]float32, nVisible), C: make([]float32, nHidden), Visible: u}
}

// NewGaussian returns a Gaussian–Bernoulli RBM with zero weights and biases
// and σ = 1 (not learned).
func NewGaussian(nVisible, nHidden int) *RBM {
	return NewUnits(NewGaussianUnits(nVisible, 1, false), nVisible, nHidden)
}

// units returns the visible units, Bernoulli for a nil Visible.
func (m *RBM) units() Units {
	if m.Visible == nil {
		return Bernoulli{}
	}
	return m.Visible
}

// Units returns the visible units' type (Bernoulli when Visible is nil).
func (m *RBM) Units() Units { return m.units() }

// NVisible is the number of visible units.
func (m *RBM) NVisible() int { return m.W.Rows }

// NHidden is the number of hidden units.
func (m *RBM) NHidden() int { return m.W.Cols }

// Clone returns a deep copy of m.
func (m *RBM) Clone() *RBM {
	c := &RBM{W: m.W.Clone(), B: append([]float32(nil), m.B...), C: append([]float32(nil), m.C...),
		Visible: m.units().Clone()}
	if m.Standard != nil {
		c.Standard = m.Standard.Clone()
	}
	if m.StartRate != nil {
		c.StartRate = append([]float32(nil), m.StartRate...)
	}
	return c
}

// start sets the rows of dst to the model's starting states: draws from
// StartRate when it is set, else the units' Start.
func (m *RBM) start(dst *tensor.Matrix, rng *tensor.Rand) {
	if m.StartRate == nil {
		m.units().Start(dst, m.B, rng)
		return
	}
	for r := range dst.Rows {
		rng.Bernoulli(dst.Row(r), m.StartRate)
	}
}

// Init sets the parameters as Hinton's practical guide recommends:
// W ~ N(0, std²) (std 0.01 when std ≤ 0), hidden biases 0, and visible
// biases from the data by the units' InitBias (log-odds of the column means
// for Bernoulli units, the means for Gaussian ones; 0 for nil data). The
// units' own parameters (σ) are kept.
func (m *RBM) Init(data *tensor.Matrix, std float32, rng *tensor.Rand) {
	if std <= 0 {
		std = 0.01
	}
	rng.Normal(m.W.Data, 0, std)
	clear(m.C)
	m.units().InitBias(m.B, data)
}

// Validate checks that the parameter shapes agree and every value is finite.
func (m *RBM) Validate() error {
	if m.W == nil || len(m.B) != m.W.Rows || len(m.C) != m.W.Cols {
		return fmt.Errorf("rbm: inconsistent shapes: %w", ErrShape)
	}
	if err := m.units().Validate(m.W.Rows); err != nil {
		return err
	}
	if m.Standard != nil {
		if err := m.Standard.validate(m.W.Rows); err != nil {
			return err
		}
	}
	if m.StartRate != nil {
		if !isBernoulli(m.units()) || len(m.StartRate) != m.W.Rows {
			return fmt.Errorf("rbm: a start rate needs Bernoulli units and one rate per visible unit: %w", ErrShape)
		}
		for i, p := range m.StartRate {
			if !(p >= 0 && p <= 1) {
				return fmt.Errorf("rbm: start rate %d is %g, not a probability", i, p)
			}
		}
	}
	if !tensor.AllFinite(m.W.Data) || !tensor.AllFinite(m.B) || !tensor.AllFinite(m.C) {
		return ErrNotFinite
	}
	return nil
}

// CheckData returns an error wrapping ErrShape when x's width is not
// n_visible, or the units' error for values they cannot model.
func (m *RBM) CheckData(x *tensor.Matrix) error {
	if x.Cols != m.NVisible() {
		return fmt.Errorf("data has %d columns but the model has %d visible units: %w", x.Cols, m.NVisible(), ErrShape)
	}
	return m.units().CheckData(x)
}

// Energy returns E(v,h) = E_v(v) − cᵀh − x(v)ᵀWh.
func (m *RBM) Energy(v, h []float32) float64 {
	e := m.units().Energy(v, m.B) - tensor.Dot(m.C, h)
	x := m.units().Input(nil, tensor.FromSlice(1, len(v), v)).Data
	for i, vi := range x {
		if vi != 0 {
			e -= float64(vi) * tensor.Dot(m.W.Row(i), h)
		}
	}
	return e
}

// FreeEnergy returns F(v) = E_v(v) − Σ_j softplus(c_j + (x(v)ᵀW)_j)
// (−bᵀv − … for Bernoulli units), so that p(v) = exp(−F(v))/Z (a density
// over R^V for Gaussian units). It is finite for every finite v and
// parameters.
func (m *RBM) FreeEnergy(v []float32) float64 {
	a := make([]float32, m.NHidden())
	x := m.units().Input(nil, tensor.FromSlice(1, len(v), v)).Data
	m.hiddenInput(a, x)
	return m.units().Energy(v, m.B) - tensor.SoftplusSum(a)
}

// hiddenInput sets a = c + xᵀW for one row of inputs x = x(v).
func (m *RBM) hiddenInput(a, x []float32) {
	copy(a, m.C)
	for i, vi := range x {
		if vi != 0 {
			tensor.Axpy(vi, m.W.Row(i), a)
		}
	}
}

// LogProb returns log p(v) = −F(v) − log Z for a known log Z.
func (m *RBM) LogProb(v []float32, logZ float64) float64 { return -m.FreeEnergy(v) - logZ }

// FreeEnergies sets dst[r] = F(row r of v), using one matrix product for the
// whole batch. dst must have length v.Rows. The rows' exact softplus sums
// (most of the time: 25 ms of 1,000 MNIST rows on 784 → 500) are shared
// out over the cores; each row is summed alone, so the values do not
// depend on how.
func (m *RBM) FreeEnergies(dst []float64, v *tensor.Matrix) {
	a := tensor.New(v.Rows, m.NHidden())
	m.HiddenInputs(a, v)
	u := m.units()
	parts := min(runtime.GOMAXPROCS(0), v.Rows/freeEnergyRowsPerPart)
	tensor.Split(v.Rows, parts, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			dst[r] = u.Energy(v.Row(r), m.B) - tensor.SoftplusSum(a.Row(r))
		}
	})
}

// freeEnergyRowsPerPart is the fewest rows FreeEnergies gives a core (a
// 500-unit row's softplus sum takes ~25 µs).
const freeEnergyRowsPerPart = 8

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

// HiddenInputs sets dst = x(v)·W + c (n × n_hidden): the hidden units' total input.
func (m *RBM) HiddenInputs(dst, v *tensor.Matrix) {
	tensor.MatMul(dst, m.units().Input(nil, v), m.W)
	tensor.AddRowVector(dst, m.C)
}

// VisibleField sets dst to the location of p(v|h) (n × n_visible):
// h·Wᵀ + b, the log-odds, for Bernoulli units; the mean for Gaussian ones.
func (m *RBM) VisibleField(dst, h *tensor.Matrix) {
	tensor.MatMulTB(dst, h, m.W)
	m.units().Field(dst, m.B)
}

// HiddenProbs sets dst = p(h=1|v) = σ(x(v)·W + c); these are also the
// RBM's features. The sigmoid is tensor's vectorized one (≤ 2.4 ulp).
func (m *RBM) HiddenProbs(dst, v *tensor.Matrix) {
	tensor.MatMul(dst, m.units().Input(nil, v), m.W)
	tensor.SigmoidBiasRows(dst, m.C)
}

// VisibleMeans sets dst = E[v|h]: p(v=1|h) = σ(h·Wᵀ + b) for Bernoulli
// units, b + σ ⊙ (h·Wᵀ) for Gaussian ones.
func (m *RBM) VisibleMeans(dst, h *tensor.Matrix) {
	tensor.MatMulTB(dst, h, m.W)
	m.units().Mean(dst, m.B)
}

// Reconstruct sets dst = E[v|ĥ] with ĥ = p(h|v): a deterministic
// (mean-field) up–down pass, so the same input always gives the same
// reconstruction.
func (m *RBM) Reconstruct(dst, v *tensor.Matrix) {
	h := tensor.New(v.Rows, m.NHidden())
	m.HiddenProbs(h, v)
	m.VisibleMeans(dst, h)
}

// ReconstructionError returns the mean over rows of ‖v − E[v|p(h|v)]‖²,
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
	V, H   *tensor.Matrix // current visible and hidden states
	PV, PH *tensor.Matrix // E[v|h] (probabilities for Bernoulli units) and p(h|v) of the last half-steps
	x      *tensor.Matrix // x(V) for units that rescale (Gaussian)
}

// NewChain returns a chain of n rows for m, with V set from init (copied) or
// zero when init is nil.
func (m *RBM) NewChain(init *tensor.Matrix, n int) *Chain {
	c := resizeChain(nil, n, m.NVisible(), m.NHidden())
	if init != nil {
		c.V.CopyFrom(init)
	}
	return c
}

func resizeChain(c *Chain, n, nv, nh int) *Chain {
	if c == nil {
		c = &Chain{}
	}
	c.V, c.PV = c.V.Resize(n, nv), c.PV.Resize(n, nv)
	c.H, c.PH = c.H.Resize(n, nh), c.PH.Resize(n, nh)
	return c
}

// chainInput returns x(V), kept in the chain's buffer when the units rescale.
func (m *RBM) chainInput(c *Chain) *tensor.Matrix {
	x := m.units().Input(c.x, c.V)
	if x != c.V {
		c.x = x
	}
	return x
}

// Up samples the hidden layer from the chain's visible layer: PH = p(h|V), H ~ PH.
func (m *RBM) Up(c *Chain, rng *tensor.Rand) {
	tensor.MatMul(c.PH, m.chainInput(c), m.W)
	tensor.SigmoidBiasRows(c.PH, m.C)
	rng.BernoulliFast(c.H.Data, c.PH.Data)
}

// Down samples the visible layer from the chain's hidden layer: PV = E[v|H], V ~ p(v|H).
func (m *RBM) Down(c *Chain, rng *tensor.Rand) {
	m.VisibleMeans(c.PV, c.H)
	m.units().Sample(c.V, c.PV, rng)
}

// Gibbs runs k full block-Gibbs steps v → h → v on the chain. After it,
// c.V holds v_k, c.PV = E[v|h_{k−1}] and c.H, c.PH the hidden layer of the
// last step.
func (m *RBM) Gibbs(c *Chain, k int, rng *tensor.Rand) {
	for range k {
		m.Up(c, rng)
		m.Down(c, rng)
	}
}

// Sample runs n independent chains for steps Gibbs steps and returns the
// final states and E[v|h] of the last half-step (n × n_visible), which
// make smoother pictures than the states. init gives the starting states
// (n rows); nil starts from the units' Start (uniform random bits for
// Bernoulli units, v = b for Gaussian ones).
func (m *RBM) Sample(n, steps int, init *tensor.Matrix, rng *tensor.Rand) (states, means *tensor.Matrix) {
	c := m.NewChain(init, n)
	if init == nil {
		m.start(c.V, rng)
	}
	if np := m.gibbsCores(n); np > 0 {
		// The chains split across the free cores, each block on one core
		// from start to end: Gibbs's bits, faster.
		m.gibbsRows(c, max(steps, 1), np, rng)
	} else {
		m.Gibbs(c, max(steps, 1), rng)
	}
	return c.V, c.PV
}

// SampleData is Sample in the data's units: init (n rows in the data's
// units, or nil) goes through the model's standardization, and the states
// and means come back with it undone — the same as Sample for a model
// without one.
func (m *RBM) SampleData(n, steps int, init *tensor.Matrix, rng *tensor.Rand) (states, means *tensor.Matrix) {
	if init != nil {
		init = m.Standard.Applied(init)
	}
	states, means = m.Sample(n, steps, init, rng)
	m.Standard.Undo(states)
	m.Standard.Undo(means)
	return states, means
}
