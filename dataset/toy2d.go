package dataset

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ebm-go/ebm/internal/tensor"
)

// Toy2DNames lists the built-in two-dimensional toy data sets used in the
// deep energy-based model literature. As data specs they are written
// name, name:N (N points, default 10000) or name:N:seed (default seed 1).
var Toy2DNames = []string{"8gaussians", "moons", "rings", "checkerboard", "pinwheel", "swissroll"}

// Toy2DDefaultN is the number of points a bare toy spec ("rings") gives.
const Toy2DDefaultN = 10000

// The closed-form toy densities' parameters.
const (
	// EightGaussiansRadius and EightGaussiansStd: 8 isotropic Gaussians of
	// standard deviation √2/4 centred at radius 2√2, angles kπ/4 (the
	// FFJORD generator: scale 4, std 0.5, divided by √2).
	EightGaussiansRadius = 2 * math.Sqrt2
	EightGaussiansStd    = math.Sqrt2 / 4
	// RingsStd is the radial noise of the rings: RingsCount concentric
	// rings of radii RingsSpacing·k (k = 1..4), ring k chosen with
	// probability k/10 (so the density along each ring is the same).
	RingsStd     = 0.1
	RingsSpacing = 0.75
	RingsCount   = 4
)

// isToy2D reports whether spec names a toy data set.
func isToy2D(spec string) bool {
	name, _, _ := strings.Cut(spec, ":")
	return slices.Contains(Toy2DNames, name)
}

// ParseToy2D splits a toy data set spec — name, name:N or name:N:seed —
// into its parts: N defaults to [Toy2DDefaultN] and seed to 1. The name is
// "" (and the error nil) when spec names no toy data set.
func ParseToy2D(spec string) (name string, n int, seed uint64, err error) {
	if !isToy2D(spec) {
		return "", 0, 0, nil
	}
	parts := strings.Split(spec, ":")
	n, seed = Toy2DDefaultN, 1
	if len(parts) > 3 {
		return "", 0, 0, fmt.Errorf("dataset: %q: want %s, %s:N or %s:N:seed: %w", spec, parts[0], parts[0], parts[0], ErrFormat)
	}
	if len(parts) >= 2 {
		v, err := strconv.Atoi(parts[1])
		if err != nil || v < 1 {
			return "", 0, 0, fmt.Errorf("dataset: %q: point count %q is not a positive integer: %w", spec, parts[1], ErrFormat)
		}
		n = v
	}
	if len(parts) == 3 {
		v, err := strconv.ParseUint(parts[2], 10, 64)
		if err != nil {
			return "", 0, 0, fmt.Errorf("dataset: %q: seed %q is not a non-negative integer: %w", spec, parts[2], ErrFormat)
		}
		seed = v
	}
	return parts[0], n, seed, nil
}

func loadToy2D(spec string) (*Set, error) {
	name, n, seed, err := ParseToy2D(spec)
	if err != nil {
		return nil, err
	}
	x, err := Toy2D(name, n, seed)
	if err != nil {
		return nil, err
	}
	return &Set{X: x}, nil
}

// Toy2D draws n points of the named toy data set (see [Toy2DNames]) from a
// generator seeded with seed. The same name, n and seed give the same points.
//
//   - 8gaussians: a mixture of 8 Gaussians, see [EightGaussiansRadius].
//   - moons: two interleaved half circles (scikit-learn's make_moons),
//     shifted and scaled by 2, with Gaussian noise of std 0.1·2.
//   - rings: 4 concentric noisy circles, see [RingsStd].
//   - checkerboard: uniform on the 8 black squares of a 4×4 board on
//     [−4, 4]² (the FFJORD generator).
//   - pinwheel: 5 curved arms (the FFJORD generator: radial std 0.3,
//     tangential std 0.1, rate 0.25, scaled by 2).
//   - swissroll: scikit-learn's make_swiss_roll with noise 1, the (x, z)
//     plane divided by 5.
func Toy2D(name string, n int, seed uint64) (*tensor.Matrix, error) {
	if n < 1 {
		return nil, fmt.Errorf("dataset: %s: %d points (want at least 1)", name, n)
	}
	rng := tensor.NewRand(seed)
	x := tensor.New(n, 2)
	set := func(i int, a, b float64) { x.Set(i, 0, float32(a)); x.Set(i, 1, float32(b)) }
	switch name {
	case "8gaussians":
		for i := 0; i < n; i++ {
			k := rng.IntN(8)
			a := float64(k) * math.Pi / 4
			set(i, EightGaussiansRadius*math.Cos(a)+EightGaussiansStd*rng.NormFloat64(),
				EightGaussiansRadius*math.Sin(a)+EightGaussiansStd*rng.NormFloat64())
		}
	case "rings":
		for i := 0; i < n; i++ {
			u := rng.Float64() * 10 // ring k with probability k/10
			k, c := 1, 1.0          // c = Σ_{j≤k} j, the cumulative weight ×10
			for u >= c && k < RingsCount {
				k++
				c += float64(k)
			}
			r := RingsSpacing*float64(k) + RingsStd*rng.NormFloat64()
			a := 2 * math.Pi * rng.Float64()
			set(i, r*math.Cos(a), r*math.Sin(a))
		}
	case "moons":
		for i := 0; i < n; i++ {
			t := math.Pi * rng.Float64()
			var a, b float64
			if rng.IntN(2) == 0 {
				a, b = math.Cos(t), math.Sin(t)
			} else {
				a, b = 1-math.Cos(t), 0.5-math.Sin(t)
			}
			set(i, 2*(a-0.5)+0.2*rng.NormFloat64(), 2*(b-0.25)+0.2*rng.NormFloat64())
		}
	case "checkerboard":
		for i := 0; i < n; i++ {
			x1 := rng.Float64()*4 - 2
			x2 := rng.Float64() - 2*float64(rng.IntN(2))
			x2 += math.Mod(math.Floor(x1)+4, 2) // floor(x1) mod 2, non-negative
			set(i, 2*x1, 2*x2)
		}
	case "pinwheel":
		const classes, radial, tangential, rate = pinwheelClasses, pinwheelRadial, pinwheelTangential, pinwheelRate
		for i := 0; i < n; i++ {
			f0 := radial*rng.NormFloat64() + 1
			f1 := tangential * rng.NormFloat64()
			a := 2*math.Pi*float64(rng.IntN(classes))/classes + rate*math.Exp(f0)
			c, s := math.Cos(a), math.Sin(a)
			set(i, 2*(f0*c+f1*s), 2*(-f0*s+f1*c))
		}
	case "swissroll":
		for i := 0; i < n; i++ {
			t := 1.5 * math.Pi * (1 + 2*rng.Float64())
			set(i, (t*math.Cos(t)+rng.NormFloat64())/5, (t*math.Sin(t)+rng.NormFloat64())/5)
		}
	default:
		return nil, fmt.Errorf("dataset: unknown toy data set %q (want one of %s)", name, strings.Join(Toy2DNames, ", "))
	}
	return x, nil
}

// Toy2DLogDensity returns the true log density of the named toy data set
// (nil for an unknown name): in closed form for 8gaussians, rings and
// checkerboard (−Inf off its squares), by quadrature over the curve for
// moons and swissroll and by root finding for pinwheel, each accurate to
// 10⁻³ nats (see toy2d_density.go for the derivations and the error).
// The returned functions are safe for concurrent use.
func Toy2DLogDensity(name string) func(x, y float64) float64 {
	switch name {
	case "moons":
		return moonsDensity().logDensity
	case "swissroll":
		return swissrollDensity().logDensity
	case "checkerboard":
		return checkerboardLogDensity
	case "pinwheel":
		return pinwheelLogDensity
	case "8gaussians":
		s2 := EightGaussiansStd * EightGaussiansStd
		norm := -math.Log(8) - math.Log(2*math.Pi*s2)
		return func(x, y float64) float64 {
			var terms [8]float64
			for k := range terms {
				a := float64(k) * math.Pi / 4
				dx, dy := x-EightGaussiansRadius*math.Cos(a), y-EightGaussiansRadius*math.Sin(a)
				terms[k] = -(dx*dx + dy*dy) / (2 * s2)
			}
			return norm + tensor.LogSumExp(terms[:])
		}
	case "rings":
		// x = R(cos θ, sin θ) with R ~ N(r_k, σ²) on all of ℝ and θ uniform:
		// the point at distance ρ comes from R = ρ (angle θ) or R = −ρ
		// (angle θ + π), so p(x) = Σ_k w_k [φ(ρ − r_k) + φ(ρ + r_k)] / (2πρ).
		return func(x, y float64) float64 {
			var terms [2 * RingsCount]float64
			rho := math.Max(math.Hypot(x, y), 1e-300)
			for k := 1; k <= RingsCount; k++ {
				r := RingsSpacing * float64(k)
				lw := math.Log(float64(k) / 10)
				c := lw - 0.5*math.Log(2*math.Pi*RingsStd*RingsStd)
				d1, d2 := (rho-r)/RingsStd, (rho+r)/RingsStd
				terms[2*k-2] = c - d1*d1/2
				terms[2*k-1] = c - d2*d2/2
			}
			return tensor.LogSumExp(terms[:]) - math.Log(2*math.Pi*rho)
		}
	}
	return nil
}
