package dataset

import (
	"errors"
	"math"
	"testing"
)

func TestToy2DSpecs(t *testing.T) {
	for _, name := range Toy2DNames {
		s, err := Load(name+":500:3", Options{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != 500 || s.Dim() != 2 || s.Name != name+":500:3" {
			t.Errorf("%s: %d×%d named %q", name, s.Len(), s.Dim(), s.Name)
		}
		again, _ := Toy2D(name, 500, 3)
		other, _ := Toy2D(name, 500, 4)
		same, diff := true, false
		for i, v := range s.X.Data {
			same = same && v == again.Data[i]
			diff = diff || v != other.Data[i]
			if math.Abs(float64(v)) > 6 {
				t.Errorf("%s: value %g outside [-6, 6]", name, v)
				break
			}
		}
		if !same || !diff {
			t.Errorf("%s: same seed identical %v, other seed differs %v", name, same, diff)
		}
	}
	if s, err := Load("rings", Options{}); err != nil || s.Len() != Toy2DDefaultN {
		t.Errorf("rings: %v", err)
	}
	for _, bad := range []string{"rings:0", "rings:x", "rings:10:-1", "rings:1:2:3"} {
		if _, err := Load(bad, Options{}); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: error %v, want ErrFormat", bad, err)
		}
	}
}

func TestParseToy2D(t *testing.T) {
	for _, c := range []struct {
		spec string
		name string
		n    int
		seed uint64
	}{{"rings", "rings", Toy2DDefaultN, 1}, {"moons:300", "moons", 300, 1}, {"8gaussians:20:7", "8gaussians", 20, 7}, {"x.npy", "", 0, 0}, {"mnist:10", "", 0, 0}} {
		name, n, seed, err := ParseToy2D(c.spec)
		if err != nil || name != c.name || n != c.n || seed != c.seed {
			t.Errorf("ParseToy2D(%q) = %q, %d, %d, %v; want %q, %d, %d", c.spec, name, n, seed, err, c.name, c.n, c.seed)
		}
	}
	if _, _, _, err := ParseToy2D("rings:5:x"); !errors.Is(err, ErrFormat) {
		t.Errorf("rings:5:x: error %v, want ErrFormat", err)
	}
}

// The rings generator picks ring k with probability k/10: check the
// fraction of points nearest each ring against its binomial standard error.
func TestToy2DRingWeights(t *testing.T) {
	const n = 40000
	x, _ := Toy2D("rings", n, 9)
	var counts [RingsCount]int
	for i := 0; i < n; i++ {
		r := math.Hypot(float64(x.At(i, 0)), float64(x.At(i, 1)))
		k := int(math.Round(r/RingsSpacing)) - 1
		counts[max(0, min(k, RingsCount-1))]++
	}
	for k, c := range counts {
		p := float64(k+1) / 10
		se := math.Sqrt(p * (1 - p) / n)
		if got := float64(c) / n; math.Abs(got-p) > 4*se {
			t.Errorf("ring %d: fraction %.4f, want %.2f ± %.4f", k+1, got, p, 4*se)
		}
	}
}

// gridMoments returns ∫p and ∫p log p of the density f by the midpoint rule
// on the n×n cells of [−L, L]².
func gridMoments(f func(x, y float64) float64, L float64, n int) (mass, plogp float64) {
	h := 2 * L / float64(n)
	for r := 0; r < n; r++ {
		for c := 0; c < n; c++ {
			v := f(-L+(float64(c)+0.5)*h, -L+(float64(r)+0.5)*h)
			if math.IsInf(v, -1) {
				continue
			}
			p := math.Exp(v) * h * h
			mass += p
			plogp += p * v
		}
	}
	return mass, plogp
}

// Every toy density integrates to 1 and is finite wherever its generator
// puts points, and the mean log density of generated points matches the
// grid's ∫p log p within 4 standard errors. The grid: [−6.5, 6.5]², cell
// h = 0.1. The midpoint rule's relative error for a Gaussian feature of sd
// σ is about 2exp(−2π²σ²/h²): below 10⁻⁸ for σ ≥ 0.2 (moons and swissroll
// noise; 8gaussians √2/4), 5·10⁻⁹ for rings' radial σ = 0.1, and the
// mass beyond the box (≥ 10σ from any curve; pinwheel f_0 ≥ 3.25 = 7.5 sd)
// is below 10⁻¹². Pinwheel's arms thin out: across an arm the sd is
// 0.2/√(1 + (r f_0)²), r = 0.25e^{f_0}, i.e. 0.09 at f_0 = 1.6 (2 sd) and
// 0.06 at f_0 = 1.9 (3 sd), where the rule's error (4·10⁻⁷ resp. 8·10⁻⁴
// relative) times the mass there gives a few 10⁻⁶: measured 1 − 4.0·10⁻⁶
// at h = 0.1 and 1 − 1·10⁻⁹ at h = 0.05. The checkerboard's edges
// (multiples of 2) fall on cell edges, so its grid mass is exact.
// Tolerance 10⁻⁵ (pinwheel), 10⁻⁷ (the others).
func TestToy2DDensitiesIntegrateToOne(t *testing.T) {
	if Toy2DLogDensity("spiral") != nil {
		t.Error("an unknown name has a density")
	}
	for _, name := range Toy2DNames {
		t.Run(name, func(t *testing.T) {
			f := Toy2DLogDensity(name)
			mass, plogp := gridMoments(f, 6.5, 130)
			tol := 1e-7
			if name == "pinwheel" {
				tol = 1e-5
			}
			if math.Abs(mass-1) > tol {
				t.Errorf("mass %.9f on the grid", mass)
			}
			const n = 20000
			x, _ := Toy2D(name, n, 11)
			var s, ss float64
			for i := 0; i < n; i++ {
				v := f(float64(x.At(i, 0)), float64(x.At(i, 1)))
				if math.IsInf(v, 0) || math.IsNaN(v) {
					t.Fatalf("log density %g at sample %d (%g, %g)", v, i, x.At(i, 0), x.At(i, 1))
				}
				s += v
				ss += v * v
			}
			mean := s / n
			se := math.Sqrt(max(0, ss/n-mean*mean) / n)
			if math.Abs(mean-plogp) > 4*se+1e-5 {
				t.Errorf("mean log density of samples %.4f, grid ∫p log p %.4f (4 SE = %.4f)", mean, plogp, 4*se)
			}
		})
	}
}

// tvBound is the largest total-variation distance ½Σ|f_k − p_k| between the
// empirical distribution f of n independent draws from p and p itself that
// we accept (as in rbm/tempering_test.go): E[TV] ≤ ½Σ_k √(p_k(1−p_k)/n),
// and moving one draw changes TV by at most 1/n, so by McDiarmid's
// inequality P(TV ≥ E[TV] + t) ≤ exp(−2nt²); t = √(ln(1/δ)/(2n)).
func tvBound(p []float64, n int, delta float64) float64 {
	var s float64
	for _, pk := range p {
		s += math.Sqrt(pk * (1 - pk) / float64(n))
	}
	return s/2 + math.Sqrt(math.Log(1/delta)/(2*float64(n)))
}

// A histogram of 10⁶ generated points on 0.25-wide cells over [−4.5, 4.5]²
// (plus one cell for everything outside) is within tvBound (δ = 10⁻⁶) of
// the cell probabilities of the density. Each cell's probability is a 4×4
// midpoint rule (sub-cells 0.0625 ≤ σ/3.2: relative error
// ~2exp(−2π²·3.2²) ≈ 10⁻⁸⁸ for Gaussian features, and the checkerboard
// edges fall on cell edges), far below the bound (≈ 0.01–0.03).
func TestToy2DDensitiesMatchHistograms(t *testing.T) {
	const n, L, cells, sub = 1000000, 4.5, 36, 4
	h := 2 * L / cells
	for _, name := range Toy2DNames {
		t.Run(name, func(t *testing.T) {
			f := Toy2DLogDensity(name)
			p := make([]float64, cells*cells+1)
			var inside float64
			for r := 0; r < cells; r++ {
				for c := 0; c < cells; c++ {
					var m float64
					for i := 0; i < sub; i++ {
						for j := 0; j < sub; j++ {
							x := -L + float64(c)*h + (float64(j)+0.5)*h/sub
							y := -L + float64(r)*h + (float64(i)+0.5)*h/sub
							m += math.Exp(f(x, y))
						}
					}
					p[r*cells+c] = m * (h / sub) * (h / sub)
					inside += p[r*cells+c]
				}
			}
			p[cells*cells] = max(0, 1-inside)
			x, _ := Toy2D(name, n, 13)
			counts := make([]float64, len(p))
			for i := 0; i < n; i++ {
				c := int(math.Floor((float64(x.At(i, 0)) + L) / h))
				r := int(math.Floor((float64(x.At(i, 1)) + L) / h))
				if c < 0 || r < 0 || c >= cells || r >= cells {
					counts[cells*cells]++
					continue
				}
				counts[r*cells+c]++
			}
			var tv float64
			for k := range p {
				tv += math.Abs(counts[k]/n - p[k])
			}
			tv /= 2
			if b := tvBound(p, n, 1e-6); tv > b {
				t.Errorf("total variation %.4f between histogram and density, bound %.4f", tv, b)
			} else {
				t.Logf("total variation %.4f, bound %.4f", tv, b)
			}
		})
	}
}

// The curve quadrature (panels 0.05, 6 nodes) agrees with a rule ten times
// finer with 10 nodes, on a 30×30 grid over [−4.5, 4.5]² and at generated
// points, to 10⁻⁶ nats wherever log p > −50, and to the documented 10⁻³
// nats everywhere in the box (the largest errors, ~10⁻⁴, are far from the
// curve, log p ≈ −200, where the bump in t is narrowest).
func TestToy2DCurveQuadrature(t *testing.T) {
	for _, c := range []struct {
		name   string
		pieces []curvePiece
	}{{"moons", moonsPieces()}, {"swissroll", swissrollPieces()}} {
		t.Run(c.name, func(t *testing.T) {
			f := Toy2DLogDensity(c.name)
			ref := newCurveDensity(0.2, curvePanel/10, 10, c.pieces...)
			x, _ := Toy2D(c.name, 100, 17)
			var near, far float64
			check := func(a, b float64) {
				want := ref.logDensity(a, b)
				d := math.Abs(f(a, b) - want)
				if want > -50 {
					near = max(near, d)
				} else {
					far = max(far, d)
				}
			}
			for i := 0; i < x.Rows; i++ {
				check(float64(x.At(i, 0)), float64(x.At(i, 1)))
			}
			for r := 0; r < 30; r++ {
				for k := 0; k < 30; k++ {
					check(-4.5+0.3*(float64(k)+0.5), -4.5+0.3*(float64(r)+0.5))
				}
			}
			t.Logf("largest |Δ log p|: %.2g nats where log p > −50, %.2g elsewhere", near, far)
			if near > 1e-6 || far > 1e-3 {
				t.Errorf("quadrature error %.3g nats (log p > −50), %.3g elsewhere", near, far)
			}
		})
	}
}

func TestGaussLegendre(t *testing.T) {
	// The 6-node rule integrates x^k exactly for k ≤ 11: ∫_{−1}^{1} x^k = 2/(k+1) for even k.
	x, w := gaussLegendre(6)
	for k := 0; k <= 11; k++ {
		var s float64
		for i := range x {
			s += w[i] * math.Pow(x[i], float64(k))
		}
		want := 0.0
		if k%2 == 0 {
			want = 2 / float64(k+1)
		}
		if math.Abs(s-want) > 1e-14 {
			t.Errorf("∫x^%d = %.16f, want %.16f", k, s, want)
		}
	}
}

// Pinwheel's root-finding density, smoothed by a Gaussian kernel of sd
// ε = 0.05 (a 2-D midpoint rule over x ± 5ε, step ε/5), equals the brute-
// force 2-D quadrature over (f_0, f_1) of the generator's density pushed
// through the kernel, Σ_k ⅕ ∫∫ N(f_0) N(f_1) N(x; F_k(f_0, f_1), ε²I),
// on a 0.005 grid over mean ± 7 sd (the kernel spans ≥ 1.3 steps in f_0
// and 5 in f_1, so both midpoint rules are accurate to far below 10⁻⁴;
// the x-side truncation at 5ε loses 10⁻⁶). The brute force needs no
// roots, no Jacobian and no scan, so it checks all three. Tolerance 10⁻³
// nats.
func TestToy2DPinwheelBruteForce(t *testing.T) {
	const eps = 0.05
	pts := [][2]float64{}
	for _, f := range [][3]float64{{1, 0, 0}, {1.3, 0.1, 2}, {0.6, -0.15, 4}, {1.8, 0.05, 1}} {
		a := 2*math.Pi*f[2]/pinwheelClasses + pinwheelRate*math.Exp(f[0])
		c, s := math.Cos(a), math.Sin(a)
		pts = append(pts, [2]float64{2 * (f[0]*c + f[1]*s), 2 * (-f[0]*s + f[1]*c)})
	}
	pts = append(pts, [2]float64{0.3, -0.2})
	norm := func(z, sd float64) float64 { return math.Exp(-z*z/(2*sd*sd)) / (sd * math.Sqrt(2*math.Pi)) }
	for _, pt := range pts {
		// Root finding, smoothed in x.
		var smooth float64
		const hx = eps / 5
		for i := -25; i < 25; i++ {
			for j := -25; j < 25; j++ {
				dx, dy := (float64(i)+0.5)*hx, (float64(j)+0.5)*hx
				smooth += math.Exp(pinwheelLogDensity(pt[0]+dx, pt[1]+dy)) * norm(dx, eps) * norm(dy, eps) * hx * hx
			}
		}
		// Brute force over (f_0, f_1).
		var brute float64
		const hf = 0.005
		for i := 0; i < 840; i++ {
			f0 := 1 - 7*pinwheelRadial + (float64(i)+0.5)*hf
			w0 := norm(f0-1, pinwheelRadial)
			for k := range pinwheelClasses {
				a := 2*math.Pi*float64(k)/pinwheelClasses + pinwheelRate*math.Exp(f0)
				c, s := math.Cos(a), math.Sin(a)
				for j := 0; j < 280; j++ {
					f1 := -7*pinwheelTangential + (float64(j)+0.5)*hf
					dx, dy := pt[0]-2*(f0*c+f1*s), pt[1]-2*(-f0*s+f1*c)
					if d2 := dx*dx + dy*dy; d2 < 100*eps*eps {
						brute += w0 * norm(f1, pinwheelTangential) * math.Exp(-d2/(2*eps*eps)) / (2 * math.Pi * eps * eps) * hf * hf / pinwheelClasses
					}
				}
			}
		}
		if d := math.Log(smooth) - math.Log(brute); math.Abs(d) > 1e-3 {
			t.Errorf("at (%.3f, %.3f): smoothed root-finding density %.6g, brute force %.6g (%.2g nats)", pt[0], pt[1], smooth, brute, d)
		} else {
			t.Logf("at (%.3f, %.3f): log density %.4f, brute force agrees to %.2g nats", pt[0], pt[1], math.Log(smooth), d)
		}
	}
}
