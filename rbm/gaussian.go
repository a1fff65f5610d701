package rbm

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/modelio"
)

// GaussianRBM is a Gaussian–Bernoulli RBM for real-valued data (Hinton &
// Salakhutdinov 2006; Cho, Ilin & Raiko 2011), with energy
//
//	E(v,h) = Σ_i (v_i−b_i)²/(2σ_i²) − cᵀh − Σ_ij (v_i/σ_i) W_ij h_j
//
// so that p(h_j=1|v) = σ(c_j + Σ_i (v_i/σ_i) W_ij) and
// p(v_i|h) = N(b_i + σ_i (Wh)_i, σ_i²). The per-unit standard deviations are
// stored as LogSigma (s_i = log σ_i), the parameterisation that keeps σ
// positive whatever the gradient steps do; they are learned only when
// LearnSigma is set (otherwise σ stays at its initial value, 1 for
// standardized data).
type GaussianRBM struct {
	W          *tensor.Matrix // n_visible × n_hidden
	B          []float32      // visible biases (the means of p(v|h=0))
	C          []float32      // hidden biases
	LogSigma   []float32      // s_i = log σ_i
	LearnSigma bool
}

// Bounds on log σ: σ ∈ [e⁻⁷, e⁷] ≈ [9e-4, 1100] keeps 1/σ² finite in float32.
const minLogSigma, maxLogSigma = -7, 7

// NewGaussian returns a Gaussian–Bernoulli RBM with zero weights and biases
// and σ = 1.
func NewGaussian(nVisible, nHidden int) *GaussianRBM {
	return &GaussianRBM{W: tensor.New(nVisible, nHidden), B: make([]float32, nVisible),
		C: make([]float32, nHidden), LogSigma: make([]float32, nVisible)}
}

// NVisible is the number of visible units.
func (m *GaussianRBM) NVisible() int { return m.W.Rows }

// NHidden is the number of hidden units.
func (m *GaussianRBM) NHidden() int { return m.W.Cols }

// Sigma returns σ_i = exp(s_i).
func (m *GaussianRBM) Sigma() []float32 {
	s := make([]float32, len(m.LogSigma))
	for i, x := range m.LogSigma {
		s[i] = float32(math.Exp(float64(x)))
	}
	return s
}

// Clone returns a deep copy.
func (m *GaussianRBM) Clone() *GaussianRBM {
	return &GaussianRBM{W: m.W.Clone(), B: append([]float32(nil), m.B...), C: append([]float32(nil), m.C...),
		LogSigma: append([]float32(nil), m.LogSigma...), LearnSigma: m.LearnSigma}
}

// Init sets W ~ N(0, std²) (0.01 when std ≤ 0), c = 0, b to the column
// means of data (0 when data is nil) and keeps σ.
func (m *GaussianRBM) Init(data *tensor.Matrix, std float32, rng *tensor.Rand) {
	if std <= 0 {
		std = 0.01
	}
	rng.Normal(m.W.Data, 0, std)
	clear(m.C)
	clear(m.B)
	if data != nil && data.Rows > 0 {
		tensor.ColumnSums(m.B, data, 1/float32(data.Rows))
	}
}

// Validate checks shapes and that every parameter is finite.
func (m *GaussianRBM) Validate() error {
	if m.W == nil || len(m.B) != m.W.Rows || len(m.C) != m.W.Cols || len(m.LogSigma) != m.W.Rows {
		return fmt.Errorf("gaussian rbm: inconsistent shapes: %w", ErrShape)
	}
	if !tensor.AllFinite(m.W.Data) || !tensor.AllFinite(m.B) || !tensor.AllFinite(m.C) || !tensor.AllFinite(m.LogSigma) {
		return ErrNotFinite
	}
	return nil
}

// CheckData returns an error when x's width is not n_visible (wrapping
// ErrShape) or x holds a NaN or ±Inf (naming the row and column).
func (m *GaussianRBM) CheckData(x *tensor.Matrix) error {
	if x.Cols != m.NVisible() {
		return fmt.Errorf("data has %d columns but the model has %d visible units: %w", x.Cols, m.NVisible(), ErrShape)
	}
	for k, v := range x.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("row %d, column %d (0-based) holds %v: real-valued data must be finite", k/x.Cols, k%x.Cols, v)
		}
	}
	return nil
}

// scaled sets dst = v/σ (column-wise).
func (m *GaussianRBM) scaled(dst, v *tensor.Matrix) {
	inv := make([]float32, m.NVisible())
	for i, s := range m.LogSigma {
		inv[i] = float32(math.Exp(-float64(s)))
	}
	for r := 0; r < v.Rows; r++ {
		src, d := v.Row(r), dst.Row(r)
		for i, x := range src {
			d[i] = x * inv[i]
		}
	}
}

// HiddenProbs sets dst = p(h=1|v) = σ((v/σ)·W + c), the features.
func (m *GaussianRBM) HiddenProbs(dst, v *tensor.Matrix) {
	vs := tensor.New(v.Rows, v.Cols)
	m.scaled(vs, v)
	tensor.MatMul(dst, vs, m.W)
	tensor.SigmoidBiasRows(dst, m.C)
}

// VisibleMeans sets dst = E[v|h] = b + σ ⊙ (h·Wᵀ).
func (m *GaussianRBM) VisibleMeans(dst, h *tensor.Matrix) {
	tensor.MatMulTB(dst, h, m.W)
	sig := m.Sigma()
	for r := 0; r < dst.Rows; r++ {
		row := dst.Row(r)
		for i := range row {
			row[i] = m.B[i] + sig[i]*row[i]
		}
	}
}

// Energy returns E(v,h) in float64.
func (m *GaussianRBM) Energy(v, h []float32) float64 {
	var e float64
	for i, vi := range v {
		s := math.Exp(float64(m.LogSigma[i]))
		d := float64(vi) - float64(m.B[i])
		e += d * d / (2 * s * s)
		for j, hj := range h {
			e -= float64(vi) / s * float64(m.W.At(i, j)) * float64(hj)
		}
	}
	for j, hj := range h {
		e -= float64(m.C[j]) * float64(hj)
	}
	return e
}

// FreeEnergy returns F(v) = Σ_i (v_i−b_i)²/(2σ_i²) − Σ_j softplus(c_j + Σ_i (v_i/σ_i) W_ij),
// computed in float64, so that p(v) = exp(−F(v))/Z as a density over R^V.
func (m *GaussianRBM) FreeEnergy(v []float32) float64 {
	var f float64
	a := make([]float64, m.NHidden())
	for j := range a {
		a[j] = float64(m.C[j])
	}
	for i, vi := range v {
		s := math.Exp(float64(m.LogSigma[i]))
		d := float64(vi) - float64(m.B[i])
		f += d * d / (2 * s * s)
		x := float64(vi) / s
		for j, w := range m.W.Row(i) {
			a[j] += x * float64(w)
		}
	}
	for _, x := range a {
		f -= tensor.Softplus(x)
	}
	return f
}

// MeanFreeEnergy returns the mean of F over the rows of v.
func (m *GaussianRBM) MeanFreeEnergy(v *tensor.Matrix) float64 {
	if v.Rows == 0 {
		return math.NaN()
	}
	var s float64
	for r := 0; r < v.Rows; r++ {
		s += m.FreeEnergy(v.Row(r))
	}
	return s / float64(v.Rows)
}

// ExactLogZ returns log Z by enumerating the hidden layer (n_hidden ≤ 25):
// integrating v out of exp(−E) unit by unit (completing the square) gives
//
//	log Z = logsumexp_h [ cᵀh + Σ_i ( b_i u_i/σ_i + u_i²/2 + log(√(2π) σ_i) ) ],  u = Wh.
func (m *GaussianRBM) ExactLogZ() (float64, error) {
	nh := m.NHidden()
	if nh > 25 {
		return 0, fmt.Errorf("exact log Z enumerates 2^%d hidden states; at most 25 hidden units", nh)
	}
	terms := make([]float64, 1<<nh)
	u := make([]float64, m.NVisible())
	for code := range terms {
		var t float64
		clear(u)
		for j := range nh {
			if code>>j&1 == 1 {
				t += float64(m.C[j])
				for i := range u {
					u[i] += float64(m.W.At(i, j))
				}
			}
		}
		for i, ui := range u {
			s := math.Exp(float64(m.LogSigma[i]))
			t += float64(m.B[i])*ui/s + ui*ui/2 + 0.5*math.Log(2*math.Pi) + math.Log(s)
		}
		terms[code] = t
	}
	return tensor.LogSumExp(terms), nil
}

// GaussianChain holds a batch of Gibbs chains of a GaussianRBM.
type GaussianChain struct {
	V, H, MV, PH *tensor.Matrix // states, E[v|h] and p(h|v)
	z            []float32
}

// NewChain returns n chains with V copied from init (zero when nil).
func (m *GaussianRBM) NewChain(init *tensor.Matrix, n int) *GaussianChain {
	c := &GaussianChain{V: tensor.New(n, m.NVisible()), H: tensor.New(n, m.NHidden()),
		MV: tensor.New(n, m.NVisible()), PH: tensor.New(n, m.NHidden()), z: make([]float32, n*m.NVisible())}
	if init != nil {
		c.V.CopyFrom(init)
	}
	return c
}

// Up samples H ~ p(h|V).
func (m *GaussianRBM) Up(c *GaussianChain, rng *tensor.Rand) {
	m.HiddenProbs(c.PH, c.V)
	rng.BernoulliFast(c.H.Data, c.PH.Data)
}

// Down samples V ~ N(b + σ ⊙ Wh, σ²).
func (m *GaussianRBM) Down(c *GaussianChain, rng *tensor.Rand) {
	m.VisibleMeans(c.MV, c.H)
	rng.Normal(c.z, 0, 1)
	sig := m.Sigma()
	nv := m.NVisible()
	for k, mu := range c.MV.Data {
		c.V.Data[k] = mu + sig[k%nv]*c.z[k]
	}
}

// Gibbs runs k steps v → h → v.
func (m *GaussianRBM) Gibbs(c *GaussianChain, k int, rng *tensor.Rand) {
	for range k {
		m.Up(c, rng)
		m.Down(c, rng)
	}
}

// Sample runs n chains for steps Gibbs steps from init (n rows; nil starts
// from v = b) and returns the final states and the means E[v|h] of the last
// half-step (smoother for pictures).
func (m *GaussianRBM) Sample(n, steps int, init *tensor.Matrix, rng *tensor.Rand) (states, means *tensor.Matrix) {
	c := m.NewChain(init, n)
	if init == nil {
		for r := range n {
			copy(c.V.Row(r), m.B)
		}
	}
	m.Gibbs(c, max(steps, 1), rng)
	return c.V, c.MV
}

// ReconstructionError is the mean over rows of ‖v − E[v|p(h|v)]‖².
func (m *GaussianRBM) ReconstructionError(v *tensor.Matrix) float64 {
	if v.Rows == 0 {
		return math.NaN()
	}
	h := tensor.New(v.Rows, m.NHidden())
	m.HiddenProbs(h, v)
	r := tensor.New(v.Rows, v.Cols)
	m.VisibleMeans(r, h)
	var s float64
	for i, x := range v.Data {
		d := float64(x) - float64(r.Data[i])
		s += d * d
	}
	return s / float64(v.Rows)
}

// GaussianGrads holds −∂F/∂θ statistics (or gradient estimates).
type GaussianGrads struct {
	W       *tensor.Matrix
	B, C, S []float32
}

// NewGaussianGrads returns zeroed buffers for m.
func NewGaussianGrads(m *GaussianRBM) *GaussianGrads {
	return &GaussianGrads{W: tensor.New(m.NVisible(), m.NHidden()), B: make([]float32, m.NVisible()),
		C: make([]float32, m.NHidden()), S: make([]float32, m.NVisible())}
}

// AccumulateNegFreeEnergyGrad adds scale · Σ_rows −∂F(v)/∂θ to g, with
// ph = p(h|v) for the same rows:
//
//	−∂F/∂W_ij = (v_i/σ_i) p_j      −∂F/∂b_i = (v_i−b_i)/σ_i²      −∂F/∂c_j = p_j
//	−∂F/∂s_i  = (v_i−b_i)²/σ_i² − (v_i/σ_i) Σ_j W_ij p_j       (σ_i = e^{s_i})
//
// The log-likelihood gradient is its mean over data minus its mean over
// model samples.
func (m *GaussianRBM) AccumulateNegFreeEnergyGrad(g *GaussianGrads, v, ph *tensor.Matrix, scale float32) {
	vs := tensor.New(v.Rows, v.Cols)
	m.scaled(vs, v)
	tensor.Gemm(true, false, scale, vs, ph, 1, g.W)
	tensor.ColumnSums(g.C, ph, scale)
	wp := tensor.New(v.Rows, v.Cols)
	tensor.MatMulTB(wp, ph, m.W)
	sig := m.Sigma()
	for r := 0; r < v.Rows; r++ {
		row, sr, wr := v.Row(r), vs.Row(r), wp.Row(r)
		for i, x := range row {
			d := (x - m.B[i]) / sig[i]
			g.B[i] += scale * d / sig[i]
			g.S[i] += scale * (d*d - sr[i]*wr[i])
		}
	}
}

// GaussianTrainer trains a GaussianRBM by CD-k or PCD-k with momentum SGD
// (the Config fields Method, K, Epochs, BatchSize, LR, LRDecay, momentum,
// WeightDecay, Chains and MonitorRows apply; PT and sparsity do not). σ is
// updated (in log space) only when the model's LearnSigma is set.
type GaussianTrainer struct {
	Config
	OnBatch func(Progress)
	OnEpoch func(EpochStats) error
	Epoch   int
	// DataMean and DataStd, when set, are the standardization of the
	// training data (see Standardize). Training does not use them;
	// SaveCheckpoint stores them as a model file does (data_mean, data_std)
	// and LoadGaussianCheckpoint restores them.
	DataMean, DataStd []float32

	m          *GaussianRBM
	rng        *tensor.Rand
	vel, g     *GaussianGrads
	persistent *GaussianChain
}

// NewGaussianTrainer returns a trainer for m.
func NewGaussianTrainer(cfg Config, m *GaussianRBM, rng *tensor.Rand) (*GaussianTrainer, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Method == PT {
		return nil, errors.New("parallel tempering is not implemented for Gaussian visible units (use cd or pcd)")
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &GaussianTrainer{Config: cfg, m: m, rng: rng, vel: NewGaussianGrads(m), g: NewGaussianGrads(m)}, nil
}

// Rand returns the trainer's random source.
func (t *GaussianTrainer) Rand() *tensor.Rand { return t.rng }

// Train runs epochs until t.Epoch reaches t.Epochs. The per-epoch figures
// are the reconstruction error and the mean free energies (PLL and the swap
// rate are NaN: they are defined for binary units only).
func (t *GaussianTrainer) Train(ctx context.Context, train, valid *tensor.Matrix) ([]EpochStats, error) {
	m := t.m
	if err := checkTrainData(m.CheckData, train, valid); err != nil {
		return nil, err
	}
	if t.Method == PCD && t.persistent == nil {
		t.persistent = m.NewChain(nil, t.Chains)
		for r := 0; r < t.Chains; r++ {
			copy(t.persistent.V.Row(r), train.Row(t.rng.IntN(train.Rows)))
		}
	}
	loop := epochLoop{
		cfg: &t.Config, epoch: &t.Epoch, rng: t.rng, step: t.step,
		snapshot: func() func() {
			good := m.Clone()
			return func() { *m = *good }
		},
		batchOK: func() bool { return m.Validate() == nil },
		monitor: func(st *EpochStats, train, valid *tensor.Matrix) {
			st.ReconError = m.ReconstructionError(train)
			st.PLL, st.PLLTotal, st.SwapRate = math.NaN(), math.NaN(), math.NaN()
			st.FreeEnergyTrain = m.MeanFreeEnergy(train)
			st.FreeEnergyValid, st.FreeEnergyGap = math.NaN(), math.NaN()
			if valid != nil {
				st.FreeEnergyValid = m.MeanFreeEnergy(valid)
				st.FreeEnergyGap = st.FreeEnergyValid - st.FreeEnergyTrain
			}
		},
		onBatch: t.OnBatch, onEpoch: t.OnEpoch,
	}
	return loop.run(ctx, train, valid)
}

func (t *GaussianTrainer) step(v0 *tensor.Matrix, lr, mom float32) {
	m, g := t.m, t.g
	n := v0.Rows
	g.W.Zero()
	clear(g.B)
	clear(g.C)
	clear(g.S)
	ph0 := tensor.New(n, m.NHidden())
	m.HiddenProbs(ph0, v0)
	var c *GaussianChain
	if t.Method == PCD {
		c = t.persistent
		m.Gibbs(c, t.K, t.rng)
	} else {
		c = m.NewChain(nil, n)
		t.rng.BernoulliFast(c.H.Data, ph0.Data)
		m.Down(c, t.rng)
		m.Gibbs(c, t.K-1, t.rng)
	}
	m.HiddenProbs(c.PH, c.V)
	m.AccumulateNegFreeEnergyGrad(g, v0, ph0, 1/float32(n))
	m.AccumulateNegFreeEnergyGrad(g, c.V, c.PH, -1/float32(c.V.Rows))
	tensor.MomentumStep(m.W.Data, t.vel.W.Data, g.W.Data, lr, mom, float32(t.WeightDecay))
	upd := func(p, v, gr []float32) {
		for i, x := range gr {
			v[i] = mom*v[i] + lr*x
			p[i] += v[i]
		}
	}
	upd(m.B, t.vel.B, g.B)
	upd(m.C, t.vel.C, g.C)
	if m.LearnSigma {
		upd(m.LogSigma, t.vel.S, g.S)
		for i, s := range m.LogSigma {
			m.LogSigma[i] = min(max(s, minLogSigma), maxLogSigma)
		}
	}
}

// Standardize returns the column means and standard deviations of x, with
// each standard deviation floored at floor·(largest column std) (and at
// 1e-12), so constant or nearly constant columns map to finite values
// instead of dividing by zero. x must be finite.
func Standardize(x *tensor.Matrix, floor float64) (mean, std []float32) {
	mean, std = make([]float32, x.Cols), make([]float32, x.Cols)
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
	return mean, std
}

// ApplyStandardize sets x = (x − mean)/std in place.
func ApplyStandardize(x *tensor.Matrix, mean, std []float32) {
	for r := 0; r < x.Rows; r++ {
		row := x.Row(r)
		for i := range row {
			row[i] = (row[i] - mean[i]) / std[i]
		}
	}
}

// Save writes m as safetensors: tensors weights, visible_bias, hidden_bias,
// sigma (σ_i, not log σ_i) and, when mean and std are non-nil, data_mean and
// data_std (the standardization to undo for pictures); metadata "model":
// "rbm", "visible": "gaussian", "hidden": "bernoulli", "learn_sigma".
func (m *GaussianRBM) Save(path string, extra map[string]string, mean, std []float32) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := modelio.Save(path, m.file(extra, mean, std)); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}

// file returns the content Save writes: extra, then the model's own
// metadata, and the model's tensors.
func (m *GaussianRBM) file(extra map[string]string, mean, std []float32) *modelio.File {
	meta := map[string]string{}
	for k, v := range extra {
		meta[k] = v
	}
	meta["model"], meta["visible"], meta["hidden"], meta["format_version"] = "rbm", "gaussian", "bernoulli", FormatVersion
	meta["learn_sigma"] = fmt.Sprint(m.LearnSigma)
	nv, nh := m.NVisible(), m.NHidden()
	ts := map[string]modelio.Tensor{
		"weights":      {Shape: []int{nv, nh}, Data: m.W.Data},
		"visible_bias": {Shape: []int{nv}, Data: m.B},
		"hidden_bias":  {Shape: []int{nh}, Data: m.C},
		"sigma":        {Shape: []int{nv}, Data: m.Sigma()},
	}
	if mean != nil && std != nil {
		ts["data_mean"] = modelio.Tensor{Shape: []int{nv}, Data: mean}
		ts["data_std"] = modelio.Tensor{Shape: []int{nv}, Data: std}
	}
	return &modelio.File{Metadata: meta, Tensors: ts}
}

// LoadGaussian reads a model written by GaussianRBM.Save and returns it, its
// standardization (nil when absent) and the metadata.
func LoadGaussian(path string) (m *GaussianRBM, mean, std []float32, meta map[string]string, err error) {
	f, err := modelio.Load(path)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if m, mean, std, err = GaussianFromFile(f); err != nil {
		return nil, nil, nil, nil, fmt.Errorf("load %s: %w", path, err)
	}
	return m, mean, std, f.Metadata, nil
}

// GaussianFromFile builds a GaussianRBM from a decoded file, checking the
// kind, the unit types, shapes, that σ > 0 and that every value is finite.
func GaussianFromFile(f *modelio.File) (*GaussianRBM, []float32, []float32, error) {
	if k := f.Kind(); k != "" && k != "rbm" {
		return nil, nil, nil, fmt.Errorf("file holds a %q model, not an rbm: %w", k, modelio.ErrFormat)
	}
	if u := f.Metadata["visible"]; u != "gaussian" {
		return nil, nil, nil, fmt.Errorf("visible units are %q, not gaussian: %w", u, modelio.ErrFormat)
	}
	w, ok := f.Tensors["weights"]
	if !ok {
		return nil, nil, nil, fmt.Errorf("no tensor named \"weights\": %w", modelio.ErrMissing)
	}
	if len(w.Shape) != 2 {
		return nil, nil, nil, fmt.Errorf("tensor \"weights\" has shape %v, want [n_visible, n_hidden]: %w", w.Shape, modelio.ErrFormat)
	}
	nv, nh := w.Shape[0], w.Shape[1]
	m := NewGaussian(nv, nh)
	copy(m.W.Data, w.Data)
	for _, x := range []struct {
		name string
		dst  []float32
		n    int
	}{{"visible_bias", m.B, nv}, {"hidden_bias", m.C, nh}} {
		d, err := f.Require(x.name, x.n)
		if err != nil {
			return nil, nil, nil, err
		}
		copy(x.dst, d)
	}
	sig, err := f.Require("sigma", nv)
	if err != nil {
		return nil, nil, nil, err
	}
	for i, s := range sig {
		if !(s > 0) || math.IsInf(float64(s), 0) {
			return nil, nil, nil, fmt.Errorf("sigma[%d] = %v; σ must be positive and finite: %w", i, s, modelio.ErrFormat)
		}
		m.LogSigma[i] = float32(math.Log(float64(s)))
	}
	m.LearnSigma = f.Metadata["learn_sigma"] == "true"
	if err := m.Validate(); err != nil {
		return nil, nil, nil, err
	}
	var mean, std []float32
	if _, ok := f.Tensors["data_mean"]; ok {
		if mean, err = f.Require("data_mean", nv); err != nil {
			return nil, nil, nil, err
		}
		if std, err = f.Require("data_std", nv); err != nil {
			return nil, nil, nil, err
		}
	}
	return m, mean, std, nil
}
