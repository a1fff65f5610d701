package rbm

import (
	"sync/atomic"

	"github.com/ebm-go/ebm/internal/tensor"
)

// ownedStep is the training step of Bernoulli RBMs by CD, PCD and Restart
// on several cores, with the weights owned by the cores: part p of P keeps
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
//     last part adds the bias, takes the sigmoid and samples the block
//     (in the passes after the first, part 0 does half the units);
//   - every sample is drawn with the key the one-core step draws for that
//     sampling call (BernoulliKey), at the unit's offset in the batch.
//
// Parts run on a tensor.Crew, part p on the same core every time, one
// call per phase: the first up pass and down pass, each further Gibbs
// step, and the final statistics and update.
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

	// What the crew's current call runs.
	phase      int
	keyH, keyV tensor.BernoulliKey
	lr, mom    float32

	// valid: the parts hold the model's current W and the trainer's vW;
	// dirty: the parts' W and vW are newer than the model's (flush).
	valid, dirty bool
}

const (
	phaseFirst = iota // p(h|v0); the first up pass; a down pass
	phaseSweep        // an up pass and a down pass
	phaseFinal        // p(h|v) of the chains, the gradient, the update
)

type ownedPart struct {
	h0, h1    int            // hidden units [h0, h1)
	w, vw, gw *tensor.Matrix // columns h0…h1−1 of W, its velocity and gradient
	packed    tensor.PackedB // w packed for h·wᵀ (once per step)
	ph0       *tensor.Matrix // p(h|v0) of the batch
	ph, h     *tensor.Matrix // the chains' p(h|v) and h
	hb        []tensor.Matrix
	done      atomic.Int64 // row blocks of the current down pass finished
	statsDone bool         // dataStats ran this step
	_         [56]byte     // keeps the next part's counter off this cache line
}

type ownedBlock struct {
	r0, r1 int
	v, pv  tensor.Matrix // rows r0…r1−1 of the chains' V and PV
}

// ownedMinCols is the fewest hidden units a part owns: a 64-byte cache
// line of float32s, so that parts never write to the same line of a row.
const ownedMinCols = 16

// ownedParts returns how many parts the owned step should use for t, or 0
// when it does not apply: units other than Bernoulli, PT (its
// temperatures run on a core each), centering or sparsity (they mix the
// columns of the gradient), one free core (GOMAXPROCS less the cores of
// the owned steps of other trainings running now), or too few hidden
// units.
func (t *Trainer) ownedParts() int {
	if !isBernoulli(t.m.units()) || t.Centered || (t.SparsityTarget > 0 && t.SparsityCost > 0) {
		return 0
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

// newOwnedStep cuts the hidden units into np blocks, whole cache lines
// (ownedMinCols) but for the last block's end. The last part also
// finishes every block of the first down pass (σ and sampling of nv units
// per chain row), so it gets nv/(lastPartLess·K) hidden units fewer.
func newOwnedStep(t *Trainer, np int) *ownedStep {
	nv, nh := t.m.NVisible(), t.m.NHidden()
	o := &ownedStep{t: t, parts: make([]ownedPart, np), crew: tensor.NewCrew(np)}
	lines := nh / ownedMinCols
	lastLines := max(1, min(lines/np, (nh-nv/(lastPartLess*max(t.K, 1)))/np/ownedMinCols))
	for p := range o.parts {
		k := &o.parts[p]
		k.h0 = p * (lines - lastLines) / (np - 1) * ownedMinCols
		k.h1 = (p + 1) * (lines - lastLines) / (np - 1) * ownedMinCols
		if p == np-1 {
			k.h1 = nh
		}
		w := k.h1 - k.h0
		k.w, k.vw, k.gw = tensor.New(nv, w), tensor.New(nv, w), tensor.New(nv, w)
	}
	return o
}

// lastPartLess: the last part owns nv/lastPartLess hidden units fewer than
// an even share. Chosen by interleaved runs of the 784 → 500 CD-1 step on
// two cores (five trainers in one process, 40 rounds of 50 steps each, the
// one-core step 1.63–1.67 ms beside them): 256/244 hidden units 1.198 ms
// a step, 280/220 (nv/16) 1.033, 288/212 (nv/12) 0.972 and 0.974, 304/196
// (nv/10 and nv/8) 0.964 and 1.068, 320/180 (nv/6) 1.054. But in those
// runs only the first trainer's crew found CPUs free to bind; in the
// steady-state benchmark (BenchmarkTrainStep/cd at -cpu 2, test binaries
// built with each setting, five interleaved rounds) nv/12, nv/24 and an
// even split were within the noise of each other: 936–985, 883–970 and
// 931–979 µs a step.
//
// Only the first of the K Gibbs steps of an update leaves the last part
// all the finishing (later ones share it, see down), so with K steps the
// last part owns nv/(12·K) units fewer. Restart-5 (batch and chains 500),
// each setting's crew made afresh for every 6 steps, interleaved: an even
// split 16.39 ms a step, nv/60 16.87, nv/36 16.56, nv/12 17.76 (one core:
// 26.95).
const lastPartLess = 12

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
			copy(k.w.Row(i), m.W.Row(i)[k.h0:k.h1])
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
		w := k.h1 - k.h0
		k.ph0 = k.ph0.Resize(n, w)
		k.ph, k.h = k.ph.Resize(nc, w), k.h.Resize(nc, w)
	}
	np := len(o.parts)
	size := (nc + 8*np - 1) / (8 * np)
	size = max(12, (size+5)/6*6)
	nb := (nc + size - 1) / size
	if cap(o.blocks) < nb {
		o.blocks = make([]ownedBlock, nb)
	}
	o.blocks = o.blocks[:nb]
	nv := c.V.Cols
	for b := range o.blocks {
		r0, r1 := b*size, min((b+1)*size, nc)
		blk := &o.blocks[b]
		blk.r0, blk.r1 = r0, r1
		blk.v = tensor.Matrix{Rows: r1 - r0, Cols: nv, Data: c.V.Data[r0*nv : r1*nv]}
		blk.pv = tensor.Matrix{Rows: r1 - r0, Cols: nv, Data: c.PV.Data[r0*nv : r1*nv]}
	}
	for p := range o.parts {
		k := &o.parts[p]
		if cap(k.hb) < nb {
			k.hb = make([]tensor.Matrix, nb)
		}
		k.hb = k.hb[:nb]
		w := k.h1 - k.h0
		for b, blk := range o.blocks {
			k.hb[b] = tensor.Matrix{Rows: blk.r1 - blk.r0, Cols: w, Data: k.h.Data[blk.r0*w : blk.r1*w]}
		}
	}
	o.fitN, o.fitC, o.fitV, o.fitP = n, c, &c.V.Data[0], &c.PV.Data[0]
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
	if o.fitN != v0.Rows || o.fitC != c || o.fitV != &c.V.Data[0] || o.fitP != &c.PV.Data[0] || len(o.blocks) == 0 || o.blocks[len(o.blocks)-1].r1 != c.V.Rows {
		o.fit(v0.Rows, c)
	}
	o.c, o.v0, o.lr, o.mom = c, v0, lr, mom
	for p := range o.parts {
		o.parts[p].statsDone = false
	}
	sweeps := t.K
	for s := range sweeps {
		o.phase = phaseSweep
		if s == 0 {
			o.phase = phaseFirst
		}
		o.keyH, o.keyV = t.rng.BernoulliKey(), t.rng.BernoulliKey()
		for p := range o.parts {
			o.parts[p].done.Store(0)
		}
		o.crew.Run(o)
	}
	o.phase = phaseFinal
	o.crew.Run(o)
}

// RunPart runs part p of the current phase.
func (o *ownedStep) RunPart(p int) {
	defer tensor.OwnCore()()
	t, k, c := o.t, &o.parts[p], o.c
	m := t.m
	cp := m.C[k.h0:k.h1]
	nh := m.NHidden()
	last := p == len(o.parts)-1
	switch o.phase {
	case phaseFirst, phaseSweep:
		if o.phase == phaseFirst {
			k.packed.Pack(k.w, true)
			hiddenProbs(k.ph0, o.v0, k.w, cp)
		}
		if o.phase == phaseFirst && t.Method == CD {
			o.keyH.SampleRows(k.h, k.ph0, k.h0, nh)
		} else {
			hiddenProbs(k.ph, c.V, k.w, cp)
			o.keyH.SampleRows(k.h, k.ph, k.h0, nh)
		}
		// The data half of the statistics, which the chains do not
		// change, fills a wait: the last part's for the first sums of
		// the pass, the others' for the last part to end it.
		if last {
			o.dataStats(p)
		}
		o.down(p)
		if !last {
			o.dataStats(p)
		}
	case phaseFinal:
		nc := float32(c.V.Rows)
		o.dataStats(p)
		hiddenProbs(k.ph, c.V, k.w, cp)
		tensor.Gemm(true, false, -1/nc, c.V, k.ph, 1, k.gw)
		gC, vC := t.gC[k.h0:k.h1], t.vC[k.h0:k.h1]
		tensor.ColumnSums(gC, k.ph, -1/nc)
		lr, mom := o.lr, o.mom
		tensor.MomentumStep(k.w.Data, k.vw.Data, k.gw.Data, lr, mom, float32(t.WeightDecay))
		for i, g := range gC {
			vC[i] = mom*vC[i] + lr*g
		}
		tensor.Axpy(1, vC, cp)
		if p == 0 {
			tensor.ColumnSums(t.gB, c.V, -1/nc)
			for i, g := range t.gB {
				t.vB[i] = mom*t.vB[i] + lr*g
			}
			tensor.Axpy(1, t.vB, m.B)
		}
	}
}

// hiddenProbs sets dst = σ(v·w + c) for a part's columns w of W and c of
// the hidden biases (RBM.HiddenProbs on a block of hidden units).
func hiddenProbs(dst, v, w *tensor.Matrix, c []float32) {
	tensor.MatMul(dst, v, w)
	tensor.SigmoidBiasRows(dst, c)
}

// dataStats computes part p's data statistics once a step — ⟨v hᵀ⟩ and
// ⟨h⟩ under the data, the first terms of its gradient block, and for part
// 0 ⟨v⟩, the first term of the visible biases' gradient — in the order
// of the one-core step (the chains' terms are added after).
func (o *ownedStep) dataStats(p int) {
	k := &o.parts[p]
	if k.statsDone {
		return
	}
	k.statsDone = true
	t := o.t
	n := float32(o.v0.Rows)
	tensor.Gemm(true, false, 1/n, o.v0, k.ph0, 0, k.gw)
	gC := t.gC[k.h0:k.h1]
	clear(gC)
	tensor.ColumnSums(gC, k.ph0, 1/n)
	if p == 0 {
		clear(t.gB)
		tensor.ColumnSums(t.gB, o.v0, 1/n)
	}
}

// down is part p's share of the down pass: for each row block, the sums
// of h·Wᵀ over its hidden units, continued from part p−1's; the last part
// then adds the bias, takes the sigmoid and samples the block's visible
// units. In the passes after the first, part 0 — done with its sums
// first, and with no data statistics left to fill its wait — finishes the
// second half of each block's visible units once the last part's sums of
// the block are done, and the last part only the first half.
func (o *ownedStep) down(p int) {
	k := &o.parts[p]
	last := p == len(o.parts)-1
	m := o.t.m
	nv := m.NVisible()
	split := nv
	if o.phase == phaseSweep {
		split = nv / 2 &^ (ownedMinCols - 1)
	}
	beta := float32(1)
	if p == 0 {
		beta = 0
	}
	for b := range o.blocks {
		blk := &o.blocks[b]
		if p > 0 {
			tensor.WaitAtLeast(&o.parts[p-1].done, int64(b)+1)
		}
		tensor.GemmPacked(1, &k.hb[b], &k.packed, beta, &blk.pv)
		if last {
			o.finish(blk, 0, split)
		}
		k.done.Store(int64(b) + 1)
	}
	if p == 0 && split < nv {
		lastPart := &o.parts[len(o.parts)-1]
		for b := range o.blocks {
			tensor.WaitAtLeast(&lastPart.done, int64(b)+1)
			o.finish(&o.blocks[b], split, nv)
		}
	}
}

// finish takes σ(· + b) of visible units [c0, c1) of a block's summed
// fields and samples them.
func (o *ownedStep) finish(blk *ownedBlock, c0, c1 int) {
	if c0 >= c1 {
		return
	}
	m := o.t.m
	tensor.SigmoidBiasCols(&blk.pv, m.B, c0, c1)
	o.keyV.SampleCols(&blk.v, &blk.pv, c0, c1, blk.r0*m.NVisible())
}
