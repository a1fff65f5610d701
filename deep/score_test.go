package deep

import (
	"context"
	"math"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

// grad64 is ∇ₓE of the network in float64 by plain backpropagation, a
// reference independent of the float32 code.
func grad64(n *Net, x []float64) []float64 {
	L := len(n.W)
	acts := [][]float64{x}
	var dfs [][]float64
	h := x
	for l := 0; l+1 < L; l++ {
		w := n.W[l]
		out, df := make([]float64, w.Cols), make([]float64, w.Cols)
		for j := range out {
			z := float64(n.B[l][j])
			for i, v := range h {
				z += v * float64(w.At(i, j))
			}
			switch n.Act {
			case Swish:
				s := 1 / (1 + math.Exp(-z))
				out[j], df[j] = z*s, s*(1+z*(1-s))
			case Softplus:
				out[j], df[j] = math.Log1p(math.Exp(z)), 1/(1+math.Exp(-z))
			case LeakyReLU:
				out[j], df[j] = z, 1
				if z <= 0 {
					out[j], df[j] = LeakySlope*z, LeakySlope
				}
			case squareAct:
				out[j], df[j] = z*z/2, z
			}
		}
		acts, dfs = append(acts, out), append(dfs, df)
		h = out
	}
	g := make([]float64, n.Sizes[L-1])
	for i := range g {
		g[i] = float64(n.W[L-1].At(i, 0))
	}
	for l := L - 2; l >= 0; l-- {
		prev := make([]float64, n.Sizes[l])
		for i := range prev {
			for j, v := range g {
				prev[i] += float64(n.W[l].At(i, j)) * v * dfs[l][j]
			}
		}
		g = prev
	}
	for i, v := range x {
		g[i] += float64(n.Quad) * v
	}
	return g
}

// vHv64 is vᵀH(x)v by central differences of grad64 along v (step 1e-4:
// truncation ~1e-8, rounding ~1e-12).
func vHv64(n *Net, x, v []float64) float64 {
	const h = 1e-4
	xp, xm := make([]float64, len(x)), make([]float64, len(x))
	for i := range x {
		xp[i], xm[i] = x[i]+h*v[i], x[i]-h*v[i]
	}
	gp, gm := grad64(n, xp), grad64(n, xm)
	var s float64
	for i := range v {
		s += v[i] * (gp[i] - gm[i]) / (2 * h)
	}
	return s
}

func row64(m *tensor.Matrix, i int) []float64 {
	out := make([]float64, m.Cols)
	for j, v := range m.Row(i) {
		out[j] = float64(v)
	}
	return out
}

// The Hessian-vector product (reverse over forward) matches central
// differences of the float64 gradient along v, and its vᵀHv matches the
// forward-mode second directional derivative, for every activation with a
// second derivative and with the quadratic term.
func TestHessianVectorFiniteDifferences(t *testing.T) {
	const h = 1e-4
	for _, act := range []Activation{Swish, Softplus, squareAct} {
		n := randNet(t, act, 21)
		if act == Softplus {
			n.Quad = 0.4
		}
		x, v := tensor.New(5, 3), tensor.New(5, 3)
		rng := tensor.NewRand(8)
		rng.Normal(x.Data, 0, 1.2)
		rng.Normal(v.Data, 0, 1)
		hv := tensor.New(5, 3)
		quad := make([]float32, 5)
		n.HessianVector(x, v, hv, quad)
		var an, fd, qa, qf []float64
		for i := 0; i < 5; i++ {
			xi, vi := row64(x, i), row64(v, i)
			xp, xm := make([]float64, 3), make([]float64, 3)
			for j := range xi {
				xp[j], xm[j] = xi[j]+h*vi[j], xi[j]-h*vi[j]
			}
			gp, gm := grad64(n, xp), grad64(n, xm)
			var s float64
			for j := range gp {
				fd = append(fd, (gp[j]-gm[j])/(2*h))
				an = append(an, float64(hv.At(i, j)))
				s += vi[j] * float64(hv.At(i, j))
			}
			qa, qf = append(qa, float64(quad[i])), append(qf, s)
		}
		if r := relErr(an, fd); r > 1e-4 {
			t.Errorf("%v: Hv relative error %.2e\nanalytic %v\nfinite differences %v", act, r, an, fd)
		}
		if r := relErr(qa, qf); r > 1e-4 {
			t.Errorf("%v: vᵀHv forward mode %v, vᵀ(Hv) %v", act, qa, qf)
		}
	}
}

// scoreLoss64 is the loss the trainer's score-matching step computed, in
// float64 from grad64 and vHv64, on the points x (DSM: the noisy points)
// with noise or projections eps.
func scoreLoss64(n *Net, cfg Config, x, eps *tensor.Matrix) float64 {
	var loss float64
	for r := 0; r < x.Rows; r++ {
		xr, er := row64(x, r), row64(eps, r)
		g := grad64(n, xr)
		switch {
		case cfg.Objective == DSM:
			for j := range g {
				d := cfg.Sigma*g[j] - er[j]
				loss += d * d / 2
			}
		case cfg.SSMPlain:
			var vg float64
			for j := range g {
				vg += er[j] * g[j]
			}
			loss += -vHv64(n, xr, er) + vg*vg/2
		default:
			var gg float64
			for j := range g {
				gg += g[j] * g[j]
			}
			loss += -vHv64(n, xr, er) + gg/2
		}
	}
	return loss / float64(x.Rows)
}

// The score-matching losses and their parameter gradients (reverse over
// forward through the network) match a float64 reference: the loss from
// grad64 and finite differences of it, the gradient by central differences
// of that loss in each parameter.
func TestScoreLossGradientsFiniteDifferences(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  Config
		act  Activation
	}{
		{"dsm-swish", Config{Objective: DSM, Sigma: 0.3}, Swish},
		{"dsm-softplus-quad", Config{Objective: DSM, Sigma: 0.5}, Softplus},
		{"ssm-vr-gaussian", Config{Objective: SSM}, Swish},
		{"ssm-vr-rademacher-softplus", Config{Objective: SSM, Projection: Rademacher}, Softplus},
		{"ssm-plain-gaussian", Config{Objective: SSM, SSMPlain: true}, Swish},
		{"ssm-plain-rademacher-square", Config{Objective: SSM, SSMPlain: true, Projection: Rademacher}, squareAct},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := randNet(t, c.act, 31)
			if c.act == Softplus {
				n.Quad = 0.3
			}
			data := tensor.New(6, 3)
			tensor.NewRand(4).Normal(data.Data, 0, 1)
			cfg := c.cfg
			cfg.Batch, cfg.LR = 6, 1e-3
			cfg.Init = NoiseInit{Low: []float32{-3, -3, -3}, High: []float32{3, 3, 3}}
			tr, err := NewTrainer(n, data, cfg, tensor.NewRand(5))
			if err != nil {
				t.Fatal(err)
			}
			copy(tr.pos.Data, data.Data)
			var loss float64
			x := tr.pos
			if cfg.Objective == DSM {
				loss, x = tr.dsm(), tr.neg
			} else {
				loss = tr.ssm()
			}
			ref := func() float64 { return scoreLoss64(n, tr.Cfg, x, tr.eps) }
			if want := ref(); math.Abs(loss-want) > 1e-4*(1+math.Abs(want)) {
				t.Errorf("loss %g, float64 reference %g", loss, want)
			}
			an, fd := flatten(tr.grads), paramDifferences(n, 1e-3, ref)
			if r := relErr(an, fd); r > 2e-3 {
				t.Errorf("∂L/∂θ relative error %.2e\nanalytic %v\nfinite differences %v", r, an, fd)
			}
		})
	}
}

// gaussianFit trains a one-hidden-layer network with z²/2 units, an exact
// quadratic energy ½(x−m)ᵀA(x−m) + c, on n draws from N(μ, Σ), and returns
// A (read with HessianVector) and the sample covariance Ŝ (divisor n).
func gaussianFit(t *testing.T, cfg Config, n int) (a, s [2][2]float64) {
	t.Helper()
	sigma := [2][2]float64{{1, 0.6}, {0.6, 0.8}}
	mu := [2]float64{0.5, -1}
	// Cholesky factor of Σ.
	l00 := math.Sqrt(sigma[0][0])
	l10 := sigma[1][0] / l00
	l11 := math.Sqrt(sigma[1][1] - l10*l10)
	rng := tensor.NewRand(17)
	x := tensor.New(n, 2)
	var mean [2]float64
	for i := 0; i < n; i++ {
		z0, z1 := rng.NormFloat64(), rng.NormFloat64()
		x.Set(i, 0, float32(mu[0]+l00*z0))
		x.Set(i, 1, float32(mu[1]+l10*z0+l11*z1))
		mean[0] += float64(x.At(i, 0)) / float64(n)
		mean[1] += float64(x.At(i, 1)) / float64(n)
	}
	for i := 0; i < n; i++ {
		for j := range 2 {
			for k := range 2 {
				s[j][k] += (float64(x.At(i, j)) - mean[j]) * (float64(x.At(i, k)) - mean[k]) / float64(n)
			}
		}
	}
	net, err := New(2, []int{3}, squareAct)
	if err != nil {
		t.Fatal(err)
	}
	net.Init(rng)
	cfg.Init = NoiseInit{Low: []float32{-5, -5}, High: []float32{5, 5}}
	tr, err := NewTrainer(net, x, cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Train(context.Background(), cfg.Decay, nil); err != nil {
		t.Fatal(err)
	}
	pts, dirs, hv := tensor.New(2, 2), tensor.FromSlice(2, 2, []float32{1, 0, 0, 1}), tensor.New(2, 2)
	net.HessianVector(pts, dirs, hv, nil)
	for j := range 2 {
		for k := range 2 {
			a[j][k] = float64(hv.At(j, k))
		}
	}
	return a, s
}

func inv2(m [2][2]float64) [2][2]float64 {
	d := m[0][0]*m[1][1] - m[0][1]*m[1][0]
	return [2][2]float64{{m[1][1] / d, -m[0][1] / d}, {-m[1][0] / d, m[0][0] / d}}
}

// Score matching on a quadratic energy E = ½(x−m)ᵀA(x−m) + c fitted to n
// draws from N(μ, Σ) recovers the closed-form minimisers: SSM's is the
// precision Ŝ⁻¹ of the sample (its loss −tr A + ½ mean|A(x−m)|² is
// minimised there), DSM's that of the noisy data, (Ŝ + σ²I)⁻¹ in
// expectation. The sample precision P̂ = Ŝ⁻¹ differs from the true Σ⁻¹ by
// a standard error √((P_jk² + P_jj P_kk)/n) per entry (Wishart; 0.023–0.031
// at n = 8000), so A must be within 4 SE of the true value; the gap to the
// sample's own minimiser (optimisation noise at a learning rate decayed
// to 1e-4) must be below 0.03. DSM at σ = 0.5 must miss Σ⁻¹ itself by more
// than that: the minimisers differ by ~0.4 in the diagonal.
func TestScoreMatchingGaussianClosedForm(t *testing.T) {
	const n = 8000
	sigma := [2][2]float64{{1, 0.6}, {0.6, 0.8}}
	p := inv2(sigma)
	for _, c := range []struct {
		name string
		cfg  Config
		ds   float64 // noise σ added to the covariance (DSM)
	}{
		{"ssm-vr", Config{Objective: SSM}, 0},
		{"ssm-plain-rademacher", Config{Objective: SSM, SSMPlain: true, Projection: Rademacher}, 0},
		{"dsm", Config{Objective: DSM, Sigma: 0.5}, 0.5},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := c.cfg
			cfg.Batch, cfg.LR, cfg.Decay = 512, 0.02, 1500
			a, s := gaussianFit(t, cfg, n)
			want := p
			if c.ds > 0 {
				want = inv2([2][2]float64{{sigma[0][0] + c.ds*c.ds, sigma[0][1]}, {sigma[1][0], sigma[1][1] + c.ds*c.ds}})
				s[0][0] += c.ds * c.ds
				s[1][1] += c.ds * c.ds
			}
			ps := inv2(s)
			t.Logf("A %v, sample minimiser %v, truth %v", a, ps, want)
			for j := range 2 {
				for k := range 2 {
					se := math.Sqrt((want[j][k]*want[j][k] + want[j][j]*want[k][k]) / n)
					if d := math.Abs(a[j][k] - want[j][k]); d > 4*se {
						t.Errorf("A[%d][%d] = %.4f, closed form %.4f (4 SE %.4f)", j, k, a[j][k], want[j][k], 4*se)
					}
					if d := math.Abs(a[j][k] - ps[j][k]); d > 0.03 {
						t.Errorf("A[%d][%d] = %.4f, the sample's minimiser %.4f", j, k, a[j][k], ps[j][k])
					}
				}
			}
			if c.ds > 0 && math.Abs(a[0][0]-p[0][0]) < 0.1 {
				t.Errorf("DSM recovered Σ⁻¹ itself (A₀₀ %.4f vs %.4f): the noise's effect is missing", a[0][0], p[0][0])
			}
		})
	}
}

// paramDifferences returns central differences of loss in each parameter
// of n (in Params order), each float32 parameter moved by a representable
// step near h and divided by the step actually taken.
func paramDifferences(n *Net, h float32, loss func() float64) []float64 {
	var fd []float64
	for _, p := range n.Params() {
		for i := range p {
			old := p[i]
			p[i] = old + h
			up, hu := loss(), float64(p[i]-old)
			p[i] = old - h
			dn, hd := loss(), float64(old-p[i])
			p[i] = old
			fd = append(fd, (up-dn)/(hu+hd))
		}
	}
	return fd
}

func flatten(g [][]float32) []float64 {
	var out []float64
	for _, p := range g {
		for _, v := range p {
			out = append(out, float64(v))
		}
	}
	return out
}
