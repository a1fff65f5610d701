package deep

import (
	"math"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

// quadratic is E(x) = |x|²/2, the standard normal.
type quadratic struct{ d int }

func (q quadratic) Dim() int { return q.d }
func (q quadratic) EnergyGrad(x *tensor.Matrix, e []float32, g *tensor.Matrix) {
	for i := 0; i < x.Rows; i++ {
		var s float32
		for j, v := range x.Row(i) {
			s += v * v / 2
			if g != nil {
				g.Row(i)[j] = v
			}
		}
		e[i] = s
	}
}

// chainMoments runs m chains of s for burn steps, then t more steps,
// averaging f(x) along each chain. It returns the mean over chains of the
// per-chain averages and the standard error of that mean computed from
// their spread. The chains are independent, so the per-chain averages are
// i.i.d. and this standard error accounts for the autocorrelation within a
// chain exactly (the batch-means estimator with whole chains as batches).
func chainMoments(t *testing.T, s Sampler, e Energy, x *tensor.Matrix, burn, steps int, rng *tensor.Rand, f func(row []float32) float64) (mean, se, accept float64) {
	t.Helper()
	s.Steps = burn
	if _, err := s.Run(e, x, rng); err != nil {
		t.Fatal(err)
	}
	s.Steps = 1
	sum := make([]float64, x.Rows)
	for range steps {
		a, err := s.Run(e, x, rng)
		if err != nil {
			t.Fatal(err)
		}
		accept += a / float64(steps)
		for i := range sum {
			sum[i] += f(x.Row(i))
		}
	}
	var m, ss float64
	for _, v := range sum {
		m += v / float64(steps)
	}
	m /= float64(x.Rows)
	for _, v := range sum {
		d := v/float64(steps) - m
		ss += d * d
	}
	return m, math.Sqrt(ss / float64(x.Rows-1) / float64(x.Rows)), accept
}

func sq(r []float32) float64 { return float64(r[0]) * float64(r[0]) }

// varianceOnGaussian runs m chains of s on E = x²/2 from N(0, 1) starts
// and returns chainMoments' estimate of the variance E[x²], its standard
// error and the acceptance rate.
func varianceOnGaussian(t *testing.T, s Sampler, m, burn, steps int, rng *tensor.Rand) (v, se, accept float64) {
	t.Helper()
	x := tensor.New(m, 1)
	rng.Normal(x.Data, 0, 1)
	return chainMoments(t, s, quadratic{1}, x, burn, steps, rng, sq)
}

// Unadjusted Langevin on E = x²/2 is the AR(1) chain
// x' = (1 − η)x + √(2η) z, with stationary law N(0, v), v = 2η/(1 − ρ²) =
// 1/(1 − η/2), ρ = 1 − η: 1.0526 at η = 0.1, not 1.
//
// Tolerance. The estimate is v̂ = (1/MT) Σ x² over M independent chains
// started at N(0, 1) and run B = 200 steps first (the variance's initial
// offset decays as ρ^{2B} = 0.81²⁰⁰ ≈ 5e-19, so there is no burn-in bias)
// and T more steps. Under the stationary Gaussian law Var(x²) = 2v², and
// Cov(x_t², x_{t+k}²) = 2Cov(x_t, x_{t+k})² = 2v²ρ^{2k}, so
//
//	Var(v̂) = (2v²/MT)[1 + 2Σ_{k≥1}(1 − k/T)ρ^{2k}] ≤ (2v²/MT)·τ,
//	τ = (1 + ρ²)/(1 − ρ²) = 1.81/0.19 = 9.53 (integrated autocorrelation time).
//
// With M = T = 1000, SE = 1.0526·√(2·9.53/10⁶) = 0.0046; we allow 4 SE
// (0.018), while the exact-sampler value 1 is 0.0526 = 11 SE away, so the
// test separates ULA's known bias from no bias. The standard error from the
// spread of the per-chain averages must agree with the formula too.
func TestULAStationaryVariance(t *testing.T) {
	const eta, M, T = 0.1, 1000, 1000
	v, seEmp, _ := varianceOnGaussian(t, Sampler{Method: ULA, StepSize: eta}, M, 200, T, tensor.NewRand(42))
	want := 1 / (1 - eta/2)
	rho := 1 - eta
	tau := (1 + rho*rho) / (1 - rho*rho)
	se := want * math.Sqrt(2*tau/(M*T))
	if math.Abs(v-want) > 4*se {
		t.Errorf("ULA variance %.5f, want %.5f ± %.5f (4 SE)", v, want, 4*se)
	}
	if math.Abs(1-want) < 8*se {
		t.Fatalf("test cannot tell ULA's bias from none: SE %.4f", se)
	}
	if r := seEmp / se; r < 0.85 || r > 1.15 {
		t.Errorf("empirical SE %.5f vs derived %.5f", seEmp, se)
	}
}

// MALA is exact: at η = 0.5, where ULA's variance would be 1/(1 − 0.25) =
// 1.333, MALA's is 1 within 4 standard errors (from independent chains, so
// autocorrelation is accounted for).
func TestMALAExactOnGaussian(t *testing.T) {
	const eta, M, T = 0.5, 500, 400
	rng := tensor.NewRand(7)
	v, se, acc := varianceOnGaussian(t, Sampler{Method: MALA, StepSize: eta}, M, 50, T, rng)
	if math.Abs(v-1) > 4*se || 4*se > 0.1 {
		t.Errorf("MALA variance %.4f, want 1 ± %.4f", v, 4*se)
	}
	if acc <= 0.5 || acc >= 1 {
		t.Errorf("MALA acceptance %.3f", acc)
	}
	// The same test detects ULA's bias at this step size.
	vu, seu, _ := varianceOnGaussian(t, Sampler{Method: ULA, StepSize: eta}, M, 50, T, rng)
	if math.Abs(vu-1/(1-eta/2)) > 4*seu || math.Abs(vu-1) < 4*seu {
		t.Errorf("ULA variance at η = 0.5: %.4f ± %.4f, want 1.333", vu, 4*seu)
	}
}

// mixture is a 2-D Gaussian mixture energy E = −log Σ w_k N(x; μ_k, σ²I).
type mixture struct {
	w     []float64
	mu    [][2]float64
	sigma float64
}

func (m mixture) Dim() int { return 2 }
func (m mixture) EnergyGrad(x *tensor.Matrix, e []float32, g *tensor.Matrix) {
	s2 := m.sigma * m.sigma
	lt := make([]float64, len(m.w))
	for i := 0; i < x.Rows; i++ {
		p := [2]float64{float64(x.At(i, 0)), float64(x.At(i, 1))}
		for k, mu := range m.mu {
			dx, dy := p[0]-mu[0], p[1]-mu[1]
			lt[k] = math.Log(m.w[k]) - math.Log(2*math.Pi*s2) - (dx*dx+dy*dy)/(2*s2)
		}
		lz := tensor.LogSumExp(lt)
		e[i] = float32(-lz)
		if g != nil {
			var gx, gy float64
			for k, mu := range m.mu {
				r := math.Exp(lt[k] - lz)
				gx += r * (p[0] - mu[0]) / s2
				gy += r * (p[1] - mu[1]) / s2
			}
			g.Set(i, 0, float32(gx))
			g.Set(i, 1, float32(gy))
		}
	}
}

// MALA on a two-component 2-D mixture reproduces its first and second
// moments (E x, E y, E x², E y², E xy, all in closed form) within 4
// standard errors from independent chains.
func TestMALAMixtureMoments(t *testing.T) {
	m := mixture{w: []float64{0.3, 0.7}, mu: [][2]float64{{-1, 0.5}, {1.2, -0.4}}, sigma: 0.8}
	const M, T = 400, 400
	stats := []struct {
		name string
		f    func(r []float32) float64
		want float64
	}{
		{"E x", func(r []float32) float64 { return float64(r[0]) }, 0},
		{"E y", func(r []float32) float64 { return float64(r[1]) }, 0},
		{"E x²", func(r []float32) float64 { return float64(r[0]) * float64(r[0]) }, 0},
		{"E y²", func(r []float32) float64 { return float64(r[1]) * float64(r[1]) }, 0},
		{"E xy", func(r []float32) float64 { return float64(r[0]) * float64(r[1]) }, 0},
	}
	for k, w := range m.w {
		mu := m.mu[k]
		stats[0].want += w * mu[0]
		stats[1].want += w * mu[1]
		stats[2].want += w * (mu[0]*mu[0] + m.sigma*m.sigma)
		stats[3].want += w * (mu[1]*mu[1] + m.sigma*m.sigma)
		stats[4].want += w * mu[0] * mu[1]
	}
	for i, st := range stats {
		rng := tensor.NewRand(100 + uint64(i))
		x := tensor.New(M, 2)
		rng.Normal(x.Data, 0, 2) // overdispersed start; burn-in removes it
		got, se, acc := chainMoments(t, Sampler{Method: MALA, StepSize: 0.3}, m, x, 200, T, rng, st.f)
		if math.Abs(got-st.want) > 4*se {
			t.Errorf("%s = %.4f, want %.4f ± %.4f (acceptance %.2f)", st.name, got, st.want, 4*se, acc)
		}
		if se > 0.05 {
			t.Errorf("%s: standard error %.4f too large for a meaningful test", st.name, se)
		}
	}
}

func TestSamplerValidateAndBuffer(t *testing.T) {
	x := tensor.New(3, 1)
	for _, s := range []Sampler{{StepSize: 0, Steps: 1}, {StepSize: 0.1, Steps: -1}, {Method: 5, StepSize: 0.1}} {
		if _, err := s.Run(quadratic{1}, x, tensor.NewRand(1)); err == nil {
			t.Errorf("%+v accepted", s)
		}
	}
	if _, err := (&Sampler{StepSize: 0.1, Steps: 1}).Run(quadratic{2}, x, tensor.NewRand(1)); err == nil {
		t.Error("dimension mismatch accepted")
	}
	x.Data[0] = 1e30
	if _, err := (&Sampler{StepSize: 10, Steps: 50}).Run(quadratic{1}, x, tensor.NewRand(1)); err == nil {
		t.Error("divergence not reported")
	}
	init := NoiseInit{Low: []float32{-1, 2}, High: []float32{1, 3}}
	rng := tensor.NewRand(3)
	b, err := NewBuffer(100, init, 0.5, rng)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < b.X.Rows; i++ {
		if r := b.X.Row(i); r[0] < -1 || r[0] > 1 || r[1] < 2 || r[1] > 3 {
			t.Fatalf("buffer row %v outside the box", r)
		}
	}
	// Mark the buffer, draw: about half the rows keep the mark.
	for i := range b.X.Data {
		b.X.Data[i] = 100
	}
	dst := tensor.New(2000, 2)
	idx := make([]int, 2000)
	b.Draw(dst, idx, rng)
	kept := 0
	for i := 0; i < dst.Rows; i++ {
		if dst.At(i, 0) == 100 {
			kept++
		}
	}
	// Binomial(2000, 0.5): SE 22.4.
	if math.Abs(float64(kept)-1000) > 4*22.4 {
		t.Errorf("%d of 2000 kept with reinit 0.5", kept)
	}
	last := len(idx) - 1
	dst.Row(last)[0] = -7
	b.Store(idx, dst)
	if b.X.At(idx[last], 0) != -7 {
		t.Error("Store did not write back")
	}
	if _, err := NewBuffer(10, init, 1.5, rng); err == nil {
		t.Error("reinit 1.5 accepted")
	}
}
