package lowrank

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/internal/testutil"
	"github.com/ebm-go/ebm/rbm"
)

// tinyData returns rows rows of nv bits drawn around three prototypes with
// 10% of the bits flipped: structured enough that the principal directions
// and the features matter.
func tinyData(nv, rows int, seed uint64) *tensor.Matrix { return noisyData(nv, rows, 0.1, seed) }

// noisyData is tinyData with a flip probability of its own.
func noisyData(nv, rows int, flip float64, seed uint64) *tensor.Matrix {
	rng := tensor.NewRand(seed)
	protos := make([][]float32, 3)
	for p := range protos {
		protos[p] = make([]float32, nv)
		for i := range nv {
			if rng.Float64() < 0.5 {
				protos[p][i] = 1
			}
		}
	}
	x := tensor.New(rows, nv)
	for r := range rows {
		p := protos[rng.IntN(3)]
		for i := range nv {
			x.Data[r*nv+i] = p[i]
			if rng.Float64() < flip {
				x.Data[r*nv+i] = 1 - p[i]
			}
		}
	}
	return x
}

// tinyModel returns a low-rank model of rank d on tiny data with random
// parameters (β, and q ≥ 0 with a third of them 0), so that every feature
// matters in the comparisons.
func tinyModel(t *testing.T, data *tensor.Matrix, d int, seed uint64) *Model {
	t.Helper()
	rng := tensor.NewRand(seed)
	u, _, err := principal(context.Background(), data, d, 300, rng)
	if err != nil {
		t.Fatal(err)
	}
	b0 := make([]float32, data.Cols)
	rbm.Bernoulli{}.InitBias(b0, data)
	s, err := newSpace(context.Background(), u, b0, 1<<12)
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(s, data, 3, 100)
	for l := range m.Beta {
		m.Beta[l] = rng.NormFloat64()
	}
	for a := range m.Q {
		if a%3 != 0 {
			m.Q[a] = rng.Float64() * 1.5
		}
	}
	return m
}

// enumerated returns log Z and the model's distribution over all 2^N
// states, summed directly: log p̃(v) = B0ᵀv + g(Ũᵀv), y from the integer
// Q and the steps in float64.
func enumerated(m *Model) (logZ float64, logp []float64, states *tensor.Matrix) {
	s := m.Space
	states = testutil.States(s.N)
	logp = make([]float64, states.Rows)
	y := make([]float64, s.D)
	for r := range states.Rows {
		v := states.Row(r)
		clear(y)
		var bv float64
		for i, x := range v {
			if x == 1 {
				bv += float64(s.B0[i])
				for l := range s.D {
					y[l] += float64(s.Q.At(i, l))
				}
			}
		}
		for l := range s.D {
			y[l] *= s.Step[l]
		}
		logp[r] = bv + m.g(y)
	}
	logZ = tensor.LogSumExp(logp)
	for r := range logp {
		logp[r] -= logZ
	}
	return logZ, logp, states
}

func TestLogZLikelihoodAndGradientMatchEnumeration(t *testing.T) {
	data := tinyData(9, 60, 3)
	for _, d := range []int{1, 2, 3} {
		m := tinyModel(t, data, d, uint64(10+d))
		lz, err := m.LogZ()
		if err != nil {
			t.Fatal(err)
		}
		wantZ, logp, states := enumerated(m)
		if math.Abs(lz-wantZ) > 1e-10*math.Max(1, math.Abs(wantZ)) {
			t.Errorf("d=%d: log Z = %.12f on the lattice, %.12f by enumerating 2^9 states", d, lz, wantZ)
		}
		ll, grad, err := m.Gradient(data)
		if err != nil {
			t.Fatal(err)
		}
		// Enumerated log-likelihood: look each data row up among the states.
		var wantLL float64
		for r := range data.Rows {
			idx := 0
			for i, x := range data.Row(r) {
				idx |= int(x) << i
			}
			wantLL += logp[idx] / float64(data.Rows)
		}
		if math.Abs(ll-wantLL) > 1e-10 {
			t.Errorf("d=%d: log-likelihood %.12f on the lattice, %.12f by enumeration", d, ll, wantLL)
		}
		// Gradient: E_data φ − Σ_v p(v) φ(y(v)).
		p := m.NumParams()
		want := make([]float64, p)
		phi := make([]float64, p)
		project := func(v []float32) []float64 {
			y := make([]float64, d)
			for i, x := range v {
				for l := range d {
					y[l] += float64(x) * float64(m.Space.Q.At(i, l)) * m.Space.Step[l]
				}
			}
			return y
		}
		for r := range data.Rows {
			m.features(phi, project(data.Row(r)))
			for k, f := range phi {
				want[k] += f / float64(data.Rows)
			}
		}
		for r := range states.Rows {
			m.features(phi, project(states.Row(r)))
			for k, f := range phi {
				want[k] -= math.Exp(logp[r]) * f
			}
		}
		nonzero := 0
		for k := range want {
			if math.Abs(grad[k]-want[k]) > 1e-9 {
				t.Errorf("d=%d: gradient[%d] = %.10f, enumeration %.10f", d, k, grad[k], want[k])
			}
			if math.Abs(want[k]) > 1e-3 {
				nonzero++
			}
		}
		if nonzero < p/2 {
			t.Errorf("d=%d: only %d of %d gradient components are away from 0: the comparison is too weak", d, nonzero, p)
		}
	}
}

// TestFitRBMMatchesEnumeration checks the whole Init on a tiny problem: the
// built RBM's log-likelihood as the fit reports it equals the one rbm
// computes by enumeration; the fit improves on the base-rate model and
// stops at the constrained optimum (gradient 0 on β and on the positive q,
// ≤ 0 on the q at 0). The data are noisy enough (25% flips, 3000 rows) to
// reach every region of the lattice, so that the maximum is finite (with
// empty regions between clusters the likelihood rises without bound as q
// grows).
func TestFitRBMMatchesEnumeration(t *testing.T) {
	data := noisyData(10, 3000, 0.25, 5)
	for _, d := range []int{1, 2} {
		f, err := Init(context.Background(), data, Options{Rank: d, Hidden: 12, Cells: 1 << 12, Thresholds: 3}, tensor.NewRand(7))
		if err != nil {
			t.Fatal(err)
		}
		ll, lz, err := f.RBM.ExactLogLikelihood(context.Background(), data)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(ll-f.LogLikelihood) > 1e-3 || math.Abs(lz-f.LogZ) > 1e-3 {
			t.Errorf("d=%d: fit reports log-likelihood %.6f (log Z %.6f), enumeration of the RBM gives %.6f (%.6f)", d, f.LogLikelihood, f.LogZ, ll, lz)
		}
		if !(f.ModelLL > f.BaseLL+0.1) {
			t.Errorf("d=%d: fitted log-likelihood %.4f does not improve on the base-rate model's %.4f", d, f.ModelLL, f.BaseLL)
		}
		if f.Active == 0 || f.Iterations == 0 {
			t.Errorf("d=%d: %d active features after %d iterations", d, f.Active, f.Iterations)
		}
		_, grad, err := f.Model.Gradient(data)
		if err != nil {
			t.Fatal(err)
		}
		for k, g := range grad {
			if k < d || f.Model.Q[k-d] > 0 {
				if math.Abs(g) > 1e-5 {
					t.Errorf("d=%d: gradient[%d] = %g at the optimum, want 0", d, k, g)
				}
			} else if g > 1e-5 {
				t.Errorf("d=%d: gradient[%d] = %g > 0 on a feature held at q = 0", d, k, g)
			}
		}
	}
}

// TestPrincipalDirections compares the power iteration with the
// eigenvectors of the full covariance matrix (Jacobi on 9 × 9).
func TestPrincipalDirections(t *testing.T) {
	data := tinyData(9, 60, 3)
	u, vars, err := principal(context.Background(), data, 2, 300, tensor.NewRand(1))
	if err != nil {
		t.Fatal(err)
	}
	n, nv := float64(data.Rows), data.Cols
	mean := make([]float64, nv)
	for r := range data.Rows {
		for i, x := range data.Row(r) {
			mean[i] += float64(x) / n
		}
	}
	cov := make([]float64, nv*nv)
	for r := range data.Rows {
		row := data.Row(r)
		for i := range nv {
			for j := range nv {
				cov[i*nv+j] += (float64(row[i]) - mean[i]) * (float64(row[j]) - mean[j]) / n
			}
		}
	}
	vals, vecs := jacobi(cov, nv)
	for l := range 2 {
		best := 0 // index of the l-th largest eigenvalue
		for e := range nv {
			rank := 0
			for e2 := range nv {
				if vals[e2] > vals[e] {
					rank++
				}
			}
			if rank == l {
				best = e
			}
		}
		if math.Abs(vars[l]-vals[best]) > 1e-4 {
			t.Errorf("variance %d: %.6f, want %.6f", l, vars[l], vals[best])
		}
		var dot float64
		for i := range nv {
			dot += float64(u.At(i, l)) * vecs[i*nv+best]
		}
		if math.Abs(math.Abs(dot)-1) > 1e-4 {
			t.Errorf("direction %d: |cos| with the eigenvector = %.6f, want 1", l, math.Abs(dot))
		}
	}
}

func TestInitDeterministic(t *testing.T) {
	data := tinyData(10, 80, 5)
	run := func(seed uint64) []byte {
		f, err := Init(context.Background(), data, Options{Hidden: 30, Cells: 1 << 12}, tensor.NewRand(seed))
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		for _, s := range [][]float32{f.RBM.W.Data, f.RBM.B, f.RBM.C} {
			for _, x := range s {
				fmt.Fprintf(&b, "%08x", math.Float32bits(x))
			}
		}
		return b.Bytes()
	}
	if !bytes.Equal(run(3), run(3)) {
		t.Fatal("two fits with the same seed built different RBMs")
	}
	if bytes.Equal(run(3), run(4)) {
		t.Fatal("different seeds built the same RBM: the spare units are not drawn from the source")
	}
}

func TestInitErrors(t *testing.T) {
	data := tinyData(6, 20, 1)
	var oe *OptionError
	for _, rank := range []int{-1, 5} {
		_, err := Init(context.Background(), data, Options{Rank: rank, Hidden: 4}, tensor.NewRand(1))
		if !errors.As(err, &oe) || oe.Option != "init-rank" {
			t.Errorf("rank %d: %v, want an init-rank option error", rank, err)
		}
	}
	// Three lattice points per direction cannot hold a direction of U.
	if _, err := Init(context.Background(), data, Options{Rank: 3, Hidden: 4, Cells: 27}, tensor.NewRand(1)); !errors.As(err, &oe) || oe.Option != "init-rank" || !strings.Contains(err.Error(), "losing") {
		t.Errorf("a lattice too coarse for the directions: %v", err)
	}
	bad := data.Clone()
	bad.Data[7] = 0.5
	if _, err := Init(context.Background(), bad, Options{Hidden: 4}, tensor.NewRand(1)); err == nil || !bytes.Contains([]byte(err.Error()), []byte("row 1, column 1")) {
		t.Errorf("non-binary data: %v", err)
	}
	if _, err := Init(context.Background(), data, Options{Hidden: 0}, tensor.NewRand(1)); !errors.As(err, &oe) || oe.Option != "hidden" {
		t.Errorf("0 hidden units: %v", err)
	}
}

// TestRefineGradient checks the exact gradient the refinement climbs
// against central differences of the exact log-likelihood (which
// TestFitRBMMatchesEnumeration ties to enumeration), and that the
// refinement never returns an RBM worse than the converted one.
func TestRefineGradient(t *testing.T) {
	data := noisyData(10, 500, 0.2, 9)
	f, err := Init(context.Background(), data, Options{Rank: 2, Hidden: 5, Cells: 1 << 12, Thresholds: 2, RefineSteps: 20}, tensor.NewRand(2))
	if err != nil {
		t.Fatal(err)
	}
	if f.LogLikelihood < f.ConvertedLL-1e-4 || f.RefineSteps == 0 {
		t.Errorf("refinement: %.5f after %d steps, converted RBM %.5f", f.LogLikelihood, f.RefineSteps, f.ConvertedLL)
	}
	h, err := f.Model.Space.histogram(data)
	if err != nil {
		t.Fatal(err)
	}
	r := f.rbmEval(&h, true)
	ll := func() float64 { return f.rbmEval(&h, false).ll }
	const eps = 1e-3
	check := func(name string, got float64, p *float32) {
		x := *p
		*p = x + eps
		up := ll()
		*p = x - eps
		down := ll()
		*p = x
		want := (up - down) / (2 * float64(eps))
		if math.Abs(got-want) > 2e-3*math.Max(1, math.Abs(want)) {
			t.Errorf("%s: gradient %.6f, central difference %.6f", name, got, want)
		}
	}
	for i := range f.w {
		check(fmt.Sprintf("w[%d]", i), float64(r.gW[i]), &f.w[i])
	}
	for j := range f.c {
		check(fmt.Sprintf("c[%d]", j), float64(r.gC[j]), &f.c[j])
	}
	for l := range f.beta {
		x := f.beta[l]
		f.beta[l] = x + 1e-5
		up := ll()
		f.beta[l] = x - 1e-5
		down := ll()
		f.beta[l] = x
		if want := (up - down) / 2e-5; math.Abs(r.gBeta[l]-want) > 1e-4*math.Max(1, math.Abs(want)) {
			t.Errorf("beta[%d]: gradient %.6f, central difference %.6f", l, r.gBeta[l], want)
		}
	}
}

// TestRBMGradientMatchesEnumeration checks the exact gradient of the built
// RBM's log-likelihood with respect to its projection-space parameters
// (β, w, c: W = Ũw, b = B0 + Ũβ) against a sum over all 2^10 visible
// states: E_data[∂ log p̃] − Σ_v p(v) ∂ log p̃(v), with ∂/∂β = y,
// ∂/∂w_j = σ(c_j + w_jᵀy)·y and ∂/∂c_j = σ(c_j + w_jᵀy).
func TestRBMGradientMatchesEnumeration(t *testing.T) {
	data := noisyData(10, 400, 0.2, 4)
	f, err := Init(context.Background(), data, Options{Rank: 2, Hidden: 6, Cells: 1 << 12, Thresholds: 2, RefineSteps: 5}, tensor.NewRand(8))
	if err != nil {
		t.Fatal(err)
	}
	s := f.Model.Space
	d, nh := s.D, len(f.c)
	h, err := s.histogram(data)
	if err != nil {
		t.Fatal(err)
	}
	r := f.rbmEval(&h, true)
	np := d + d*nh + nh
	// grad returns log p̃(v) and ∂ log p̃(v) for one state, in float64.
	grad := func(v []float32) (float64, []float64) {
		y := make([]float64, d)
		var lp float64
		for i, x := range v {
			if x == 1 {
				lp += float64(s.B0[i])
				for l := range d {
					y[l] += float64(s.Q.At(i, l)) * s.Step[l]
				}
			}
		}
		g := make([]float64, np)
		for l := range d {
			lp += f.beta[l] * y[l]
			g[l] = y[l]
		}
		for j := range nh {
			a := float64(f.c[j])
			for l := range d {
				a += float64(f.w[l*nh+j]) * y[l]
			}
			lp += tensor.Softplus(a)
			sg := tensor.Sigmoid(a)
			for l := range d {
				g[d+l*nh+j] = sg * y[l]
			}
			g[d+d*nh+j] = sg
		}
		return lp, g
	}
	want := make([]float64, np)
	for r := range data.Rows {
		_, g := grad(data.Row(r))
		for k := range g {
			want[k] += g[k] / float64(data.Rows)
		}
	}
	states := testutil.States(s.N)
	lps := make([]float64, states.Rows)
	gs := make([][]float64, states.Rows)
	for i := range states.Rows {
		lps[i], gs[i] = grad(states.Row(i))
	}
	lz := tensor.LogSumExp(lps)
	for i := range states.Rows {
		p := math.Exp(lps[i] - lz)
		for k := range want {
			want[k] -= p * gs[i][k]
		}
	}
	got := append(append([]float64(nil), r.gBeta...), make([]float64, d*nh+nh)...)
	for k, x := range r.gW {
		got[d+k] = float64(x)
	}
	for j, x := range r.gC {
		got[d+d*nh+j] = float64(x)
	}
	if math.Abs(r.logZ-lz) > 1e-9*math.Abs(lz) {
		t.Errorf("log Z %.10f on the lattice, %.10f by enumeration", r.logZ, lz)
	}
	big := 0
	for k := range want {
		if math.Abs(got[k]-want[k]) > 1e-5*math.Max(1, math.Abs(want[k])) {
			t.Errorf("gradient[%d] = %.7f, enumeration %.7f", k, got[k], want[k])
		}
		if math.Abs(want[k]) > 1e-3 {
			big++
		}
	}
	if big < np/3 {
		t.Errorf("only %d of %d gradient components away from 0: the comparison is too weak", big, np)
	}
}
