package lowrank

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"time"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/rbm"
)

// MaxRank is the largest rank Init accepts: beyond 4 the lattice of
// Options.Cells points leaves too few levels per direction.
const MaxRank = 4

// DefaultRank is the rank Init uses when Options.Rank is 0. The paper
// pre-trains on the first few principal directions; 2 is the largest rank
// whose directions survive the default lattice on MNIST (512 levels per
// direction, 18% quantization error; at 3 every entry rounds to 0).
const DefaultRank = 2

// Options are the settings of Init; zero values take the defaults listed.
type Options struct {
	Rank   int // d, 1…MaxRank (default DefaultRank)
	Hidden int // hidden units of the RBM to build (required, ≥ 1)
	// Cells bounds the lattice of projections (default 1<<18 = 262,144).
	Cells int
	// Thresholds is the number of hyperplane features per direction
	// (default 8), and Features bounds their total (default 64, and never
	// more than Hidden): each Newton step costs Features² per lattice
	// point, so d = 3 and 4 (18 and 32 directions) get 3 and 2 thresholds.
	Thresholds, Features int
	// MaxIter bounds the Newton iterations (default 200); Tol stops them
	// when an iteration gains less log-likelihood per row (default 1e-9 nats).
	MaxIter int
	Tol     float64
	// PowerIter bounds the subspace iterations of the PCA (default 300).
	PowerIter int
	// SpareStd is the scale of the spare hidden units' weights, per entry
	// of W (default 0.001): w_j ~ N(0, SpareStd²·N/d).
	SpareStd float64
	// RefineSteps is the number of Adam steps (rate RefineLR, default
	// 0.01) of the exact refinement of the built RBM (default 100;
	// negative: none).
	RefineSteps int
	RefineLR    float64
}

// OptionError is an invalid option; Option names it as ebm's command line
// spells it ("init-rank", "hidden").
type OptionError = rbm.OptionError

func (o *Options) fill() error {
	if o.Rank == 0 {
		o.Rank = DefaultRank
	}
	if o.Rank < 1 || o.Rank > MaxRank {
		return &OptionError{Option: "init-rank", Err: fmt.Errorf("the low-rank init's rank must be 1 to %d, got %d", MaxRank, o.Rank)}
	}
	if o.Hidden < 1 {
		return &OptionError{Option: "hidden", Err: fmt.Errorf("must be at least 1, got %d", o.Hidden)}
	}
	// Zero fields take their defaults.
	o.Cells = cmp.Or(o.Cells, 1<<18)
	o.Thresholds = cmp.Or(o.Thresholds, 8)
	o.Features = cmp.Or(o.Features, 64)
	o.MaxIter = cmp.Or(o.MaxIter, 200)
	o.Tol = cmp.Or(o.Tol, 1e-9)
	o.PowerIter = cmp.Or(o.PowerIter, 300)
	o.SpareStd = cmp.Or(o.SpareStd, 0.001)
	o.RefineSteps = cmp.Or(o.RefineSteps, 100)
	o.RefineLR = cmp.Or(o.RefineLR, 0.01)
	return nil
}

// Fit is the result of Init: the RBM, the low-rank model it was built from,
// and what the fit measured (Report).
type Fit struct {
	RBM   *rbm.RBM
	Model *Model
	Report
	// The RBM's parameters in projection space: b = B0 + Ũβ, W = Ũw
	// (w is d × H), c.
	beta []float64
	w, c []float32
}

// Report is what Init measured, in the JSON form `ebm rbm train --init
// lowrank --json` prints. Log-likelihoods are exact means over the training
// rows, in nats, for the quantized directions.
type Report struct {
	Rank int `json:"rank"`
	// Variances are the data's variances along the d principal directions;
	// QuantError how much of each direction the lattice lost
	// (Space.QuantError); Cells the lattice's points.
	Variances  []float64 `json:"variances"`
	QuantError []float64 `json:"quantization_error"`
	Cells      int       `json:"lattice_points"`
	// Features is the number of hyperplane features, Active how many the
	// fit kept (q > 0); Iterations the Newton steps taken.
	Features   int     `json:"features"`
	Active     int     `json:"active_features"`
	Iterations int     `json:"iterations"`
	Seconds    float64 `json:"seconds"` // wall time of Init
	// BaseLL is the log-likelihood of the base-rate model (the fit's start,
	// an RBM with W = 0); ModelLL that of the fitted low-rank model.
	BaseLL  float64 `json:"base_rate_log_likelihood"`
	ModelLL float64 `json:"model_log_likelihood"`
	// ConvertedLL is the RBM's log-likelihood before the exact refinement
	// (the direct conversion of the low-rank model), RefineSteps the
	// refinement's steps.
	ConvertedLL float64 `json:"converted_rbm_log_likelihood"`
	RefineSteps int     `json:"refine_steps"`
	// LogLikelihood is that of the RBM built (and refined), whose log
	// partition function is LogZ.
	LogLikelihood float64 `json:"rbm_log_likelihood"`
	LogZ          float64 `json:"rbm_log_z"`
}

// Init pre-trains a Bernoulli–Bernoulli RBM on binary data (rows of 0/1)
// by the low-rank fit of the package doc and returns it with the fit's
// figures. rng gives the PCA's start and the spare hidden units' weights.
// Cancelling ctx stops the fit and returns ctx.Err().
func Init(ctx context.Context, data *tensor.Matrix, opt Options, rng *tensor.Rand) (*Fit, error) {
	start := time.Now()
	if err := opt.fill(); err != nil {
		return nil, err
	}
	if data.Rows < 2 {
		return nil, fmt.Errorf("lowrank: need at least 2 training rows, got %d", data.Rows)
	}
	nv := data.Cols
	if err := checkBinary(data, nv); err != nil {
		return nil, err
	}
	if opt.Rank > nv {
		return nil, &OptionError{Option: "init-rank", Err: fmt.Errorf("rank %d exceeds the %d visible units", opt.Rank, nv)}
	}
	u, variances, err := principal(ctx, data, opt.Rank, opt.PowerIter, rng)
	if err != nil {
		return nil, err
	}
	base := rbm.New(nv, 0)
	base.Units().InitBias(base.B, data)
	space, err := newSpace(ctx, u, base.B, opt.Cells)
	if err != nil {
		return nil, err
	}
	model := newModel(space, data, opt.Thresholds, min(opt.Features, opt.Hidden))
	h, err := space.histogram(data)
	if err != nil {
		return nil, err
	}
	f := &Fit{Model: model, Report: Report{Rank: opt.Rank, Variances: variances, QuantError: space.QuantError, Cells: space.Cells(), Features: len(model.Q)}}
	st, err := model.stats(h, false, false)
	if err != nil {
		return nil, err
	}
	f.BaseLL = st.ll
	if f.Iterations, f.ModelLL, err = model.newton(ctx, h, opt.MaxIter, opt.Tol); err != nil {
		return nil, err
	}
	for _, q := range model.Q {
		if q > 0 {
			f.Active++
		}
	}
	f.hidden(opt, h, rng)
	if f.ConvertedLL, err = f.refine(ctx, h, opt.RefineSteps, opt.RefineLR); err != nil {
		return nil, err
	}
	if err := f.materialize(); err != nil {
		return nil, err
	}
	if f.LogZ, err = f.rbmLogZ(); err != nil {
		return nil, err
	}
	if f.LogLikelihood, err = f.RBMLogLikelihood(data); err != nil {
		return nil, err
	}
	f.Seconds = time.Since(start).Seconds()
	return f, nil
}

// newton maximises the exact log-likelihood over (Beta, Q ≥ 0): Newton
// steps on the free parameters (Beta, and each q_a that is positive or
// whose gradient points inward) with the model covariance of the features
// as the Hessian, projected back onto q ≥ 0 and halved until the
// log-likelihood rises. It returns the steps taken and the final value.
func (m *Model) newton(ctx context.Context, h hist, maxIter int, tol float64) (int, float64, error) {
	p := m.NumParams()
	d := m.Space.D
	st, err := m.stats(h, true, true)
	if err != nil {
		return 0, 0, err
	}
	it := 0
	for ; it < maxIter; it++ {
		if err := ctx.Err(); err != nil {
			return it, 0, err
		}
		// Bertsekas' ε-active set: a q within ε of its bound whose gradient
		// points outward is held (and moved to the bound), the rest take a
		// Newton step, projected onto q ≥ 0 and halved until the
		// log-likelihood rises. ε is the size of the projected gradient
		// step, capped at 1e-3, so the set is exact at the optimum.
		theta := m.params()
		var eps float64
		for k := d; k < p; k++ {
			eps += math.Pow(math.Max(theta[k]+st.grad[k], 0)-theta[k], 2)
		}
		for k := range d {
			eps += st.grad[k] * st.grad[k]
		}
		eps = math.Min(math.Sqrt(eps), 1e-3)
		var free, held []int
		for k := range p {
			if k >= d && theta[k] <= eps && st.grad[k] <= 0 {
				held = append(held, k)
			} else {
				free = append(free, k)
			}
		}
		step := solveNewton(st.cov, st.grad, free, p)
		cand := make([]float64, p)
		accepted := false
		for t := 1.0; t > 1e-12; t /= 2 {
			copy(cand, theta)
			for i, k := range free {
				cand[k] += t * step[i]
			}
			for _, k := range held {
				cand[k] = (1 - t) * theta[k]
			}
			for k := d; k < p; k++ {
				cand[k] = math.Max(cand[k], 0)
			}
			m.setParams(cand)
			next, err := m.stats(h, false, false)
			if err == nil && next.ll > st.ll {
				accepted = true
				break
			}
		}
		if !accepted {
			m.setParams(theta)
			break
		}
		next, err := m.stats(h, true, true)
		if err != nil {
			return it, 0, err
		}
		gain := next.ll - st.ll
		st = next
		if gain < tol {
			it++
			break
		}
	}
	return it, st.ll, nil
}

// solveNewton solves (C_FF + λI) x = g_F for the free indices F by
// Cholesky, raising the ridge λ until the factorisation succeeds.
func solveNewton(cov, grad []float64, free []int, p int) []float64 {
	n := len(free)
	var trace float64
	for _, k := range free {
		trace += cov[k*p+k]
	}
	ridge := 1e-9*trace/float64(n) + 1e-12
	a := make([]float64, n*n)
	for {
		for i, k := range free {
			for j, k2 := range free {
				a[i*n+j] = cov[k*p+k2]
			}
			a[i*n+i] += ridge
		}
		if x, ok := cholSolve(a, n, free, grad); ok {
			return x
		}
		ridge *= 10
	}
}

// cholSolve factors the symmetric a (n × n, overwritten) and solves for
// the right-hand side grad[free].
func cholSolve(a []float64, n int, free []int, grad []float64) ([]float64, bool) {
	for j := range n {
		s := a[j*n+j]
		for k := range j {
			s -= a[j*n+k] * a[j*n+k]
		}
		if !(s > 0) {
			return nil, false
		}
		a[j*n+j] = math.Sqrt(s)
		for i := j + 1; i < n; i++ {
			s := a[i*n+j]
			for k := range j {
				s -= a[i*n+k] * a[j*n+k]
			}
			a[i*n+j] = s / a[j*n+j]
		}
	}
	x := make([]float64, n)
	for i, k := range free {
		s := grad[k]
		for j := range i {
			s -= a[i*n+j] * x[j]
		}
		x[i] = s / a[i*n+i]
	}
	for i := n - 1; i >= 0; i-- {
		s := x[i]
		for j := i + 1; j < n; j++ {
			s -= a[j*n+i] * x[j]
		}
		x[i] = s / a[i*n+i]
	}
	return x, true
}

// hidden sets the RBM's parameters in projection space from the fit:
// β from the model; one hidden unit per active feature (w = q·n,
// c = −q·t), and spare units w ~ N(0, SpareStd²·N/d) centred on the
// data's mean projection ȳ (c = −wᵀȳ), so that each sees inputs of both
// signs and their softplus adds little curvature.
func (f *Fit) hidden(opt Options, h hist, rng *tensor.Rand) {
	m := f.Model
	s := m.Space
	d, nh := s.D, opt.Hidden
	f.beta = append([]float64(nil), m.Beta...)
	f.w, f.c = make([]float32, d*nh), make([]float32, nh)
	j := 0
	for a, q := range m.Q {
		if q <= 0 || j == nh {
			continue
		}
		for l := range d {
			f.w[l*nh+j] = float32(q * m.Dirs[a][l])
		}
		f.c[j] = float32(-q * m.Thresh[a])
		j++
	}
	if spare := nh - j; spare > 0 {
		mean := make([]float64, d)
		for i, c := range h.cells {
			for l := range d {
				mean[l] += h.counts[i] * s.y[c*d+l]
			}
		}
		r := make([]float32, d*spare)
		rng.Normal(r, 0, float32(opt.SpareStd*math.Sqrt(float64(s.N)/float64(d))))
		for l := range d {
			copy(f.w[l*nh+j:(l+1)*nh], r[l*spare:(l+1)*spare])
		}
		for k := j; k < nh; k++ {
			var x float64
			for l := range d {
				x += float64(f.w[l*nh+k]) * mean[l]
			}
			f.c[k] = float32(-x)
		}
	}
}

// materialize builds the RBM: W = Ũ·w, c, b = B0 + Ũβ.
func (f *Fit) materialize() error {
	s := f.Model.Space
	d, nh := s.D, len(f.c)
	ut := s.Directions()
	r := rbm.New(s.N, nh)
	tensor.MatMul(r.W, ut, tensor.FromSlice(d, nh, f.w))
	copy(r.C, f.c)
	for i := range s.N {
		var x float64
		for l := range d {
			x += float64(ut.At(i, l)) * f.beta[l]
		}
		r.B[i] = float32(float64(s.B0[i]) + x)
	}
	if err := r.Validate(); err != nil {
		return fmt.Errorf("lowrank: the built RBM: %w", err)
	}
	f.RBM = r
	return nil
}

// rbmLogZ returns the built RBM's log Z as a sum over the lattice:
// log Σ_k Ω(k) exp(βᵀy + Σ_j softplus(c_j + w_jᵀy)).
func (f *Fit) rbmLogZ() (float64, error) {
	r := f.rbmEval(nil, false)
	return r.logZ, r.err
}

// RBMLogLikelihood returns the built RBM's exact mean log-likelihood
// −F(v) − log Z over the rows of binary data (held-out rows, say).
func (f *Fit) RBMLogLikelihood(data *tensor.Matrix) (float64, error) {
	if err := checkBinary(data, f.RBM.NVisible()); err != nil {
		return 0, err
	}
	return -f.RBM.MeanFreeEnergy(data) - f.LogZ, nil
}
