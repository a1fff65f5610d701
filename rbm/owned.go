package rbm

import (
	"math"
	"sync/atomic"
	"time"

	"github.com/ebm-go/ebm/internal/tensor"
)

// ownedStep is the training step of RBMs with Bernoulli or Gaussian
// visible units (σ fixed or learned) by CD, PCD and Restart (with or
// without the sparsity term, and centering for Bernoulli units) on
// several cores, with the weights owned by the cores: part p of P keeps
// the columns of W of its block of hidden units (and their velocity and
// gradient) in allocations of its own for as long as training runs, and
// does all the work on them — the up passes σ(x·W_p + c_p) and their
// samples, its share of each down pass, the gradient block and the
// momentum step. Splitting each kernel over the cores instead made both
// cores read all of W and then rewrite it every step, so its cache lines
// crossed between the cores' caches every step (docs/performance.md, "Two
// cores, later the same day"); measured, the second core then added
// nothing.
//
// The bits are those of the one-core step, whatever P (so they do not
// depend on GOMAXPROCS):
//
//   - up passes, gradients and updates are column blocks of the one-core
//     products and element-wise kernels, and every element of those is
//     computed alone (tensor's summation order);
//   - a down pass h·Wᵀ sums over the hidden units, which the parts share
//     out: it runs as a pipeline over row blocks of the chains, part 0
//     starting each block's sums over its hidden units and part p
//     continuing them over its own (tensor.GemmPacked with beta = 1: the
//     same fused multiply–adds in the same order as one product); the
//     last part adds the bias, takes the sigmoid (or σ⊙· for Gaussian
//     units) and samples the block (in the passes after the first, part
//     0 does half the units);
//   - every sample is drawn with the key the one-core step draws for that
//     sampling call (BernoulliKey, NormalKey), at the unit's offset in the
//     batch;
//   - centering's Δb = gB − ΔW λ sums over the hidden units too: a chain
//     over the parts, each continuing the product of the one before
//     (center); so do learned σ's coupling sums Σ_j W_ij gW_ij (coupling);
//   - a product every part takes with the same dense left operand (x(v0)
//     of Gaussian units) reads it packed once, by all parts together
//     (tensor.PackedA, the bits of tensor.Gemm).
//
// Parts run on a tensor.Crew, part p on the same core every time, one
// call per step with no barrier inside: the up passes after the first run
// by row blocks too, each block as soon as its visible units are sampled,
// so that a part that ends its share of a pass early goes on with the
// next instead of waiting for the slowest part.
type ownedStep struct {
	t      *Trainer
	crew   *tensor.Crew // runs part p on the same core every call
	parts  []ownedPart
	blocks []ownedBlock // row blocks of the chains for the down passes
	c      *Chain       // the chains of this step
	v0     *tensor.Matrix
	// What fit cut the buffers and blocks for: batch rows, the chains and
	// their storage (resizing a chain may move it).
	fitN       int
	fitC       *Chain
	fitV, fitP *float32
	fitX       *tensor.Matrix

	// What the crew's current call runs: the keys of each Gibbs pass's
	// samples, the learning rate and momentum.
	keys    []passKeys
	lr, mom float32
	// qFirst: this step starts the sparsity term's running mean
	// activations.
	qFirst bool
	// fin: the row blocks whose visible units part 0 has sampled, counted
	// over the passes of a step (s·blocks + b + 1 for block b of pass s).
	fin counter
	// cen: the parts that have continued centering's Δb (center).
	cen counter

	// Gaussian visible units (nil: Bernoulli): σ and 1/σ for this step,
	// x(v0) = v0/σ, and for learned σ the coupling sums Σ_j W_ij gW_ij
	// (Gaussian.couplingGrad), continued from part to part by row blocks.
	gauss    *Gaussian
	sig, inv []float32
	x0       *tensor.Matrix
	dots     []float64
	// x(v0) and x(v0)ᵀ/n packed once for every part's products with them
	// (each part packing them for itself took a fifth of the step), and
	// the parts that have packed their share.
	ax0, ax0t tensor.PackedA
	packed    counter
	// x(V)ᵀ/(−n_c) of the final chains for the gradient, packed likewise
	// once every part is done with the passes (each part packing it for
	// itself took 7% of the step), and the parts that have packed theirs.
	axc     tensor.PackedA
	packedC counter

	// Bernoulli units: the ones of the step's binary states, indexed once
	// for every part's products with them (each part indexed them for
	// itself: a tenth of the step's work, twice) — v0 by rows (part 0)
	// and by columns (the last part), each row block of the chains by the
	// part that samples its last units, and the final chains by columns
	// by the part that completes them; ixRows, ixCols, ixV count them.
	v0rows, v0cols, vcols tensor.Ones
	blockIx               []tensor.Ones
	ixRows, ixCols, ixV   counter

	// stepRows: the parts copy rows of src into batch (the step's v0)
	// themselves, each its share, before they start; filled counts the
	// parts done.
	src, batch *tensor.Matrix
	rows       []int
	filled     counter

	// valid: the parts hold the model's current W and the trainer's vW;
	// dirty: the parts' W and vW are newer than the model's (flush).
	valid, dirty bool

	// Balancing (rebalance): steps in the current window and its length,
	// the cuts' buffer, and how many times the cuts moved.
	steps, window, moves int
	cuts                 []int
	busy                 []time.Duration
}

// passKeys are the keys of a Gibbs pass's hidden and visible samples
// (v: a BernoulliKey or, for Gaussian units, a NormalKey; one draw each).
type passKeys struct {
	h tensor.BernoulliKey
	v uint64
}

// counter is an atomic counter alone on its cache line (one part advances
// it, others poll it).
type counter struct {
	_ [64]byte
	n atomic.Int64
	_ [56]byte
}

type ownedPart struct {
	h0, h1 int // hidden units [h0, h1)
	// w, vw, gw: columns h0…h1−1 of W, its velocity and gradient, and
	// zeros up to a whole cache line (ownedMinCols) a row. Its hidden
	// units' buffers (ph0, ph, h) have the same padded width, their pad
	// kept at 0 (clearPad), so the pad's weights, gradient and velocity
	// stay 0. Rows that straddle cache lines made the gather products of
	// the up passes and the gradient ~20% slower (784×212: 110 µs, 784×208:
	// 92, 784×224: 95).
	w, vw, gw *tensor.Matrix
	c, gc     []float32      // the hidden biases c[h0:h1] and their gradient, padded
	lam       []float32      // centering: the units' offsets λ[h0:h1], padded
	gb        []float32      // the visible biases' gradient (part 0; every part when centering)
	cen       centering      // centering's scratch
	q, meanV  []float32      // sparsity: the units' running mean activation (padded), ⟨v⟩ of the batch
	packed    tensor.PackedB // w packed for h·wᵀ (once per step)
	up        tensor.PackedB // w packed for v·w, when the chains are dense
	upPacked  bool           // up holds this step's w
	ph0       *tensor.Matrix // p(h|v0) of the batch
	ph, h     *tensor.Matrix // the chains' p(h|v) and h
	phb, hb   []tensor.Matrix
	// done: the row blocks of the down passes this part has summed (and,
	// the last part, sampled), counted over the passes of a step:
	// s·blocks + b + 1 for block b of pass s.
	done counter
	// dots: the row blocks of the coupling sums this part has continued
	// (learned σ).
	dots counter
	// busy: the part's time working (not waiting for other parts) in the
	// current balancing window; waited: its waits in the current step.
	busy, waited time.Duration
	touched      float32  // touchLines' sums, kept
	_            [64]byte // keeps the next part's fields off these lines
}

type ownedBlock struct {
	r0, r1   int
	v, pv, x tensor.Matrix // rows r0…r1−1 of the chains' V, PV and (Gaussian units) x(V)
}

// ownedMinCols is the fewest hidden units a part owns: a 64-byte cache
// line of float32s, so that parts never write to the same line of a row.
const ownedMinCols = 16

// ownedParts returns how many parts the owned step should use for t, or 0
// when it does not apply: Gaussian units of an old checkpoint, PT (its
// temperatures run on a core each), one free core (GOMAXPROCS less the
// cores of the owned steps of other trainings running now), or too few
// hidden units.
func (t *Trainer) ownedParts() int {
	if g, ok := t.m.units().(*Gaussian); ok && g.serial {
		return 0 // a checkpoint's old arithmetic (Gaussian.serial)
	}
	switch t.Method {
	case CD, PCD, Restart:
	default:
		return 0
	}
	p := t.forceParts
	if p == 0 {
		// The cores that crews of other trainings running now leave.
		p = tensor.FreeCores()
	}
	p = min(p, t.m.NHidden()/ownedMinCols)
	if p < 2 {
		return 0
	}
	return p
}

// newOwnedStep cuts the hidden units into np blocks of whole cache lines
// (ownedMinCols), but for the last block's end, the last block
// nv/(initialLastLess·K) units short of an even share (it samples the
// visible units of the first Gibbs pass); rebalance then moves the cuts
// as the parts' times ask.
func newOwnedStep(t *Trainer, np int) *ownedStep {
	nv, nh := t.m.NVisible(), t.m.NHidden()
	o := &ownedStep{t: t, parts: make([]ownedPart, np), crew: tensor.NewCrew(np)}
	lines := nh / ownedMinCols
	lastLines := max(1, min(lines/np, (nh-nv/(initialLastLess*max(t.K, 1)))/np/ownedMinCols))
	cuts := make([]int, np+1)
	for p := range np {
		cuts[p] = p * (lines - lastLines) / (np - 1) * ownedMinCols
	}
	cuts[np] = nh
	o.cut(cuts)
	o.window = balanceFirst
	return o
}

// initialLastLess: the last part starts with nv/(initialLastLess·K)
// hidden units fewer than an even share, the static split session 8
// chose by interleaved runs of the 784 → 500 CD-1 step (288/212; its
// history in docs/performance.md). Training runs shorter than the first
// balancing window (a Train call of 30 updates, bench/scaling) keep it.
const initialLastLess = 12

// cut gives part p the hidden units [cuts[p], cuts[p+1]) and sizes its
// buffers, their pads 0; the parts' W and velocity must be written back
// (flush) before, and are copied out again (scatter) by the next step.
func (o *ownedStep) cut(cuts []int) {
	nv := o.t.m.NVisible()
	for p := range o.parts {
		k := &o.parts[p]
		k.h0, k.h1 = cuts[p], cuts[p+1]
		wp := (k.h1 - k.h0 + ownedMinCols - 1) / ownedMinCols * ownedMinCols
		k.w, k.vw, k.gw = partBuf(k.w, nv, wp), partBuf(k.vw, nv, wp), partBuf(k.gw, nv, wp)
		clear(k.w.Data)
		clear(k.vw.Data)
		k.c, k.gc, k.q = partFloats(k.c, wp), partFloats(k.gc, wp), partFloats(k.q, wp)
		k.meanV, k.gb = partFloats(k.meanV, nv), partFloats(k.gb, nv)
		k.lam = partFloats(k.lam, wp)
		clear(k.c)
		clear(k.lam)
		k.busy = 0
	}
	o.valid = false
	o.fitN = -1 // the hidden buffers and their blocks
}

// partBuf is m.Resize(r, c) for a part's buffers, whose width changes
// when the cuts move: a new buffer has room for ownedSlack more columns,
// and is written through (zeros) at once. Pages first written in the
// middle of training cost a fault each: a move of 784 × 500's cuts took
// 5–6 ms (against 0.5) when it wrote new buffers and then the weights.
func partBuf(m *tensor.Matrix, r, c int) *tensor.Matrix {
	if m != nil && cap(m.Data) >= r*c {
		return m.Resize(r, c)
	}
	data := make([]float32, r*(c+ownedSlack))
	clear(data)
	return &tensor.Matrix{Rows: r, Cols: c, Data: data[:r*c]}
}

// partFloats is partBuf for a vector.
func partFloats(s []float32, n int) []float32 {
	return partBuf(&tensor.Matrix{Rows: 1, Cols: len(s), Data: s}, 1, n).Data
}

// ownedSlack is the room for more hidden units in a part's buffers: the
// balancing moves a cut by a line a window, rarely more than a few.
const ownedSlack = 4 * ownedMinCols

// Balancing. Parts may run at different speeds: the work of a cut is not
// exactly proportional to the hidden units (the last part samples the
// visible units of the first down pass, part 0 the visible biases' update),
// and cores are not alike (on the shared virtual machines this was measured
// on, one vCPU ran the one-core step 20% slower than the other for an
// hour: 2.03–2.07 ms against 1.63–1.70, taskset). So each part times its
// own work (the step less its waits for other parts), and every window of
// steps rebalance moves the cuts a cache line toward busy times that are
// equal, when a cut is a line or more from where they would be. Moving a
// cut writes the weights back and copies them out again (~0.4 ms on
// 784 × 500), and the next steps find the parts' caches cold, so the cuts
// move by a line at a time, the first balanceSettle steps of a window are
// not timed, and the windows double while the cuts stay (to balanceMax,
// ~0.25 s of 784 × 500 steps), and do not shrink. The bits never depend
// on the cuts.
const (
	balanceFirst  = 32  // steps in the first window
	balanceSettle = 4   // steps of a window not timed (cold caches)
	balanceMax    = 256 // steps in a window once the cuts have settled
)

// rebalance ends a window of steps: it moves the cuts toward equal busy
// times (balancedCuts), and when they stay it doubles the window (up to
// balanceMax).
func (o *ownedStep) rebalance() {
	np := len(o.parts)
	if cap(o.cuts) < 2*(np+1) {
		o.cuts = make([]int, 2*(np+1))
	}
	cur, next := o.cuts[:np+1], o.cuts[np+1:2*(np+1)]
	busy := o.busy[:0]
	for p := range o.parts {
		k := &o.parts[p]
		cur[p], cur[p+1] = k.h0, k.h1
		busy = append(busy, k.busy)
		k.busy = 0
	}
	o.busy, o.steps = busy, 0
	if balancedCuts(next, cur, busy) {
		o.flush()
		o.cut(next)
		o.moves++
	} else {
		o.window = min(2*o.window, balanceMax)
	}
}

// balancedCuts sets next to cuts (of units into parts: part p owns
// [cuts[p], cuts[p+1])) each moved a cache line (ownedMinCols units)
// toward the whole line nearest where the parts' busy times, taken as
// proportional to their units, would all be equal, and reports whether it
// moved them: only when that makes the longest predicted busy time 1%
// shorter or more, so that noise in the times does not move the cuts back
// and forth. The cuts where every part is busy as long (to a line) are
// the fixed point, fixed work in a part (not proportional to its units)
// included. Every part keeps a line (the last part a unit) at least.
func balancedCuts(next, cuts []int, busy []time.Duration) bool {
	np := len(busy)
	nh := cuts[np]
	speed := 0.0 // Σ units per unit of time
	for p, b := range busy {
		if b <= 0 {
			copy(next, cuts)
			return false
		}
		speed += float64(cuts[p+1]-cuts[p]) / float64(b)
	}
	next[0], next[np] = 0, nh
	share := 0.0
	for p := range np - 1 {
		share += float64(cuts[p+1]-cuts[p]) / float64(busy[p]) / speed
		c := int(math.Round(share*float64(nh)/ownedMinCols)) * ownedMinCols
		c = min(max(c, cuts[p+1]-ownedMinCols), cuts[p+1]+ownedMinCols)
		c = max(c, next[p]+ownedMinCols)
		c = min(c, (nh-1)/ownedMinCols*ownedMinCols-(np-2-p)*ownedMinCols)
		next[p+1] = c
	}
	longest, predicted := 0.0, 0.0
	for p, b := range busy {
		perUnit := float64(b) / float64(cuts[p+1]-cuts[p])
		longest = max(longest, float64(b))
		predicted = max(predicted, perUnit*float64(next[p+1]-next[p]))
	}
	if predicted > 0.99*longest {
		copy(next, cuts)
		return false
	}
	return true
}

// close writes the weights back and stops the crew; on the goroutine
// that made the step.
func (o *ownedStep) close() {
	if o == nil {
		return
	}
	o.flush()
	o.crew.Close()
}

// scatter copies the model's W and the trainer's velocity into the parts.
func (o *ownedStep) scatter() {
	m, t := o.t.m, o.t
	for p := range o.parts {
		k := &o.parts[p]
		for i := range m.W.Rows {
			copy(k.w.Row(i), m.W.Row(i)[k.h0:k.h1]) // the pad stays 0
			copy(k.vw.Row(i), t.vW.Row(i)[k.h0:k.h1])
		}
	}
	o.valid = true
}

// flush copies the parts' W and velocity back into the model and the
// trainer when they are newer, and makes the next step copy them out
// again (the model may change in between: a roll-back, a restored
// checkpoint, a caller).
func (o *ownedStep) flush() {
	if o == nil {
		return
	}
	if o.dirty {
		m, t := o.t.m, o.t
		for p := range o.parts {
			k := &o.parts[p]
			for i := range m.W.Rows {
				copy(m.W.Row(i)[k.h0:k.h1], k.w.Row(i))
				copy(t.vW.Row(i)[k.h0:k.h1], k.vw.Row(i))
			}
		}
		o.dirty = false
	}
	o.valid = false
}

// fit sizes the parts' buffers for n batch rows and the chains c, and
// cuts the chains into row blocks: about eight per part (so the pipeline
// idles for about one block in eight), whole micro-tiles of six rows, at
// least twelve.
func (o *ownedStep) fit(n int, c *Chain) {
	nc := c.V.Rows
	for p := range o.parts {
		k := &o.parts[p]
		w := k.w.Cols
		k.ph0 = partBuf(k.ph0, n, w)
		k.ph, k.h = partBuf(k.ph, nc, w), partBuf(k.h, nc, w)
	}
	np := len(o.parts)
	size := (nc + 8*np - 1) / (8 * np)
	size = max(12, (size+5)/6*6)
	nb := (nc + size - 1) / size
	if cap(o.blocks) < nb {
		o.blocks = make([]ownedBlock, nb)
		o.blockIx = make([]tensor.Ones, nb)
	}
	o.blocks, o.blockIx = o.blocks[:nb], o.blockIx[:nb]
	nv := c.V.Cols
	for b := range o.blocks {
		r0, r1 := b*size, min((b+1)*size, nc)
		blk := &o.blocks[b]
		blk.r0, blk.r1 = r0, r1
		blk.v = tensor.Matrix{Rows: r1 - r0, Cols: nv, Data: c.V.Data[r0*nv : r1*nv]}
		blk.pv = tensor.Matrix{Rows: r1 - r0, Cols: nv, Data: c.PV.Data[r0*nv : r1*nv]}
		if c.x != nil {
			blk.x = tensor.Matrix{Rows: r1 - r0, Cols: nv, Data: c.x.Data[r0*nv : r1*nv]}
		}
	}
	for p := range o.parts {
		k := &o.parts[p]
		if cap(k.hb) < nb {
			k.hb, k.phb = make([]tensor.Matrix, nb), make([]tensor.Matrix, nb)
		}
		k.hb, k.phb = k.hb[:nb], k.phb[:nb]
		w := k.w.Cols
		for b, blk := range o.blocks {
			k.hb[b] = tensor.Matrix{Rows: blk.r1 - blk.r0, Cols: w, Data: k.h.Data[blk.r0*w : blk.r1*w]}
			k.phb[b] = tensor.Matrix{Rows: blk.r1 - blk.r0, Cols: w, Data: k.ph.Data[blk.r0*w : blk.r1*w]}
		}
	}
	o.fitN, o.fitC, o.fitV, o.fitP, o.fitX = n, c, &c.V.Data[0], &c.PV.Data[0], c.x
}

// stepRows is step on the mini-batch of the given rows of src, which the
// parts copy in themselves (epochLoop.stepRows): a serial copy of 100
// random MNIST rows took 28–34 µs, 3% of a two-core CD-1 step.
func (o *ownedStep) stepRows(src *tensor.Matrix, rows []int, lr, mom float32) {
	o.batch = o.batch.Resize(len(rows), src.Cols)
	o.src, o.rows = src, rows
	o.step(o.batch, lr, mom)
	o.src, o.rows = nil, nil
}

// step is Trainer.step for the owned weights: the same draws from t.rng in
// the same order, the same bits.
func (o *ownedStep) step(v0 *tensor.Matrix, lr, mom float32) {
	t := o.t
	m := t.m
	nv, nh := m.NVisible(), m.NHidden()
	if !o.valid {
		o.scatter()
	}
	o.dirty = true
	var c *Chain
	switch t.Method {
	case PCD:
		c = t.persistent
	case Restart:
		t.restart = resizeChain(t.restart, t.Chains, nv, nh)
		c = t.restart
		m.start(c.V, t.rng)
	default:
		t.cd = resizeChain(t.cd, v0.Rows, nv, nh)
		c = t.cd
	}
	o.gauss, _ = m.units().(*Gaussian)
	if o.gauss != nil {
		// σ and 1/σ as the units' own methods compute them (the same bits).
		o.sig, o.inv = partFloats(o.sig, nv), partFloats(o.inv, nv)
		o.gauss.fillScaled(o.sig, 1, 1)
		o.gauss.fillScaled(o.inv, -1, 1)
		o.x0 = o.x0.Resize(v0.Rows, nv)
		if c.x == nil || c.x.Rows != c.V.Rows || c.x.Cols != nv {
			c.x = c.x.Resize(c.V.Rows, nv)
		}
		if o.gauss.Learn {
			o.dots = resizeFloat64s(o.dots, nv)
		}
		o.ax0.Init(o.x0, false, 1)
		o.ax0t.Init(o.x0, true, 1/float32(v0.Rows))
		o.axc.Init(c.x, true, -1/float32(c.V.Rows))
	}
	if o.fitN != v0.Rows || o.fitC != c || o.fitV != &c.V.Data[0] || o.fitP != &c.PV.Data[0] || o.fitX != c.x || len(o.blocks) == 0 || o.blocks[len(o.blocks)-1].r1 != c.V.Rows {
		o.fit(v0.Rows, c)
	}
	o.c, o.v0, o.lr, o.mom = c, v0, lr, mom
	if o.qFirst = t.sparse() && t.q == nil; o.qFirst {
		t.q = make([]float32, nh)
	}
	o.keys = o.keys[:0]
	for range max(t.K, 1) {
		h := t.rng.BernoulliKey()
		o.keys = append(o.keys, passKeys{h: h, v: t.rng.Uint64()})
	}
	for p := range o.parts {
		o.parts[p].done.n.Store(0)
		o.parts[p].dots.n.Store(0)
	}
	o.fin.n.Store(0)
	o.cen.n.Store(0)
	o.filled.n.Store(0)
	o.packed.n.Store(0)
	o.packedC.n.Store(0)
	o.ixRows.n.Store(0)
	o.ixCols.n.Store(0)
	o.ixV.n.Store(0)
	o.crew.Run(o)
	if o.steps++; o.steps == balanceSettle {
		for p := range o.parts {
			o.parts[p].busy = 0
		}
	}
	if t.testCuts != nil {
		o.testRecut()
	} else if o.steps >= o.window {
		o.rebalance()
	}
}

// testRecut lets a test move the cuts after any step (Trainer.testCuts).
func (o *ownedStep) testRecut() {
	np := len(o.parts)
	cuts := make([]int, np+1)
	for p := range o.parts {
		cuts[p], cuts[p+1] = o.parts[p].h0, o.parts[p].h1
	}
	if o.t.testCuts(o.steps, cuts) {
		o.flush()
		o.cut(cuts)
		o.moves++
	}
}

// RunPart runs part p of a step: its share of every Gibbs pass, then its
// gradient block and update. There is no barrier between the passes: a
// part starts on a row block of the chains as soon as the block's
// visible units of the pass before are sampled.
func (o *ownedStep) RunPart(p int) {
	defer tensor.OwnCore()()
	t, k, c := o.t, &o.parts[p], o.c
	start := time.Now()
	k.waited = 0
	defer func() { k.busy += time.Since(start) - k.waited }()
	m := t.m
	nh := m.NHidden()
	last := p == len(o.parts)-1
	cp := m.C[k.h0:k.h1]
	copy(k.c, cp)
	if t.Centered {
		copy(k.lam, t.lambda[k.h0:k.h1])
	}
	if o.rows != nil || o.gauss != nil {
		// This part's share of the batch's rows, and for Gaussian units of
		// x(v0) and of the chains' x(V); all are needed next.
		np, n := len(o.parts), o.v0.Rows
		for r := p * n / np; r < (p+1)*n/np; r++ {
			if o.rows != nil {
				copy(o.v0.Row(r), o.src.Row(o.rows[r]))
			}
			if o.gauss != nil {
				scaleRow(o.x0.Row(r), o.v0.Row(r), o.inv)
			}
		}
		if o.gauss != nil && t.Method != CD {
			nc := c.V.Rows
			for r := p * nc / np; r < (p+1)*nc/np; r++ {
				scaleRow(c.x.Row(r), c.V.Row(r), o.inv)
			}
		}
		o.filled.n.Add(1)
		k.wait(&o.filled.n, int64(np))
		if o.gauss != nil {
			o.ax0.PackPart(p, np)
			o.ax0t.PackPart(p, np)
			o.packed.n.Add(1)
			k.wait(&o.packed.n, int64(np))
		}
	}
	x0, xc := o.v0, c.V // x(v0) and x(V)
	if o.gauss != nil {
		x0, xc = o.x0, c.x
	}

	// The first pass: its up pass reads only the batch or the chains as
	// the step found them, so it runs on all rows at once.
	k.packed.Pack(k.w, true)
	k.upPacked = false
	if o.gauss == nil {
		o.indexBatch(p)
	}
	switch {
	case o.gauss != nil:
		// W_p packed once for this and the later up passes.
		k.up.Pack(k.w, false)
		k.upPacked = true
		tensor.GemmPackedAB(&o.ax0, &k.up, 0, k.ph0) // tensor.MatMul's bits
		tensor.SigmoidBiasRows(k.ph0, k.c)
		k.clearPad(k.ph0)
	case o.v0rows.Gathers():
		tensor.GemmOnes(1, &o.v0rows, k.w, 0, k.ph0) // the same bits
		tensor.SigmoidBiasRows(k.ph0, k.c)
		k.clearPad(k.ph0)
	default:
		k.hiddenProbs(k.ph0, x0)
	}
	if t.Method == CD {
		o.keys[0].h.SampleRows(k.h, k.ph0, k.h0, nh)
	} else {
		k.hiddenProbs(k.ph, xc)
		o.keys[0].h.SampleRows(k.h, k.ph, k.h0, nh)
	}
	// The data half of the statistics, which the chains do not change,
	// fills a wait: the last part's for the first sums of the pass, the
	// others' for the last part to sample the blocks.
	if last {
		o.dataStats(p)
	}
	for b := range o.blocks {
		o.sums(p, 0, b)
	}
	if !last {
		o.dataStats(p)
	}
	// The further passes, and the final up pass (p(h|v) of the chains).
	for s := 1; s <= len(o.keys); s++ {
		o.pass(p, s)
	}

	nc := float32(c.V.Rows)
	if o.gauss == nil {
		k.wait(&o.ixV.n, 1)
	}
	switch {
	case o.gauss != nil:
		// Every part is past its passes, so the chains are final.
		np := len(o.parts)
		o.axc.PackPart(p, np)
		o.packedC.n.Add(1)
		k.wait(&o.packedC.n, int64(np))
		tensor.GemmPackedA(&o.axc, k.ph, 1, k.gw) // Gemm(true, false, −1/nc, xc, ph, 1, gw)'s bits
	case o.vcols.Gathers():
		tensor.GemmOnes(-1/nc, &o.vcols, k.ph, 1, k.gw) // Gemm's bits
	default:
		tensor.Gemm(true, false, -1/nc, xc, k.ph, 1, k.gw)
	}
	tensor.ColumnSums(k.gc, k.ph, -1/nc)
	if p == o.biasPart() || t.Centered {
		m.units().BiasGrad(k.gb, c.V, m.B, -1/nc)
	}
	if o.learnSigma() {
		o.coupling(p)
	}
	if t.Centered {
		o.center(p)
	}
	if t.sparse() {
		// Hinton's sparsity term on the part's units (Trainer.sparsity).
		q := t.q[k.h0:k.h1]
		copy(k.q, q)
		updateSparsityTarget(k.q, k.ph0, o.v0.Rows, o.qFirst)
		copy(q, k.q)
		clear(k.meanV)
		tensor.ColumnSums(k.meanV, x0, 1/float32(o.v0.Rows))
		sparsityTerms(k.gw, k.gc, k.meanV, q, float32(t.SparsityCost), float32(t.SparsityTarget))
	}
	gC, vC := t.gC[k.h0:k.h1], t.vC[k.h0:k.h1]
	copy(gC, k.gc)
	lr, mom := o.lr, o.mom
	tensor.MomentumStep(k.w.Data, k.vw.Data, k.gw.Data, lr, mom, float32(t.WeightDecay))
	for i, g := range gC {
		vC[i] = mom*vC[i] + lr*g
	}
	tensor.Axpy(1, vC, cp)
	if p == o.biasPart() {
		// Every block of the chains is sampled (pass waited for them, and
		// center for every part), so no part reads the visible biases any
		// more.
		if !t.Centered {
			copy(t.gB, k.gb)
		}
		if o.learnSigma() {
			o.sigmaGrad()
		}
		t.updateVisible(lr, mom)
	}
}

// learnSigma reports whether the step learns Gaussian units' σ.
func (o *ownedStep) learnSigma() bool { return o.gauss != nil && o.gauss.Learn }

// coupling is part p's link of the coupling sums Σ_j W_ij gW_ij over its
// hidden units (the weights before the update, the plain gradient), by
// row blocks of the visible units, each block continued from part p−1's
// (tensor.RowDotsFrom: the bits of one RowDots over the whole rows).
func (o *ownedStep) coupling(p int) {
	k := &o.parts[p]
	nv, w := k.w.Rows, k.w.Cols
	for b := range couplingBlocks {
		i0, i1 := b*nv/couplingBlocks, (b+1)*nv/couplingBlocks
		if p == 0 {
			clear(o.dots[i0:i1])
		} else {
			k.wait(&o.parts[p-1].dots.n, int64(b+1))
		}
		wb := tensor.Matrix{Rows: i1 - i0, Cols: w, Data: k.w.Data[i0*w : i1*w]}
		gb := tensor.Matrix{Rows: i1 - i0, Cols: w, Data: k.gw.Data[i0*w : i1*w]}
		tensor.RowDotsFrom(o.dots[i0:i1], &wb, &gb)
		k.dots.n.Store(int64(b + 1))
	}
}

// couplingBlocks: the coupling sums run as a pipeline over this many
// blocks of the visible units, so a part waits for one block of the part
// before, not for all of its sums.
const couplingBlocks = 8

// sigmaGrad sets t.gS, the gradient of log σ (Trainer.gradient), once
// every part has added its coupling sums: the last part, after its own.
func (o *ownedStep) sigmaGrad() {
	t := o.t
	nc := float32(o.c.V.Rows)
	clear(t.gS)
	o.gauss.paramGrad(t.gS, o.v0, t.m.B, 1/float32(o.v0.Rows))
	o.gauss.paramGrad(t.gS, o.c.V, t.m.B, -1/nc)
	o.gauss.couplingGrad(t.gS, o.dots)
}

// biasPart is the part that updates the visible biases (and Gaussian
// units' σ): part 0, or with centering or learned σ the last part, which
// ends the chain of Δb or of the coupling sums.
func (o *ownedStep) biasPart() int {
	if o.t.Centered || o.learnSigma() {
		return len(o.parts) - 1
	}
	return 0
}

// center is part p's share of the centered update (Trainer.center): ΔW
// and Δc of its block, then its link of Δb's chain, continued from part
// p−1's (the last part's link ends it in t.gB); then it moves its
// offsets λ, and the last part μ — every part has read μ by then, since
// each reads it before its link of the chain.
func (o *ownedStep) center(p int) {
	t, k := o.t, &o.parts[p]
	k.cen.fit(t.m.NVisible(), k.w.Cols)
	centerBlock(&k.cen, k.gw, k.gc, k.gb, t.mu, k.lam)
	k.packed.Pack(k.gw, true) // W_p's pack is done with for this step
	if p == 0 {
		copy(t.gB, k.gb)
	} else {
		k.wait(&o.cen.n, int64(p))
	}
	centerBias(&k.cen, &k.packed, t.gB, k.lam)
	o.cen.n.Store(int64(p + 1))
	updateOffsets(k.lam, k.ph0, t.OffsetRate)
	copy(t.lambda[k.h0:k.h1], k.lam)
	if p == len(o.parts)-1 {
		updateOffsets(t.mu, o.v0, t.OffsetRate)
	}
}

// indexBatch indexes the batch's ones for part p and the others: part 0
// by rows (every part's first up pass), the last part by columns (every
// part's data statistics; the last part needs them first); with more
// parts the others wait for part 0's.
func (o *ownedStep) indexBatch(p int) {
	k := &o.parts[p]
	switch p {
	case 0:
		o.v0rows.Index(o.v0, false)
		o.ixRows.n.Store(1)
		if len(o.parts) == 1 {
			o.v0cols.Index(o.v0, true)
			o.ixCols.n.Store(1)
		}
	case len(o.parts) - 1:
		o.v0cols.Index(o.v0, true)
		o.ixCols.n.Store(1)
		fallthrough
	default:
		k.wait(&o.ixRows.n, 1)
	}
}

// indexBlock indexes row block b of the chains once its last units are
// sampled, for every part's next up pass; after the last block of the
// last down pass (pass s), also the final chains by columns, for every
// part's gradient. Bernoulli units only.
func (o *ownedStep) indexBlock(s, b int) {
	if o.gauss != nil {
		return
	}
	o.blockIx[b].Index(&o.blocks[b].v, false)
	if s == len(o.keys)-1 && b == len(o.blocks)-1 {
		o.vcols.Index(o.c.V, true)
		o.ixV.n.Store(1)
	}
}

// hiddenProbs sets dst = σ(v·w + c) for the part's hidden units
// (RBM.HiddenProbs on a block of them), the pad 0.
func (k *ownedPart) hiddenProbs(dst, v *tensor.Matrix) {
	tensor.MatMul(dst, v, k.w)
	tensor.SigmoidBiasRows(dst, k.c)
	k.clearPad(dst)
}

// clearPad zeroes the pad columns of a padded-width matrix of the part's
// hidden units: probabilities 0, so their samples and gradient are 0 and
// the pad's weights stay 0 (they add exact zeros to every sum).
func (k *ownedPart) clearPad(m *tensor.Matrix) {
	if w := k.h1 - k.h0; w < m.Cols {
		for r := range m.Rows {
			clear(m.Row(r)[w:])
		}
	}
}

// dataStats computes part p's data statistics once a step — ⟨v hᵀ⟩ and
// ⟨h⟩ under the data, the first terms of its gradient block, and for part
// 0 ⟨v⟩, the first term of the visible biases' gradient — in the order
// of the one-core step (the chains' terms are added after).
func (o *ownedStep) dataStats(p int) {
	k := &o.parts[p]
	t := o.t
	n := float32(o.v0.Rows)
	if o.gauss == nil {
		k.wait(&o.ixCols.n, 1) // the batch's columns, indexed by the last part
	}
	switch {
	case o.gauss != nil:
		tensor.GemmPackedA(&o.ax0t, k.ph0, 0, k.gw) // Gemm(true, false, 1/n, x0, ph0, 0, gw)'s bits
	case o.v0cols.Gathers():
		tensor.GemmOnes(1/n, &o.v0cols, k.ph0, 0, k.gw) // the same bits
	default:
		tensor.Gemm(true, false, 1/n, o.v0, k.ph0, 0, k.gw)
	}
	clear(k.gc)
	tensor.ColumnSums(k.gc, k.ph0, 1/n)
	if p == o.biasPart() || t.Centered {
		clear(k.gb)
		t.m.units().BiasGrad(k.gb, o.v0, t.m.B, 1/n)
	}
}

// pass runs part p's share of Gibbs pass s ≥ 1 block by block: once the
// block's visible units of pass s−1 are sampled, σ(v·W_p + c_p) of its
// rows, and, but in the final up pass (s = K, probabilities only), their
// samples and the block's sums (sums). Part 0 first samples its half of
// the block's visible units of pass s−1 when that pass shared them.
func (o *ownedStep) pass(p, s int) {
	k := &o.parts[p]
	nb := len(o.blocks)
	lastPart := &o.parts[len(o.parts)-1]
	nv, nh := o.t.m.NVisible(), o.t.m.NHidden()
	split := o.split(s - 1)
	for b := range o.blocks {
		blk := &o.blocks[b]
		prev := int64((s-1)*nb + b + 1)
		k.wait(&lastPart.done.n, prev)
		if split < nv {
			if p == 0 {
				k.touched += touchLines(blk.pv.Data) // the last part's sums
				o.finish(blk, split, nv, o.keys[s-1].v)
				o.indexBlock(s-1, b)
				o.fin.n.Store(prev)
			} else {
				k.wait(&o.fin.n, prev)
			}
		}
		ph := &k.phb[b]
		if o.gauss != nil {
			k.upBlock(ph, &blk.x, nil)
		} else {
			k.upBlock(ph, &blk.v, &o.blockIx[b])
		}
		if s < len(o.keys) {
			o.keys[s].h.SampleRows(&k.hb[b], ph, blk.r0*nh+k.h0, nh)
			o.sums(p, s, b)
		}
	}
}

// wait is tensor.WaitAtLeast(c, v) for part k, timed.
func (k *ownedPart) wait(c *atomic.Int64, v int64) {
	if c.Load() >= v {
		return
	}
	t0 := time.Now()
	tensor.WaitAtLeast(c, v)
	k.waited += time.Since(t0)
}

// upBlock sets dst = σ(v·w + c) for a row block v of the chains: the
// gather kernel when v is binary and sparse enough (sampled states
// nearly always are), else a product with w packed once a step.
func (k *ownedPart) upBlock(dst, v *tensor.Matrix, ix *tensor.Ones) {
	if ix != nil && ix.Gathers() {
		tensor.GemmOnes(1, ix, k.w, 0, dst)
	} else if ix != nil || !tensor.GemmBinary(1, v, k.w, 0, dst) {
		if !k.upPacked {
			k.up.Pack(k.w, false)
			k.upPacked = true
		}
		tensor.GemmPacked(1, v, &k.up, 0, dst)
	}
	tensor.SigmoidBiasRows(dst, k.c)
	k.clearPad(dst)
}

// split is the first visible unit of a block that part 0 samples in pass
// s: none in the first pass (the last part samples them all while part 0
// computes its data statistics), the second half in later passes.
func (o *ownedStep) split(s int) int {
	nv := o.t.m.NVisible()
	if s == 0 {
		return nv
	}
	return nv / 2 &^ (ownedMinCols - 1)
}

// sums is part p's share of row block b of the down pass of Gibbs pass s:
// the sums of h·Wᵀ over its hidden units, continued from part p−1's. The
// last part then adds the bias, takes the sigmoid and samples the block's
// visible units up to split(s) (part 0 samples the rest in pass s+1).
func (o *ownedStep) sums(p, s, b int) {
	k := &o.parts[p]
	blk := &o.blocks[b]
	n := int64(s*len(o.blocks) + b + 1)
	beta := float32(1)
	if p == 0 {
		beta = 0
	} else {
		k.wait(&o.parts[p-1].done.n, n)
		k.touched += touchLines(blk.pv.Data) // part p−1's sums
	}
	tensor.GemmPacked(1, &k.hb[b], &k.packed, beta, &blk.pv)
	if p == len(o.parts)-1 {
		o.finish(blk, 0, o.split(s), o.keys[s].v)
		if o.split(s) == o.t.m.NVisible() {
			o.indexBlock(s, b)
		}
	}
	k.done.n.Store(n)
}

// touchLines reads one float of every cache line of x, the loads
// independent of each other, so that lines another core has just written
// arrive in parallel instead of a tile of a product at a time. Measured
// on a row block of the down pass (12 × 784 partial sums written by one
// core, continued by the other, 9 blocks): 378–392 µs a pass without, 326–347
// with, 256 when the same core had written them.
// It returns their sum, which the caller keeps (so the loads are not
// dropped as dead code).
func touchLines(x []float32) float32 {
	var s float32
	for i := 0; i < len(x); i += 16 {
		s += x[i]
	}
	return s
}

// finish takes σ(· + b) of visible units [c0, c1) of a block's summed
// fields and samples them with key.
func (o *ownedStep) finish(blk *ownedBlock, c0, c1 int, key uint64) {
	if c0 >= c1 {
		return
	}
	m := o.t.m
	if o.gauss != nil {
		// Gaussian.Field and Sample on the block's columns, then x = v/σ.
		gaussianField(&blk.pv, m.B, o.sig, c0, c1)
		tensor.NormalKey(key).SampleCols(&blk.v, &blk.pv, o.sig, c0, c1, blk.r0*m.NVisible())
		for r := range blk.v.Rows {
			scaleRow(blk.x.Row(r)[c0:c1], blk.v.Row(r)[c0:c1], o.inv[c0:c1])
		}
		return
	}
	tensor.SigmoidBiasCols(&blk.pv, m.B, c0, c1)
	tensor.BernoulliKey(key).SampleCols(&blk.v, &blk.pv, c0, c1, blk.r0*m.NVisible())
}
