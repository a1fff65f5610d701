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

// Each closed-form density is the density of its generator: the mean log
// density of generated points matches the negative entropy computed on a
// fine grid, E_p[log p] = ∫ p log p, within 4 standard errors.
func TestToy2DLogDensityMatchesGenerator(t *testing.T) {
	for _, name := range []string{"8gaussians", "rings"} {
		f := Toy2DLogDensity(name)
		const n = 20000
		x, _ := Toy2D(name, n, 5)
		var s, ss float64
		for i := 0; i < n; i++ {
			v := f(float64(x.At(i, 0)), float64(x.At(i, 1)))
			s += v
			ss += v * v
		}
		mean := s / n
		se := math.Sqrt((ss/n - mean*mean) / n)
		const N, L = 1000, 4.5
		h := 2 * L / N
		var ent, mass float64
		for r := 0; r < N; r++ {
			for c := 0; c < N; c++ {
				v := f(-L+(float64(c)+0.5)*h, -L+(float64(r)+0.5)*h)
				p := math.Exp(v) * h * h
				mass += p
				ent += p * v
			}
		}
		if math.Abs(mass-1) > 1e-6 {
			t.Errorf("%s: density integrates to %.8f on the grid", name, mass)
		}
		if math.Abs(mean-ent) > 4*se {
			t.Errorf("%s: mean log density of samples %.4f, grid ∫p log p %.4f (4σ = %.4f)", name, mean, ent, 4*se)
		}
	}
	if Toy2DLogDensity("spiral") != nil {
		t.Error("an unknown name has a density")
	}
}
