package rbm

import (
	"context"
	"math"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/internal/testutil"
)

// exactGradient returns ∂/∂θ of the mean log-likelihood of data, by
// enumerating every visible state.
func exactGradient(m *RBM, data *tensor.Matrix) (gW []float64, gB, gC []float64) {
	nv, nh := m.NVisible(), m.NHidden()
	gW = make([]float64, nv*nh)
	gB = make([]float64, nv)
	gC = make([]float64, nh)
	acc := func(v []float32, weight float64) {
		ph := tensor.New(1, nh)
		m.HiddenProbs(ph, tensor.FromSlice(1, nv, v))
		for i := range nv {
			gB[i] += weight * float64(v[i])
			for j := range nh {
				gW[i*nh+j] += weight * float64(v[i]) * float64(ph.Data[j])
			}
		}
		for j := range nh {
			gC[j] += weight * float64(ph.Data[j])
		}
	}
	for r := 0; r < data.Rows; r++ {
		acc(data.Row(r), 1/float64(data.Rows))
	}
	lz, _ := m.ExactLogZ(context.Background())
	V := testutil.States(nv)
	for i := 0; i < V.Rows; i++ {
		acc(V.Row(i), -math.Exp(m.LogProb(V.Row(i), lz)))
	}
	return gW, gB, gC
}

// TestCDLargeKMatchesExactGradient checks that CD-k with many chains and
// large k estimates the exact likelihood gradient. The positive phase is
// exact (probabilities), so the error is the negative phase's Monte Carlo
// error: each model statistic is a mean of nc values in [0,1] — variance at
// most 1/4 per chain — so its standard error is at most 0.5/√nc. With k = 100
// on a 4×3 model with unit-scale weights the chains have mixed (the
// mixing-time bias is far below that), and 5 standard errors bound all 19
// components with a failure probability below 1e-5.
func TestCDLargeKMatchesExactGradient(t *testing.T) {
	for _, method := range []Method{CD, PCD, PT} {
		m := randomRBM(4, 3, 1, 21)
		data := tensor.FromSlice(4, 4, []float32{
			1, 0, 1, 0,
			1, 1, 0, 0,
			0, 0, 1, 1,
			1, 1, 1, 0,
		})
		const copies = 5000
		nc := 4 * copies
		batch := tensor.New(nc, 4)
		for r := 0; r < nc; r++ {
			copy(batch.Row(r), data.Row(r%4))
		}
		cfg := DefaultConfig()
		cfg.Method, cfg.K, cfg.BatchSize, cfg.Chains = method, 100, nc, nc
		// PT with 3 temperatures (1, 2/3, 1/3): the statistics are taken after
		// the swap round, so a wrong acceptance rule would leak hotter states
		// into the β = 1 chains and bias the estimate.
		cfg.Temperatures = 3
		tr, err := NewTrainer(cfg, m, tensor.NewRand(99))
		if err != nil {
			t.Fatal(err)
		}
		switch method {
		case PCD:
			// Persistent chains start at the data, as Train would do.
			tr.persistent = resizeChain(nil, nc, 4, 3)
			tr.persistent.V.CopyFrom(batch)
		case PT:
			tr.initTempered(4, 3)
			for _, c := range tr.pt.Chains {
				c.V.CopyFrom(batch)
			}
		}
		tr.gradient(batch)
		wW, wB, wC := exactGradient(m, data)
		tol := 5 * 0.5 / math.Sqrt(float64(nc))
		check := func(name string, got []float32, want []float64) {
			for i := range want {
				if d := math.Abs(float64(got[i]) - want[i]); d > tol {
					t.Errorf("%s: %s[%d] = %.5f, exact %.5f (|Δ| %.4f > tol %.4f)", method, name, i, got[i], want[i], d, tol)
				}
			}
		}
		check("W", tr.gW.Data, wW)
		check("b", tr.gB, wB)
		check("c", tr.gC, wC)
	}
}

// TestCD1IsBiased guards the test above against being vacuous: with k = 1
// from the data, the estimate must differ from the exact gradient by more
// than the Monte Carlo tolerance on this strongly-coupled model.
func TestCD1IsBiased(t *testing.T) {
	m := randomRBM(4, 3, 3, 4)
	data := tensor.FromSlice(2, 4, []float32{1, 0, 1, 0, 0, 1, 0, 1})
	const nc = 20000
	batch := tensor.New(nc, 4)
	for r := 0; r < nc; r++ {
		copy(batch.Row(r), data.Row(r%2))
	}
	cfg := DefaultConfig()
	cfg.BatchSize = nc
	tr, _ := NewTrainer(cfg, m, tensor.NewRand(1))
	tr.gradient(batch)
	wW, _, _ := exactGradient(m, data)
	tol := 5 * 0.5 / math.Sqrt(nc)
	var maxd float64
	for i := range wW {
		maxd = math.Max(maxd, math.Abs(float64(tr.gW.Data[i])-wW[i]))
	}
	if maxd < 2*tol {
		t.Fatalf("CD-1 matched the exact gradient (max |Δ| %.4f): the comparison cannot detect a wrong chain", maxd)
	}
}

// TestGibbsSamplesModelDistribution compares the empirical distribution of
// independent chains after many steps with the exact p(v). Each state's
// frequency over N chains has standard error √(p(1−p)/N); we allow 5.
func TestGibbsSamplesModelDistribution(t *testing.T) {
	m := randomRBM(4, 3, 1.2, 8)
	b := enumerate(m)
	const n = 40000
	states, _ := m.Sample(n, 50, nil, tensor.NewRand(5))
	counts := make([]float64, 16)
	for r := 0; r < n; r++ {
		idx := 0
		for j, x := range states.Row(r) {
			idx |= int(x) << j
		}
		counts[idx]++
	}
	for i := range counts {
		p := math.Exp(b.logPV[i])
		f := counts[i] / n
		if se := math.Sqrt(p * (1 - p) / n); math.Abs(f-p) > 5*se+1e-9 {
			t.Errorf("state %04b: frequency %.4f, p(v) %.4f (5σ = %.4f)", i, f, p, 5*se)
		}
	}
}
