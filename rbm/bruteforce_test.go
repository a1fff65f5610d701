package rbm

import (
	"context"
	"math"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/internal/testutil"
)

// randomRBM returns a model with weights of scale std, so that the
// distribution is far from uniform.
func randomRBM(nv, nh int, std float32, seed uint64) *RBM {
	m := New(nv, nh)
	testutil.RandomParams(seed, std, std, m.W.Data, m.B, m.C)
	return m
}

// brute holds exact quantities computed from the joint by enumeration.
type brute struct {
	logZ   float64
	logPV  []float64   // log p(v) per visible state
	phGivV [][]float64 // p(h_j=1|v)
	V, H   *tensor.Matrix
}

func enumerate(m *RBM) brute {
	V, H := testutil.States(m.NVisible()), testutil.States(m.NHidden())
	var b brute
	b.V, b.H = V, H
	logJ := make([][]float64, V.Rows)
	var all []float64
	for i := 0; i < V.Rows; i++ {
		logJ[i] = make([]float64, H.Rows)
		for k := 0; k < H.Rows; k++ {
			logJ[i][k] = -m.Energy(V.Row(i), H.Row(k))
			all = append(all, logJ[i][k])
		}
	}
	b.logZ = tensor.LogSumExp(all)
	b.logPV = make([]float64, V.Rows)
	b.phGivV = make([][]float64, V.Rows)
	for i := range logJ {
		lv := tensor.LogSumExp(logJ[i])
		b.logPV[i] = lv - b.logZ
		b.phGivV[i] = make([]float64, m.NHidden())
		for k := range logJ[i] {
			p := math.Exp(logJ[i][k] - lv)
			for j, hj := range H.Row(k) {
				b.phGivV[i][j] += p * float64(hj)
			}
		}
	}
	return b
}

func TestFreeEnergyAndConditionalsMatchEnumeration(t *testing.T) {
	for _, shape := range [][2]int{{3, 4}, {4, 3}, {5, 2}} {
		m := randomRBM(shape[0], shape[1], 1.5, 7)
		b := enumerate(m)
		for i := 0; i < b.V.Rows; i++ {
			v := b.V.Row(i)
			// F(v) = −log Σ_h exp(−E(v,h)) = −(log p(v) + log Z).
			want := -(b.logPV[i] + b.logZ)
			if got := m.FreeEnergy(v); math.Abs(got-want) > 1e-5 {
				t.Fatalf("%v: F(%v) = %v, want %v", shape, v, got, want)
			}
			ph := tensor.New(1, m.NHidden())
			m.HiddenProbs(ph, tensor.FromSlice(1, len(v), v))
			for j := range ph.Data {
				if d := math.Abs(float64(ph.Data[j]) - b.phGivV[i][j]); d > 1e-6 {
					t.Fatalf("%v: p(h_%d|%v) = %v, want %v", shape, j, v, ph.Data[j], b.phGivV[i][j])
				}
			}
		}
		// p(v_i=1|h) by enumeration over v for each h.
		for k := 0; k < b.H.Rows; k++ {
			h := b.H.Row(k)
			logs := make([]float64, b.V.Rows)
			for i := range logs {
				logs[i] = -m.Energy(b.V.Row(i), h)
			}
			lz := tensor.LogSumExp(logs)
			pv := tensor.New(1, m.NVisible())
			m.VisibleMeans(pv, tensor.FromSlice(1, len(h), h))
			for u := 0; u < m.NVisible(); u++ {
				var want float64
				for i := range logs {
					want += math.Exp(logs[i]-lz) * float64(b.V.At(i, u))
				}
				if d := math.Abs(float64(pv.Data[u]) - want); d > 1e-6 {
					t.Fatalf("%v: p(v_%d|%v) = %v, want %v", shape, u, h, pv.Data[u], want)
				}
			}
		}
		// Batch free energies agree with the one-row path.
		f := make([]float64, b.V.Rows)
		m.FreeEnergies(f, b.V)
		for i := range f {
			if math.Abs(f[i]-m.FreeEnergy(b.V.Row(i))) > 1e-5 {
				t.Fatalf("FreeEnergies row %d = %v, FreeEnergy = %v", i, f[i], m.FreeEnergy(b.V.Row(i)))
			}
		}
	}
}

func TestExactLogZMatchesEnumeration(t *testing.T) {
	// Both orientations: enumerating hidden (H ≤ V) and visible (V < H), and
	// sizes above and below the chunk size.
	for _, shape := range [][2]int{{3, 4}, {4, 3}, {6, 6}, {12, 3}, {2, 12}, {11, 11}} {
		m := randomRBM(shape[0], shape[1], 1, 3)
		var want float64
		if shape[0]+shape[1] <= 14 {
			want = enumerate(m).logZ
		} else {
			// Sum p*(v) = exp(−F(v)) over all v (F verified above).
			V := testutil.States(m.NVisible())
			f := make([]float64, V.Rows)
			m.FreeEnergies(f, V)
			for i := range f {
				f[i] = -f[i]
			}
			want = tensor.LogSumExp(f)
		}
		got, err := m.ExactLogZ(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-want) > 1e-5*math.Max(1, math.Abs(want)) {
			t.Fatalf("%v: log Z = %v, want %v", shape, got, want)
		}
	}
}

func TestExactLogZTooLarge(t *testing.T) {
	m := New(40, 31)
	if _, err := m.ExactLogZ(context.Background()); err == nil {
		t.Fatal("want an error for a 31-unit smaller layer")
	}
}

func TestLogProbSumsToOne(t *testing.T) {
	m := randomRBM(5, 4, 2, 11)
	lz, err := m.ExactLogZ(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	V := testutil.States(5)
	var s float64
	for i := 0; i < V.Rows; i++ {
		s += math.Exp(m.LogProb(V.Row(i), lz))
	}
	if math.Abs(s-1) > 1e-6 {
		t.Fatalf("Σ p(v) = %v, want 1", s)
	}
}

func TestPseudoLogLikelihoodMatchesEnumeration(t *testing.T) {
	m := randomRBM(4, 3, 1.5, 5)
	b := enumerate(m)
	V := b.V
	var want float64
	for i := 0; i < V.Rows; i++ {
		for u := 0; u < 4; u++ {
			flipped := i ^ (1 << u) // testutil.States(n) sets bit j of index as unit j
			pv, pf := math.Exp(b.logPV[i]), math.Exp(b.logPV[flipped])
			want += math.Log(pv / (pv + pf))
		}
	}
	want /= float64(V.Rows)
	if got := m.PseudoLogLikelihood(V); math.Abs(got-want) > 1e-5 {
		t.Fatalf("PLL = %v, want %v", got, want)
	}
}

func TestFreeEnergyFiniteForHugeInputs(t *testing.T) {
	for _, x := range []float64{1e4, -1e4, 700, -700, 1e30, -1e30} {
		if s := tensor.Softplus(x); math.IsNaN(s) || math.IsInf(s, 0) {
			t.Fatalf("softplus(%g) = %v", x, s)
		}
		if s := tensor.LogSigmoid(x); math.IsNaN(s) || math.IsInf(s, 0) {
			t.Fatalf("log σ(%g) = %v", x, s)
		}
	}
	if got := tensor.Softplus(1e4); got != 1e4 {
		t.Fatalf("softplus(1e4) = %v, want 1e4", got)
	}
	if got := tensor.Softplus(-1e4); got != 0 {
		t.Fatalf("softplus(−1e4) = %v, want 0", got)
	}
	for _, w := range []float32{1e4, -1e4} {
		m := New(3, 2)
		for i := range m.W.Data {
			m.W.Data[i] = w
		}
		m.B[0], m.C[1] = w, -w
		for _, v := range [][]float32{{1, 1, 1}, {0, 0, 0}, {1, 0, 1}} {
			if f := m.FreeEnergy(v); math.IsNaN(f) || math.IsInf(f, 0) {
				t.Fatalf("F(%v) with weights %g = %v", v, w, f)
			}
		}
		lz, err := m.ExactLogZ(context.Background())
		if err != nil || math.IsNaN(lz) || math.IsInf(lz, 0) {
			t.Fatalf("log Z with weights %g = %v, %v", w, lz, err)
		}
		pv := tensor.New(1, 3)
		m.VisibleMeans(pv, tensor.FromSlice(1, 2, []float32{1, 1}))
		if !tensor.AllFinite(pv.Data) {
			t.Fatalf("p(v|h) not finite: %v", pv.Data)
		}
	}
}

func TestJointEnergiesMatchEnergy(t *testing.T) {
	m := randomRBM(7, 5, 1, 13)
	c := m.NewChain(nil, 9)
	rng := tensor.NewRand(2)
	half := make([]float32, len(c.V.Data))
	for i := range half {
		half[i] = 0.5
	}
	rng.Bernoulli(c.V.Data, half)
	rng.Bernoulli(c.H.Data, half[:len(c.H.Data)])
	e := make([]float64, 9)
	m.jointEnergies(e, c, nil)
	for r := range e {
		if want := m.Energy(c.V.Row(r), c.H.Row(r)); math.Abs(e[r]-want) > 1e-5 {
			t.Fatalf("row %d: %v, want %v", r, e[r], want)
		}
	}
}
