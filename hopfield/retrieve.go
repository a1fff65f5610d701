package hopfield

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/ebm-go/ebm/internal/tensor"
)

// StoreValues adds key/value pairs: the rows of keys (d columns) are
// stored as patterns (normalized as the memory's Normalization says) and
// the rows of values (d_v columns, the same for every pair) are what
// Retrieve reads out: V softmax(β Kᵀξ), the Hopfield layer as an
// associative lookup. A memory that already holds patterns without values
// cannot take values. Keys and values must be finite.
func (c *Continuous) StoreValues(keys, values *tensor.Matrix) error {
	switch {
	case keys == nil || values == nil:
		return fmt.Errorf("hopfield: store values: no keys or no values: %w", ErrNoPatterns)
	case keys.Rows != values.Rows:
		return fmt.Errorf("hopfield: store values: %d keys but %d values: %w", keys.Rows, values.Rows, ErrDimension)
	case values.Cols < 1:
		return fmt.Errorf("hopfield: store values: values of no entries: %w", ErrDimension)
	case c.Count() > 0 && c.values == nil:
		return fmt.Errorf("hopfield: store values: the memory holds %d patterns without values: %w", c.Count(), ErrOption)
	case c.values != nil && values.Cols != c.values.Cols:
		return fmt.Errorf("hopfield: store values: values of %d entries for a memory whose values have %d: %w", values.Cols, c.values.Cols, ErrDimension)
	}
	if k := firstNonFinite(values.Data); k >= 0 {
		return fmt.Errorf("hopfield: store values: value row %d, column %d (0-based) is %v: %w", k/values.Cols, k%values.Cols, values.Data[k], ErrValue)
	}
	if err := c.store(keys); err != nil {
		return err
	}
	if c.values == nil {
		c.values = values.Clone()
	} else {
		c.values = appendRows(c.values, values.Clone())
	}
	return nil
}

// Values returns the stored values (M × d_v), nil when the patterns are
// their own values. The matrix is the memory's own.
func (c *Continuous) Values() *tensor.Matrix { return c.values }

// ValueDim is d_v, the length of what Retrieve reads out: the values'
// length, or d when the memory holds no values.
func (c *Continuous) ValueDim() int {
	if c.values != nil {
		return c.values.Cols
	}
	return c.d
}

// Normalization returns how keys and queries are normalized.
func (c *Continuous) Normalization() Normalization {
	if c.norm == "" {
		return NormNone
	}
	return c.norm
}

// SetNormalization sets how keys and queries are normalized; it must be
// set before anything is stored.
func (c *Continuous) SetNormalization(n Normalization) error {
	n, err := ParseNormalization(string(n))
	if err != nil {
		return err
	}
	if c.Count() > 0 && n != c.Normalization() {
		return fmt.Errorf("hopfield: the normalization of a memory that holds patterns (%s) cannot change: %w", c.Normalization(), ErrOption)
	}
	c.norm = n
	return nil
}

// Query returns a copy of a query normalized as the keys are (the state
// Recall and Retrieve start from).
func (c *Continuous) Query(q []float32) []float32 {
	s := slices.Clone(q)
	c.Normalization().Row(s)
	return s
}

// withBeta is a copy of c, sharing its (read-only) keys and values, with
// another β (≥ 0).
func (c *Continuous) withBeta(beta float64) (*Continuous, error) {
	out := *c
	if err := out.SetBeta(beta); err != nil {
		return nil, err
	}
	return &out, nil
}

// RetrieveOptions configure Retrieve.
type RetrieveOptions struct {
	// Steps is the most updates per query (0: 1, the usual one-step
	// retrieval).
	Steps int
	// Tolerance stops a query early when no entry changed by more than it
	// (0: the memory's Tolerance, or DefaultTolerance).
	Tolerance float64
	// Energy reports each query's energy before every update and at its
	// final state (Retrieval.Energies and Energy): the energy before an
	// update comes from the scores the update computes anyway, the final
	// one costs one more matrix product.
	Energy bool
	// Weights keeps the softmax weights of each query's last update
	// (RetrieveResult.Weights, Q × M).
	Weights bool
	// Top reports the Top largest weights of each query's last update,
	// with their pattern indices (Retrieval.TopWeights).
	Top int
}

// Retrieval reports one query of Retrieve.
type Retrieval struct {
	// Steps is the number of updates run; Converged that the last changed
	// no entry by more than the tolerance (a fixed point up to it); Change
	// the largest entry change of the last update. A memory with values
	// retrieving in one step reads the values out without updating the
	// state: Converged is false and Change NaN (null in JSON).
	Steps     int     `json:"steps"`
	Converged bool    `json:"converged"`
	Change    float64 `json:"change"`
	// Fixed is the kind of fixed point and Effective = 1/Σ p² the effective
	// number of patterns averaged, from the weights p of the last update.
	Fixed     FixedPointKind `json:"fixed_point"`
	Effective float64        `json:"effective_patterns"`
	// Top is the pattern of largest weight (the first of the largest
	// scores; 0 when β = 0, where all weights are equal), TopWeight that
	// weight.
	Top       int     `json:"top_pattern"`
	TopWeight float64 `json:"top_weight"`
	// TopWeights are the RetrieveOptions.Top largest weights, largest
	// first (ties: lower index first).
	TopWeights []Weighted `json:"top,omitempty"`
	// Energy is E at the final state and Energies E before each update
	// and at the final state (non-increasing, see Continuous), when
	// RetrieveOptions.Energy is set.
	Energy   *float64  `json:"energy,omitempty"`
	Energies []float64 `json:"energies,omitempty"`
}

// Weighted is one stored pattern's softmax weight.
type Weighted struct {
	Index  int     `json:"index"`
	Weight float64 `json:"weight"`
}

// classify sets Fixed, Effective, Top and TopWeight from the statistics of
// the weights of the last update over m patterns.
func (r *Retrieval) classify(st tensor.SoftmaxStats, m int) {
	r.Top, r.TopWeight = st.Arg, float64(st.Max)
	r.Effective = 1 / st.SumSq
	switch {
	case r.TopWeight >= SingleWeight:
		r.Fixed = FixedSingle
	case m > 1 && r.Effective >= GlobalFraction*float64(m):
		r.Fixed = FixedGlobal
	default:
		r.Fixed = FixedMetastable
	}
}

// RetrieveResult is what RetrieveAll returns.
type RetrieveResult struct {
	// Out is what the queries retrieve (Q × d_v): the values read out with
	// the weights of each query's last update, V softmax(β Kᵀξ), or, for a
	// memory without values, the final states.
	Out *tensor.Matrix
	// States are the final states on the keys (Q × d), starting from the
	// normalized queries; Out itself when the memory has no values.
	States *tensor.Matrix
	// Weights are the softmax weights of each query's last update (Q × M),
	// when RetrieveOptions.Weights is set.
	Weights *tensor.Matrix
	Reports []Retrieval
}

// blockFloats bounds the score matrix of one block of queries (128 MiB).
// Each product of a block re-packs the whole memory X, so the packing costs
// the same per block whatever its size and the GEMM work grows with it: at
// M = 60,000 a block of 559 queries spends about 13% of its CPU time
// packing, against 24% for the 139 queries of a 32 MiB block (profiles of
// BenchmarkContinuousMNIST, docs/performance.md).
const blockFloats = 1 << 25

// Retrieve is RetrieveAll returning Out and the reports.
func (c *Continuous) Retrieve(ctx context.Context, queries *tensor.Matrix, opt RetrieveOptions) (*tensor.Matrix, []Retrieval, error) {
	res, err := c.RetrieveAll(ctx, queries, opt)
	if err != nil {
		return nil, nil, err
	}
	return res.Out, res.Reports, nil
}

// RetrieveAll runs the update on every row of queries (Q × d, finite,
// normalized as the keys are) for at most opt.Steps updates and reads out
// the values (see RetrieveResult). Each update of a block of queries is
// two matrix products on the fast kernels, S = Q Kᵀ and R = softmax(β S) K,
// with the softmax computed in float32 by tensor.SoftmaxRows (vectorized,
// parallel over the queries); the values are read out by one more product
// softmax(β S) V at each query's last update — and a memory with values
// retrieving in one step skips the update of the state: S, the softmax
// and the read-out, the three operations of attention. Queries are
// processed in blocks that bound the memory of S, and a query that has
// converged stops updating. The result of a query does not depend on the
// others beyond float32 rounding of the products.
func (c *Continuous) RetrieveAll(ctx context.Context, queries *tensor.Matrix, opt RetrieveOptions) (*RetrieveResult, error) {
	if c.Count() == 0 {
		return nil, fmt.Errorf("hopfield: retrieve from an empty continuous memory: %w", ErrNoPatterns)
	}
	if queries == nil || queries.Rows == 0 {
		return nil, fmt.Errorf("hopfield: retrieve: no queries: %w", ErrOption)
	}
	if queries.Cols != c.d {
		return nil, fmt.Errorf("hopfield: retrieve: queries of %d values for a memory of dimension %d: %w", queries.Cols, c.d, ErrDimension)
	}
	if k := firstNonFinite(queries.Data); k >= 0 {
		return nil, fmt.Errorf("hopfield: retrieve: query row %d, column %d (0-based) is %v: %w", k/c.d, k%c.d, queries.Data[k], ErrValue)
	}
	if opt.Top < 0 {
		return nil, fmt.Errorf("hopfield: retrieve: top %d is negative: %w", opt.Top, ErrOption)
	}
	steps, tol, err := c.stepsTol(opt.Steps, opt.Tolerance)
	if err != nil {
		return nil, err
	}
	mm := c.Count()
	states := queries.Clone()
	c.Normalization().Apply(states)
	res := &RetrieveResult{States: states, Out: states, Reports: make([]Retrieval, queries.Rows)}
	if c.values != nil {
		res.Out = tensor.New(queries.Rows, c.values.Cols)
	}
	if opt.Weights {
		res.Weights = tensor.New(queries.Rows, mm)
	}
	// With values and one step the state is not updated: only the read-out.
	update := c.values == nil || steps > 1
	bs := max(1, min(queries.Rows, blockFloats/mm))
	var w blockWork
	zz := make([]float64, mm)
	for lo := 0; lo < queries.Rows; lo += bs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hi := min(lo+bs, queries.Rows)
		active := make([]int, 0, hi-lo)
		for i := lo; i < hi; i++ {
			active = append(active, i)
		}
		for step := 1; step <= steps && len(active) > 0; step++ {
			if opt.Energy {
				c.scores(&w, states, active)
				for k, i := range active {
					res.Reports[i].Energies = append(res.Reports[i].Energies, c.energyRow(states.Row(i), w.p.Row(k), zz))
				}
				c.softmaxStep(&w, states, active, update)
			} else {
				c.step(&w, states, active, update)
			}
			var final []int // positions in active of the queries that stop here
			next := active[:0:0]
			for k, i := range active {
				r := &res.Reports[i]
				r.Steps = step
				r.classify(w.stats[k], mm)
				r.Change = math.NaN()
				if update {
					r.Change = w.change[k]
					r.Converged = r.Change <= tol
				}
				if r.Converged || step == steps {
					final = append(final, k)
				} else {
					next = append(next, i)
				}
			}
			c.finish(&w, res, active, final, opt.Top)
			active = next
		}
	}
	if opt.Energy {
		c.finalEnergies(res, bs, update, zz)
	}
	return res, nil
}

// finish reads out the values, keeps the weights and the top weights of
// the queries active[k], k in final, whose last update is in w.p.
func (c *Continuous) finish(w *blockWork, res *RetrieveResult, active, final []int, top int) {
	if len(final) == 0 {
		return
	}
	for _, k := range final {
		i := active[k]
		if res.Weights != nil {
			copy(res.Weights.Row(i), w.p.Row(k))
		}
		if top > 0 {
			res.Reports[i].TopWeights = topWeights(w.p.Row(k), top)
		}
	}
	if c.values == nil {
		return
	}
	if len(final) == len(active) && active[len(active)-1]-active[0] == len(active)-1 {
		// The usual case: a contiguous block read out straight into Out.
		tensor.MatMul(res.Out.SliceRows(active[0], active[0]+len(active)), w.p, c.values)
		return
	}
	w.f = w.f.Resize(len(final), c.Count())
	for j, k := range final {
		copy(w.f.Row(j), w.p.Row(k))
	}
	w.v = w.v.Resize(len(final), c.values.Cols)
	tensor.MatMul(w.v, w.f, c.values)
	for j, k := range final {
		copy(res.Out.Row(active[k]), w.v.Row(j))
	}
}

// topWeights returns the k largest entries of p, largest first (lower
// index first among equal weights).
func topWeights(p []float32, k int) []Weighted {
	k = min(k, len(p))
	out := make([]Weighted, 0, k+1)
	for mu, v := range p {
		x := float64(v)
		if len(out) == k && x <= out[k-1].Weight {
			continue
		}
		at := len(out)
		for at > 0 && out[at-1].Weight < x {
			at--
		}
		out = slices.Insert(out, at, Weighted{mu, x})
		if len(out) > k {
			out = out[:k]
		}
	}
	return out
}

// finalEnergies sets each report's Energy, the energy at its final state,
// and appends it to Energies when the state was updated.
func (c *Continuous) finalEnergies(res *RetrieveResult, bs int, update bool, zz []float64) {
	out, mm := res.States, c.Count()
	if !update {
		for i := range res.Reports {
			e := res.Reports[i].Energies[0]
			res.Reports[i].Energy = &e
		}
		return
	}
	z := tensor.New(min(bs, out.Rows), mm)
	for lo := 0; lo < out.Rows; lo += bs {
		hi := min(lo+bs, out.Rows)
		zb := z.Resize(hi-lo, mm)
		tensor.MatMulTB(zb, out.SliceRows(lo, hi), c.patterns)
		for i := lo; i < hi; i++ {
			e := c.energyRow(out.Row(i), zb.Row(i-lo), zz)
			r := &res.Reports[i]
			r.Energy = &e
			r.Energies = append(r.Energies, e)
		}
	}
}

// energyRow is E(state) from its float32 scores, in float64.
func (c *Continuous) energyRow(state, scores []float32, zz []float64) float64 {
	for mu, v := range scores {
		zz[mu] = float64(v)
	}
	return c.energy(state, zz)
}

// blockWork is the scratch of one update of a block of queries.
type blockWork struct {
	q, p, r, f, v *tensor.Matrix
	stats         []tensor.SoftmaxStats
	change        []float64
}

// scores leaves the scores K ξ of the rows active of states in w.p.
func (c *Continuous) scores(w *blockWork, states *tensor.Matrix, active []int) {
	b, mm, d := len(active), c.Count(), c.d
	q := states.SliceRows(active[0], active[0]+b)
	if active[b-1]-active[0] != b-1 { // not contiguous: gather
		w.q = w.q.Resize(b, d)
		for k, i := range active {
			copy(w.q.Row(k), states.Row(i))
		}
		q = w.q
	}
	w.p = w.p.Resize(b, mm)
	tensor.MatMulTB(w.p, q, c.patterns) // scores Kᵀξ, one row per query
}

// step updates the rows active of states in place (when update is set),
// leaving the weights in w.p, their statistics in w.stats and each row's
// largest change in w.change. The softmax runs in float32 on tensor's
// vector kernel, in parallel over the rows (see tensor.SoftmaxRows for its
// error bound).
func (c *Continuous) step(w *blockWork, states *tensor.Matrix, active []int, update bool) {
	c.scores(w, states, active)
	c.softmaxStep(w, states, active, update)
}

// softmaxStep is step after the scores.
func (c *Continuous) softmaxStep(w *blockWork, states *tensor.Matrix, active []int, update bool) {
	b, d := len(active), c.d
	w.stats = slices.Grow(w.stats[:0], b)[:b]
	tensor.SoftmaxRows(w.p, c.beta32(), w.stats)
	if !update {
		return
	}
	w.r = w.r.Resize(b, d)
	tensor.MatMul(w.r, w.p, c.patterns)
	w.change = slices.Grow(w.change[:0], b)[:b]
	for k, i := range active {
		dst, src := states.Row(i), w.r.Row(k)
		var ch float64
		for j, v := range src {
			ch = max(ch, math.Abs(float64(v)-float64(dst[j])))
		}
		copy(dst, src)
		w.change[k] = ch
	}
}
