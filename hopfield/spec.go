package hopfield

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/modelio"
)

// Spec says what associative memory to build: New(neurons, spec). Every
// zero field means its documented default, decided here and nowhere else,
// so the zero Spec is a classical network with the Hebbian rule. A field
// that does not apply to the kind (a rule for a dense memory, a β for a
// classical network) is an error, not ignored.
//
// A memory reports the Spec it was built or loaded with (Memory.Spec),
// with the defaults filled in; Describe adds what it holds.
type Spec struct {
	// Kind is KindClassical, KindDense or KindContinuous ("" means
	// classical).
	Kind string `json:"kind"`
	// Rule is the learning rule of the classical kind ("" means Hebbian;
	// a network loaded from a file that names no rule reports "").
	Rule Rule `json:"rule,omitempty"`
	// ZeroDiagonal zeroes the self-couplings of pseudo-inverse weights
	// (classical kind, pinv rule only: the other rules always have a zero
	// diagonal).
	ZeroDiagonal bool `json:"zero_diagonal,omitempty"`
	// Interaction is F of the dense kind (the zero value means
	// DefaultInteraction, poly:3).
	Interaction Interaction `json:"interaction,omitzero"`
	// Beta is β of the dense exp interaction, F(x) = exp(βx), and the
	// inverse temperature of the continuous kind; 0 means DefaultBeta. A
	// dense poly or relu memory reports 1 (it is scale-free). The β → 0
	// limit of the continuous kind (every state retrieves the mean of the
	// patterns) is reached with NewContinuous or Continuous.SetBeta.
	Beta float64 `json:"beta,omitempty"`
	// Norm is how the continuous kind normalizes its keys and queries
	// ("" means NormNone, the canonical form of none).
	Norm Normalization `json:"normalize,omitempty"`
}

// DefaultBeta is β when Spec.Beta is 0.
const DefaultBeta = 1.0

// DefaultInteraction is F of a dense memory when Spec.Interaction is zero.
var DefaultInteraction = Interaction{Kind: Poly, Degree: 3}

// ParseKind maps a name (classical, dense, continuous; case-insensitive;
// "" means classical) to its canonical form.
func ParseKind(s string) (string, error) {
	return parseName(s, "kind", "classical, dense or continuous", kindNames)
}

var kindNames = map[string]string{"": KindClassical, KindClassical: KindClassical, KindDense: KindDense, KindContinuous: KindContinuous}

// Normalize returns s with its defaults filled in and the kind, rule and
// interaction in canonical form, or an OptionError (kind, rule,
// zero-diagonal, interaction or beta) wrapping ErrOption for the setting
// that is wrong or does not apply to the kind.
func (s Spec) Normalize() (Spec, error) {
	kind, err := ParseKind(s.Kind)
	if err != nil {
		return s, optionError("kind", err)
	}
	s.Kind = kind
	if kind != KindClassical && (s.Rule != "" || s.ZeroDiagonal) {
		option := "rule"
		if s.Rule == "" {
			option = "zero-diagonal"
		}
		return s, optionError(option, fmt.Errorf("hopfield: a rule and zero diagonal apply to the classical kind; a %s memory keeps its patterns and has no learning rule: %w", kind, ErrOption))
	}
	if s.Norm, err = ParseNormalization(string(s.Norm)); err != nil {
		return s, optionError("normalize", err)
	}
	if s.Norm == NormNone {
		s.Norm = ""
	}
	if kind != KindContinuous && s.Norm != "" {
		return s, optionError("normalize", fmt.Errorf("hopfield: normalization %s applies to the continuous kind, not %s: %w", s.Norm, kind, ErrOption))
	}
	if kind != KindDense && s.Interaction != (Interaction{}) {
		return s, optionError("interaction", fmt.Errorf("hopfield: interaction %s applies to the dense kind, not %s: %w", s.Interaction, kind, ErrOption))
	}
	if s.Beta != 0 && !(s.Beta > 0 && s.Beta <= math.MaxFloat64) {
		return s, optionError("beta", fmt.Errorf("hopfield: beta %g must be positive and finite: %w", s.Beta, ErrOption))
	}
	switch kind {
	case KindClassical:
		if s.Beta != 0 {
			return s, optionError("beta", fmt.Errorf("hopfield: beta %g applies to the dense exp and continuous kinds, not classical: %w", s.Beta, ErrOption))
		}
		if s.Rule == "" {
			s.Rule = Hebbian
		}
		if s.Rule, err = ParseRule(string(s.Rule)); err != nil {
			return s, optionError("rule", err)
		}
		if s.ZeroDiagonal && s.Rule != PseudoInverse {
			err := fmt.Errorf("hopfield: zero diagonal applies to the pinv rule; %s weights always have a zero diagonal: %w", s.Rule, ErrOption)
			return s, optionError("zero-diagonal", err)
		}
	case KindDense:
		if s.Interaction == (Interaction{}) {
			s.Interaction = DefaultInteraction
		}
		if s.Interaction, err = ParseInteraction(s.Interaction.String()); err != nil {
			return s, optionError("interaction", err)
		}
		if s.Interaction.Kind != Exp && s.Beta != 0 && s.Beta != 1 {
			err := fmt.Errorf("hopfield: beta %g: only the exp interaction takes a beta (poly and relu are scale-free): %w", s.Beta, ErrOption)
			return s, optionError("beta", err)
		}
		fallthrough
	case KindContinuous:
		if s.Beta == 0 {
			s.Beta = DefaultBeta
		}
	}
	return s, nil
}

// New returns an empty memory of the given number of neurons (the
// dimension, for the continuous kind) built as s says.
func New(neurons int, s Spec) (Memory, error) {
	s, err := s.Normalize()
	if err != nil {
		return nil, err
	}
	switch s.Kind {
	case KindDense:
		if neurons < 1 {
			return nil, fmt.Errorf("hopfield: a dense memory needs at least 1 neuron, got %d: %w", neurons, ErrOption)
		}
		if math.IsInf(s.Beta*float64(neurons+1), 0) {
			return nil, fmt.Errorf("hopfield: beta %g overflows the overlaps of %d neurons: %w", s.Beta, neurons, ErrOption)
		}
		return &Dense{n: neurons, f: s.Interaction, beta: s.Beta}, nil
	case KindContinuous:
		c, err := NewContinuous(neurons, s.Beta)
		if err != nil {
			return nil, err
		}
		c.norm = s.Norm
		return c, nil
	}
	net, err := NewNetwork(neurons, s.Rule)
	if err != nil {
		return nil, err
	}
	net.ZeroDiagonal = s.ZeroDiagonal
	return net, nil
}

// TakesBeta reports whether s has a β: the continuous kind and the dense
// exp interaction. s should be normalized.
func (s Spec) TakesBeta() bool {
	return s.Kind == KindContinuous || (s.Kind == KindDense && s.Interaction.Kind == Exp)
}

// WithBeta returns a new memory like m, holding its patterns, with inverse
// temperature beta. It applies to the continuous kind, where β = 0 is
// taken as it is (the update returns the mean of the patterns, see
// Continuous), and to the dense exp interaction, where 0 means DefaultBeta
// as in Spec.
func WithBeta(m Memory, beta float64) (Memory, error) {
	s := m.Spec()
	if !s.TakesBeta() {
		return nil, fmt.Errorf("hopfield: beta applies to continuous memories and dense ones with the exp interaction, not to this %s: %w", s, ErrOption)
	}
	if c, ok := m.(*Continuous); ok {
		return c.withBeta(beta)
	}
	s.Beta = beta
	return Rebuild(m, s)
}

// Summary describes a memory: what it is and what it holds. Fields that do
// not apply to the kind are left out of its JSON.
type Summary struct {
	Kind string `json:"kind"`
	// Rule is the classical learning rule; Rank (the rank of the stored
	// patterns) and ZeroDiagonal are set for the pinv rule.
	Rule         string `json:"rule,omitempty"`
	Rank         *int   `json:"rank,omitempty"`
	ZeroDiagonal *bool  `json:"zero_diagonal,omitempty"`
	// Interaction is F of the dense kind; Beta is set for the dense and
	// continuous kinds.
	Interaction string   `json:"interaction,omitempty"`
	Beta        *float64 `json:"beta,omitempty"`
	Neurons     int      `json:"neurons"`
	Patterns    int      `json:"patterns"`
	// Normalize and ValueDim (the length of the values, 0 without) are
	// set for the continuous kind.
	Normalize string `json:"normalize,omitempty"`
	ValueDim  int    `json:"value_dim,omitempty"`
	// Description names the memory (Spec.String, without the settings of
	// a classical network) and Settings are those settings: the rule, the
	// rank and "zero diagonal" ("" for the other kinds).
	Description string `json:"-"`
	Settings    string `json:"-"`
}

// Describe summarizes m.
func Describe(m Memory) Summary {
	s := m.Spec()
	sum := Summary{Kind: s.Kind, Rule: string(s.Rule), Neurons: m.Neurons(), Patterns: m.Count(), Description: s.String()}
	if s.Kind == KindClassical {
		sum.Description, sum.Settings = "classical Hopfield network", string(s.Rule)
	}
	if net, ok := m.(*Network); ok && s.Rule == PseudoInverse {
		rank, zd := net.Rank(), s.ZeroDiagonal
		sum.Rank, sum.ZeroDiagonal = &rank, &zd
		sum.Settings += fmt.Sprintf(", rank %d", rank)
		if zd {
			sum.Settings += ", zero diagonal"
		}
	}
	if s.Kind == KindDense {
		sum.Interaction = s.Interaction.String()
	}
	if s.Kind != KindClassical {
		sum.Beta = &s.Beta
	}
	if c, ok := m.(*Continuous); ok {
		sum.Normalize = string(c.Normalization())
		if c.values != nil {
			sum.ValueDim = c.values.Cols
		}
	}
	return sum
}

// Rebuild returns a new memory of m's size built as s says, holding m's
// stored patterns: a memory with another β, rule or kind.
func Rebuild(m Memory, s Spec) (Memory, error) {
	out, err := New(m.Neurons(), s)
	if err != nil {
		return nil, err
	}
	if m.Count() == 0 {
		return out, nil
	}
	if m.Patterns() == nil {
		return nil, fmt.Errorf("hopfield: rebuild: the memory does not know its patterns: %w", ErrNoPatterns)
	}
	if c, ok := m.(*Continuous); ok && c.values != nil {
		oc, ok := out.(*Continuous)
		if !ok {
			return nil, fmt.Errorf("hopfield: rebuild: a memory with values can only be continuous: %w", ErrOption)
		}
		if err := oc.StoreValues(c.patterns, c.values); err != nil {
			return nil, fmt.Errorf("hopfield: rebuild: %w", err)
		}
		return oc, nil
	}
	if err := out.Store(m.Patterns()); err != nil {
		return nil, fmt.Errorf("hopfield: rebuild: %w", err)
	}
	return out, nil
}

// String describes the memory s builds: "classical Hopfield network,
// pinv rule, zero diagonal", "dense associative memory, interaction
// poly:3", "dense associative memory, F(x) = exp(0.5x)", "continuous
// modern Hopfield network, β = 1". s should be normalized.
func (s Spec) String() string {
	switch s.Kind {
	case KindDense:
		if s.Interaction.Kind == Exp {
			return fmt.Sprintf("dense associative memory, F(x) = exp(%gx)", s.Beta)
		}
		return "dense associative memory, interaction " + s.Interaction.String()
	case KindContinuous:
		d := fmt.Sprintf("continuous modern Hopfield network, β = %g", s.Beta)
		if s.Norm != "" && s.Norm != NormNone {
			d += ", " + string(s.Norm) + "-normalized"
		}
		return d
	}
	d := "classical Hopfield network"
	if s.Rule != "" {
		d += ", " + string(s.Rule) + " rule"
	}
	if s.ZeroDiagonal {
		d += ", zero diagonal"
	}
	return d
}

// Label is the short name of the memory in tables and legends: the rule
// (classical), the interaction (dense) or "continuous".
func (s Spec) Label() string {
	switch s.Kind {
	case KindDense:
		return s.Interaction.String()
	case KindContinuous:
		return KindContinuous
	}
	return string(s.Rule)
}

// EnergyLabel is the energy function of the kind, for plot axes.
func (s Spec) EnergyLabel() string {
	switch s.Kind {
	case KindDense:
		if s.Interaction.Kind == Exp {
			return "−β⁻¹ log Σ exp(β ξ·σ)"
		}
		return "E(σ) = −Σ F(ξ·σ)"
	case KindContinuous:
		return "E(ξ) = −lse(β, Xᵀξ) + ½ξᵀξ + …"
	}
	return "E(s) = −½sᵀWs + θᵀs"
}

// MarshalText writes the form ParseInteraction reads.
func (f Interaction) MarshalText() ([]byte, error) {
	if f == (Interaction{}) {
		return nil, nil
	}
	return []byte(f.String()), nil
}

// UnmarshalText reads the form ParseInteraction reads ("" is the zero
// Interaction).
func (f *Interaction) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*f = Interaction{}
		return nil
	}
	g, err := ParseInteraction(string(b))
	if err != nil {
		return err
	}
	*f = g
	return nil
}

// metadata is the file metadata that records s: "kind", and "rule" and
// (pinv) "zero_diagonal", or "interaction", or "beta". It is the one place
// that writes these keys; specFromMetadata reads them.
func (s Spec) metadata() map[string]string {
	meta := map[string]string{"kind": s.Kind}
	switch s.Kind {
	case KindClassical:
		meta["rule"] = string(s.Rule)
		if s.Rule == PseudoInverse {
			meta["zero_diagonal"] = strconv.FormatBool(s.ZeroDiagonal)
		}
	case KindDense:
		meta["interaction"] = s.Interaction.String()
		fallthrough
	case KindContinuous:
		meta["beta"] = strconv.FormatFloat(s.Beta, 'g', -1, 64)
		norm := s.Norm
		if norm == "" {
			norm = NormNone
		}
		meta["normalize"] = string(norm)
	}
	return meta
}

// specKeys are the metadata keys metadata may write.
var specKeys = []string{"kind", "rule", "zero_diagonal", "interaction", "beta", "normalize"}

// specFromMetadata reads the Spec a file records, as written: an absent
// rule stays "" (a network that recalls but cannot learn), an absent β is
// DefaultBeta, a β of 0 stays 0 (a continuous file may hold one).
func specFromMetadata(meta map[string]string) (Spec, error) {
	var s Spec
	var err error
	if s.Kind, err = ParseKind(meta["kind"]); err != nil {
		return s, fmt.Errorf("the file holds a %q Hopfield memory, which this build cannot read (known kinds: classical, dense, continuous): %w", meta["kind"], ErrKind)
	}
	switch s.Kind {
	case KindClassical:
		if r := meta["rule"]; r != "" {
			if s.Rule, err = ParseRule(r); err != nil {
				return s, fmt.Errorf("metadata \"rule\": %w", err)
			}
		}
		if v, ok := meta["zero_diagonal"]; ok {
			if s.ZeroDiagonal, err = strconv.ParseBool(v); err != nil {
				return s, fmt.Errorf("metadata \"zero_diagonal\" = %q is not a boolean: %w", v, modelio.ErrFormat)
			}
		}
		return s, nil
	case KindDense:
		in, ok := meta["interaction"]
		if !ok {
			return s, fmt.Errorf("a dense memory file needs the \"interaction\" metadata (poly:n, relu:n or exp): %w", modelio.ErrFormat)
		}
		if s.Interaction, err = ParseInteraction(in); err != nil {
			return s, fmt.Errorf("metadata \"interaction\": %w", err)
		}
	}
	if s.Kind == KindContinuous {
		// Files written before normalization existed hold none.
		if s.Norm, err = ParseNormalization(meta["normalize"]); err != nil {
			return s, fmt.Errorf("metadata \"normalize\": %w", err)
		}
		if s.Norm == NormNone {
			s.Norm = ""
		}
	}
	s.Beta = DefaultBeta
	if v, ok := meta["beta"]; ok {
		b, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(b) || math.IsInf(b, 0) {
			return s, fmt.Errorf("metadata \"beta\" = %q is not a finite number: %w", v, modelio.ErrFormat)
		}
		s.Beta = b
	}
	return s, nil
}

// ErrTooLarge reports work that a caller's bound does not allow.
var ErrTooLarge = errors.New("too large")

// countFixed counts the rows of pats for which fixed reports true,
// checking ctx between rows, after checking the work (multiply-adds)
// against maxWork (0: no bound).
func countFixed(ctx context.Context, pats [][]float32, work, maxWork float64, fixed func([]float32) bool) (int, error) {
	if maxWork > 0 && work > maxWork {
		return 0, fmt.Errorf("hopfield: checking %d stored patterns takes about %.3g operations, more than %.3g: %w", len(pats), work, maxWork, ErrTooLarge)
	}
	n := 0
	for _, p := range pats {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if fixed(p) {
			n++
		}
	}
	return n, nil
}

// rows returns the rows of a pattern matrix, or ErrNoPatterns when the
// patterns are not known.
func rowsOf(m Memory) ([][]float32, error) {
	p := m.Patterns()
	if p == nil {
		if m.Count() > 0 {
			return nil, fmt.Errorf("hopfield: the memory does not know its %d stored patterns: %w", m.Count(), ErrNoPatterns)
		}
		return nil, nil
	}
	out := make([][]float32, p.Rows)
	for mu := range out {
		out[mu] = p.Row(mu)
	}
	return out, nil
}

// FixedPoints counts the stored patterns that no unit update changes
// (sgn(0) convention). See Memory.FixedPoints.
func (net *Network) FixedPoints(ctx context.Context, maxWork float64) (int, error) {
	pats, err := rowsOf(net)
	if err != nil {
		return 0, err
	}
	n := float64(net.Neurons())
	if _, err := countFixed(ctx, nil, float64(len(pats))*n*n, maxWork, nil); err != nil {
		return 0, err
	}
	fixed, err := net.fixedFlags(ctx, pats)
	if err != nil {
		return 0, err
	}
	count := 0
	for _, f := range fixed {
		if f {
			count++
		}
	}
	return count, nil
}

// fixedBlock is how many patterns' fields one product computes.
const fixedBlock = 256

// fixedFlags reports, for each state, what IsFixedPoint says, computing
// the fields of a block of states with one float32 matrix product instead
// of a float64 matrix–vector product per state. The decisions are
// IsFixedPoint's: a unit stays put unless its field h_i − θ_i passes the
// tie tolerance on the other side, and the float32 field h̃_i differs from
// the float64 one by at most (N+4)·2⁻²⁴·Σ_j|W_ij| (a sum of N products of
// ±1 and float32 weights with fused multiply–adds, plus the float64 sum's
// own error, far smaller), taken twice as the margin; a unit whose float32
// field lies within that margin of its threshold gets the float64 field
// IsFixedPoint computes (dotAbs, the same order), so the flags are exactly
// IsFixedPoint's.
func (net *Network) fixedFlags(ctx context.Context, states [][]float32) ([]bool, error) {
	n := net.Neurons()
	w, theta := net.W, net.Theta
	flags := make([]bool, len(states))
	if len(states) == 0 {
		return flags, nil
	}
	// The tie tolerance does not depend on the state (newDenseFields.init).
	abs := make([]float64, n)
	parallelRows(n, workers(), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			_, abs[i] = dotAbs(w.Row(i), w.Row(i))
		}
	})
	var l, t float64
	for _, a := range abs {
		l = max(l, a)
	}
	for _, v := range theta {
		t = max(t, math.Abs(float64(v)))
	}
	tol := tieScale * (l + t)
	rows := min(fixedBlock, len(states))
	x, h := tensor.New(rows, n), tensor.New(rows, n)
	for b0 := 0; b0 < len(states); b0 += fixedBlock {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m := min(fixedBlock, len(states)-b0)
		xb, hb := x.SliceRows(0, m), h.SliceRows(0, m)
		for r := range m {
			b, err := net.state(states[b0+r])
			if err != nil {
				return nil, err
			}
			copy(xb.Row(r), b)
		}
		tensor.MatMulTB(hb, xb, w) // h[r][i] = Σ_j W_ij s_j
		parallelRows(m, workers(), func(lo, hi int) {
			for r := lo; r < hi; r++ {
				flags[b0+r] = fixedRow(w, theta, xb.Row(r), hb.Row(r), abs, tol)
			}
		})
	}
	return flags, nil
}

// fixedRow decides one state of fixedFlags from its float32 fields h.
func fixedRow(w *tensor.Matrix, theta, s, h []float32, abs []float64, tol float64) bool {
	n := len(s)
	for i, si := range s {
		local := float64(h[i])
		if theta != nil {
			local -= float64(theta[i])
		}
		thr := -tol // a +1 unit flips only below −tol, a −1 unit only above +tol
		if si < 0 {
			thr = tol
		}
		if math.Abs(local-thr) <= 2*float64(n+4)*0x1p-24*abs[i] {
			hi, _ := dotAbs(w.Row(i), s)
			local = hi
			if theta != nil {
				local -= float64(theta[i])
			}
		}
		if decide(si, local, tol) != si {
			return false
		}
	}
	return true
}

// FixedPoints counts the stored patterns that no unit update changes. See
// Memory.FixedPoints.
func (m *Dense) FixedPoints(ctx context.Context, maxWork float64) (int, error) {
	pats, err := rowsOf(m)
	if err != nil {
		return 0, err
	}
	mm := float64(len(pats))
	return countFixed(ctx, pats, mm*mm*float64(m.n), maxWork, func(s []float32) bool {
		ok, _ := m.IsFixedPoint(s)
		return ok
	})
}

// FixedPoints counts the stored patterns whose signs one update keeps (the
// binary reading of a continuous state). See Memory.FixedPoints.
func (c *Continuous) FixedPoints(ctx context.Context, maxWork float64) (int, error) {
	pats, err := rowsOf(c)
	if err != nil || len(pats) == 0 {
		return 0, err
	}
	mm := float64(len(pats))
	if _, err := countFixed(ctx, nil, 2*mm*mm*float64(c.d), maxWork, nil); err != nil {
		return 0, err
	}
	keys := *c // the keys as they are, without values or normalization
	keys.values, keys.norm = nil, ""
	r, _, err := keys.Retrieve(ctx, c.patterns, RetrieveOptions{})
	if err != nil {
		return 0, err
	}
	n := 0
	for mu := range pats {
		if slices.Equal(Sign(r.Row(mu)), Sign(pats[mu])) {
			n++
		}
	}
	return n, nil
}

// Spec returns how the network was built (Rule "" when loaded from a file
// that names none).
func (net *Network) Spec() Spec {
	return Spec{Kind: KindClassical, Rule: net.rule, ZeroDiagonal: net.ZeroDiagonal}
}

// Spec returns how the memory was built.
func (m *Dense) Spec() Spec { return Spec{Kind: KindDense, Interaction: m.f, Beta: m.beta} }

// Spec returns how the memory was built, with its current β.
func (c *Continuous) Spec() Spec {
	s := Spec{Kind: KindContinuous, Beta: c.beta}
	if c.norm != NormNone {
		s.Norm = c.norm
	}
	return s
}

// ParseInteractions parses a comma list of interactions
// (ParseInteraction), leaving out empty items; a list with no item ("")
// is one zero Interaction, the default.
func ParseInteractions(list string) ([]Interaction, error) {
	return parseList(list, ParseInteraction)
}

// parseList parses the non-empty items of a comma list; a list with no
// item is one zero T.
func parseList[T any](list string, parse func(string) (T, error)) ([]T, error) {
	var out []T
	for _, item := range strings.Split(list, ",") {
		if strings.TrimSpace(item) == "" {
			continue
		}
		v, err := parse(item)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		out = make([]T, 1)
	}
	return out, nil
}

// ParseSpecs returns the specs a kind name and comma lists of rules and
// interactions name: one per rule and interaction, rule major, each with
// zeroDiagonal and beta. Empty items are left out and an empty list is
// the zero value (the default), so ParseSpecs("dense", "", "", false, 0)
// is one Spec{Kind: KindDense}. The kind is in canonical form; the specs
// are not normalized (see Spec.Normalize), so a zero field still says
// "not asked for" (see Extend). Errors are OptionErrors naming kind, rule
// or interaction.
func ParseSpecs(kind, rules, interactions string, zeroDiagonal bool, beta float64) ([]Spec, error) {
	k, err := ParseKind(kind)
	if err != nil {
		return nil, optionError("kind", err)
	}
	rs, err := parseList(rules, ParseRule)
	if err != nil {
		return nil, optionError("rule", err)
	}
	fs, err := ParseInteractions(interactions)
	if err != nil {
		return nil, optionError("interaction", err)
	}
	var specs []Spec
	for _, r := range rs {
		for _, f := range fs {
			specs = append(specs, Spec{Kind: k, Rule: r, ZeroDiagonal: zeroDiagonal, Interaction: f, Beta: beta})
		}
	}
	return specs, nil
}

// Extend returns the memory to store more patterns in when a caller who
// holds m asks for s: m itself, or m rebuilt with its stored patterns when
// setZeroDiagonal switches the zero diagonal of a pinv network. The kind
// of s must be m's; its rule, interaction and β, when any is set, must be
// m's (a memory keeps the settings it was stored with); s.ZeroDiagonal
// counts only with setZeroDiagonal. The errors wrap ErrOption.
func Extend(m Memory, s Spec, setZeroDiagonal bool) (Memory, error) {
	cur := m.Spec()
	kind, err := ParseKind(s.Kind)
	if err != nil {
		return nil, err
	}
	if kind != cur.Kind {
		return nil, fmt.Errorf("hopfield: the memory is a %s memory, not a %s one: %w", cur.Kind, kind, ErrOption)
	}
	s.Kind = kind
	if !setZeroDiagonal {
		s.ZeroDiagonal = cur.ZeroDiagonal
	}
	if s.Rule == "" && s.Interaction == (Interaction{}) && s.Beta == 0 {
		s.Rule, s.Interaction, s.Beta = cur.Rule, cur.Interaction, cur.Beta
	}
	if s.Norm == "" || s.Norm == NormNone {
		s.Norm = cur.Norm
	}
	if s.Rule != cur.Rule || s.Interaction != cur.Interaction || s.Beta != cur.Beta || s.Norm != cur.Norm {
		return nil, fmt.Errorf("hopfield: the memory keeps the settings it was stored with (%s): %w", cur, ErrOption)
	}
	if s == cur {
		return m, nil
	}
	return Rebuild(m, s)
}
