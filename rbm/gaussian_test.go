package rbm

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/internal/testutil"
	"github.com/ebm-go/ebm/modelio"
)

func tinyGaussian(nv, nh int, seed uint64) *RBM {
	rng := tensor.NewRand(seed)
	m := NewGaussian(nv, nh)
	rng.Normal(m.W.Data, 0, 0.8)
	rng.Normal(m.B, 0, 1)
	rng.Normal(m.C, 0, 1)
	rng.Normal(gu(m).LogSigma, 0, 0.4)
	return m
}

// gu returns m's Gaussian units.
func gu(m *RBM) *Gaussian { return m.Visible.(*Gaussian) }

// negFreeEnergyGrad returns Σ_rows −∂F(v)/∂θ for W, b, c and log σ, built
// from the pieces the trainer uses (Input, BiasGrad, paramGrad).
func negFreeEnergyGrad(m *RBM, v *tensor.Matrix) (gW *tensor.Matrix, gB, gC, gS []float32) {
	u := gu(m)
	ph := tensor.New(v.Rows, m.NHidden())
	m.HiddenProbs(ph, v)
	x := u.Input(nil, v)
	gW = tensor.New(m.NVisible(), m.NHidden())
	tensor.Gemm(true, false, 1, x, ph, 0, gW)
	gB, gC, gS = make([]float32, m.NVisible()), make([]float32, m.NHidden()), make([]float32, m.NVisible())
	u.BiasGrad(gB, v, m.B, 1)
	tensor.ColumnSums(gC, ph, 1)
	u.paramGrad(gS, v, m.B, 1)
	dots := make([]float64, m.NVisible())
	tensor.RowDots(dots, m.W, gW)
	u.couplingGrad(gS, dots)
	return gW, gB, gC, gS
}

// trapezoid integrates f over [lo, hi] with n intervals.
func trapezoid(f func(float64) float64, lo, hi float64, n int) float64 {
	h := (hi - lo) / float64(n)
	s := (f(lo) + f(hi)) / 2
	for k := 1; k < n; k++ {
		s += f(lo + float64(k)*h)
	}
	return s * h
}

// The closed-form log Z (enumerating h, integrating v analytically) agrees
// with numerical integration of exp(−F(v)) over v for 1 and 2 visible units.
// exp(−F) is a mixture of Gaussians whose means lie within |b| + σΣ|W| of
// the origin; the grid reaches 12σ beyond, where the integrand is below
// e⁻⁷² relative to its peak, and the trapezoid rule on such a smooth,
// decaying integrand is accurate to far below 1e-7 at 0.02σ spacing. The
// free energy itself is computed in float64 from float32 parameters, so the
// two sides differ only by rounding (≲ 1e-9); 1e-6 in log Z catches any
// wrong term (a missing log σ or a factor 2 changes it by ≥ 0.1).
func TestGaussianFreeEnergyIntegratesToZ(t *testing.T) {
	for _, nv := range []int{1, 2} {
		m := tinyGaussian(nv, 3, uint64(10+nv))
		logZ, err := m.ExactLogZ(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		sig := gu(m).Sigma()
		rng := func(i int) (float64, float64) {
			var reach float64
			for _, w := range m.W.Row(i) {
				reach += math.Abs(float64(w))
			}
			s := float64(sig[i])
			c := float64(m.B[i])
			return c - s*(reach+12), c + s*(reach+12)
		}
		// Integrate exp(−F − shift) for numerical range, shift ≈ −logZ.
		var z float64
		v := make([]float32, nv)
		lo0, hi0 := rng(0)
		n0 := int((hi0-lo0)/(0.02*float64(sig[0]))) + 1
		if nv == 1 {
			z = trapezoid(func(x float64) float64 {
				v[0] = float32(x)
				return math.Exp(-m.FreeEnergy(v) - logZ)
			}, lo0, hi0, n0)
		} else {
			lo1, hi1 := rng(1)
			n1 := int((hi1-lo1)/(0.05*float64(sig[1]))) + 1
			z = trapezoid(func(x float64) float64 {
				return trapezoid(func(y float64) float64 {
					v[0], v[1] = float32(x), float32(y)
					return math.Exp(-m.FreeEnergy(v) - logZ)
				}, lo1, hi1, n1)
			}, lo0, hi0, n0/2)
		}
		// v is set through float32, so grid points are exact only to 1e-7
		// relative; the resulting quadrature error stays below 1e-6.
		if math.Abs(math.Log(z)) > 1e-6 {
			t.Errorf("V=%d: ∫exp(−F(v))dv / Z = %.9f, want 1 (log Z %.6f)", nv, z, logZ)
		}
	}
}

// p(h_j=1|v) equals the marginal of exp(−E(v,h)) enumerated over h; and for
// one visible unit the mean and variance of exp(−E(v,h)) over v (numerical
// integration) are b + σ(Wh) and σ². The float32 sigmoid is accurate to a
// few ulp (≈ 3e-7), so 2e-6 is a rounding bound.
func TestGaussianConditionals(t *testing.T) {
	m := tinyGaussian(2, 3, 21)
	v := tensor.FromSlice(1, 2, []float32{0.7, -1.3})
	ph := tensor.New(1, 3)
	m.HiddenProbs(ph, v)
	var z float64
	marg := make([]float64, 3)
	h := make([]float32, 3)
	for code := range 8 {
		for j := range h {
			h[j] = float32(code >> j & 1)
		}
		p := math.Exp(-m.Energy(v.Row(0), h))
		z += p
		for j := range h {
			marg[j] += p * float64(h[j])
		}
	}
	for j := range marg {
		if d := math.Abs(marg[j]/z - float64(ph.At(0, j))); d > 2e-6 {
			t.Errorf("p(h_%d=1|v) = %v, enumeration %v", j, ph.At(0, j), marg[j]/z)
		}
	}

	m1 := tinyGaussian(1, 2, 22)
	s := float64(gu(m1).Sigma()[0])
	for code := range 4 {
		hv := tensor.FromSlice(1, 2, []float32{float32(code & 1), float32(code >> 1)})
		mu := tensor.New(1, 1)
		m1.VisibleMeans(mu, hv)
		c := float64(mu.At(0, 0))
		vv := make([]float32, 1)
		f := func(k int) func(float64) float64 {
			return func(x float64) float64 {
				vv[0] = float32(x)
				return math.Pow(x, float64(k)) * math.Exp(-m1.Energy(vv, hv.Row(0)))
			}
		}
		lo, hi := c-14*s, c+14*s
		n := 4000
		z0 := trapezoid(f(0), lo, hi, n)
		mean := trapezoid(f(1), lo, hi, n) / z0
		vr := trapezoid(f(2), lo, hi, n)/z0 - mean*mean
		if math.Abs(mean-c) > 1e-5*(1+math.Abs(c)) || math.Abs(vr-s*s) > 1e-5*s*s {
			t.Errorf("h=%v: numerical mean %v var %v, formula %v and %v", hv.Row(0), mean, vr, c, s*s)
		}
	}
}

// The −∂F/∂θ statistics used by training match central differences of the
// float64 free energy. Parameters are float32, so the step is the actual
// representable difference; with h ≈ 1e-2 the truncation error is
// h²·|F”'|/6 ≲ 1e-4 for these parameter sizes, and 5e-4 absolute (plus 1e-3
// relative) is a bound a wrong sign or factor cannot meet.
func TestGaussianGradientFiniteDifferences(t *testing.T) {
	m := tinyGaussian(3, 2, 31)
	v := tensor.FromSlice(2, 3, []float32{0.5, -1, 2, 1.5, 0.2, -0.7})
	gW, gB, gC, gS := negFreeEnergyGrad(m, v)
	negF := func() float64 { return -(m.FreeEnergy(v.Row(0)) + m.FreeEnergy(v.Row(1))) }
	check := func(name string, p []float32, grad []float32) {
		for i := range p {
			old := p[i]
			p[i] = old + 0.01
			up, hiP := negF(), float64(p[i])
			p[i] = old - 0.01
			dn, loP := negF(), float64(p[i])
			p[i] = old
			fd := (up - dn) / (hiP - loP)
			if d := math.Abs(fd - float64(grad[i])); d > 5e-4+1e-3*math.Abs(fd) {
				t.Errorf("%s[%d]: analytic %v, finite difference %v", name, i, grad[i], fd)
			}
		}
	}
	check("W", m.W.Data, gW.Data)
	check("b", m.B, gB)
	check("c", m.C, gC)
	check("log σ", gu(m).LogSigma, gS)
}

// Training a 1-visible GB-RBM with learned σ on N(3, 2²) data: σ stays
// positive and finite (it is stored as log σ), and the model's exact
// variance (by enumeration over h: E[σ²] + Var(b + σWh)) matches the data's.
// With 4,000 rows the sample variance has a relative standard error of
// √(2/4000) ≈ 2.2%, and CD-1 with a small learning rate adds a bias of a
// few percent; 15% is outside both and far from the initial model's
// variance of 1 (σ = 1, W ≈ 0), a factor 4 below.
func TestGaussianLearnedSigma(t *testing.T) {
	rng := tensor.NewRand(41)
	x := tensor.New(4000, 1)
	rng.Normal(x.Data, 3, 2)
	var dm, dv float64
	for _, v := range x.Data {
		dm += float64(v)
	}
	dm /= 4000
	for _, v := range x.Data {
		dv += (float64(v) - dm) * (float64(v) - dm)
	}
	dv /= 4000
	m := NewGaussian(1, 4)
	gu(m).Learn = true
	m.Init(x, 0.01, rng)
	cfg := DefaultConfig()
	cfg.Epochs, cfg.LR, cfg.BatchSize = 30, 0.01, 50
	tr, err := NewTrainer(cfg, m, rng)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Train(context.Background(), x, nil); err != nil {
		t.Fatal(err)
	}
	s := gu(m).Sigma()[0]
	if !(s > 0) || math.IsInf(float64(s), 0) {
		t.Fatalf("σ = %v", s)
	}
	// Exact moments by enumeration over h.
	logZ, _ := m.ExactLogZ(context.Background())
	var mean, second float64
	for code := range 16 {
		var u, t0 float64
		for j := range 4 {
			if code>>j&1 == 1 {
				u += float64(m.W.At(0, j))
				t0 += float64(m.C[j])
			}
		}
		sd := float64(s)
		logp := t0 + float64(m.B[0])*u/sd + u*u/2 + 0.5*math.Log(2*math.Pi) + math.Log(sd) - logZ
		p := math.Exp(logp)
		mu := float64(m.B[0]) + sd*u
		mean += p * mu
		second += p * (mu*mu + sd*sd)
	}
	mv := second - mean*mean
	t.Logf("σ = %.3f, model mean %.3f variance %.3f; data mean %.3f variance %.3f", s, mean, mv, dm, dv)
	if math.Abs(mv/dv-1) > 0.15 || math.Abs(mean-dm) > 0.15*math.Sqrt(dv) {
		t.Errorf("model mean %.3f variance %.3f, data %.3f and %.3f", mean, mv, dm, dv)
	}
}

// A constant column standardizes to zeros (no NaN), NaN data is refused by
// training, and save → load keeps every parameter bit for bit, with the
// sigma tensor and "visible": "gaussian" metadata, the standardization and
// the learned-σ flag.
func TestGaussianDataAndFile(t *testing.T) {
	x := tensor.FromSlice(3, 2, []float32{1, 5, 2, 5, 3, 5})
	st := Standardize(x, 0.1)
	st.Apply(x)
	if !tensor.AllFinite(x.Data) || x.At(0, 1) != 0 {
		t.Errorf("standardized %v (mean %v, std %v)", x.Data, st.Mean, st.Std)
	}
	m := tinyGaussian(2, 3, 51)
	tr, _ := NewTrainer(DefaultConfig(), m, tensor.NewRand(1))
	bad := tensor.FromSlice(1, 2, []float32{float32(math.NaN()), 0})
	if _, err := tr.Train(context.Background(), bad, nil); err == nil {
		t.Error("NaN data accepted")
	}
	p := filepath.Join(t.TempDir(), "g.safetensors")
	gu(m).Learn = true
	m.Standard = st
	e, meta := testutil.SaveLoad(t, p, m.Save, nil, Load)
	if meta["visible"] != "gaussian" || !gu(e).Learn || e.Standard == nil || len(e.Standard.Mean) != 2 || e.Standard.Std[1] != st.Std[1] {
		t.Errorf("metadata %v, learn %v, standardization %+v", meta, gu(e).Learn, e.Standard)
	}
	for i := range m.W.Data {
		if math.Float32bits(m.W.Data[i]) != math.Float32bits(e.W.Data[i]) {
			t.Fatal("weights differ after save → load")
		}
	}
	for i, s := range gu(m).Sigma() {
		if math.Abs(float64(gu(e).Sigma()[i]/s-1)) > 1e-6 {
			t.Errorf("σ[%d] %v → %v", i, s, gu(e).Sigma()[i])
		}
	}
	// A unit type this build does not know is refused, naming it.
	f, err := modelio.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	f.Metadata["visible"] = "softmax"
	if _, err := FromFile(f); !errors.Is(err, modelio.ErrFormat) || !strings.Contains(err.Error(), `"softmax"`) {
		t.Errorf("unknown visible units: %v", err)
	}
}
