package deep

import (
	"math"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

// float64 energy of the same network, for finite differences free of
// float32 rounding.
func energy64(n *Net, x []float64) float64 {
	h := x
	for l, w := range n.W {
		out := make([]float64, w.Cols)
		for j := range out {
			s := float64(n.B[l][j])
			for i, v := range h {
				s += v * float64(w.At(i, j))
			}
			if l+1 < len(n.W) {
				switch n.Act {
				case Swish:
					s = s / (1 + math.Exp(-s))
				case Softplus:
					s = math.Log1p(math.Exp(s))
				case LeakyReLU:
					if s <= 0 {
						s *= LeakySlope
					}
				case squareAct:
					s = s * s / 2
				}
			}
			out[j] = s
		}
		h = out
	}
	var ss float64
	for _, v := range x {
		ss += v * v
	}
	return h[0] + float64(n.Quad)/2*ss
}

func randNet(t *testing.T, act Activation, seed uint64) *Net {
	t.Helper()
	n, err := New(3, []int{7, 5}, act)
	if err != nil {
		t.Fatal(err)
	}
	rng := tensor.NewRand(seed)
	n.Init(rng)
	for _, b := range n.B {
		rng.Normal(b, 0, 0.3)
	}
	return n
}

func relErr(a, b []float64) float64 {
	var d, s float64
	for i := range a {
		d += (a[i] - b[i]) * (a[i] - b[i])
		s += b[i] * b[i]
	}
	return math.Sqrt(d / s)
}

// The hand-derived gradients match central finite differences of the
// float64 energy (step 1e-5: truncation error ~1e-10, rounding ~1e-11).
// The float32 forward pass bounds the agreement at about 1e-6 relative;
// 1e-4 leaves room and still catches any wrong term (those are O(1)).
func TestGradientsFiniteDifferences(t *testing.T) {
	const h = 1e-5
	for _, act := range []Activation{Swish, Softplus, LeakyReLU} {
		n := randNet(t, act, 11+uint64(act))
		n.Quad = 0.3 * float32(act) // 0 for swish: with and without the quadratic term
		x := tensor.New(4, 3)
		tensor.NewRand(5).Normal(x.Data, 0, 1.5)
		e := make([]float32, 4)
		// Energies agree with the float64 reference.
		n.Energy(x, e)
		for i := range e {
			xi := []float64{float64(x.At(i, 0)), float64(x.At(i, 1)), float64(x.At(i, 2))}
			if d := math.Abs(float64(e[i]) - energy64(n, xi)); d > 1e-5*(1+math.Abs(float64(e[i]))) {
				t.Errorf("%v: energy %g vs float64 %g", act, e[i], energy64(n, xi))
			}
		}
		// ∂E/∂x.
		g := tensor.New(4, 3)
		n.EnergyGrad(x, e, g)
		var an, fd []float64
		for i := 0; i < 4; i++ {
			for j := 0; j < 3; j++ {
				xp := []float64{float64(x.At(i, 0)), float64(x.At(i, 1)), float64(x.At(i, 2))}
				xm := append([]float64(nil), xp...)
				xp[j] += h
				xm[j] -= h
				fd = append(fd, (energy64(n, xp)-energy64(n, xm))/(2*h))
				an = append(an, float64(g.At(i, j)))
			}
		}
		if r := relErr(an, fd); r > 1e-4 {
			t.Errorf("%v: ∂E/∂x relative error %.2e\nanalytic %v\nfinite differences %v", act, r, an, fd)
		}
		// ∂L/∂θ for L = Σ_i c_i E(x_i) with weights c_i.
		c := []float32{0.5, -1, 2, 0.25}
		grads := n.NewGrads()
		n.ParamGrad(x, e, func(_, d []float32) { copy(d, c) }, grads)
		loss := func() float64 {
			var s float64
			for i := 0; i < 4; i++ {
				s += float64(c[i]) * energy64(n, []float64{float64(x.At(i, 0)), float64(x.At(i, 1)), float64(x.At(i, 2))})
			}
			return s
		}
		an, fd = flatten(grads), paramDifferences(n, h, loss)
		if r := relErr(an, fd); r > 1e-3 {
			t.Errorf("%v: ∂E/∂θ relative error %.2e", act, r)
		}
	}
}

// A wrong gradient must fail the check above: flipping one backward term
// (the activation derivative) gives an O(1) error.
func TestGradientCheckDetectsErrors(t *testing.T) {
	n := randNet(t, Swish, 3)
	m := randNet(t, Swish, 3)
	m.Act = Softplus // forward and backward now disagree with n's energy
	x := tensor.New(2, 3)
	tensor.NewRand(1).Normal(x.Data, 0, 1)
	e := make([]float32, 2)
	g1, g2 := tensor.New(2, 3), tensor.New(2, 3)
	n.EnergyGrad(x, e, g1)
	m.EnergyGrad(x, e, g2)
	a, b := make([]float64, 6), make([]float64, 6)
	for i := range a {
		a[i], b[i] = float64(g1.Data[i]), float64(g2.Data[i])
	}
	if r := relErr(b, a); r < 1e-2 {
		t.Errorf("different networks give gradients within %.2e", r)
	}
}

func TestNewAndParse(t *testing.T) {
	if _, err := New(0, nil, Swish); err == nil {
		t.Error("zero input dimension accepted")
	}
	if _, err := New(2, []int{3, 0}, Swish); err == nil {
		t.Error("zero width accepted")
	}
	n, err := New(2, []int{64, 32}, LeakyReLU)
	if err != nil || n.Architecture() != "2-64-32-1" || n.NumParams() != 2*64+64+64*32+32+32+1 {
		t.Errorf("%v %s %d", err, n.Architecture(), n.NumParams())
	}
	for _, s := range []string{"swish", "softplus", "leakyrelu"} {
		if a, err := ParseActivation(s); err != nil || a.String() != s {
			t.Errorf("%s: %v %v", s, a, err)
		}
	}
	if _, err := ParseActivation("tanh"); err == nil {
		t.Error("tanh accepted")
	}
}

func TestSaveLoad(t *testing.T) {
	n := randNet(t, LeakyReLU, 4)
	path := t.TempDir() + "/m.safetensors"
	c := float32(1.5)
	if err := Save(path, n, &c, map[string]string{"data": "rings", "model": "x"}); err != nil {
		t.Fatal(err)
	}
	m, lz, meta, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if lz == nil || *lz != 1.5 || meta["model"] != "deep" || meta["data"] != "rings" || meta["architecture"] != "3-7-5-1" || meta["activation"] != "leakyrelu" {
		t.Errorf("metadata %v, log Z %v", meta, lz)
	}
	x := tensor.New(3, 3)
	tensor.NewRand(1).Normal(x.Data, 0, 1)
	e1, e2 := make([]float32, 3), make([]float32, 3)
	n.Energy(x, e1)
	m.Energy(x, e2)
	for i := range e1 {
		if e1[i] != e2[i] {
			t.Errorf("energies differ after a round trip: %v vs %v", e1, e2)
		}
	}
	if err := Save(path, n, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, lz, _, _ := Load(path); lz != nil {
		t.Error("log Z appeared")
	}
}
