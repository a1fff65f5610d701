package hopfield

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/ebm-go/ebm/internal/tensor"
)

// KindContinuous is the Kind of the continuous modern Hopfield network
// (Ramsauer et al. 2020).
const KindContinuous = "continuous"

// FixedPointKind says what a continuous retrieval converged to, judged by
// the softmax weights p = softmax(β Xᵀξ) of its last update.
type FixedPointKind string

// The kinds of fixed points of the continuous network.
const (
	// FixedSingle: one pattern carries almost all the weight
	// (max p ≥ SingleWeight): the state is (close to) that pattern.
	FixedSingle FixedPointKind = "single"
	// FixedMetastable: an average of a few similar patterns; Retrieval.
	// Effective gives their effective number 1/Σ p².
	FixedMetastable FixedPointKind = "metastable"
	// FixedGlobal: an average of (nearly) all patterns:
	// 1/Σ p² ≥ GlobalFraction·M.
	FixedGlobal FixedPointKind = "global"
)

// Thresholds of the fixed-point classification.
const (
	SingleWeight   = 0.95
	GlobalFraction = 0.9
)

// DefaultTolerance is the convergence tolerance of continuous retrieval
// when none is given: the largest change of a state entry in one update.
const DefaultTolerance = 1e-6

// Continuous is the continuous modern Hopfield network of Ramsauer et al.
// (2020) with stored patterns X = [x¹…x^M] (kept as the rows of an M×d
// matrix) and real states ξ ∈ R^d:
//
//	update  ξ ← X softmax(β Xᵀξ)
//	E(ξ)  = −lse(β, Xᵀξ) + ½ ξᵀξ + β⁻¹ log M + ½ max_i ‖x^i‖²,  lse(β, z) = β⁻¹ log Σ_i exp(β z_i)
//
// The update never increases E (Ramsauer et al., Theorem 1) and usually
// converges in one step. β = 0 is allowed: the update returns the mean of
// the patterns, and E is then its limit, −mean(Xᵀξ) + ½ξᵀξ + ½ max‖x‖².
// Patterns may be any finite reals (±1 patterns as in the other kinds, or
// intensities).
type Continuous struct {
	// Tolerance stops an iteration when no entry of the state changes by
	// more than it (0: DefaultTolerance).
	Tolerance float64

	d        int
	beta     float64
	norm     Normalization
	patterns *tensor.Matrix // M×d, the keys (normalized as norm says)
	values   *tensor.Matrix // M×d_v, nil when the patterns are their own values
	maxNorm2 float64
}

// NewContinuous returns an empty continuous memory of dimension d with
// inverse temperature beta ≥ 0.
func NewContinuous(d int, beta float64) (*Continuous, error) {
	if d < 1 {
		return nil, fmt.Errorf("hopfield: a continuous memory needs dimension at least 1, got %d: %w", d, ErrOption)
	}
	c := &Continuous{d: d}
	if err := c.SetBeta(beta); err != nil {
		return nil, err
	}
	return c, nil
}

// SetBeta changes the inverse temperature (β ≥ 0, finite).
func (c *Continuous) SetBeta(beta float64) error {
	if !(beta >= 0) || math.IsInf(beta, 0) {
		return fmt.Errorf("hopfield: beta %g must be finite and ≥ 0: %w", beta, ErrOption)
	}
	c.beta = beta
	return nil
}

// Kind returns "continuous".
func (c *Continuous) Kind() string { return KindContinuous }

// Neurons returns the dimension d.
func (c *Continuous) Neurons() int { return c.d }

// Beta returns β.
func (c *Continuous) Beta() float64 { return c.beta }

// Count returns M.
func (c *Continuous) Count() int {
	if c.patterns == nil {
		return 0
	}
	return c.patterns.Rows
}

// Patterns returns the stored patterns (M × d), nil before Store. The matrix
// is the memory's own.
func (c *Continuous) Patterns() *tensor.Matrix { return c.patterns }

// Store adds the rows of patterns (d columns, finite values), normalized
// as the memory's Normalization says. A memory that holds key/value pairs
// takes more only through StoreValues.
func (c *Continuous) Store(patterns *tensor.Matrix) error {
	if c.values != nil {
		return fmt.Errorf("hopfield: store: the memory holds keys with values; add more with StoreValues: %w", ErrOption)
	}
	return c.store(patterns)
}

func (c *Continuous) store(patterns *tensor.Matrix) error {
	if err := checkStore(patterns, c.d, "a memory of dimension %d"); err != nil {
		return err
	}
	if k := firstNonFinite(patterns.Data); k >= 0 {
		return fmt.Errorf("hopfield: store: row %d, column %d (0-based) is %v: %w", k/c.d, k%c.d, patterns.Data[k], ErrValue)
	}
	x := patterns.Clone()
	c.norm.Apply(x)
	if c.patterns == nil {
		c.patterns = x
	} else {
		c.patterns = appendRows(c.patterns, x)
	}
	for mu := 0; mu < x.Rows; mu++ {
		c.maxNorm2 = max(c.maxNorm2, tensor.Dot(x.Row(mu), x.Row(mu)))
	}
	return nil
}

func firstNonFinite(x []float32) int {
	for k, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return k
		}
	}
	return -1
}

func (c *Continuous) check(s []float32) error {
	if len(s) != c.d {
		return fmt.Errorf("hopfield: state of length %d for a memory of dimension %d: %w", len(s), c.d, ErrDimension)
	}
	if k := firstNonFinite(s); k >= 0 {
		return fmt.Errorf("hopfield: state entry %d is %v: %w", k, s[k], ErrValue)
	}
	return nil
}

// Energy returns E(ξ) (see Continuous), in float64. The lse term is
// computed as max z + β⁻¹ log1p(mean expm1(β(z − max z))), which is exact
// for every β ≥ 0 (no overflow at large β, no cancellation of β⁻¹ log M
// at small β). A state of the wrong length or with non-finite entries
// panics: check it first. An empty memory has energy ½ξᵀξ.
func (c *Continuous) Energy(state []float32) float64 {
	if err := c.check(state); err != nil {
		panic(err.Error())
	}
	z := make([]float64, c.Count())
	for mu := range z {
		z[mu] = tensor.Dot(c.patterns.Row(mu), state)
	}
	return c.energy(state, z)
}

// energy from the scores z_μ = x^μ·ξ.
func (c *Continuous) energy(state []float32, z []float64) float64 {
	half := 0.5 * tensor.Dot(state, state)
	if len(z) == 0 {
		return half
	}
	return -c.shiftedLSE(z) + half + 0.5*c.maxNorm2
}

// shiftedLSE is lse(β, z) − β⁻¹ log M = β⁻¹ log mean exp(β z).
func (c *Continuous) shiftedLSE(z []float64) float64 {
	m := slices.Max(z)
	if c.beta == 0 {
		var s float64
		for _, v := range z {
			s += v
		}
		return s / float64(len(z))
	}
	var s float64
	for _, v := range z {
		s += math.Expm1(c.beta * (v - m))
	}
	return m + math.Log1p(s/float64(len(z)))/c.beta
}

// Weights returns the softmax weights p = softmax(β Xᵀξ) of a state.
func (c *Continuous) Weights(state []float32) ([]float64, error) {
	if err := c.check(state); err != nil {
		return nil, err
	}
	if c.Count() == 0 {
		return nil, fmt.Errorf("hopfield: weights of an empty continuous memory: %w", ErrNoPatterns)
	}
	p := make([]float64, c.Count())
	for mu := range p {
		p[mu] = tensor.Dot(c.patterns.Row(mu), state)
	}
	softmax(p, c.beta)
	return p, nil
}

// softmax replaces z by softmax(β z), with a max shift.
func softmax(z []float64, beta float64) {
	m := slices.Max(z)
	var s float64
	for i, v := range z {
		e := math.Exp(beta * (v - m))
		z[i] = e
		s += e
	}
	for i := range z {
		z[i] /= s
	}
}

func (c *Continuous) stepsTol(steps int, tol float64) (int, float64, error) {
	if steps < 0 {
		return 0, 0, fmt.Errorf("hopfield: a step limit of %d: %w", steps, ErrOption)
	}
	if steps == 0 {
		steps = 1
	}
	if tol == 0 {
		tol = c.Tolerance
	}
	if tol == 0 {
		tol = DefaultTolerance
	}
	if !(tol > 0) || math.IsInf(tol, 0) {
		return 0, 0, fmt.Errorf("hopfield: tolerance %g must be positive and finite: %w", tol, ErrOption)
	}
	return steps, tol, nil
}

// beta32 is β in float32 for the softmax kernel; a β beyond the float32
// range (where every score gap wider than 10⁻³⁶ already gives weight 0)
// is taken as the largest float32.
func (c *Continuous) beta32() float32 {
	return float32(min(c.beta, math.MaxFloat32))
}

// Recall runs the update from one state (finite reals; ±1 cues work as
// they are; normalized as the keys are, see Query) for at most opt.MaxSweeps steps (0: one step), stopping early
// at the memory's Tolerance. Mode, Rand and Temperature are ignored: the
// update is deterministic. The trajectory has an energy and overlaps
// m_μ = x^μ·ξ/d per step, Flips counts the entries whose sign changed,
// Frames (when opt.Frames > 0) the state after each step, and Retrieval
// what the last update converged to (the same report as Retrieve's).
func (c *Continuous) Recall(ctx context.Context, state []float32, opt RecallOptions) (Trajectory, error) {
	if err := c.check(state); err != nil {
		return Trajectory{}, err
	}
	if c.Count() == 0 {
		return Trajectory{}, fmt.Errorf("hopfield: recall from an empty continuous memory: %w", ErrNoPatterns)
	}
	steps, tol, err := c.stepsTol(opt.MaxSweeps, 0)
	if err != nil {
		return Trajectory{}, err
	}
	if opt.Frames < 0 {
		return Trajectory{}, fmt.Errorf("hopfield: Frames %d is negative: %w", opt.Frames, ErrOption)
	}
	s := tensor.FromSlice(1, c.d, c.Query(state))
	var traj Trajectory
	record := func() (float64, []float64) {
		z := make([]float64, c.Count())
		ov := make([]float64, c.Count())
		for mu := range z {
			z[mu] = tensor.Dot(c.patterns.Row(mu), s.Data)
			ov[mu] = z[mu] / float64(c.d)
		}
		e := c.energy(s.Data, z)
		traj.Energies = append(traj.Energies, e)
		traj.Overlaps = append(traj.Overlaps, ov)
		if opt.Frames > 0 {
			traj.Frames = append(traj.Frames, Frame{Sweep: float64(len(traj.Energies) - 1), State: slices.Clone(s.Data)})
		}
		return e, ov
	}
	record()
	var w blockWork
	prev := make([]float32, c.d)
	for step := 1; step <= steps; step++ {
		if err := ctx.Err(); err != nil {
			traj.Final = s.Data
			return traj, err
		}
		copy(prev, s.Data)
		var weights []float64
		if opt.OnSweep != nil {
			weights, _ = c.Weights(prev) // prev is checked: cannot fail
		}
		c.step(&w, s, []int{0}, true)
		ret := Retrieval{Steps: step, Change: w.change[0], Converged: w.change[0] <= tol}
		ret.classify(w.stats[0], c.Count())
		traj.Retrieval = &ret
		flips := 0
		for j, v := range s.Data {
			if (v > 0) != (prev[j] > 0) {
				flips++
			}
		}
		traj.Flips = append(traj.Flips, flips)
		traj.Sweeps = step
		e, ov := record()
		if opt.OnSweep != nil {
			rep := SweepReport{Sweep: step, Changed: flips, Energy: e, Overlaps: ov, State: s.Data, Weights: weights}
			if err := opt.OnSweep(rep); err != nil {
				traj.Final = s.Data
				return traj, err
			}
		}
		if ret.Converged {
			traj.Converged = true
			break
		}
	}
	traj.Final = s.Data
	return traj, nil
}

// Save writes the memory to a safetensors file: tensor "patterns" F32
// [M, d] (the keys, normalized), and "values" F32 [M, d_v] when the memory
// holds values; metadata "model": "hopfield", "kind": "continuous",
// "beta", "normalize", "patterns", "neurons", "format_version", plus extra.
func (c *Continuous) Save(path string, extra map[string]string) error {
	return saveModern(path, extra, c.Spec(), c.d, c.patterns, c.values)
}

var _ Memory = (*Continuous)(nil)
