package deep

import (
	"math"
	"testing"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
)

// gaussian is E(x) = |x − μ|²/(2σ²), whose log Z is log(2πσ²) exactly.
type gaussian struct{ mx, my, s float64 }

func (g gaussian) Dim() int { return 2 }
func (g gaussian) EnergyGrad(x *tensor.Matrix, e []float32, gr *tensor.Matrix) {
	for i := 0; i < x.Rows; i++ {
		dx, dy := float64(x.At(i, 0))-g.mx, float64(x.At(i, 1))-g.my
		e[i] = float32((dx*dx + dy*dy) / (2 * g.s * g.s))
	}
}
func (g gaussian) logDensity(x, y float64) float64 {
	dx, dy := x-g.mx, y-g.my
	return -(dx*dx+dy*dy)/(2*g.s*g.s) - math.Log(2*math.Pi*g.s*g.s)
}

// The midpoint rule on a Gaussian converges faster than any power of the
// cell width (error ~ exp(−2π²σ²/Δ²) ≈ 1e-170 here), and the mass outside
// [−5, 5]² is below exp(−4.7²/(2·0.49)) ≈ 2e-10, so the only error left is
// the float32 energies' rounding (~1e-7 relative): log Z must match to 1e-5.
// A coarse grid (Δ = 2.5 > σ) must not.
func TestGridLogZGaussian(t *testing.T) {
	g := gaussian{0.3, -0.2, 0.7}
	want := math.Log(2 * math.Pi * g.s * g.s)
	lz, _, err := Grid{-5, 5, -5, 5, 200}.LogZ(g)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(lz-want) > 1e-5 {
		t.Errorf("grid log Z %.8f, exact %.8f", lz, want)
	}
	coarse, _, _ := Grid{-5, 5, -5, 5, 4}.LogZ(g)
	if math.Abs(coarse-want) < 1e-3 {
		t.Errorf("a 4×4 grid gives %.6f, suspiciously exact", coarse)
	}
	// Evaluating the model against its own density: KL 0 and test NLL
	// equal to the true NLL.
	test := tensor.New(500, 2)
	tensor.NewRand(1).Normal(test.Data, 0, 0.7)
	ev, err := Grid{-5, 5, -5, 5, 200}.Evaluate(g, test, g.logDensity)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(ev.KL) > 1e-6 || math.Abs(ev.TestNLL-ev.TrueNLL) > 1e-5 || ev.Outside != 0 {
		t.Errorf("self-evaluation: KL %g, test NLL %.6f vs true %.6f, outside %d", ev.KL, ev.TestNLL, ev.TrueNLL, ev.Outside)
	}
	// Against a shifted model: KL(N(μ,σ²) ‖ N(μ',σ²)) = |μ − μ'|²/(2σ²).
	h := gaussian{0.3 + 0.5, -0.2, 0.7}
	ev, _ = Grid{-5, 5, -5, 5, 200}.Evaluate(h, nil, g.logDensity)
	if want := 0.25 / (2 * 0.49); math.Abs(ev.KL-want) > 1e-5 {
		t.Errorf("KL %.6f, closed form %.6f", ev.KL, want)
	}
	if err := (Grid{1, 0, 0, 1, 10}).Validate(); err == nil {
		t.Error("empty box accepted")
	}
}

// The closed-form toy densities integrate to 1 on the evaluation grid the
// CLI uses ([−4.5, 4.5]², 300×300 cells: cell width 0.03 = σ_rings/3.3).
func TestToyDensitiesIntegrateToOne(t *testing.T) {
	g := Grid{-4.5, 4.5, -4.5, 4.5, 300}
	for _, name := range []string{"8gaussians", "rings"} {
		if m := g.Mass(dataset.Toy2DLogDensity(name)); math.Abs(m-1) > 1e-4 {
			t.Errorf("%s: mass %.6f on the grid", name, m)
		}
	}
}

func TestHistogram(t *testing.T) {
	g := Grid{0, 2, 0, 2, 2}
	x := tensor.FromSlice(3, 2, []float32{0.5, 1.5, 1.5, 0.5, 5, 5})
	d, out := g.Histogram(x)
	// (0.5, 1.5) is the top-left cell (row 0, col 0); (1.5, 0.5) bottom-right.
	if out != 1 || d[0] != 1.0/3 || d[3] != 1.0/3 || d[1] != 0 {
		t.Errorf("histogram %v, outside %d", d, out)
	}
}

// Density2D on a standard normal's energy (an EnergyFunc: no gradient)
// recovers log Z = log 2π to grid accuracy and scores the points under the
// normalized density, and draws the four panels.
func TestDensity2DEnergyFunc(t *testing.T) {
	x := tensor.New(400, 2)
	tensor.NewRand(1).Normal(x.Data, 0, 1)
	e := EnergyFunc{D: 2, F: func(p *tensor.Matrix, out []float64) {
		for i := range out {
			a, b := float64(p.At(i, 0)), float64(p.At(i, 1))
			out[i] = (a*a + b*b) / 2
		}
	}}
	img, ev, err := Density2D(e, x, nil, x, 200)
	if err != nil {
		t.Fatal(err)
	}
	// 400 normal points span about ±3σ, so the box (10% wider) holds all
	// but ≈ 4Φ(−3.3) ≈ 0.002 of the mass, and the midpoint rule on 200²
	// cells adds ≲ 1e-4: 0.01 in log Z is a bound a wrong constant misses.
	if d := ev.LogZ - math.Log(2*math.Pi); math.Abs(d) > 0.01 {
		t.Errorf("log Z %.5f, want log 2π %.5f", ev.LogZ, math.Log(2*math.Pi))
	}
	if b := img.Bounds(); b.Dx() < 4*b.Dy()/2 {
		t.Errorf("picture %v is not four panels wide", b)
	}
}

// The checkerboard's true density is 0 (log −Inf) off its squares: the
// evaluation skips those cells in the KL and stays finite. Against a
// uniform model on the box (area 81) KL = log(81/A), A the area of the
// cells whose centres lie on the squares (= 32·grid mass of the truth),
// and the true NLL of generated points is log 32.
func TestEvaluateCheckerboardZeroDensity(t *testing.T) {
	g := Grid{-4.5, 4.5, -4.5, 4.5, 90}
	uniform := EnergyFunc{D: 2, F: func(p *tensor.Matrix, out []float64) { clear(out) }}
	truth := dataset.Toy2DLogDensity("checkerboard")
	test, _ := dataset.Toy2D("checkerboard", 1000, 3)
	ev, err := g.Evaluate(uniform, test, truth)
	if err != nil {
		t.Fatal(err)
	}
	want := math.Log(81 / (32 * g.Mass(truth)))
	if math.Abs(ev.KL-want) > 1e-9 || math.Abs(ev.TrueNLL-math.Log(32)) > 1e-12 {
		t.Errorf("KL %.9f (want %.9f), true NLL %.12f (want log 32)", ev.KL, want, ev.TrueNLL)
	}
}
