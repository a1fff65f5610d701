package dataset

import (
	"math"
	"sync"
)

// True log densities of the toy sets without a one-line closed form,
// each derived from its generator in [Toy2D].
//
// moons: t ~ U(0, π), class c ∈ {0, 1} with probability ½ each, and
//
//	x = 2·(m_c(t) − (0.5, 0.25)) + 0.2·z,  z ~ N(0, I),
//	m_0(t) = (cos t, sin t),  m_1(t) = (1 − cos t, 0.5 − sin t),
//
// so x is the curve μ_c(t) = (2cos t − 1, 2sin t − 0.5) (c = 0) or
// (1 − 2cos t, 0.5 − 2sin t) (c = 1) plus isotropic noise σ = 0.2:
//
//	p(x) = Σ_c ½ ∫_0^π (1/π) N(x; μ_c(t), σ²I) dt.
//
// swissroll: t = 1.5π(1 + 2u), u ~ U(0, 1), i.e. t ~ U(1.5π, 4.5π), and
// x = (t cos t + z_1, t sin t + z_2)/5, so x is the curve
// μ(t) = (t cos t, t sin t)/5 plus isotropic noise σ = 1/5:
//
//	p(x) = ∫_{1.5π}^{4.5π} (1/3π) N(x; μ(t), σ²I) dt.
//
// Both integrals are done by composite Gauss–Legendre quadrature in t
// ([curveDensity]): panels of width curvePanel, curveOrder nodes each.
// Near the curve the integrand is a Gaussian bump in t of width
// σ/|μ'(t)| ≥ 0.2/2.85 = 0.07 (swissroll's speed |μ'| = √(1+t²)/5 ≤ 2.85;
// moons' is 2, width 0.1), narrowed by curvature to ≥ 0.05 anywhere in
// [−4.5, 4.5]², so a panel spans at most one width and a 6-node rule
// (exact for polynomials of degree 11) is far below the 10⁻³-nat target:
// TestToy2DCurveQuadrature measures the error against a rule with ten
// times finer panels and 10 nodes: at most 7·10⁻⁸ nats where
// log p > −50, and 1.2·10⁻⁴ far out in the box (log p ≈ −200).
// The sum over nodes is a log-sum-exp in float64; nodes more than 50
// nats below the largest term are skipped (each contributes < e⁻⁵⁰
// relative to it, and there are at most a few thousand nodes), which
// keeps every density finite however far x is from the curve.
//
// checkerboard: x_1 ~ U(−2, 2), x_2 = U(0, 1) − 2B + (⌊x_1⌋ mod 2) with
// B ∈ {0, 1} fair, and the point is (2x_1, 2x_2). For ⌊x_1⌋ even x_2 lies
// in [0, 1) or [−2, −1), for ⌊x_1⌋ odd in [1, 2) or [−1, 0): eight unit
// squares (i, j) with i + j even (i = ⌊x_1⌋, j = ⌊x_2⌋ ∈ {−2, …, 1}), each
// with probability ¼·½ = ⅛. Scaled by 2 they are squares of side 2 (area 4)
// on [−4, 4]², so p = ⅛/4 = 1/32 on them and 0 elsewhere. The squares are
// taken closed: boundaries have measure zero, and a float32-rounded sample
// can land exactly on one (rounding to nearest never crosses a
// representable boundary), where the open version would give −Inf.
//
// pinwheel: class k ∈ {0, …, 4} uniform, f_0 ~ N(1, 0.3²), f_1 ~ N(0, 0.1²),
// a = 2πk/5 + 0.25·e^{f_0}, and with u(a) = (cos a, −sin a) and
// v(a) = (sin a, cos a) (orthonormal)
//
//	x = 2·(f_0 cos a + f_1 sin a, −f_0 sin a + f_1 cos a) = 2·(f_0 u + f_1 v).
//
// Hence ⟨x/2, u(a)⟩ = f_0 and ⟨x/2, v(a)⟩ = f_1. Writing x/2 = ρ(cos φ,
// sin φ): ⟨x/2, u⟩ = ρ cos(a + φ) and ⟨x/2, v⟩ = ρ sin(a + φ), so the
// preimages of x in class k are the roots of g(f_0) = ρ cos(a(f_0) + φ) − f_0
// with f_1 = ρ sin(a(f_0) + φ). The Jacobian: with r = da/df_0 = 0.25e^{f_0},
// du/da = −v and dv/da = u, so ∂x/∂f_0 = 2[(1 + r f_1) u − r f_0 v] and
// ∂x/∂f_1 = 2v; in the orthonormal basis (u, v) (det[u v] = cos² + sin² = 1)
//
//	|det J| = 4·|det [[1 + r f_1, 0], [−r f_0, 1]]| = 4|1 + 0.25 e^{f_0} f_1|,
//
// and by the change of variables
//
//	p(x) = Σ_k (1/5) Σ_{roots f_0 of g_k} N(f_0; 1, 0.3²) N(f_1; 0, 0.1²) / |det J|.
//
// (g'(f_0) = −(1 + r f_1) = −|det J|/4 up to sign: roots are simple except
// on folds, where the density has an integrable singularity.) Roots are
// bracketed by a scan of f_0 over mean ± 7 sd = [−1.1, 3.1] in steps of at
// most pinwheelScan and refined by bisection to 10⁻¹²; since
// f_0² + f_1² = ρ², the scan also skips the f_0 where |f_1| > 7 sd = 0.7
// (and |f_0| > ρ, where g has no root). Dropped preimages have density
// below e^{−24.5} of the peak: the truncated mass is about 4·10⁻¹², and a
// point with no preimage in range gets −Inf. Two roots closer than one
// scan step are missed; that happens only next to a fold, where
// f_1 = −4e^{−f_0}, i.e. ≥ 4 sd out in f_0 or f_1 (densities below e⁻¹⁷
// of the peak). TestToy2DPinwheelBruteForce checks the result against a
// 2-D quadrature over (f_0, f_1).

// Quadrature parameters of the curve densities (see above).
const (
	curvePanel = 0.05
	curveOrder = 6
)

// Pinwheel generator parameters (shared by [Toy2D]) and the root scan step.
const (
	pinwheelClasses    = 5
	pinwheelRadial     = 0.3
	pinwheelTangential = 0.1
	pinwheelRate       = 0.25
	pinwheelScan       = 0.005
)

// curveDensity is a curve convolved with an isotropic Gaussian, by
// quadrature over the curve parameter: nodes (x_j, y_j) = μ(t_j) with log
// weights carrying the class probability and the uniform density of t.
type curveDensity struct {
	x, y, logw []float64
	sigma      float64
}

// curvePiece is one curve with its parameter range and class probability.
type curvePiece struct {
	mu     func(t float64) (float64, float64)
	t0, t1 float64
	prob   float64
}

// newCurveDensity builds the composite Gauss–Legendre rule: panels of width
// at most panel, order nodes each.
func newCurveDensity(sigma, panel float64, order int, pieces ...curvePiece) *curveDensity {
	gx, gw := gaussLegendre(order)
	d := &curveDensity{sigma: sigma}
	for _, p := range pieces {
		n := int(math.Ceil((p.t1 - p.t0) / panel))
		h := (p.t1 - p.t0) / float64(n)
		for i := 0; i < n; i++ {
			c := p.t0 + (float64(i)+0.5)*h
			for j, z := range gx {
				x, y := p.mu(c + z*h/2)
				d.x = append(d.x, x)
				d.y = append(d.y, y)
				// weight h/2·w_j of the rule times the density prob/(t1 − t0).
				d.logw = append(d.logw, math.Log(gw[j]*h/2*p.prob/(p.t1-p.t0)))
			}
		}
	}
	return d
}

// logDensity returns log Σ_j w_j N((x, y); μ(t_j), σ²I).
func (d *curveDensity) logDensity(x, y float64) float64 {
	s2 := 2 * d.sigma * d.sigma
	m := math.Inf(-1)
	for j := range d.x {
		dx, dy := x-d.x[j], y-d.y[j]
		m = math.Max(m, d.logw[j]-(dx*dx+dy*dy)/s2)
	}
	if math.IsInf(m, -1) || math.IsNaN(m) {
		return m
	}
	var s float64
	for j := range d.x {
		dx, dy := x-d.x[j], y-d.y[j]
		if e := d.logw[j] - (dx*dx+dy*dy)/s2 - m; e > -50 {
			s += math.Exp(e)
		}
	}
	return m + math.Log(s) - math.Log(math.Pi*s2)
}

func moonsPieces() []curvePiece {
	return []curvePiece{
		{func(t float64) (float64, float64) { return 2*math.Cos(t) - 1, 2*math.Sin(t) - 0.5 }, 0, math.Pi, 0.5},
		{func(t float64) (float64, float64) { return 1 - 2*math.Cos(t), 0.5 - 2*math.Sin(t) }, 0, math.Pi, 0.5},
	}
}

func swissrollPieces() []curvePiece {
	return []curvePiece{{func(t float64) (float64, float64) { return t * math.Cos(t) / 5, t * math.Sin(t) / 5 }, 1.5 * math.Pi, 4.5 * math.Pi, 1}}
}

var (
	moonsDensity = sync.OnceValue(func() *curveDensity {
		return newCurveDensity(0.2, curvePanel, curveOrder, moonsPieces()...)
	})
	swissrollDensity = sync.OnceValue(func() *curveDensity {
		return newCurveDensity(0.2, curvePanel, curveOrder, swissrollPieces()...)
	})
)

// gaussLegendre returns the nodes and weights of the n-point Gauss–Legendre
// rule on [−1, 1] (Newton's method on the Legendre recurrence).
func gaussLegendre(n int) (x, w []float64) {
	x, w = make([]float64, n), make([]float64, n)
	for i := range n {
		z := math.Cos(math.Pi * (float64(i) + 0.75) / (float64(n) + 0.5))
		var dp float64
		for range 100 {
			p0, p1 := 1.0, z
			for k := 2; k <= n; k++ {
				p0, p1 = p1, ((2*float64(k)-1)*z*p1-float64(k-1)*p0)/float64(k)
			}
			dp = float64(n) * (z*p1 - p0) / (z*z - 1)
			dz := p1 / dp
			z -= dz
			if math.Abs(dz) < 1e-15 {
				break
			}
		}
		x[i], w[i] = z, 2/((1-z*z)*dp*dp)
	}
	return x, w
}

// checkerboardLogDensity is log(1/32) on the eight closed black squares
// and −Inf elsewhere (see above).
func checkerboardLogDensity(x, y float64) float64 {
	for i := -2; i <= 1; i++ {
		for j := -2; j <= 1; j++ {
			if (i+j)&1 == 0 && 2*float64(i) <= x && x <= 2*float64(i)+2 && 2*float64(j) <= y && y <= 2*float64(j)+2 {
				return -math.Log(32)
			}
		}
	}
	return math.Inf(-1)
}

// logAdder accumulates log Σ exp(v) without overflow.
type logAdder struct{ m, s float64 }

func (a *logAdder) add(v float64) {
	if v > a.m {
		a.s = a.s*math.Exp(a.m-v) + 1
		a.m = v
	} else {
		a.s += math.Exp(v - a.m)
	}
}

func (a *logAdder) value() float64 {
	if a.s == 0 {
		return math.Inf(-1)
	}
	return a.m + math.Log(a.s)
}

// pinwheelLogDensity sums the preimages of x over the five classes (see
// above).
func pinwheelLogDensity(x, y float64) float64 {
	X, Y := x/2, y/2
	rho, phi := math.Hypot(X, Y), math.Atan2(Y, X)
	const f0lo, f0hi = 1 - 7*pinwheelRadial, 1 + 7*pinwheelRadial
	const f1max = 7 * pinwheelTangential
	s := math.Sqrt(math.Max(0, rho*rho-f1max*f1max)) // |f_0| ≥ s keeps |f_1| ≤ 0.7
	type interval struct{ a, b float64 }
	var ivs []interval
	if s == 0 {
		ivs = []interval{{max(f0lo, -rho), min(f0hi, rho)}}
	} else {
		ivs = []interval{{max(f0lo, -rho), min(f0hi, -s)}, {max(f0lo, s), min(f0hi, rho)}}
	}
	lr := math.Log(pinwheelRadial * math.Sqrt(2*math.Pi))
	lt := math.Log(pinwheelTangential * math.Sqrt(2*math.Pi))
	acc := logAdder{m: math.Inf(-1)}
	for k := range pinwheelClasses {
		base := phi + 2*math.Pi*float64(k)/pinwheelClasses
		g := func(f0 float64) float64 { return rho*math.Cos(base+pinwheelRate*math.Exp(f0)) - f0 }
		root := func(f0 float64) {
			e := pinwheelRate * math.Exp(f0)
			f1 := rho * math.Sin(base+e)
			z0, z1 := (f0-1)/pinwheelRadial, f1/pinwheelTangential
			acc.add(-z0*z0/2 - lr - z1*z1/2 - lt - math.Log(4*math.Abs(1+e*f1)) - math.Log(pinwheelClasses))
		}
		for _, iv := range ivs {
			if !(iv.a < iv.b) {
				continue
			}
			n := int(math.Ceil((iv.b - iv.a) / pinwheelScan))
			h := (iv.b - iv.a) / float64(n)
			fa, ga := iv.a, g(iv.a)
			for i := 1; i <= n; i++ {
				fb := iv.a + float64(i)*h
				if i == n {
					fb = iv.b
				}
				gb := g(fb)
				switch {
				case ga == 0:
					root(fa)
				case i == n && gb == 0:
					root(fb)
				case (ga < 0) != (gb < 0) && gb != 0:
					lo, hi, glo := fa, fb, ga
					for hi-lo > 1e-12 {
						mid := (lo + hi) / 2
						if gm := g(mid); (gm < 0) == (glo < 0) {
							lo, glo = mid, gm
						} else {
							hi = mid
						}
					}
					root((lo + hi) / 2)
				}
				fa, ga = fb, gb
			}
		}
	}
	return acc.value()
}
