package rbm

import (
	"context"
	"math"
	"path/filepath"
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

// gradientProblem is the 4×3 model and four data rows the gradient tests
// compare estimates with enumeration on.
func gradientProblem() (*RBM, *tensor.Matrix) {
	return randomRBM(4, 3, 1, 21), tensor.FromSlice(4, 4, []float32{
		1, 0, 1, 0,
		1, 1, 0, 0,
		0, 0, 1, 1,
		1, 1, 1, 0,
	})
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
	for _, method := range []Method{CD, PCD, PT, Restart} {
		m, data := gradientProblem()
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

// TestCenteredGradient checks the centered update against its definition
// computed by enumeration: with offsets μ, λ, ΔW = ⟨(v−μ)(h−λ)ᵀ⟩_data −
// ⟨(v−μ)(h−λ)ᵀ⟩_model with h replaced by p(h|v) (exact in both phases
// here), and the plain-parameter bias steps Δb = ⟨v⟩_d − ⟨v⟩_m − ΔW λ,
// Δc = ⟨h⟩_d − ⟨h⟩_m − ΔWᵀ μ. The model phase comes from nc chains of
// 100 Gibbs steps (mixed on this model, as above); ΔW's entries are means
// of values in [−1, 1] (standard error ≤ 1/√nc); Δb_i is a [0,1] mean
// (≤ 0.5/√nc) minus Σ_j λ_j ΔW_ij, so its error is at most (0.5 + Σλ)/√nc,
// and Δc's (0.5 + Σμ)/√nc: we allow 5 of each. The offsets then move by the rate ν toward the
// batch's means. The test is not vacuous: the centered update differs from
// the plain gradient by more than the tolerance.
func TestCenteredGradient(t *testing.T) {
	m, data := gradientProblem()
	const nc = 100000
	batch := tensor.New(nc, 4)
	for r := range nc {
		copy(batch.Row(r), data.Row(r%4))
	}
	cfg := DefaultConfig()
	cfg.Method, cfg.K, cfg.BatchSize, cfg.Chains, cfg.Centered, cfg.OffsetRate = Restart, 100, nc, nc, true, 0.25
	tr, err := NewTrainer(cfg, m, tensor.NewRand(7))
	if err != nil {
		t.Fatal(err)
	}
	mu, lambda := []float32{0.9, 0.1, 0.9, 0.1}, []float32{0.9, 0.9, 0.1}
	tr.mu, tr.lambda = append([]float32(nil), mu...), append([]float32(nil), lambda...)
	tr.gradient(batch)

	// The definition, by enumeration: weights w over data rows (positive)
	// and all states (negative, −p(v)).
	nv, nh := 4, 3
	dW := make([]float64, nv*nh)
	dB, dC := make([]float64, nv), make([]float64, nh)
	mv, mh := make([]float64, nv), make([]float64, nh) // ⟨v⟩_d − ⟨v⟩_m, ⟨h⟩_d − ⟨h⟩_m
	acc := func(v []float32, w float64) {
		ph := tensor.New(1, nh)
		m.HiddenProbs(ph, tensor.FromSlice(1, nv, v))
		for i := range nv {
			mv[i] += w * float64(v[i])
			for j := range nh {
				dW[i*nh+j] += w * float64(v[i]-mu[i]) * float64(ph.Data[j]-lambda[j])
			}
		}
		for j := range nh {
			mh[j] += w * float64(ph.Data[j])
		}
	}
	for r := range data.Rows {
		acc(data.Row(r), 0.25)
	}
	lz, _ := m.ExactLogZ(context.Background())
	V := testutil.States(nv)
	for i := range V.Rows {
		acc(V.Row(i), -math.Exp(m.LogProb(V.Row(i), lz)))
	}
	for i := range nv {
		dB[i] = mv[i]
		for j := range nh {
			dB[i] -= dW[i*nh+j] * float64(lambda[j])
		}
	}
	for j := range nh {
		dC[j] = mh[j]
		for i := range nv {
			dC[j] -= dW[i*nh+j] * float64(mu[i])
		}
	}
	se := 1 / math.Sqrt(nc)
	plainW, _, _ := exactGradient(m, data)
	var apart float64
	check := func(name string, got []float32, want []float64, tol float64) {
		for i := range want {
			if d := math.Abs(float64(got[i]) - want[i]); d > tol {
				t.Errorf("%s[%d] = %.5f, by enumeration %.5f (|Δ| %.4f > tol %.4f)", name, i, got[i], want[i], d, tol)
			}
		}
	}
	var sumMu, sumLambda float64
	for _, x := range mu {
		sumMu += float64(x)
	}
	for _, x := range lambda {
		sumLambda += float64(x)
	}
	tolW, tolB, tolC := 5*se, 5*(0.5+sumLambda)*se, 5*(0.5+sumMu)*se
	check("ΔW", tr.gW.Data, dW, tolW)
	check("Δb", tr.gB, dB, tolB)
	check("Δc", tr.gC, dC, tolC)
	// Not vacuous: each centered part differs from the plain gradient by
	// more than twice its tolerance somewhere.
	for _, p := range []struct {
		name       string
		got, plain []float64
		tol        float64
	}{{"ΔW", dW, plainW, tolW}, {"Δb", dB, mv, tolB}, {"Δc", dC, mh, tolC}} {
		apart = 0
		for i := range p.got {
			apart = math.Max(apart, math.Abs(p.got[i]-p.plain[i]))
		}
		if apart < 2*p.tol {
			t.Errorf("the centered %s is within %.4f of the plain gradient: the test cannot tell them apart", p.name, apart)
		}
	}
	// Offsets: μ ← (1−ν)μ + ν⟨v⟩_batch, λ ← (1−ν)λ + ν⟨p(h|v)⟩_batch, on
	// the four data rows as the batch (float32 sums of four terms: 1e-6).
	cfg.BatchSize, cfg.Chains = 4, 4
	if tr, err = NewTrainer(cfg, m, tensor.NewRand(7)); err != nil {
		t.Fatal(err)
	}
	tr.mu, tr.lambda = append([]float32(nil), mu...), append([]float32(nil), lambda...)
	tr.gradient(data)
	for i := range nv {
		var mean float64
		for r := range data.Rows {
			mean += float64(data.At(r, i)) / 4
		}
		want := 0.75*float64(mu[i]) + 0.25*mean
		if math.Abs(float64(tr.mu[i])-want) > 1e-6 {
			t.Errorf("μ[%d] = %.6f, want %.6f", i, tr.mu[i], want)
		}
	}
	ph := tensor.New(4, nh)
	m.HiddenProbs(ph, data)
	for j := range nh {
		var mean float64
		for r := range 4 {
			mean += float64(ph.At(r, j)) / 4
		}
		if want := 0.75*float64(lambda[j]) + 0.25*mean; math.Abs(float64(tr.lambda[j])-want) > 1e-6 {
			t.Errorf("λ[%d] = %.6f, want %.6f", j, tr.lambda[j], want)
		}
	}
	// Gaussian units are refused.
	if _, err := NewTrainer(cfg, NewUnits(NewGaussianUnits(4, 1, false), 4, 3), tensor.NewRand(1)); err == nil {
		t.Error("centered Gaussian–Bernoulli training accepted")
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

// TestSamplerMetadata: the sampler a restart model records reads back, a
// model without one says so, and malformed values are errors.
func TestSamplerMetadata(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Method, cfg.K = Restart, 7
	tr, err := NewTrainer(cfg, New(4, 3), tensor.NewRand(1))
	if err != nil {
		t.Fatal(err)
	}
	s, ok, err := SamplerOf(tr.Metadata())
	if err != nil || !ok || s != (Sampler{Init: "random", Steps: 7}) {
		t.Errorf("restart: %+v %v %v", s, ok, err)
	}
	cfg.Method = PCD
	tr, _ = NewTrainer(cfg, New(4, 3), tensor.NewRand(1))
	if _, ok, err := SamplerOf(tr.Metadata()); ok || err != nil {
		t.Errorf("pcd: ok %v, %v", ok, err)
	}
	for _, bad := range []string{"7", `{"init":"data","steps":7}`, `{"init":"random","steps":0}`, `{"init":`} {
		if _, _, err := SamplerOf(map[string]string{SamplerKey: bad}); err == nil {
			t.Errorf("sampler %q accepted", bad)
		}
	}
}

// TestStartRate: a Restart run from the base rate records the training
// data's column means as the model's StartRate, which the file keeps and
// the samplers start from (each unit on with its rate: frequencies over
// 20,000 draws within 5 standard errors); bad rates are refused.
func TestStartRate(t *testing.T) {
	data := tensor.FromSlice(4, 3, []float32{1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 0})
	m := New(3, 2)
	cfg := DefaultConfig()
	cfg.Method, cfg.RestartFrom, cfg.BatchSize, cfg.Epochs = Restart, "base-rate", 4, 1
	tr, err := NewTrainer(cfg, m, tensor.NewRand(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Train(context.Background(), data, nil); err != nil {
		t.Fatal(err)
	}
	want := []float32{1, 0.25, 0.25}
	if !bitsEqual(m.StartRate, want) || tr.Metadata()["restart_from"] != "base-rate" {
		t.Fatalf("start rate %v (want %v), metadata %v", m.StartRate, want, tr.Metadata()["restart_from"])
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := m.Save(path, nil); err != nil {
		t.Fatal(err)
	}
	m2, _, err := Load(path)
	if err != nil || !bitsEqual(m2.StartRate, want) {
		t.Fatalf("loaded start rate %v, %v", m2.StartRate, err)
	}
	const n = 20000
	v := tensor.New(n, 3)
	m2.start(v, tensor.NewRand(2))
	for i, p := range want {
		var f float64
		for r := range n {
			f += float64(v.At(r, i)) / n
		}
		if se := math.Sqrt(float64(p*(1-p))/n) + 1e-12; math.Abs(f-float64(p)) > 5*se {
			t.Errorf("unit %d on in %.4f of the starts, rate %.2f", i, f, p)
		}
	}
	m2.StartRate[1] = 1.5
	if err := m2.Validate(); err == nil {
		t.Error("a start rate of 1.5 passed Validate")
	}
	cfg.RestartFrom = "data"
	if _, err := NewTrainer(cfg, New(3, 2), tensor.NewRand(1)); err == nil {
		t.Error("restart-from data accepted")
	}
	cfg.Method, cfg.RestartFrom = PCD, "base-rate"
	if _, err := NewTrainer(cfg, New(3, 2), tensor.NewRand(1)); err == nil {
		t.Error("base-rate starts accepted for PCD")
	}
}

// TestLRSchedules: the linear and cosine schedules run from LR in the
// first epoch to LR/100 in the last (cosine: LR·(0.01 + 0.99·(1+cos πx)/2)
// at x = e/(Epochs−1)), times LRDecay's factor; unknown names are errors.
func TestLRSchedules(t *testing.T) {
	c := Config{LR: 0.1, Epochs: 5}
	for _, tc := range []struct {
		sched string
		want  []float64
	}{
		{"", []float64{0.1, 0.1, 0.1, 0.1, 0.1}},
		{"linear", []float64{0.1, 0.07525, 0.0505, 0.02575, 0.001}},
		{"cosine", []float64{0.1, 0.1 * (0.01 + 0.99*(1+math.Sqrt2/2)/2), 0.1 * (0.01 + 0.99*0.5), 0.1 * (0.01 + 0.99*(1-math.Sqrt2/2)/2), 0.001}},
	} {
		c.LRSchedule = tc.sched
		for e, w := range tc.want {
			if got := c.learningRate(e); math.Abs(got-w) > 1e-15 {
				t.Errorf("%q epoch %d: %g, want %g", tc.sched, e, got, w)
			}
		}
	}
	c.LRSchedule, c.LRDecay = "linear", 1
	if got := c.learningRate(4); math.Abs(got-0.001/5) > 1e-15 {
		t.Errorf("linear with decay 1, last epoch: %g", got)
	}
	c.Method, c.LRSchedule, c.BatchSize, c.K = CD, "step", 10, 1
	if err := c.validate(); err == nil {
		t.Error("schedule \"step\" accepted")
	}
	// A checkpoint keeps the schedule.
	cfg := DefaultConfig()
	cfg.LRSchedule = "cosine"
	tr, err := NewTrainer(cfg, New(3, 2), tensor.NewRand(1))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "c.safetensors")
	if err := tr.SaveCheckpoint(path, nil); err != nil {
		t.Fatal(err)
	}
	tr2, _, _, err := LoadCheckpoint(path)
	if err != nil || tr2.LRSchedule != "cosine" || tr2.Metadata()["lr_schedule"] != "cosine" {
		t.Errorf("restored schedule %q, %v", tr2.LRSchedule, err)
	}
}
