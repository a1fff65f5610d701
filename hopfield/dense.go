package hopfield

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ebm-go/ebm/internal/tensor"
)

// KindDense is the Kind of a dense associative memory (Krotov & Hopfield
// 2016; Demircigil et al. 2017 for the exponential interaction).
const KindDense = "dense"

// InteractionKind names the family of the interaction function F.
type InteractionKind string

// The interaction families.
const (
	// Poly is F(x) = xⁿ.
	Poly InteractionKind = "poly"
	// ReLU is the rectified polynomial F(x) = max(x, 0)ⁿ.
	ReLU InteractionKind = "relu"
	// Exp is F(x) = exp(βx), computed in log space.
	Exp InteractionKind = "exp"
)

// MaxDegree bounds the degree n of poly:n and relu:n, so that every energy
// term (at most (N+1)ⁿ) stays finite in float64 for any realistic N.
const MaxDegree = 32

// Interaction is the interaction function F of a dense memory.
type Interaction struct {
	Kind InteractionKind
	// Degree is n for Poly and ReLU (2 ≤ n ≤ MaxDegree); 0 for Exp.
	Degree int
}

// ParseInteraction parses "poly:n", "relu:n" (2 ≤ n ≤ MaxDegree) or "exp",
// case-insensitive.
func ParseInteraction(s string) (Interaction, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "exp" {
		return Interaction{Kind: Exp}, nil
	}
	name, deg, ok := strings.Cut(t, ":")
	if ok && (name == string(Poly) || name == string(ReLU)) {
		n, err := strconv.Atoi(deg)
		if err != nil || n < 2 || n > MaxDegree {
			return Interaction{}, fmt.Errorf("hopfield: interaction %q: the degree must be an integer from 2 to %d: %w", s, MaxDegree, ErrOption)
		}
		return Interaction{Kind: InteractionKind(name), Degree: n}, nil
	}
	return Interaction{}, fmt.Errorf("hopfield: unknown interaction %q (want poly:n, relu:n or exp): %w", s, ErrOption)
}

// String is the form ParseInteraction reads.
func (f Interaction) String() string {
	if f.Kind == Exp {
		return "exp"
	}
	return fmt.Sprintf("%s:%d", f.Kind, f.Degree)
}

// Dense is a dense associative memory of N binary (±1) neurons storing
// patterns ξ^μ (Krotov & Hopfield 2016), with energy
//
//	E(σ) = −Σ_μ F(ξ^μ·σ)
//
// and the asynchronous energy-difference update of unit i,
//
//	Δ_i = Σ_μ [F(ξ_i^μ + Σ_{j≠i} ξ_j^μ σ_j) − F(−ξ_i^μ + Σ_{j≠i} ξ_j^μ σ_j)] = E(σ_i=−1) − E(σ_i=+1)
//	σ_i ← sgn(Δ_i)        (Δ_i = 0 keeps σ_i, as for the classical network)
//
// Every flip strictly lowers E, so asynchronous dynamics stops at a fixed
// point. The memory keeps its patterns: a sweep costs O(N·M) with the
// overlaps ξ^μ·σ kept up to date in O(M) per flip.
//
// Numerics. For poly:n and relu:n, Δ_i is an exact integer in float64
// while M·(N+1)ⁿ < 2⁵² (ties are then exact); beyond, the arguments are
// divided by N (a positive rescaling of E that changes no decision) and a
// field below 2⁻⁴⁰ of Σ|terms| counts as a tie. For exp, the decision
// compares log Σ_μ exp(β a_μ) with log Σ_μ exp(β b_μ), each with a max
// shift, so nothing overflows at any N or load; Energy reports the
// log-domain energy −β⁻¹ log Σ_μ exp(β ξ^μ·σ) = −β⁻¹ log(−E), a strictly
// increasing function of E (the same order, the same minima).
//
// n = 2 is the classical Hebbian network: Δ_i = 4·Σ_μ ξ_i^μ Σ_{j≠i} ξ_j^μ σ_j
// = 4N·h_i with h the Hebbian field (W = XᵀX/N, zero diagonal), so the
// two make the same decision in every state, ties included.
type Dense struct {
	n        int
	f        Interaction
	beta     float64
	patterns *tensor.Matrix // M×N, ±1
	xt       *tensor.Matrix // N×M transpose
}

// NewDense returns an empty dense memory of n neurons with interaction f
// and β as in Spec (0 means DefaultBeta; poly and relu take none, or 1):
// New(n, Spec{Kind: KindDense, Interaction: f, Beta: beta}).
func NewDense(n int, f Interaction, beta float64) (*Dense, error) {
	if f == (Interaction{}) {
		return nil, fmt.Errorf("hopfield: a dense memory needs an interaction (poly:n, relu:n or exp): %w", ErrOption)
	}
	m, err := New(n, Spec{Kind: KindDense, Interaction: f, Beta: beta})
	if err != nil {
		return nil, err
	}
	return m.(*Dense), nil
}

// Kind returns "dense".
func (m *Dense) Kind() string { return KindDense }

// Neurons returns N.
func (m *Dense) Neurons() int { return m.n }

// Count returns the number of stored patterns M.
func (m *Dense) Count() int {
	if m.patterns == nil {
		return 0
	}
	return m.patterns.Rows
}

// Interaction returns F.
func (m *Dense) Interaction() Interaction { return m.f }

// Beta returns β of the exponential interaction (1 for poly and relu).
func (m *Dense) Beta() float64 { return m.beta }

// Patterns returns the stored patterns (M × N, ±1), nil before Store. The
// matrix is the memory's own.
func (m *Dense) Patterns() *tensor.Matrix { return m.patterns }

// Store adds the rows of patterns (±1 or 0/1, N columns).
func (m *Dense) Store(patterns *tensor.Matrix) error {
	if err := checkStore(patterns, m.n, "a memory of %d neurons"); err != nil {
		return err
	}
	x, err := BipolarMatrix(patterns)
	if err != nil {
		return fmt.Errorf("hopfield: store: %w", err)
	}
	if m.patterns == nil {
		m.patterns = x
	} else {
		m.patterns = appendRows(m.patterns, x)
	}
	m.xt = transpose(m.patterns)
	return nil
}

func transpose(x *tensor.Matrix) *tensor.Matrix {
	t := tensor.New(x.Cols, x.Rows)
	tensor.Transpose(t, x)
	return t
}

func (m *Dense) state(s []float32) ([]float32, error) {
	if len(s) != m.n {
		return nil, fmt.Errorf("hopfield: state of length %d for a memory of %d neurons: %w", len(s), m.n, ErrDimension)
	}
	return Bipolar(s)
}

// dots returns ξ^μ·s for every stored pattern (exact integers in float64).
func (m *Dense) dots(s []float32) []float64 {
	o := make([]float64, m.Count())
	for mu := range o {
		o[mu] = tensor.Dot(m.patterns.Row(mu), s)
	}
	return o
}

// Energy returns E(σ) = −Σ_μ F(ξ^μ·σ) for poly and relu, and the
// log-domain energy −β⁻¹ log Σ_μ exp(β ξ^μ·σ) for exp (see Dense). A 0/1
// state is converted; a state that is neither (or of the wrong length)
// panics, as for Network.Energy: check it with Bipolar first.
func (m *Dense) Energy(s []float32) float64 {
	b, err := m.state(s)
	if err != nil {
		panic(err.Error())
	}
	return m.energyFromDots(m.dots(b))
}

func (m *Dense) energyFromDots(o []float64) float64 {
	if len(o) == 0 {
		return 0
	}
	if m.f.Kind == Exp {
		z := make([]float64, len(o))
		for mu, v := range o {
			z[mu] = m.beta * v
		}
		return -tensor.LogSumExp(z) / m.beta
	}
	var e float64
	for _, v := range o {
		e -= m.f.eval(v)
	}
	return e
}

// eval is F(x) for poly and relu.
func (f Interaction) eval(x float64) float64 {
	if f.Kind == ReLU && x <= 0 {
		return 0
	}
	r := 1.0
	for k := 0; k < f.Degree; k++ {
		r *= x
	}
	return r
}

// Field returns the decision value of unit i in state s: Δ_i (see Dense)
// for poly and relu, and for exp a log-domain value with the sign of Δ_i
// (log c₊ − log c₋ − 2βσ_i, see localExp). Positive means the unit prefers +1.
func (m *Dense) Field(s []float32, i int) (float64, error) {
	b, err := m.state(s)
	if err != nil {
		return 0, err
	}
	if i < 0 || i >= m.n {
		return 0, fmt.Errorf("hopfield: unit %d of %d: %w", i, m.n, ErrDimension)
	}
	if m.Count() == 0 {
		return 0, nil
	}
	f := m.fields(b, m.dots(b))
	return f.local(i), nil
}

// IsFixedPoint reports whether no unit of s would change.
func (m *Dense) IsFixedPoint(s []float32) (bool, error) {
	b, err := m.state(s)
	if err != nil {
		return false, err
	}
	if m.Count() == 0 {
		return true, nil
	}
	f := m.fields(b, m.dots(b))
	for i := range b {
		if decide(b[i], f.local(i), f.tolerance(i)) != b[i] {
			return false, nil
		}
	}
	return true, nil
}

// denseMemFields is the fieldSet of a dense memory: the overlaps
// o_μ = ξ^μ·σ, updated in O(M) per flip.
type denseMemFields struct {
	f     Interaction
	beta  float64
	xt    []float32 // N×M
	mm    int
	s     []float32
	o     []float64
	scale float64 // 1 (exact integers) or 1/N
	exact bool
	tol   float64 // tie tolerance of the last local() call
	a, b  []float64
	// exp: weights e_μ = exp(β o_μ − t), recomputed when stale.
	e     []float64
	t     float64
	stale bool
}

func (m *Dense) fields(s []float32, o []float64) *denseMemFields {
	mm := m.Count()
	d := &denseMemFields{f: m.f, beta: m.beta, xt: m.xt.Data, mm: mm, s: s, o: o, scale: 1}
	if m.f.Kind == Exp {
		d.a, d.b, d.e = make([]float64, mm), make([]float64, mm), make([]float64, mm)
		d.stale = true
	} else {
		d.exact = float64(mm)*math.Pow(float64(m.n+1), float64(m.f.Degree)) < 1<<52
		if !d.exact {
			d.scale = 1 / float64(m.n)
		}
	}
	return d
}

func (d *denseMemFields) local(i int) float64 {
	xi := d.xt[i*d.mm : (i+1)*d.mm]
	si := float64(d.s[i])
	if d.f.Kind == Exp {
		return d.localExp(xi, si)
	}
	var delta, abs float64
	for mu, x := range xi {
		xv := float64(x)
		u := d.o[mu] - xv*si
		fa, fb := d.f.eval((u+xv)*d.scale), d.f.eval((u-xv)*d.scale)
		delta += fa - fb
		abs += math.Abs(fa) + math.Abs(fb)
	}
	if d.exact {
		d.tol = 0.5 // Δ is an integer
	} else {
		d.tol = 0x1p-40 * abs
	}
	return delta
}

// localExp decides unit i for F(x) = exp(βx). With a_μ, b_μ the overlaps
// with σ_i = +1 and −1, a_μ = o_μ + ξ_i^μ(1 − σ_i) and b_μ = o_μ − ξ_i^μ(1 + σ_i),
// so with c_± = Σ_{μ: ξ_i^μ = ±1} exp(β o_μ) the sign of
// Σ exp(βa_μ) − Σ exp(βb_μ) is that of log c_+ − log c_− − 2βσ_i (factor out
// 1 − e^{−2β} > 0). The weights exp(β o_μ − T), T = max β o_μ, depend only
// on the state, not the unit: they are recomputed after a flip (M exps),
// and a visit costs M additions. When a needed sum underflows (a spread of
// the β o_μ beyond ~700), the unit is decided by the two log-sum-exps with
// their own max shifts instead.
func (d *denseMemFields) localExp(xi []float32, si float64) float64 {
	if d.stale {
		d.t = math.Inf(-1)
		for _, v := range d.o {
			d.t = max(d.t, d.beta*v)
		}
		for mu, v := range d.o {
			d.e[mu] = math.Exp(d.beta*v - d.t)
		}
		d.stale = false
	}
	var cp, cm float64
	for mu, x := range xi {
		if x > 0 {
			cp += d.e[mu]
		} else {
			cm += d.e[mu]
		}
	}
	const tiny = 0x1p-960
	if (cp == 0 || cp > tiny) && (cm == 0 || cm > tiny) {
		// Exact zeros are empty sums (no pattern has that sign at unit i).
		d.tol = 1e-12 * (1 + 2*d.beta + math.Abs(math.Log(cp+cm)))
		switch {
		case cm == 0:
			return math.Inf(1)
		case cp == 0:
			return math.Inf(-1)
		}
		return math.Log(cp) - math.Log(cm) - 2*d.beta*si
	}
	ma, mb := math.Inf(-1), math.Inf(-1)
	for mu, x := range xi {
		xv := float64(x)
		u := d.o[mu] - xv*si
		a, b := d.beta*(u+xv), d.beta*(u-xv)
		d.a[mu], d.b[mu] = a, b
		ma, mb = max(ma, a), max(mb, b)
	}
	var sa, sb float64
	for mu := range xi {
		sa += math.Exp(d.a[mu] - ma)
		sb += math.Exp(d.b[mu] - mb)
	}
	la, lb := ma+math.Log(sa), mb+math.Log(sb)
	// Both logs carry a relative rounding error of a few ulps.
	d.tol = 1e-12 * (1 + math.Abs(la) + math.Abs(lb))
	return la - lb
}

func (d *denseMemFields) tolerance(int) float64 { return d.tol }
func (d *denseMemFields) self(int) float64      { return 0 }
func (d *denseMemFields) flip(i int, delta float64) {
	axpy64(delta, d.xt[i*d.mm:(i+1)*d.mm], d.o)
	d.stale = true
}

// denseRecorder builds a Trajectory for Dense.Recall.
type denseRecorder struct {
	m    *Dense
	f    *denseMemFields
	traj *Trajectory
	sweepLog
}

func (r *denseRecorder) overlaps() []float64 {
	out := make([]float64, len(r.f.o))
	for mu, v := range r.f.o {
		out[mu] = v / float64(r.m.n)
	}
	return out
}

func (r *denseRecorder) flipped(i int, s []float32, _ float64) {
	if r.changes {
		// The overlaps are already updated: E in O(M).
		r.energy = r.m.energyFromDots(r.f.o)
		r.change(r.traj, len(r.traj.Flips)+1, i, s[i])
	}
}
func (r *denseRecorder) frame(pos float64, s []float32) {
	r.traj.Frames = append(r.traj.Frames, Frame{Sweep: pos, State: slices.Clone(s)})
}
func (r *denseRecorder) sweepDone(sweep, flips int, s []float32) error {
	e := r.m.energyFromDots(r.f.o)
	ov := r.overlaps()
	r.traj.Energies = append(r.traj.Energies, e)
	r.traj.Flips = append(r.traj.Flips, flips)
	r.traj.Overlaps = append(r.traj.Overlaps, ov)
	return r.done(r.traj, sweep, flips, s, e, ov)
}

// Recall runs the energy-difference dynamics from state (±1 or 0/1, not
// modified): Async (the dynamics of Krotov & Hopfield; energy never
// increases) or Sync (all units from the same state; may cycle). Glauber
// is not offered for dense memories (ErrOption). Energies, overlaps and
// frames are recorded as for Network.Recall.
func (m *Dense) Recall(ctx context.Context, state []float32, opt RecallOptions) (Trajectory, error) {
	if err := opt.normalize(); err != nil {
		return Trajectory{}, err
	}
	if opt.Mode == Glauber {
		return Trajectory{}, fmt.Errorf("hopfield: a dense memory has async and sync dynamics, not glauber: %w", ErrOption)
	}
	s, err := m.state(state)
	if err != nil {
		return Trajectory{}, err
	}
	if m.Count() == 0 {
		return Trajectory{}, fmt.Errorf("hopfield: recall from an empty dense memory: %w", ErrNoPatterns)
	}
	f := m.fields(s, m.dots(s))
	var traj Trajectory
	rec := &denseRecorder{m: m, f: f, traj: &traj}
	traj.Energies = []float64{m.energyFromDots(f.o)}
	traj.Overlaps = [][]float64{rec.overlaps()}
	rec.sweepLog = newSweepLog(opt, traj.Energies[0])
	d := &dyn{mode: opt.Mode, maxSweeps: opt.MaxSweeps, rng: opt.Rand, frames: opt.Frames}
	res, err := d.run(ctx, f, s, rec)
	traj.Final = s
	traj.Sweeps, traj.Converged, traj.Cycle = res.sweeps, res.converged, res.cycle
	return traj, err
}

// Save writes the memory to a safetensors file: tensor "patterns" F32
// [M, N]; metadata "model": "hopfield", "kind": "dense", "interaction",
// "beta", "patterns", "neurons", "format_version", plus extra.
func (m *Dense) Save(path string, extra map[string]string) error {
	return saveModern(path, extra, m.Spec(), m.n, m.patterns, nil)
}

var _ Memory = (*Dense)(nil)
