package deep

import (
	"math"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

// gauss2 is the correlated 2-D Gaussian N(μ, Σ), Σ = [[1, ρ], [ρ, 1]]:
// E(x) = ½(x − μ)ᵀΣ⁻¹(x − μ), Σ⁻¹ = [[1, −ρ], [−ρ, 1]]/(1 − ρ²). The
// precision's eigenvalues are 1/(1 ± ρ), so the leapfrog frequencies are
// ω = 1/√(1 ± ρ); with ρ = 0.9 the stiff one is √10 = 3.16.
type gauss2 struct {
	mu  [2]float64
	rho float64
}

func (g gauss2) Dim() int { return 2 }
func (g gauss2) EnergyGrad(x *tensor.Matrix, e []float32, gr *tensor.Matrix) {
	k := 1 / (1 - g.rho*g.rho)
	for i := 0; i < x.Rows; i++ {
		a, b := float64(x.At(i, 0))-g.mu[0], float64(x.At(i, 1))-g.mu[1]
		ga, gb := k*(a-g.rho*b), k*(b-g.rho*a)
		e[i] = float32((a*ga + b*gb) / 2)
		if gr != nil {
			gr.Set(i, 0, float32(ga))
			gr.Set(i, 1, float32(gb))
		}
	}
}

// exact fills x with exact draws: x = μ + Cz, C the Cholesky factor
// [[1, 0], [ρ, √(1 − ρ²)]].
func (g gauss2) exact(x *tensor.Matrix, rng *tensor.Rand) {
	z := make([]float32, 2)
	for i := 0; i < x.Rows; i++ {
		rng.Normal(z, 0, 1)
		x.Set(i, 0, float32(g.mu[0]+float64(z[0])))
		x.Set(i, 1, float32(g.mu[1]+g.rho*float64(z[0])+math.Sqrt(1-g.rho*g.rho)*float64(z[1])))
	}
}

// corr is the sample correlation of columns j of a and b.
func corr(a, b *tensor.Matrix, j int) float64 {
	n := float64(a.Rows)
	var ma, mb float64
	for i := 0; i < a.Rows; i++ {
		ma += float64(a.At(i, j)) / n
		mb += float64(b.At(i, j)) / n
	}
	var sab, saa, sbb float64
	for i := 0; i < a.Rows; i++ {
		da, db := float64(a.At(i, j))-ma, float64(b.At(i, j))-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	return sab / math.Sqrt(saa*sbb)
}

// HMC leaves N(μ, Σ) invariant. N = 20000 chains start at exact draws and
// run K = 10 iterations (ε = 0.3, L = 5; εω = 0.95 < 2 on the stiff mode,
// so the leapfrog is stable). If the target is invariant the final rows
// are again N i.i.d. exact draws (the chains are independent), so each
// statistic's standard error follows from N alone:
//
//	mean of x_j:                    SE = √(Σ_jj/N)
//	v̂_j = mean (x_j − μ_j)²:        Var((x−μ)²) = 2Σ_jj², SE = √(2/N)·Σ_jj
//	ĉ = mean (x_0 − μ_0)(x_1 − μ_1): Var = Σ_00Σ_11 + Σ_01² (Isserlis), SE = √((1 + ρ²)/N)
//
// (0.0071, 0.0100 and 0.0095 here). We allow 4.5 SE on each of the five.
// Invariance alone is passed by a sampler that never moves, so the chains
// must also forget their start: an accepted iteration on a harmonic mode
// maps x to x cos ωT + (p/ω) sin ωT (T = Lε = 1.5), correlation cos ωT,
// ≤ 0.46 on both modes (ωT = 1.09, 4.74); a rejected one keeps x. With
// acceptance a ≥ 0.8 the per-iteration correlation is ≤ 0.8·0.46 + 0.2 =
// 0.57 and after K = 10 it is ≤ 0.004, while the sample correlation's SE
// is 1/√N = 0.007; we require |corr(start, end)| < 0.05 per coordinate.
func TestHMCInvariantCorrelatedGaussian(t *testing.T) {
	g := gauss2{mu: [2]float64{1, -0.5}, rho: 0.9}
	const N, K = 20000, 10
	rng := tensor.NewRand(2026)
	x := tensor.New(N, 2)
	g.exact(x, rng)
	start := x.Clone()
	s := Sampler{Method: HMC, Steps: K, StepSize: 0.3, Leapfrog: 5}
	acc, err := s.Run(g, x, rng)
	if err != nil {
		t.Fatal(err)
	}
	if acc < 0.8 || acc >= 1 {
		t.Errorf("acceptance %.3f, want in [0.8, 1)", acc)
	}
	var m [2]float64
	var v [2]float64
	var c float64
	for i := 0; i < N; i++ {
		a, b := float64(x.At(i, 0))-g.mu[0], float64(x.At(i, 1))-g.mu[1]
		m[0] += a / N
		m[1] += b / N
		v[0] += a * a / N
		v[1] += b * b / N
		c += a * b / N
	}
	check := func(name string, got, want, se float64) {
		t.Helper()
		if math.Abs(got-want) > 4.5*se {
			t.Errorf("%s = %.4f, want %.4f ± %.4f (4.5 SE)", name, got, want, 4.5*se)
		}
	}
	check("E x − μx", m[0], 0, math.Sqrt(1.0/N))
	check("E y − μy", m[1], 0, math.Sqrt(1.0/N))
	check("Var x", v[0], 1, math.Sqrt(2.0/N))
	check("Var y", v[1], 1, math.Sqrt(2.0/N))
	check("Cov xy", c, g.rho, math.Sqrt((1+g.rho*g.rho)/N))
	for j := range 2 {
		if r := corr(start, x, j); math.Abs(r) > 0.05 {
			t.Errorf("coordinate %d: corr(start, end) %.3f, chains did not move", j, r)
		}
	}
}

// HMC leaves a non-Gaussian density invariant: the two-component mixture
// of TestMALAMixtureMoments, N = 20000 chains from exact draws (component
// k with probability w_k, then μ_k + σz), K = 10 iterations. The final rows
// are N i.i.d. draws if the mixture is invariant, so each moment's SE is
// √(Var f/N), Var f taken from the final rows themselves (its relative
// error, ~√(κ/N) for kurtosis κ of f, is about 2% here, negligible against
// the 4.5 SE allowed).
func TestHMCInvariantMixture(t *testing.T) {
	m := mixture{w: []float64{0.3, 0.7}, mu: [][2]float64{{-1, 0.5}, {1.2, -0.4}}, sigma: 0.8}
	const N, K = 20000, 10
	rng := tensor.NewRand(99)
	x := tensor.New(N, 2)
	z := make([]float32, 2)
	for i := 0; i < N; i++ {
		k := 1
		if rng.Float64() < m.w[0] {
			k = 0
		}
		rng.Normal(z, 0, float32(m.sigma))
		x.Set(i, 0, float32(m.mu[k][0])+z[0])
		x.Set(i, 1, float32(m.mu[k][1])+z[1])
	}
	acc, err := (&Sampler{Method: HMC, Steps: K, StepSize: 0.25, Leapfrog: 5}).Run(m, x, rng)
	if err != nil {
		t.Fatal(err)
	}
	if acc < 0.5 || acc >= 1 {
		t.Errorf("acceptance %.3f", acc)
	}
	stats := []struct {
		name string
		f    func(a, b float64) float64
		want float64
	}{
		{"E x", func(a, _ float64) float64 { return a }, 0},
		{"E y", func(_, b float64) float64 { return b }, 0},
		{"E x²", func(a, _ float64) float64 { return a * a }, 0},
		{"E y²", func(_, b float64) float64 { return b * b }, 0},
		{"E xy", func(a, b float64) float64 { return a * b }, 0},
	}
	s2 := m.sigma * m.sigma
	for k, w := range m.w {
		mu := m.mu[k]
		stats[0].want += w * mu[0]
		stats[1].want += w * mu[1]
		stats[2].want += w * (mu[0]*mu[0] + s2)
		stats[3].want += w * (mu[1]*mu[1] + s2)
		stats[4].want += w * mu[0] * mu[1]
	}
	for _, st := range stats {
		var sum, sum2 float64
		for i := 0; i < N; i++ {
			f := st.f(float64(x.At(i, 0)), float64(x.At(i, 1)))
			sum += f
			sum2 += f * f
		}
		mean := sum / N
		se := math.Sqrt((sum2/N - mean*mean) / N)
		if math.Abs(mean-st.want) > 4.5*se {
			t.Errorf("%s = %.4f, want %.4f ± %.4f (4.5 SE)", st.name, mean, st.want, 4.5*se)
		}
	}
}

// On a quadratic energy the leapfrog conserves exactly the shadow
// Hamiltonian H̃ = H − Σ_k c_k U_k, c_k = (εω_k)²/4, U_k the potential
// energy of normal mode k (checked by hand on one mode: H̃ =
// p²/2 + ω²x²(1 − c)/2 is invariant under a kick–drift–kick step). Hence
// ΔH = Σ c_k(U_k(x₁) − U_k(x₀)) and |ΔH| ≤ c·max(U(x₀), U(x₁)), c =
// (εω_max)²/4, U = E (its minimum is 0). Float32 positions and energies
// add rounding error: energies here are below ~40, float32's relative
// precision 6e-8 gives ~2.4e-6 per energy, and the position rounding of
// 2L steps (|x| ≲ 10, ulp ~1e-6, times |∇E| ≲ 60) another ~1e-4 at
// worst; we allow 2e-4 absolute on top of the shadow bound.
//
// With ε = 0.01 (c = 2.5e-4) the bound is checked row by row; the leapfrog
// run forward, momenta negated, run again and negated returns to the start
// (reversibility) up to the same float32 rounding (1e-4 on |x| ≲ 10). With
// ε = 10⁻³ (c = 2.5e-6) every |ΔH| ≤ 2.5e-6·40 + 2e-4 ≈ 3e-4, a rejection
// probability ≤ 3e-4 per proposal, so among the 10⁴ proposals of Run
// we expect ≤ 3 rejections; acceptance ≥ 0.998 (20 rejections) is then a
// Poisson tail of ~1e-10.
func TestHMCLeapfrogConservesEnergy(t *testing.T) {
	g := gauss2{mu: [2]float64{0.3, 0.2}, rho: 0.9}
	const N, L = 1000, 10
	rng := tensor.NewRand(5)
	x := tensor.New(N, 2)
	g.exact(x, rng)
	eps := 0.01
	c := eps * eps * 10 / 4
	p := tensor.New(N, 2)
	rng.Normal(p.Data, 0, 1)
	e0, e1 := make([]float32, N), make([]float32, N)
	gr := tensor.New(N, 2)
	g.EnergyGrad(x, e0, gr)
	y, q := x.Clone(), p.Clone()
	leapfrog(g, y, q, gr, e1, float32(eps), L)
	worst := 0.0
	for r := 0; r < N; r++ {
		dH := float64(e1[r]) + kinetic(q.Row(r)) - float64(e0[r]) - kinetic(p.Row(r))
		bound := c*math.Max(float64(e0[r]), float64(e1[r])) + 2e-4
		if math.Abs(dH) > bound {
			t.Fatalf("row %d: |ΔH| %.3g > %.3g", r, math.Abs(dH), bound)
		}
		worst = math.Max(worst, math.Abs(dH))
	}
	if worst == 0 {
		t.Error("ΔH identically 0: the test would not see an error")
	}
	// Reversibility.
	for i := range q.Data {
		q.Data[i] = -q.Data[i]
	}
	leapfrog(g, y, q, gr, e1, float32(eps), L)
	for i := range y.Data {
		if math.Abs(float64(y.Data[i]-x.Data[i])) > 1e-4 || math.Abs(float64(-q.Data[i]-p.Data[i])) > 1e-4 {
			t.Fatalf("leapfrog not reversible at %d: x %g → %g, p %g → %g", i, x.Data[i], y.Data[i], p.Data[i], -q.Data[i])
		}
	}
	acc, err := (&Sampler{Method: HMC, Steps: 10, StepSize: 1e-3, Leapfrog: L}).Run(g, x, rng)
	if err != nil {
		t.Fatal(err)
	}
	if acc < 0.998 {
		t.Errorf("acceptance %.5f at ε = 1e-3, want ≥ 0.998", acc)
	}
}

// The same seed gives the same bits; another seed does not.
func TestHMCDeterministic(t *testing.T) {
	run := func(seed uint64) *tensor.Matrix {
		rng := tensor.NewRand(seed)
		x := tensor.New(64, 2)
		rng.Normal(x.Data, 0, 2)
		m := mixture{w: []float64{0.5, 0.5}, mu: [][2]float64{{-1, 0}, {1, 0}}, sigma: 0.5}
		if _, err := (&Sampler{Method: HMC, Steps: 20, StepSize: 0.2}).Run(m, x, rng); err != nil {
			t.Fatal(err)
		}
		return x
	}
	a, b, c := run(3), run(3), run(4)
	same := true
	for i := range a.Data {
		if math.Float32bits(a.Data[i]) != math.Float32bits(b.Data[i]) {
			t.Fatalf("seed 3 twice differs at %d: %g vs %g", i, a.Data[i], b.Data[i])
		}
		same = same && a.Data[i] == c.Data[i]
	}
	if same {
		t.Error("seeds 3 and 4 gave the same chains")
	}
}

// cliff is E = x²/2 for |x| < 1 and NaN beyond (a net whose energy
// overflowed, say): every proposal that leaves (−1, 1) is rejected, so the
// chains never hold a non-finite value.
type cliff struct{}

func (cliff) Dim() int { return 1 }
func (cliff) EnergyGrad(x *tensor.Matrix, e []float32, g *tensor.Matrix) {
	nan := float32(math.NaN())
	for i, v := range x.Data {
		e[i], g.Data[i] = v*v/2, v
		if v <= -1 || v >= 1 {
			e[i], g.Data[i] = nan, nan
		}
	}
}

func TestHMCRejectsNonFinite(t *testing.T) {
	x := tensor.New(500, 1)
	rng := tensor.NewRand(8)
	rng.Normal(x.Data, 0, 0.3)
	for i, v := range x.Data {
		x.Data[i] = max(-0.9, min(0.9, v))
	}
	acc, err := (&Sampler{Method: HMC, Steps: 20, StepSize: 0.5, Leapfrog: 4}).Run(cliff{}, x, rng)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range x.Data {
		if !(v > -1 && v < 1) {
			t.Fatalf("row %d left the finite region: %g", i, v)
		}
	}
	if acc <= 0 || acc >= 1 {
		t.Errorf("acceptance %.3f: expected some rejections at the cliff and some acceptances", acc)
	}
}

func TestHMCValidateAndParse(t *testing.T) {
	if m, err := ParseMethod(" HMC "); err != nil || m != HMC || m.String() != "hmc" {
		t.Errorf("ParseMethod(hmc) = %v, %v", m, err)
	}
	if _, err := ParseMethod("nuts"); err == nil || !strings.Contains(err.Error(), "langevin, mala or hmc") {
		t.Errorf("unknown method error %v", err)
	}
	x := tensor.New(3, 1)
	for _, l := range []int{-1, -100} {
		for _, m := range []Method{HMC, MALA, ULA} {
			_, err := (&Sampler{Method: m, Steps: 1, StepSize: 0.1, Leapfrog: l}).Run(quadratic{1}, x, tensor.NewRand(1))
			if err == nil || !strings.Contains(err.Error(), "leapfrog") {
				t.Errorf("%v with leapfrog %d: error %v", m, l, err)
			}
		}
	}
	// 0 is the default (5 steps), 1 is allowed (the MALA move of η = ε²/2).
	for _, l := range []int{0, 1} {
		if _, err := (&Sampler{Method: HMC, Steps: 2, StepSize: 0.1, Leapfrog: l}).Run(quadratic{1}, x, tensor.NewRand(1)); err != nil {
			t.Errorf("leapfrog %d: %v", l, err)
		}
	}
	c := DefaultConfig()
	c.Sampler, c.Persistent = Sampler{Method: HMC, Steps: 30, StepSize: 0.1}, false
	if d := c.Describe(); d != "hmc 30 iterations of 5 leapfrog steps of ε=0.1, short-run" {
		t.Errorf("Describe %q", d)
	}
}

// BenchmarkSamplerHMC is one Run of 10 HMC iterations (5 leapfrog steps
// each) of 128 chains on the default 2→64→64→1 swish net: 50 gradient
// evaluations of the batch, against BenchmarkSamplerMALA's 10.
func BenchmarkSamplerHMC(b *testing.B) {
	benchSampler(b, Sampler{Method: HMC, Steps: 10, StepSize: 0.05, Leapfrog: 5})
}

// BenchmarkSamplerMALA is the same for 10 MALA steps.
func BenchmarkSamplerMALA(b *testing.B) {
	benchSampler(b, Sampler{Method: MALA, Steps: 10, StepSize: 0.01})
}

func benchSampler(b *testing.B, s Sampler) {
	net, err := New(2, []int{64, 64}, Swish)
	if err != nil {
		b.Fatal(err)
	}
	rng := tensor.NewRand(1)
	net.Init(rng)
	x := tensor.New(128, 2)
	rng.Normal(x.Data, 0, 1)
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Run(net, x, rng); err != nil {
			b.Fatal(err)
		}
	}
}
