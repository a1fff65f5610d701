package rbm

import (
	"github.com/ebm-go/ebm/internal/tensor"
)

// gibbsRound is how many Gibbs steps a crew call of gibbsRows runs: the
// keys of a round are drawn before it starts.
const gibbsRound = 256

// gibbsMinRows is the fewest chains a core of gibbsRows takes.
const gibbsMinRows = 12

// gibbsCores returns how many cores gibbsRows would run n chains of m on:
// 0 when it does not apply (units other than Bernoulli, whose samples are
// drawn from one sequential stream; one free core; too few chains).
func (m *RBM) gibbsCores(n int) int {
	if !isBernoulli(m.units()) {
		return 0
	}
	p := min(tensor.FreeCores(), n/gibbsMinRows)
	if p < 2 {
		return 0
	}
	return p
}

// gibbsRows is Gibbs on np cores: the chains are cut into np blocks of
// rows, and each block runs on one core from the first step to the last
// (tensor.Crew; the chains are independent, W is only read). Every
// sampling call's key is drawn from rng in Gibbs's order, and each block
// samples its units at their offsets in the batch (BernoulliKey.SampleRows),
// with the products and sigmoids computed element by element as one call
// over all rows would: the bits of Gibbs, for any np. Bernoulli units
// only (the caller checks).
func (m *RBM) gibbsRows(c *Chain, k, np int, rng *tensor.Rand) {
	n := c.V.Rows
	g := &gibbsRun{m: m, c: c, keys: make([]tensor.BernoulliKey, 0, 2*min(k, gibbsRound)), rows: make([][2]int, np)}
	for p := range g.rows {
		g.rows[p] = [2]int{p * n / np, (p + 1) * n / np}
	}
	crew := tensor.NewCrew(np)
	defer crew.Close()
	for done := 0; done < k; {
		steps := min(k-done, gibbsRound)
		g.keys = g.keys[:0]
		for range steps {
			g.keys = append(g.keys, rng.BernoulliKey(), rng.BernoulliKey())
		}
		crew.Run(g)
		done += steps
	}
}

// gibbsRun is one round of gibbsRows.
type gibbsRun struct {
	m    *RBM
	c    *Chain
	keys []tensor.BernoulliKey // for each step: the hidden layer's key, the visible layer's
	rows [][2]int              // each part's chains [r0, r1)
}

func (g *gibbsRun) RunPart(p int) {
	m, c := g.m, g.c
	r0, r1 := g.rows[p][0], g.rows[p][1]
	if r0 >= r1 {
		return
	}
	nv, nh := m.NVisible(), m.NHidden()
	v, h, pv, ph := c.V.SliceRows(r0, r1), c.H.SliceRows(r0, r1), c.PV.SliceRows(r0, r1), c.PH.SliceRows(r0, r1)
	for s := 0; s < len(g.keys); s += 2 {
		m.HiddenProbs(ph, v)
		g.keys[s].SampleRows(h, ph, r0*nh, nh)
		m.VisibleMeans(pv, h)
		g.keys[s+1].SampleRows(v, pv, r0*nv, nv)
	}
}
