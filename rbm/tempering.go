package rbm

import (
	"math"

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

func (t *Trainer) initTempered(nv, nh int) {
	t.betas = PTBetas(t.Temperatures)
	t.tempered = make([]*Chain, t.Temperatures)
	for i := range t.tempered {
		t.tempered[i] = resizeChain(nil, t.Chains, nv, nh)
	}
	t.swapTries = make([]int, t.Temperatures-1)
	t.swapAccept = make([]int, t.Temperatures-1)
	t.eLo = make([]float64, t.Chains)
	t.eHi = make([]float64, t.Chains)
}

// upBeta samples h ~ p_β(h|v) = σ(β(c + vW)).
func (m *RBM) upBeta(c *Chain, beta float32, rng *tensor.Rand) {
	m.HiddenInputs(c.PH, c.V)
	scaledSigmoid(c.PH.Data, beta)
	rng.BernoulliFast(c.H.Data, c.PH.Data)
}

// downBeta samples v ~ p_β(v|h) = σ(β(b + Wh)).
func (m *RBM) downBeta(c *Chain, beta float32, rng *tensor.Rand) {
	m.VisibleInputs(c.PV, c.H)
	scaledSigmoid(c.PV.Data, beta)
	rng.BernoulliFast(c.V.Data, c.PV.Data)
}

func scaledSigmoid(x []float32, beta float32) {
	if beta != 1 {
		tensor.Scale(x, beta)
	}
	tensor.SigmoidInto(x, x)
}

// temperedStep runs k Gibbs steps in every tempered chain set, then offers
// swaps between neighbouring temperatures, even pairs and odd pairs on
// alternate updates. After k steps each chain's (V, H) is a joint sample
// (H generated V), so the swap of chain r between β_i and β_j is accepted
// with probability min(1, exp((β_i − β_j)(E(x_i) − E(x_j)))), which keeps
// the product of the tempered joint distributions invariant.
func (t *Trainer) temperedStep() {
	m := t.m
	for i, c := range t.tempered {
		for range t.K {
			m.upBeta(c, t.betas[i], t.rng)
			m.downBeta(c, t.betas[i], t.rng)
		}
	}
	start := t.ptRound % 2
	t.ptRound++
	for i := start; i+1 < len(t.tempered); i += 2 {
		a, b := t.tempered[i], t.tempered[i+1]
		t.eScratch = m.jointEnergies(t.eLo, a, t.eScratch)
		t.eScratch = m.jointEnergies(t.eHi, b, t.eScratch)
		db := float64(t.betas[i] - t.betas[i+1])
		for r := range t.eLo {
			t.swapTries[i]++
			logA := db * (t.eLo[r] - t.eHi[r])
			if logA >= 0 || t.rng.Float64() < math.Exp(logA) {
				t.swapAccept[i]++
				swapRows(a.V, b.V, r)
				swapRows(a.H, b.H, r)
			}
		}
	}
}

// jointEnergies sets e[r] = E(V_r, H_r) = −bᵀv − cᵀh − vᵀ(Wh) for every
// chain of c, with Wh for all chains from one matrix product into scratch
// (resized as needed and returned).
func (m *RBM) jointEnergies(e []float64, c *Chain, scratch *tensor.Matrix) *tensor.Matrix {
	scratch = scratch.Resize(c.H.Rows, m.NVisible())
	tensor.MatMulTB(scratch, c.H, m.W)
	for r := range e {
		v := c.V.Row(r)
		e[r] = -tensor.Dot(m.B, v) - tensor.Dot(m.C, c.H.Row(r)) - tensor.Dot(v, scratch.Row(r))
	}
	return scratch
}

func swapRows(a, b *tensor.Matrix, r int) {
	x, y := a.Row(r), b.Row(r)
	for j := range x {
		x[j], y[j] = y[j], x[j]
	}
}

// SwapRates returns, for each neighbouring pair of temperatures, the
// fraction of proposed swaps accepted so far (PT only; nil otherwise).
func (t *Trainer) SwapRates() []float64 {
	if t.swapTries == nil {
		return nil
	}
	r := make([]float64, len(t.swapTries))
	for i := range r {
		if t.swapTries[i] > 0 {
			r[i] = float64(t.swapAccept[i]) / float64(t.swapTries[i])
		}
	}
	return r
}
