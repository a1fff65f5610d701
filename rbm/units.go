package rbm

import (
	"fmt"
	"math"
	"sync"

	"github.com/ebm-go/ebm/internal/tensor"
)

// Units is the type of an RBM's visible layer. The hidden units are always
// Bernoulli; the visible units set the part of the energy that involves v
// alone and how v couples to the hidden layer:
//
//	E(v,h) = E_v(v; b) − cᵀh − x(v)ᵀWh
//
// with x(v) = v and E_v = −bᵀv for Bernoulli units, x(v) = v/σ and
// E_v = Σ_i (v_i−b_i)²/(2σ_i²) for Gaussian ones. Everything else — the
// chain, the trainer, exact log Z, the file format, AIS and RAISE — is
// written once against these methods, so a new kind of visible unit (±1
// spins, softmax groups) is one more implementation here.
//
// The two implementations are Bernoulli and *Gaussian.
type Units interface {
	// Name is the unit type as model files record it ("bernoulli", "gaussian").
	Name() string
	// Clone returns a deep copy of the units' own parameters.
	Clone() Units
	// Validate checks the units' parameters for n visible units.
	Validate(n int) error
	// CheckData reports values the units cannot model (a NaN for Gaussian
	// units), naming the row and column.
	CheckData(x *tensor.Matrix) error
	// InitBias sets the visible biases of a fresh model from training data
	// (nil: zero).
	InitBias(b []float32, data *tensor.Matrix)
	// BaseRate returns the visible biases of the model with W = 0 that best
	// fits data — AIS's and RAISE's base model.
	BaseRate(data *tensor.Matrix) []float32
	// Input returns x(v), the visible states as the hidden layer sees them:
	// v itself, or dst (resized to v's shape and returned) holding v/σ.
	Input(dst, v *tensor.Matrix) *tensor.Matrix
	// Field turns the top-down input u = h·Wᵀ into the location of p(v|h)
	// in place: b + u (the log-odds) or b + σ⊙u (the mean).
	Field(u *tensor.Matrix, b []float32)
	// Mean turns u = h·Wᵀ into E[v|h] in place: σ(b + u) or b + σ⊙u.
	Mean(u *tensor.Matrix, b []float32)
	// Sample draws dst ~ p(v|h) from mean = E[v|h] (Mean's output).
	Sample(dst, mean *tensor.Matrix, rng *tensor.Rand)
	// SampleAt draws dst ~ p_β(v|h) ∝ exp(−β E) from loc (Field's output),
	// the conditional at inverse temperature β, and leaves its mean in loc.
	SampleAt(dst, loc *tensor.Matrix, beta float32, rng *tensor.Rand)
	// Start fills dst with starting states for chains that have no data:
	// uniform random bits, or v = b.
	Start(dst *tensor.Matrix, b []float32, rng *tensor.Rand)
	// Energy returns E_v(v; b), the part of the energy that involves v
	// alone, in float64.
	Energy(v, b []float32) float64
	// LogPartition returns log ∫ exp(−E_v(v; b) + x(v)ᵀu) dv (a sum for
	// binary units), the visible layer summed out given the top-down input
	// u = Wh, in float64. u is scratch: it may be overwritten.
	LogPartition(u []float32, b []float32) float64
	// BiasGrad adds scale · Σ_rows −∂E_v(v; b)/∂b to g: Σ v, or Σ (v−b)/σ².
	BiasGrad(g []float32, v *tensor.Matrix, b []float32, scale float32)
}

// learner is implemented by units with parameters of their own, which the
// trainer updates beside W, b and c (Gaussian log σ).
type learner interface {
	// params returns the parameters, updated in place.
	params() []float32
	// learned reports whether training updates them.
	learned() bool
	// paramGrad adds scale · Σ_rows ∂(−E_v(v; b))/∂θ to g.
	paramGrad(g []float32, v *tensor.Matrix, b []float32, scale float32)
	// couplingGrad adds the gradient's part from x(v)ᵀWh, given dot[i] =
	// Σ_j W_ij gW_ij with gW the plain weight gradient (data less model
	// statistics of x p(h|x)ᵀ): the units' parameters scale x_i alone.
	couplingGrad(g []float32, dot []float64)
	// clamp puts the parameters back into their valid range after an update.
	clamp()
}

// Bernoulli units are binary, v ∈ {0,1}: E_v = −bᵀv, x(v) = v,
// p(v_i=1|h) = σ(b_i + (Wh)_i).
type Bernoulli struct{}

func (Bernoulli) Name() string                             { return "bernoulli" }
func (Bernoulli) Clone() Units                             { return Bernoulli{} }
func (Bernoulli) Validate(int) error                       { return nil }
func (Bernoulli) CheckData(*tensor.Matrix) error           { return nil }
func (Bernoulli) Input(_, v *tensor.Matrix) *tensor.Matrix { return v }
func (Bernoulli) Field(u *tensor.Matrix, b []float32)      { tensor.AddRowVector(u, b) }
func (Bernoulli) Mean(u *tensor.Matrix, b []float32)       { tensor.SigmoidBiasRows(u, b) }
func (Bernoulli) Energy(v, b []float32) float64            { return -tensor.Dot(b, v) }

// InitBias sets b_i = log(p_i/(1−p_i)) of the column means p_i of data,
// clipped to [1e-3, 1−1e-3] so constant pixels get a finite bias (Hinton's
// practical guide).
func (Bernoulli) InitBias(b []float32, data *tensor.Matrix) {
	clear(b)
	if data == nil || data.Rows == 0 {
		return
	}
	mean := make([]float64, len(b))
	for i := 0; i < data.Rows; i++ {
		for j, v := range data.Row(i) {
			mean[j] += float64(v)
		}
	}
	const clip = 1e-3
	for j := range mean {
		p := mean[j] / float64(data.Rows)
		p = math.Min(math.Max(p, clip), 1-clip)
		b[j] = float32(math.Log(p / (1 - p)))
	}
}

// BaseRate returns the log-odds of the column means of binary data,
// smoothed as in Salakhutdinov & Murray's code by a pseudo-count of 5 per
// 100 examples: p_i = (Σ_n v_ni + 0.05·N) / (1.05·N).
func (Bernoulli) BaseRate(data *tensor.Matrix) []float32 {
	b := make([]float32, data.Cols)
	n := float64(data.Rows)
	sum := make([]float64, data.Cols)
	for r := 0; r < data.Rows; r++ {
		for j, v := range data.Row(r) {
			sum[j] += float64(v)
		}
	}
	for j := range b {
		p := (sum[j] + 0.05*n) / (1.05 * n)
		b[j] = float32(math.Log(p) - math.Log1p(-p))
	}
	return b
}

func (Bernoulli) Sample(dst, mean *tensor.Matrix, rng *tensor.Rand) {
	rng.BernoulliFast(dst.Data, mean.Data)
}

func (Bernoulli) SampleAt(dst, loc *tensor.Matrix, beta float32, rng *tensor.Rand) {
	scaledSigmoid(loc.Data, beta)
	rng.BernoulliFast(dst.Data, loc.Data)
}

func (Bernoulli) Start(dst *tensor.Matrix, _ []float32, rng *tensor.Rand) {
	rng.BernoulliFast(dst.Data, halves(len(dst.Data)))
}

// halves returns n values 0.5, read-only, from one slice kept for all
// calls: Restart draws a fresh start every update, and a new slice of
// 500 × 784 floats each time cost more than the sampling (page faults,
// clearing, collections).
func halves(n int) []float32 {
	halfSlice.Lock()
	defer halfSlice.Unlock()
	if len(halfSlice.s) < n {
		s := make([]float32, n)
		for i := range s {
			s[i] = 0.5
		}
		halfSlice.s = s
	}
	return halfSlice.s[:n]
}

var halfSlice struct {
	sync.Mutex
	s []float32
}

// LogPartition is Σ_i softplus(b_i + u_i).
func (Bernoulli) LogPartition(u, b []float32) float64 {
	for i := range u {
		u[i] += b[i]
	}
	return tensor.SoftplusSum(u)
}

func (Bernoulli) BiasGrad(g []float32, v *tensor.Matrix, _ []float32, scale float32) {
	tensor.ColumnSums(g, v, scale)
}

func scaledSigmoid(x []float32, beta float32) {
	if beta != 1 {
		tensor.Scale(x, beta)
	}
	tensor.SigmoidInto(x, x)
}

// Gaussian units are real-valued with per-unit standard deviations σ_i
// (Hinton & Salakhutdinov 2006; Cho, Ilin & Raiko 2011):
// E_v = Σ_i (v_i−b_i)²/(2σ_i²), x(v) = v/σ, so p(h_j=1|v) =
// σ(c_j + Σ_i (v_i/σ_i) W_ij) and p(v_i|h) = N(b_i + σ_i (Wh)_i, σ_i²).
// σ is stored as LogSigma (s_i = log σ_i), which keeps it positive whatever
// the gradient steps do; training updates it only when Learn is set.
type Gaussian struct {
	LogSigma []float32
	Learn    bool
	// serial: the units of a training checkpoint written before
	// 2026-12-02 (no "normal_stream" in its metadata), which resume with
	// that code's arithmetic — normal draws one after another from the
	// trainer's source, and the gradient of log σ from the products
	// p(h|v)·Wᵀ — so that they continue bit for bit.
	serial bool
}

// Bounds on log σ: σ ∈ [e⁻⁷, e⁷] ≈ [9e-4, 1100] keeps 1/σ² finite in float32.
const minLogSigma, maxLogSigma = -7, 7

// NewGaussianUnits returns n Gaussian units with σ = sigma (1 when sigma ≤ 0).
func NewGaussianUnits(n int, sigma float64, learn bool) *Gaussian {
	if !(sigma > 0) {
		sigma = 1
	}
	g := &Gaussian{LogSigma: make([]float32, n), Learn: learn}
	for i := range g.LogSigma {
		g.LogSigma[i] = float32(math.Log(sigma))
	}
	return g
}

func (g *Gaussian) Name() string { return "gaussian" }

func (g *Gaussian) Clone() Units {
	return &Gaussian{LogSigma: append([]float32(nil), g.LogSigma...), Learn: g.Learn, serial: g.serial}
}

func (g *Gaussian) Validate(n int) error {
	if len(g.LogSigma) != n {
		return fmt.Errorf("gaussian units: %d values of log σ for %d visible units: %w", len(g.LogSigma), n, ErrShape)
	}
	if !tensor.AllFinite(g.LogSigma) {
		return ErrNotFinite
	}
	return nil
}

// CheckData refuses NaN and ±Inf, naming the row and column.
func (g *Gaussian) CheckData(x *tensor.Matrix) error {
	for k, v := range x.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("row %d, column %d (0-based) holds %v: real-valued data must be finite", k/x.Cols, k%x.Cols, v)
		}
	}
	return nil
}

// Sigma returns σ_i = exp(s_i).
func (g *Gaussian) Sigma() []float32 {
	s := make([]float32, len(g.LogSigma))
	for i, x := range g.LogSigma {
		s[i] = float32(math.Exp(float64(x)))
	}
	return s
}

// InitBias sets b to the column means of data.
func (g *Gaussian) InitBias(b []float32, data *tensor.Matrix) {
	clear(b)
	if data != nil && data.Rows > 0 {
		tensor.ColumnSums(b, data, 1/float32(data.Rows))
	}
}

// BaseRate returns the column means of data: the W = 0 model N(b, σ²)
// closest to the data for the model's σ.
func (g *Gaussian) BaseRate(data *tensor.Matrix) []float32 {
	b := make([]float32, data.Cols)
	g.InitBias(b, data)
	return b
}

func (g *Gaussian) Input(dst, v *tensor.Matrix) *tensor.Matrix {
	dst = dst.Resize(v.Rows, v.Cols)
	inv := g.scaled(-1, 1)
	defer putFloats(inv)
	for r := 0; r < v.Rows; r++ {
		scaleRow(dst.Row(r), v.Row(r), *inv)
	}
	return dst
}

// scaled returns σ_i·f (sign 1) or f/σ_i (sign −1), each exp(±s_i) in
// float64 rounded to float32 and then multiplied by f in float32 (f = 1:
// exactly σ or 1/σ), in a vector from a pool (putFloats returns it): the
// units keep no derived copy of σ, since training updates log σ in place,
// and allocating it each call made the training step allocate.
func (g *Gaussian) scaled(sign float64, f float32) *[]float32 {
	p := getFloats(len(g.LogSigma))
	g.fillScaled(*p, sign, f)
	return p
}

// fillScaled sets dst to σ_i·f or f/σ_i, as scaled.
func (g *Gaussian) fillScaled(dst []float32, sign float64, f float32) {
	for i, x := range g.LogSigma {
		dst[i] = float32(math.Exp(sign * float64(x)))
		if f != 1 {
			dst[i] *= f
		}
	}
}

// scaleRow sets dst = src ⊙ inv: Input's x = v/σ for one row.
func scaleRow(dst, src, inv []float32) { tensor.MulInto(dst, src, inv) }

var floatBufs sync.Pool // *[]float32

func getFloats(n int) *[]float32 {
	p, _ := floatBufs.Get().(*[]float32)
	if p == nil {
		p = new([]float32)
	}
	if cap(*p) < n {
		*p = make([]float32, n)
	}
	*p = (*p)[:n]
	return p
}

func putFloats(p *[]float32) { floatBufs.Put(p) }

func (g *Gaussian) Field(u *tensor.Matrix, b []float32) {
	sig := g.scaled(1, 1)
	defer putFloats(sig)
	gaussianField(u, b, *sig, 0, u.Cols)
}

// gaussianField sets u = b + σ⊙u in columns [c0, c1) of every row.
func gaussianField(u *tensor.Matrix, b, sig []float32, c0, c1 int) {
	b, sig = b[c0:c1], sig[c0:c1]
	for r := 0; r < u.Rows; r++ {
		tensor.Affine(u.Row(r)[c0:c1], b, sig)
	}
}

func (g *Gaussian) Mean(u *tensor.Matrix, b []float32) { g.Field(u, b) }

// Sample draws v = mean + σ z with z ~ N(0, 1).
func (g *Gaussian) Sample(dst, mean *tensor.Matrix, rng *tensor.Rand) {
	g.SampleAt(dst, mean, 1, rng)
}

// SampleAt draws v ~ N(loc, σ²/β): loc + (σ/√β)·z with z from one keyed
// normal call (tensor.NormalKey: one draw of rng), so blocks of the rows
// or columns can be sampled apart with the same bits.
func (g *Gaussian) SampleAt(dst, loc *tensor.Matrix, beta float32, rng *tensor.Rand) {
	f := float32(1)
	if beta != 1 {
		f = float32(1 / math.Sqrt(float64(beta)))
	}
	sig := g.scaled(1, f)
	defer putFloats(sig)
	if g.serial {
		rng.Normal(dst.Data, 0, 1)
		nv := len(*sig)
		for k, mu := range loc.Data {
			dst.Data[k] = mu + (*sig)[k%nv]*dst.Data[k]
		}
		return
	}
	rng.NormalKey().Sample(dst, loc, *sig)
}

// Start sets every row to b.
func (g *Gaussian) Start(dst *tensor.Matrix, b []float32, _ *tensor.Rand) {
	for r := 0; r < dst.Rows; r++ {
		copy(dst.Row(r), b)
	}
}

// Energy is Σ_i (v_i−b_i)²/(2σ_i²).
func (g *Gaussian) Energy(v, b []float32) float64 {
	var e float64
	for i, vi := range v {
		s := math.Exp(float64(g.LogSigma[i]))
		d := float64(vi) - float64(b[i])
		e += d * d / (2 * s * s)
	}
	return e
}

// LogPartition completes the square unit by unit:
// Σ_i [ b_i u_i/σ_i + u_i²/2 + log(√(2π) σ_i) ].
func (g *Gaussian) LogPartition(u, b []float32) float64 {
	var t float64
	for i, x := range u {
		ui := float64(x)
		s := math.Exp(float64(g.LogSigma[i]))
		t += float64(b[i])*ui/s + ui*ui/2 + 0.5*math.Log(2*math.Pi) + math.Log(s)
	}
	return t
}

// BiasGrad adds scale · Σ_rows (v_i−b_i)/σ_i², with 1/σ_i² computed once
// (units of an old checkpoint, Gaussian.serial: divided by σ_i twice, as
// that code did).
func (g *Gaussian) BiasGrad(gb []float32, v *tensor.Matrix, b []float32, scale float32) {
	if g.serial {
		sig := g.scaled(1, 1)
		defer putFloats(sig)
		for r := 0; r < v.Rows; r++ {
			for i, x := range v.Row(r) {
				d := (x - b[i]) / (*sig)[i]
				gb[i] += scale * d / (*sig)[i]
			}
		}
		return
	}
	inv2 := g.scaled(-2, 1)
	defer putFloats(inv2)
	for r := 0; r < v.Rows; r++ {
		tensor.ShiftedSum(gb, v.Row(r), b, *inv2, scale) // gb += scale·((v−b)/σ²)
	}
}

func (g *Gaussian) params() []float32 { return g.LogSigma }
func (g *Gaussian) learned() bool     { return g.Learn }

// paramGrad adds scale · Σ_rows (v_i−b_i)²/σ_i², the part of −∂F/∂s_i
// (s_i = log σ_i) from E_v; couplingGrad adds the part from x(v)ᵀWh.
func (g *Gaussian) paramGrad(gs []float32, v *tensor.Matrix, b []float32, scale float32) {
	inv := g.scaled(-1, 1)
	defer putFloats(inv)
	for r := 0; r < v.Rows; r++ {
		tensor.ShiftedSquares(gs, v.Row(r), b, *inv, scale) // gs += scale·((v−b)/σ)²
	}
}

// serialParamGrad is the gradient of log σ of checkpoints written before
// 2026-12-02 (Gaussian.serial): scale · Σ_rows [(v_i−b_i)²/σ_i² − x_i
// (Wp)_i] for rows v with x = x(v) and wp = p(h|v)·Wᵀ, in that code's
// order of roundings.
func (g *Gaussian) serialParamGrad(gs []float32, v, x, wp *tensor.Matrix, b []float32, scale float32) {
	sig := g.scaled(1, 1)
	defer putFloats(sig)
	for r := 0; r < v.Rows; r++ {
		row, sr, wr := v.Row(r), x.Row(r), wp.Row(r)
		for i, xv := range row {
			d := (xv - b[i]) / (*sig)[i]
			gs[i] += scale * (d*d - sr[i]*wr[i])
		}
	}
}

// couplingGrad subtracts dot[i] = Σ_j W_ij gW_ij from gs: x_i = v_i/σ_i
// gives ∂(xᵀWh)/∂s_i = −x_i (Wh)_i, and over the data and model rows of a
// gradient estimate, (1/n)Σ x_i (W p(h|v))_i − (1/n_c)Σ … is exactly
// Σ_j W_ij gW_ij with gW = ⟨x p(h|x)ᵀ⟩_d − ⟨x p(h|x)ᵀ⟩_m, the plain weight
// gradient — a row-wise dot of two nv×nh matrices in place of two
// n×nh×nv products (rbm.Trainer sums dot with tensor.RowDotsFrom).
func (g *Gaussian) couplingGrad(gs []float32, dot []float64) {
	for i, d := range dot {
		gs[i] -= float32(d)
	}
}

func (g *Gaussian) clamp() {
	for i, s := range g.LogSigma {
		g.LogSigma[i] = min(max(s, minLogSigma), maxLogSigma)
	}
}
