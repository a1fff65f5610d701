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
// 0 when it does not apply (Gaussian units of an old checkpoint, whose
// normal draws come from one sequential stream; one free core; too few
// chains).
func (m *RBM) gibbsCores(n int) int {
	if g, ok := m.units().(*Gaussian); ok && g.serial {
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
// samples its units at their offsets in the batch (BernoulliKey.SampleRows,
// NormalKey.SampleCols for Gaussian units), with the products and
// sigmoids computed element by element as one call over all rows would:
// the bits of Gibbs, for any np.
func (m *RBM) gibbsRows(c *Chain, k, np int, rng *tensor.Rand) {
	n := c.V.Rows
	g := &gibbsRun{m: m, c: c, keys: make([]uint64, 0, 2*min(k, gibbsRound)), rows: make([][2]int, np)}
	for p := range g.rows {
		g.rows[p] = [2]int{p * n / np, (p + 1) * n / np}
	}
	if u, ok := m.units().(*Gaussian); ok {
		g.gauss = u
		g.sig = make([]float32, m.NVisible())
		u.fillScaled(g.sig, 1, 1) // Sample's σ
		g.x = make([]*tensor.Matrix, np)
	}
	crew := tensor.NewCrew(np)
	defer crew.Close()
	for done := 0; done < k; {
		steps := min(k-done, gibbsRound)
		g.keys = g.keys[:0]
		for range steps {
			g.keys = append(g.keys, rng.Uint64(), rng.Uint64())
		}
		crew.Run(g)
		done += steps
	}
}

// gibbsRun is one round of gibbsRows.
type gibbsRun struct {
	m    *RBM
	c    *Chain
	keys []uint64 // for each step: the hidden layer's key, the visible layer's
	rows [][2]int // each part's chains [r0, r1)
	// Gaussian units: σ, and each part's x(v) = v/σ.
	gauss *Gaussian
	sig   []float32
	x     []*tensor.Matrix
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
		// Up and Down (chainInput, VisibleMeans, Sample) on the block.
		x := v
		if g.gauss != nil {
			g.x[p] = g.gauss.Input(g.x[p], v)
			x = g.x[p]
		}
		tensor.MatMul(ph, x, m.W)
		tensor.SigmoidBiasRows(ph, m.C)
		tensor.BernoulliKey(g.keys[s]).SampleRows(h, ph, r0*nh, nh)
		m.VisibleMeans(pv, h)
		if g.gauss != nil {
			tensor.NormalKey(g.keys[s+1]).SampleCols(v, pv, g.sig, 0, nv, r0*nv)
		} else {
			tensor.BernoulliKey(g.keys[s+1]).SampleRows(v, pv, r0*nv, nv)
		}
	}
}
