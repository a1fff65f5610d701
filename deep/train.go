package deep

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/ebm-go/ebm/internal/nanjson"
	"github.com/ebm-go/ebm/internal/option"
	"github.com/ebm-go/ebm/internal/tensor"
)

// Objective is the training loss.
type Objective int

const (
	// Contrastive is the maximum-likelihood gradient estimate
	// L = mean E(x⁺) − mean E(x⁻), with x⁻ from Langevin chains, plus
	// Alpha·(mean E(x⁺)² + mean E(x⁻)²).
	Contrastive Objective = iota
	// NCE is noise-contrastive estimation against a Gaussian q fitted to
	// the data (per-dimension mean and standard deviation): logistic
	// regression of data against as many noise points with logit
	// h(x) = −E(x) − c − log q(x), where c (log Z) is learned too.
	NCE
	// DSM is denoising score matching (Vincent 2011): with x̃ = x + σε,
	// ε ~ N(0, I), L = ½ mean |σ∇ₓE(x̃) − ε|², which is σ² times
	// ½|s(x̃) − ∇log q_σ(x̃|x)|² for the score s = −∇ₓE. Its minimiser is
	// the score of the data convolved with N(0, σ²I) (σ is Config.Sigma).
	DSM
	// SSM is sliced score matching (Song et al. 2019): with projections
	// v (Gaussian or Rademacher, Config.Projection),
	// L = mean [vᵀ∇ₓ(vᵀs) + ½(vᵀs)²] = mean [−vᵀHv + ½(vᵀ∇ₓE)²], or the
	// variance-reduced mean [−vᵀHv + ½|∇ₓE|²] (the default; exact in
	// expectation for any v with E vvᵀ = I, both kinds here), whose
	// minimiser is the data's score.
	SSM
)

var objectives = enum[Objective]{typ: "Objective", what: "objective", names: [][]string{
	Contrastive: {"cd", "contrastive"},
	NCE:         {"nce"},
	DSM:         {"dsm", "denoising"},
	SSM:         {"ssm", "sliced"},
}}

// String returns "cd", "nce", "dsm" or "ssm".
func (o Objective) String() string { return objectives.String(o) }

// ParseObjective parses cd (or contrastive), nce, dsm (or denoising) and
// ssm (or sliced).
func ParseObjective(s string) (Objective, error) { return objectives.parse(s) }

// ScoreMatching reports whether o is DSM or SSM, which need no negatives.
func (o Objective) ScoreMatching() bool { return o == DSM || o == SSM }

// Projection is the distribution of sliced score matching's directions.
type Projection int

const (
	// Gaussian projections v ~ N(0, I).
	Gaussian Projection = iota
	// Rademacher projections: each coordinate ±1 with probability ½.
	Rademacher
)

var projections = enum[Projection]{typ: "Projection", what: "projection", names: [][]string{
	Gaussian:   {"gaussian", "normal"},
	Rademacher: {"rademacher"},
}}

// String returns "gaussian" or "rademacher".
func (p Projection) String() string { return projections.String(p) }

// ParseProjection parses gaussian (or normal) and rademacher.
func ParseProjection(s string) (Projection, error) { return projections.parse(s) }

// DefaultSigma is denoising score matching's noise σ when Config.Sigma is 0.
const DefaultSigma = 0.05

// Config configures a [Trainer].
type Config struct {
	Objective Objective
	Sampler   Sampler // negatives for Contrastive (ignored by NCE)
	// Persistent keeps chains in a replay buffer of BufferSize states,
	// each drawn state restarting from noise with probability Reinit;
	// otherwise every step runs short-run chains from fresh noise.
	Persistent bool
	BufferSize int     // 0 means 10000
	Reinit     float64 // restart probability for persistent chains
	Init       NoiseInit

	Batch        int     // data points (and negatives) per step
	LR           float64 // Adam learning rate
	Beta1, Beta2 float64 // Adam decay rates; 0 means 0.9 and 0.999
	Alpha        float64 // energy regularisation α(E⁺² + E⁻²), contrastive only
	Clip         float64 // clip the gradient to this global L2 norm; 0: no clipping
	// Decay, when > 0, lowers the learning rate along a cosine from LR at
	// iteration 1 to LR/100 at iteration Decay (and keeps it there).
	Decay int

	Sigma float64 // DSM's noise σ; 0 means DefaultSigma
	// SigmaEnd, when > 0, anneals DSM's σ geometrically from Sigma at
	// iteration 1 to SigmaEnd at iteration Decay (which must be > 0) and
	// keeps it there: large noise first for the coarse shape (how much
	// mass each separated part holds), small noise last for the detail.
	SigmaEnd   float64
	Projection Projection // SSM's projections
	SSMPlain   bool       // SSM: ½(vᵀ∇E)² instead of the variance-reduced ½|∇E|²
}

// DefaultConfig returns the settings of the CLI's defaults: short-run ULA
// (60 steps of η = 0.01), batch 128, Adam at 1e-3, α = 0.1, clipping at 1.
func DefaultConfig() Config {
	// Persistent chains of 30 steps of η = 0.03 at learning rate 3e-3 beat
	// short-run chains of 60 steps of η = 0.01 at 1e-3 (the defaults until
	// 2026-12-02) on all six toy sets for two seeds, in half the time
	// (docs/deep.md, "Defaults").
	return Config{
		Sampler:    Sampler{Method: ULA, Steps: 30, StepSize: 0.03},
		Persistent: true, BufferSize: 10000, Reinit: 0.05,
		Batch: 128, LR: 3e-3, Alpha: 0.1, Clip: 1,
	}
}

// DefaultHidden returns the hidden widths `ebm deep train` uses unless
// told: three layers of 64. Against two (64,64) with the default Config they
// lowered KL(true‖model) on 10 of 12 (toy set, seed) pairs, mean 0.229 →
// 0.159 nats (docs/deep.md, "Defaults").
func DefaultHidden() []int { return []int{64, 64, 64} }

// ImageConfig returns the settings `ebm deep train` uses on image data
// (MNIST) unless told otherwise: short-run chains from uniform noise on the
// pixel range, no persistence (Nijkamp et al. 2019), run as gradient descent
// with a little noise — ULA with η = 1 and the noise scaled down to 0.01 —
// for 50 steps; batch 100, Adam at 1e-3, α = 0.1, clipping at 1
// (docs/deep.md, "Digits").
func ImageConfig() Config {
	return Config{
		Sampler: Sampler{Method: ULA, Steps: 50, StepSize: 1, NoiseScale: 0.007},
		Batch:   100, LR: 1e-3, Alpha: 0.1, Clip: 1,
	}
}

// ImageQuadratic is the coefficient λ of the fixed (λ/2)|x|² term
// ([Net.Quad]) `ebm deep train` gives a network on image data unless told.
const ImageQuadratic = 0.03

// ImageIters is how many iterations `ebm deep train` runs on image data
// unless told.
const ImageIters = 4000

// ImageHidden returns the hidden widths `ebm deep train` uses on image data
// unless told: two layers of 256.
func ImageHidden() []int { return []int{256, 256} }

// Stats describes one training step. It marshals to JSON with NaN as null.
type Stats struct {
	Iter     int     `json:"iter"`      // 1-based
	Loss     float64 `json:"loss"`      // the objective (with the regulariser)
	EPos     float64 `json:"e_pos"`     // mean energy of the data batch
	ENeg     float64 `json:"e_neg"`     // mean energy of the negatives (Langevin or noise)
	GradNorm float64 `json:"grad_norm"` // global gradient norm before clipping
	Accept   float64 `json:"accept"`    // MALA or HMC acceptance rate (1 for ULA, NaN for NCE)
	LogZ     float64 `json:"log_z"`     // NCE's learned log Z (NaN for contrastive)
}

// MarshalJSON encodes s with NaN and ±Inf as null.
func (s Stats) MarshalJSON() ([]byte, error) {
	type plain Stats
	return nanjson.Marshal(plain(s))
}

// Trainer trains a [Net] on a data matrix.
type Trainer struct {
	Net  *Net
	Cfg  Config
	Iter int
	// LogZ holds NCE's learned normaliser c; unused by Contrastive.
	LogZ []float32
	// NoiseMean and NoiseStd are NCE's Gaussian q (per dimension).
	NoiseMean, NoiseStd []float64

	data   *tensor.Matrix
	rng    *tensor.Rand
	buf    *Buffer
	params [][]float32
	grads  [][]float32
	m, v   [][]float32

	pos, neg *tensor.Matrix
	ePos     []float32
	eNeg     []float32
	idx      []int

	gx, dir, eps *tensor.Matrix // score matching: ∇ₓE, a direction, noise or projections
}

// OptionError is a bad setting, naming its option as the command line
// spells it ("alpha", "clip", "lr", "batch").
type OptionError = option.Error

// NewTrainer checks cfg and prepares training of net on the rows of data.
// Every random draw comes from rng.
func NewTrainer(net *Net, data *tensor.Matrix, cfg Config, rng *tensor.Rand) (*Trainer, error) {
	d := net.Dim()
	switch {
	case data == nil || data.Rows == 0:
		return nil, errors.New("deep: no training data")
	case data.Cols != d:
		return nil, fmt.Errorf("deep: data has %d columns, network expects %d", data.Cols, d)
	case cfg.Batch < 1:
		return nil, &OptionError{Option: "batch", Err: fmt.Errorf("deep: batch size %d (want ≥ 1)", cfg.Batch)}
	case !(cfg.LR > 0) || math.IsInf(cfg.LR, 0):
		return nil, &OptionError{Option: "lr", Err: fmt.Errorf("deep: learning rate %g (want > 0 and finite)", cfg.LR)}
	case !(cfg.Alpha >= 0) || math.IsInf(cfg.Alpha, 0):
		return nil, &OptionError{Option: "alpha", Err: fmt.Errorf("deep: alpha %g (want ≥ 0 and finite)", cfg.Alpha)}
	case !(cfg.Clip >= 0) || math.IsInf(cfg.Clip, 0):
		return nil, &OptionError{Option: "clip", Err: fmt.Errorf("deep: clip %g (want ≥ 0 and finite)", cfg.Clip)}
	case cfg.Objective < Contrastive || cfg.Objective > SSM:
		return nil, fmt.Errorf("deep: invalid objective %d", int(cfg.Objective))
	case !(cfg.Sigma >= 0) || math.IsInf(cfg.Sigma, 0):
		return nil, &OptionError{Option: "sigma", Err: fmt.Errorf("deep: noise σ %g (want > 0 and finite)", cfg.Sigma)}
	case !(cfg.SigmaEnd >= 0) || math.IsInf(cfg.SigmaEnd, 0):
		return nil, &OptionError{Option: "sigma-end", Err: fmt.Errorf("deep: final noise σ %g (want > 0 and finite)", cfg.SigmaEnd)}
	case cfg.SigmaEnd > 0 && cfg.Decay <= 0:
		return nil, &OptionError{Option: "sigma-end", Err: errors.New("deep: annealing σ needs a schedule length (Decay > 0; the CLI's --lr-schedule cosine)")}
	case cfg.Projection != Gaussian && cfg.Projection != Rademacher:
		return nil, &OptionError{Option: "projection", Err: fmt.Errorf("deep: invalid projection %d", int(cfg.Projection))}
	case cfg.Decay < 0:
		return nil, &OptionError{Option: "lr-decay", Err: fmt.Errorf("deep: decay over %d iterations (want ≥ 0)", cfg.Decay)}
	case !(cfg.Beta1 >= 0 && cfg.Beta1 < 1 && cfg.Beta2 >= 0 && cfg.Beta2 < 1):
		return nil, fmt.Errorf("deep: Adam betas %g, %g (want in [0, 1))", cfg.Beta1, cfg.Beta2)
	}
	if cfg.Beta1 == 0 {
		cfg.Beta1 = 0.9
	}
	if cfg.Beta2 == 0 {
		cfg.Beta2 = 0.999
	}
	if cfg.Sigma == 0 {
		cfg.Sigma = DefaultSigma
	}
	t := &Trainer{Net: net, Cfg: cfg, data: data, rng: rng, LogZ: []float32{0}}
	t.pos, t.neg = tensor.New(cfg.Batch, d), tensor.New(cfg.Batch, d)
	t.ePos, t.eNeg = make([]float32, cfg.Batch), make([]float32, cfg.Batch)
	t.params = net.Params()
	switch {
	case cfg.Objective == NCE:
		t.params = append(t.params, t.LogZ)
		t.NoiseMean, t.NoiseStd = columnMoments(data)
	case cfg.Objective.ScoreMatching():
		t.gx, t.dir = tensor.New(cfg.Batch, d), tensor.New(cfg.Batch, d)
		t.eps = tensor.New(cfg.Batch, d)
		if len(cfg.Init.Low) != d || len(cfg.Init.High) != d {
			return nil, fmt.Errorf("deep: the noise box has %d/%d bounds for %d dimensions", len(cfg.Init.Low), len(cfg.Init.High), d)
		}
	default:
		if err := cfg.Sampler.Validate(); err != nil {
			return nil, err
		}
		if len(cfg.Init.Low) != d || len(cfg.Init.High) != d {
			return nil, fmt.Errorf("deep: the noise box has %d/%d bounds for %d dimensions", len(cfg.Init.Low), len(cfg.Init.High), d)
		}
		if cfg.Persistent {
			size := cfg.BufferSize
			if size == 0 {
				size = 10000
			}
			var err error
			if t.buf, err = NewBuffer(size, cfg.Init, cfg.Reinit, rng); err != nil {
				return nil, err
			}
			t.idx = make([]int, cfg.Batch)
		}
	}
	for _, p := range t.params {
		t.grads = append(t.grads, make([]float32, len(p)))
		t.m = append(t.m, make([]float32, len(p)))
		t.v = append(t.v, make([]float32, len(p)))
	}
	return t, nil
}

// columnMoments returns each column's mean and standard deviation (at least
// 1e-3).
func columnMoments(x *tensor.Matrix) (mean, std []float64) {
	d := x.Cols
	mean, std = make([]float64, d), make([]float64, d)
	for i := 0; i < x.Rows; i++ {
		for j, v := range x.Row(i) {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(x.Rows)
	}
	for i := 0; i < x.Rows; i++ {
		for j, v := range x.Row(i) {
			dv := float64(v) - mean[j]
			std[j] += dv * dv
		}
	}
	for j := range std {
		std[j] = max(math.Sqrt(std[j]/float64(x.Rows)), 1e-3)
	}
	return mean, std
}

// Buffer returns the replay buffer (nil unless persistent).
func (t *Trainer) Buffer() *Buffer { return t.buf }

// Negatives returns the last step's negative samples (Langevin or noise).
func (t *Trainer) Negatives() *tensor.Matrix { return t.neg }

// Samples returns samples of the model for pictures: the replay buffer when
// training is persistent, else n chains from noise on the box run by the
// training sampler (for NCE, score matching, or a sampler of 0 steps, 200
// ULA steps of η = 0.01). It draws from the trainer's generator.
func (t *Trainer) Samples(n int) (*tensor.Matrix, error) {
	if t.buf != nil {
		return t.buf.X, nil
	}
	x := tensor.New(n, t.Net.Dim())
	t.Cfg.Init.Fill(x, t.rng)
	s := t.Cfg.Sampler
	if s.Steps == 0 || t.Cfg.Objective == NCE || t.Cfg.Objective.ScoreMatching() {
		s = Sampler{Method: ULA, Steps: 200, StepSize: 0.01}
	}
	if _, err := s.Run(t.Net, x, t.rng); err != nil {
		return nil, err
	}
	return x, nil
}

// Describe says where the negatives come from, e.g. "langevin 60 steps of
// η=0.01, short-run" or "Gaussian noise" (NCE).
func (c Config) Describe() string {
	switch c.Objective {
	case NCE:
		return "Gaussian noise"
	case DSM:
		sigma := c.Sigma
		if sigma == 0 {
			sigma = DefaultSigma
		}
		if c.SigmaEnd > 0 {
			return fmt.Sprintf("denoising, σ=%g→%g", sigma, c.SigmaEnd)
		}
		return fmt.Sprintf("denoising, σ=%g", sigma)
	case SSM:
		form := "variance-reduced"
		if c.SSMPlain {
			form = "plain"
		}
		return fmt.Sprintf("%s projections, %s", c.Projection, form)
	}
	mode := "short-run"
	if c.Persistent {
		size := c.BufferSize
		if size == 0 {
			size = 10000
		}
		mode = fmt.Sprintf("persistent, buffer %d, reinit %g", size, c.Reinit)
	}
	if c.Sampler.Method == HMC {
		return fmt.Sprintf("hmc %d iterations of %d leapfrog steps of ε=%g, %s", c.Sampler.Steps, c.Sampler.LeapfrogSteps(), c.Sampler.StepSize, mode)
	}
	return fmt.Sprintf("%s %d steps of η=%g, %s", c.Sampler.Method, c.Sampler.Steps, c.Sampler.StepSize, mode)
}

// Step runs one training iteration.
func (t *Trainer) Step() (Stats, error) {
	t.Iter++
	st := Stats{Iter: t.Iter, Accept: math.NaN(), LogZ: math.NaN()}
	for i := 0; i < t.Cfg.Batch; i++ {
		copy(t.pos.Row(i), t.data.Row(t.rng.IntN(t.data.Rows)))
	}
	for _, g := range t.grads {
		clear(g)
	}
	n := float32(t.Cfg.Batch)
	var err error
	switch t.Cfg.Objective {
	case DSM:
		st.Loss, st.ENeg = t.dsm(), mean32(t.eNeg)
		st.EPos = t.energyPos()
	case SSM:
		st.Loss = t.ssm()
		st.ENeg = math.NaN()
		st.EPos = mean32(t.ePos)
	case Contrastive:
		st.Accept, err = t.negatives()
		if err != nil {
			return st, err
		}
		alpha := float32(t.Cfg.Alpha)
		var loss float64
		t.Net.ParamGrad(t.pos, t.ePos, func(e, d []float32) {
			for i, v := range e {
				d[i] = (1 + 2*alpha*v) / n
				loss += (float64(v) + float64(alpha)*float64(v)*float64(v)) / float64(n)
			}
		}, t.grads)
		t.Net.ParamGrad(t.neg, t.eNeg, func(e, d []float32) {
			for i, v := range e {
				d[i] = (-1 + 2*alpha*v) / n
				loss += (-float64(v) + float64(alpha)*float64(v)*float64(v)) / float64(n)
			}
		}, t.grads)
		st.Loss = loss
	case NCE:
		t.noise()
		c := float64(t.LogZ[0])
		var loss, dc float64
		// h = −E − c − log q; loss = −log σ(h⁺) − log σ(−h⁻);
		// ∂loss/∂E⁺ = 1 − σ(h⁺), ∂loss/∂E⁻ = −σ(h⁻), ∂loss/∂c = Σ of both.
		t.Net.ParamGrad(t.pos, t.ePos, func(e, d []float32) {
			for i, v := range e {
				h := -float64(v) - c - t.logNoise(t.pos.Row(i))
				loss -= tensor.LogSigmoid(h) / float64(n)
				g := (1 - tensor.Sigmoid(h)) / float64(n)
				d[i] = float32(g)
				dc += g
			}
		}, t.grads)
		t.Net.ParamGrad(t.neg, t.eNeg, func(e, d []float32) {
			for i, v := range e {
				h := -float64(v) - c - t.logNoise(t.neg.Row(i))
				loss -= tensor.LogSigmoid(-h) / float64(n)
				g := -tensor.Sigmoid(h) / float64(n)
				d[i] = float32(g)
				dc += g
			}
		}, t.grads)
		t.grads[len(t.grads)-1][0] = float32(dc)
		st.Loss = loss
	}
	if !t.Cfg.Objective.ScoreMatching() {
		st.EPos, st.ENeg = mean32(t.ePos), mean32(t.eNeg)
	}
	st.GradNorm = t.adam()
	if t.Cfg.Objective == NCE {
		st.LogZ = float64(t.LogZ[0])
	}
	if math.IsNaN(st.Loss) || math.IsInf(st.Loss, 0) || math.IsNaN(st.GradNorm) {
		return st, fmt.Errorf("deep: training diverged at iteration %d (loss %g); lower the learning rate or step size, or raise alpha", t.Iter, st.Loss)
	}
	return st, nil
}

// negatives fills t.neg with Langevin samples.
func (t *Trainer) negatives() (float64, error) {
	if t.buf != nil {
		t.buf.Draw(t.neg, t.idx, t.rng)
	} else {
		t.Cfg.Init.Fill(t.neg, t.rng)
	}
	acc, err := t.Cfg.Sampler.Run(t.Net, t.neg, t.rng)
	if err != nil {
		return acc, fmt.Errorf("iteration %d: %w", t.Iter, err)
	}
	if t.buf != nil {
		t.buf.Store(t.idx, t.neg)
	}
	return acc, nil
}

// noise fills t.neg with draws from NCE's Gaussian.
func (t *Trainer) noise() {
	for i := 0; i < t.neg.Rows; i++ {
		for j := range t.neg.Row(i) {
			t.neg.Row(i)[j] = float32(t.NoiseMean[j] + t.NoiseStd[j]*t.rng.NormFloat64())
		}
	}
}

// logNoise is log q(x) for NCE's Gaussian.
func (t *Trainer) logNoise(x []float32) float64 {
	var s float64
	for j, v := range x {
		z := (float64(v) - t.NoiseMean[j]) / t.NoiseStd[j]
		s += -0.5*z*z - math.Log(t.NoiseStd[j]) - 0.5*math.Log(2*math.Pi)
	}
	return s
}

// adam clips the gradient to the global norm Cfg.Clip and takes one Adam
// step; it returns the norm before clipping.
func (t *Trainer) adam() float64 {
	var ss float64
	for _, g := range t.grads {
		for _, v := range g {
			ss += float64(v) * float64(v)
		}
	}
	norm := math.Sqrt(ss)
	scale := float32(1)
	if t.Cfg.Clip > 0 && norm > t.Cfg.Clip {
		scale = float32(t.Cfg.Clip / norm)
	}
	b1, b2 := t.Cfg.Beta1, t.Cfg.Beta2
	c1 := 1 - math.Pow(b1, float64(t.Iter))
	c2 := 1 - math.Pow(b2, float64(t.Iter))
	step := float32(t.LearningRate() * math.Sqrt(c2) / c1)
	const eps = 1e-8
	fb1, fb2 := float32(b1), float32(b2)
	for k, p := range t.params {
		g, m, v := t.grads[k], t.m[k], t.v[k]
		for i := range p {
			gi := g[i] * scale
			m[i] = fb1*m[i] + (1-fb1)*gi
			v[i] = fb2*v[i] + (1-fb2)*gi*gi
			p[i] -= step * m[i] / (float32(math.Sqrt(float64(v[i]))) + eps)
		}
	}
	return norm
}

// LearningRate returns the learning rate of the current iteration: Cfg.LR,
// or with Cfg.Decay > 0 the cosine from LR (iteration 1) down to LR/100
// (iteration Decay and after).
func (t *Trainer) LearningRate() float64 {
	lr := t.Cfg.LR
	if t.Cfg.Decay <= 0 {
		return lr
	}
	if t.Cfg.Decay == 1 || t.Iter >= t.Cfg.Decay {
		return lr / 100
	}
	p := float64(max(t.Iter-1, 0)) / float64(t.Cfg.Decay-1)
	return lr/100 + (lr-lr/100)*0.5*(1+math.Cos(math.Pi*p))
}

// NoiseSigma returns DSM's noise σ at the current iteration: Cfg.Sigma, or
// with Cfg.SigmaEnd > 0 the geometric path from Sigma (iteration 1) to
// SigmaEnd (iteration Cfg.Decay and after).
func (t *Trainer) NoiseSigma() float64 {
	c := t.Cfg
	if c.SigmaEnd <= 0 || c.Decay <= 0 {
		return c.Sigma
	}
	p := 1.0
	if c.Decay > 1 && t.Iter < c.Decay {
		p = float64(max(t.Iter-1, 0)) / float64(c.Decay-1)
	}
	return c.Sigma * math.Pow(c.SigmaEnd/c.Sigma, p)
}

func mean32(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	return s / float64(len(x))
}

// Train runs iters steps, calling report (if non-nil) after each, and stops
// early with ctx's error when ctx is done.
func (t *Trainer) Train(ctx context.Context, iters int, report func(Stats)) error {
	for range iters {
		if err := ctx.Err(); err != nil {
			return err
		}
		st, err := t.Step()
		if err != nil {
			return err
		}
		if report != nil {
			report(st)
		}
	}
	return nil
}
