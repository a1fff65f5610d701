package rbm

import (
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/ebm-go/ebm/internal/tensor"
)

// PTBetas returns T inverse temperatures evenly spaced from 1 down to 1/T.
func PTBetas(T int) []float32 {
	b := make([]float32, T)
	for i := range b {
		b[i] = float32(T-i) / float32(T)
	}
	return b
}

// Tempered holds the chains of parallel tempering (replica exchange): the
// same number of block-Gibbs chains at each of several inverse
// temperatures, Chains[i] at Betas[i], with Betas[0] = 1 the model itself
// and Betas decreasing (flatter distributions p_β(v,h) ∝ exp(−βE(v,h)) that
// mix faster). TemperedStep advances them; row r of every temperature
// forms one ladder, along which states are swapped. Both the PT trainer
// (Method PT) and SampleTempered run on it.
type Tempered struct {
	Betas  []float32 // inverse temperatures, Betas[0] = 1, decreasing
	Chains []*Chain  // Chains[i] runs at Betas[i]; all have the same rows

	round   int   // rounds so far: even rounds swap pairs (0,1),(2,3)…, odd rounds (1,2),(3,4)…
	tries   []int // swaps offered and accepted per neighbouring pair
	accepts []int
	// e[i]: the joint energies of Chains[i]'s rows for the round's swaps;
	// hw[i]: its H·Wᵀ from the last down pass of the round's sweeps
	// (before the biases), which the energies reuse; dots: scratch.
	e    [][]float64
	hw   []*tensor.Matrix
	dots [][2][]float64
	wt   tensor.PackedB // Wᵀ packed for the round's down passes
	// The round's sweeps (parallelSweeps): their arguments, the next
	// temperature to claim, and runSweeps as a func value, made once.
	sweep     sweepArgs
	next      atomic.Int64
	sweepPart func(lo, hi int)
	rngs      []*tensor.Rand // one per temperature, reseeded from the caller's every round

	// serial: every temperature draws from the caller's source in turn,
	// one after the other, as ebm did before the temperatures ran in
	// parallel; kept for checkpoints written then (checkpoint metadata
	// without "pt_streams"), so that they resume bit-identically.
	serial bool

	// Adaptive ladder (AdaptLadder): running swap rates per pair, updated
	// from each round's swaps; nil when the ladder is fixed.
	rates []float64
}

// Ladder adaptation: each pair's running swap rate is an exponential
// average over rounds (weight ladderAverage for the newest round), and
// after every round each gap in log β grows by the factor
// exp(ladderGain·(rate − mean rate)) before the gaps are rescaled to keep
// β_T; pairs that swap more than the mean get wider, the others narrower,
// until all swap at the same rate.
const (
	ladderAverage = 0.01
	ladderGain    = 0.05
)

// AdaptLadder makes p move its inverse temperatures, after every
// TemperedStep, toward equal swap rates between all neighbouring pairs
// (the ladder of Katzgraber et al. 2006 and Vousden, Farr & Mandel 2016
// aim for), keeping β = 1 and the lowest β fixed. β_1 = 1 never moves, so
// the β = 1 chains keep sampling the model.
func (p *Tempered) AdaptLadder() {
	if p.rates == nil && len(p.Betas) > 2 {
		p.rates = make([]float64, len(p.Betas)-1)
		for i := range p.rates {
			p.rates[i] = math.NaN() // no swap offered yet
		}
	}
}

// adapt updates the running rates with this round's swaps (pairs from
// start, step 2; accepted[i] of n offered) and moves the ladder.
func (p *Tempered) adapt(start int, accepted []int, n int) {
	for i := start; i < len(p.rates); i += 2 {
		r := float64(accepted[i]) / float64(n)
		if math.IsNaN(p.rates[i]) {
			p.rates[i] = r
		} else {
			p.rates[i] += ladderAverage * (r - p.rates[i])
		}
	}
	var mean float64
	for _, r := range p.rates {
		if math.IsNaN(r) {
			return // wait until every pair has been offered a swap
		}
		mean += r / float64(len(p.rates))
	}
	T := len(p.Betas)
	total := math.Log(float64(p.Betas[0]) / float64(p.Betas[T-1]))
	gaps := make([]float64, T-1)
	var sum float64
	for i := range gaps {
		gaps[i] = math.Log(float64(p.Betas[i])/float64(p.Betas[i+1])) * math.Exp(ladderGain*(p.rates[i]-mean))
		sum += gaps[i]
	}
	lb := 0.0
	for i := 1; i < T-1; i++ {
		lb -= gaps[i-1] * total / sum
		b := float32(math.Exp(lb))
		// Keep the ladder strictly decreasing in float32.
		p.Betas[i] = max(min(b, math.Nextafter32(p.Betas[i-1], 0)), math.Nextafter32(p.Betas[T-1], 1))
	}
}

// LadderRates returns the running swap rate of each neighbouring pair of an
// adapting ladder (nil for a fixed one).
func (p *Tempered) LadderRates() []float64 { return append([]float64(nil), p.rates...) }

// newTempered returns n zero chains at each of betas for an nv × nh model.
func newTempered(betas []float32, n, nv, nh int) *Tempered {
	p := &Tempered{Betas: append([]float32(nil), betas...), Chains: make([]*Chain, len(betas)),
		tries: make([]int, max(len(betas)-1, 0)), accepts: make([]int, max(len(betas)-1, 0)),
		rngs: make([]*tensor.Rand, len(betas))}
	for i := range p.Chains {
		p.Chains[i] = resizeChain(nil, n, nv, nh)
		p.rngs[i] = tensor.NewRand(0)
	}
	return p
}

// NewTempered returns n chains at each inverse temperature of betas (which
// must start at 1, decrease and stay positive; PTBetas makes such a
// ladder). Every temperature starts from the rows of init (n rows, copied)
// or, when init is nil, from the units' Start (uniform random binary
// vectors drawn from rng for Bernoulli units, v = b for Gaussian ones).
func (m *RBM) NewTempered(betas []float32, init *tensor.Matrix, n int, rng *tensor.Rand) (*Tempered, error) {
	if n < 1 {
		return nil, fmt.Errorf("tempered chains: need at least 1 chain per temperature, got %d", n)
	}
	if err := checkBetas(betas); err != nil {
		return nil, err
	}
	if init != nil {
		if err := m.CheckData(init); err != nil {
			return nil, fmt.Errorf("tempered chains: initial states: %w", err)
		}
		if init.Rows != n {
			return nil, fmt.Errorf("tempered chains: %d initial rows for %d chains: %w", init.Rows, n, ErrShape)
		}
	}
	p := newTempered(betas, n, m.NVisible(), m.NHidden())
	for _, c := range p.Chains {
		if init != nil {
			c.V.CopyFrom(init)
			continue
		}
		m.start(c.V, rng)
	}
	return p, nil
}

// checkBetas checks that betas is a tempering ladder: 1 first, then
// strictly decreasing, positive values.
func checkBetas(betas []float32) error {
	if len(betas) == 0 || betas[0] != 1 {
		return fmt.Errorf("tempering: the inverse temperatures must start at β = 1, got %v", betas)
	}
	for i := 1; i < len(betas); i++ {
		if !(betas[i] > 0 && betas[i] < betas[i-1]) {
			return fmt.Errorf("tempering: the inverse temperatures must decrease and stay positive, got %v", betas)
		}
	}
	return nil
}

// upBeta samples h ~ p_β(h|v) = σ(β(c + x(v)W)).
func (m *RBM) upBeta(c *Chain, beta float32, rng *tensor.Rand) {
	tensor.MatMul(c.PH, m.chainInput(c), m.W)
	tensor.AddRowVector(c.PH, m.C)
	scaledSigmoid(c.PH.Data, beta)
	rng.BernoulliFast(c.H.Data, c.PH.Data)
}

// sweepBeta runs k block-Gibbs steps v → h → v of c at inverse temperature
// beta — a down pass samples v ~ p_β(v|h): σ(β(b + Wh)) for Bernoulli
// units, N(b + σ⊙Wh, σ²/β) for Gaussian ones — and leaves in *hw (resized)
// the last down pass's H·Wᵀ, before the biases (VisibleField in two
// halves with a copy between: the same bits).
//
// wt, when not nil, holds Wᵀ packed (tensor.PackedB): the down passes of
// all temperatures multiply by the same W, and packing it once a round
// instead of once a pass saves a pack per temperature (same bits).
func (m *RBM) sweepBeta(c *Chain, beta float32, k int, rng *tensor.Rand, hw **tensor.Matrix, wt *tensor.PackedB) {
	for s := range k {
		m.upBeta(c, beta, rng)
		if wt != nil {
			tensor.GemmPacked(1, c.H, wt, 0, c.PV)
		} else {
			tensor.MatMulTB(c.PV, c.H, m.W)
		}
		if s < k-1 {
			m.units().Field(c.PV, m.B)
			m.units().SampleAt(c.V, c.PV, beta, rng)
			continue
		}
		*hw = (*hw).Resize(c.PV.Rows, c.PV.Cols)
		(*hw).CopyFrom(c.PV)
		m.units().Field(c.PV, m.B)
		m.units().SampleAt(c.V, c.PV, beta, rng)
	}
}

// TemperedStep runs one round of parallel tempering: k block-Gibbs steps
// v → h → v in every chain at its own temperature, then swaps offered
// between neighbouring temperatures, pairs (0,1), (2,3)… on even rounds
// and (1,2), (3,4)… on odd ones. After the Gibbs steps each chain's (V, H)
// is a joint sample (H generated V), so the swap of row r between β_i and
// β_j is accepted with probability min(1, exp((β_i − β_j)(E(x_i) − E(x_j))))
// on the joint states x = (v, h), which keeps the product of the tempered
// joint distributions invariant. Accepted swaps exchange V and H (PV and
// PH stay with their temperature and describe the states before the swap).
// Every random draw comes from rng, in a fixed order.
func (m *RBM) TemperedStep(p *Tempered, k int, rng *tensor.Rand) {
	if n := len(p.Chains); len(p.hw) != n {
		p.hw, p.e, p.dots = make([]*tensor.Matrix, n), make([][]float64, n), make([][2][]float64, n)
	}
	start := p.round % 2
	if p.serial {
		for i, c := range p.Chains {
			m.sweepBeta(c, p.Betas[i], k, rng, &p.hw[i], nil)
			p.energies(m, i, k, start)
		}
	} else {
		p.parallelSweeps(m, k, start, rng)
	}
	p.round++
	var before []int
	if p.rates != nil {
		before = append(before, p.accepts...)
	}
	for i := start; i+1 < len(p.Chains); i += 2 {
		a, b := p.Chains[i], p.Chains[i+1]
		eLo, eHi := p.e[i], p.e[i+1]
		db := float64(p.Betas[i] - p.Betas[i+1])
		for r := range eLo {
			p.tries[i]++
			logA := db * (eLo[r] - eHi[r])
			if logA >= 0 || rng.Float64() < math.Exp(logA) {
				p.accepts[i]++
				swapRows(a.V, b.V, r)
				swapRows(a.H, b.H, r)
			}
		}
	}
	if p.rates != nil {
		for i := range before {
			before[i] = p.accepts[i] - before[i]
		}
		p.adapt(start, before, p.Chains[0].V.Rows)
	}
}

// parallelSweeps runs k Gibbs steps of every temperature's chains. The
// sweeps are independent: each draws from its own source, seeded from rng
// in temperature order, and they run in parallel, each on one core from
// start to end (its kernels unsplit), so the result does not depend on how
// they are shared out (or on GOMAXPROCS).
func (p *Tempered) parallelSweeps(m *RBM, k, start int, rng *tensor.Rand) {
	for _, r := range p.rngs {
		r.Reseed(rng)
	}
	p.wt.Pack(m.W, true)
	// Each goroutine claims the next temperature, the hottest first: hot
	// chains hold more ones, so their sweeps take longer (784×500, ten
	// temperatures: 0.95 ms at β = 1 to 1.50 ms at β = 0.1, one core), and
	// fixed blocks of neighbouring temperatures left the hot end's core
	// 1.2 ms behind the other's.
	n := len(p.Chains)
	p.next.Store(0)
	p.sweep = sweepArgs{m: m, k: k, start: start}
	if p.sweepPart == nil {
		p.sweepPart = p.runSweeps // made once: a closure per round allocated
	}
	parts := min(runtime.GOMAXPROCS(0), n)
	tensor.Split(parts, parts, p.sweepPart)
	p.sweep = sweepArgs{}
}

// sweepArgs are a round's arguments to its sweeps (parallelSweeps).
type sweepArgs struct {
	m        *RBM
	k, start int
}

// runSweeps is one goroutine of parallelSweeps: it claims temperatures,
// the hottest first, until none is left.
func (p *Tempered) runSweeps(_, _ int) {
	n := len(p.Chains)
	a := &p.sweep
	for j := p.next.Add(1) - 1; j < int64(n); j = p.next.Add(1) - 1 {
		i := n - 1 - int(j)
		a.m.sweepBeta(p.Chains[i], p.Betas[i], a.k, p.rngs[i], &p.hw[i], &p.wt)
		p.energies(a.m, i, a.k, a.start)
	}
}

// energies computes p.e[i], the joint energies of chain i, when the
// round's swaps (pairs from start) offer it one; after its sweep, on the
// sweep's goroutine.
func (p *Tempered) energies(m *RBM, i, k, start int) {
	// Chain i pairs with i+1 when i−start is even, with i−1 when odd.
	lower := (i-start)%2 == 0
	if i < start || (lower && i+1 >= len(p.Chains)) {
		return
	}
	c := p.Chains[i]
	if cap(p.e[i]) < c.V.Rows {
		p.e[i] = make([]float64, c.V.Rows)
	}
	p.e[i] = p.e[i][:c.V.Rows]
	if k < 1 { // no sweep left H·Wᵀ behind
		p.hw[i] = m.jointEnergies(p.e[i], c, p.hw[i])
		return
	}
	m.swapEnergies(p.e[i], c, p.hw[i], &p.dots[i])
}

// Rounds returns the number of TemperedStep rounds run on p.
func (p *Tempered) Rounds() int { return p.round }

// SwapRates returns, for each neighbouring pair of temperatures (i, i+1),
// the fraction of the swaps offered so far that were accepted (0 for a
// pair not yet offered one).
func (p *Tempered) SwapRates() []float64 {
	r := make([]float64, len(p.tries))
	for i := range r {
		if p.tries[i] > 0 {
			r[i] = float64(p.accepts[i]) / float64(p.tries[i])
		}
	}
	return r
}

// SampleTempered draws n samples by parallel tempering: n chains at each
// inverse temperature of betas (see NewTempered; PTBetas(T) gives T of them
// from 1 to 1/T), run for steps rounds of one Gibbs step per chain followed
// by a swap round (TemperedStep with k = 1), so that the β = 1 chains get
// the same number of Gibbs steps as Sample's. The whole takes about
// 2·len(betas) times as long as Sample (the swap energies cost one more
// matrix product per temperature; measured 21× for 10 temperatures on the
// MNIST model). It returns the β = 1 chains' final binary states, their
// visible probabilities p(v|h) at β = 1 given the final hidden states
// (n × n_visible; smoother pictures, as with Sample), and the swap
// acceptance rate of each neighbouring pair. init gives the starting states
// of every temperature (n rows); nil starts from uniform random binary
// vectors. With betas = [1] it is plain block Gibbs sampling.
//
// Parallel tempering only helps if every neighbouring pair swaps: a rate
// near 0 cuts the ladder, and the β = 1 chains then mix no better than
// with the temperatures beyond the cut removed.
func (m *RBM) SampleTempered(n, steps int, betas []float32, init *tensor.Matrix, rng *tensor.Rand) (states, probs *tensor.Matrix, swapRates []float64, err error) {
	p, err := m.NewTempered(betas, init, n, rng)
	if err != nil {
		return nil, nil, nil, err
	}
	for range max(steps, 1) {
		m.TemperedStep(p, 1, rng)
	}
	c := p.Chains[0]
	m.VisibleMeans(c.PV, c.H)
	return c.V, c.PV, p.SwapRates(), nil
}

// jointEnergies sets e[r] = E(V_r, H_r) = E_v(v) − cᵀh − x(v)ᵀ(Wh) for
// every chain of c, with Wh for all chains from one matrix product into
// scratch (resized as needed and returned).
func (m *RBM) jointEnergies(e []float64, c *Chain, scratch *tensor.Matrix) *tensor.Matrix {
	scratch = scratch.Resize(c.H.Rows, m.NVisible())
	tensor.MatMulTB(scratch, c.H, m.W)
	var dots [2][]float64
	m.swapEnergies(e, c, scratch, &dots)
	return scratch
}

// swapEnergies is jointEnergies with H·Wᵀ given (hw; sweepBeta keeps the
// last down pass's), so a round of swaps multiplies no matrices, and with
// the dot products of several rows interleaved (tensor.RowDots; each is
// still summed in order, so the bits are Dot's); dots is scratch.
func (m *RBM) swapEnergies(e []float64, c *Chain, hw *tensor.Matrix, dots *[2][]float64) {
	u := m.units()
	x := m.chainInput(c)
	n := len(e)
	for i := range dots {
		if cap(dots[i]) < n {
			dots[i] = make([]float64, n)
		}
		dots[i] = dots[i][:n]
	}
	ch, xw := dots[0], dots[1]
	tensor.RowDotsVec(ch, c.H, m.C)
	tensor.RowDots(xw, x, hw)
	if isBernoulli(u) {
		// E_v(v) = −bᵀv.
		tensor.RowDotsVec(e, c.V, m.B)
		for r := range e {
			e[r] = -e[r] - ch[r] - xw[r]
		}
		return
	}
	for r := range e {
		e[r] = u.Energy(c.V.Row(r), m.B) - ch[r] - xw[r]
	}
}

func swapRows(a, b *tensor.Matrix, r int) {
	x, y := a.Row(r), b.Row(r)
	for j := range x {
		x[j], y[j] = y[j], x[j]
	}
}

// initTempered sets up the trainer's PT chains (zero states; Train or
// LoadCheckpoint fills them).
func (t *Trainer) initTempered(nv, nh int) {
	t.pt = newTempered(PTBetas(t.Temperatures), t.Chains, nv, nh)
	if t.AdaptLadder {
		t.pt.AdaptLadder()
	}
}

// Betas returns PT's current inverse temperatures (nil for other methods).
func (t *Trainer) Betas() []float32 {
	if t.pt == nil {
		return nil
	}
	return append([]float32(nil), t.pt.Betas...)
}

// temperedStep is the trainer's PT update of the negative chains: one
// TemperedStep round of k Gibbs steps and swaps.
func (t *Trainer) temperedStep() { t.m.TemperedStep(t.pt, t.K, t.rng) }

// SwapRates returns, for each neighbouring pair of temperatures, the
// fraction of proposed swaps accepted so far (PT only; nil otherwise).
func (t *Trainer) SwapRates() []float64 {
	if t.pt == nil {
		return nil
	}
	return t.pt.SwapRates()
}

// formatBetas writes inverse temperatures as their float32 values' shortest
// decimals, comma-separated (model metadata "ladder").
func formatBetas(b []float32) string {
	s := make([]string, len(b))
	for i, x := range b {
		s[i] = strconv.FormatFloat(float64(x), 'g', -1, 32)
	}
	return strings.Join(s, ",")
}

// formatRates writes float64s exactly (checkpoint metadata "pt_rates").
func formatRates(r []float64) string {
	s := make([]string, len(r))
	for i, x := range r {
		s[i] = strconv.FormatFloat(x, 'g', -1, 64)
	}
	return strings.Join(s, ",")
}

// parseRates reads what formatRates wrote, n values.
func parseRates(s string, n int) ([]float64, error) {
	f := strings.Split(s, ",")
	if len(f) != n {
		return nil, fmt.Errorf("%d values, want %d", len(f), n)
	}
	r := make([]float64, n)
	for i, x := range f {
		v, err := strconv.ParseFloat(x, 64)
		if err != nil || (v < 0 || v > 1) && !math.IsNaN(v) {
			return nil, fmt.Errorf("value %d, %q, is not a rate in [0, 1]", i, x)
		}
		r[i] = v
	}
	return r, nil
}
