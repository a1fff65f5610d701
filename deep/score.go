package deep

import (
	"fmt"

	"github.com/ebm-go/ebm/internal/tensor"
)

// Second-order directional derivatives of the energy, for score matching.
//
// Along a direction u (one per row) the energy's first and second
// directional derivatives are
//
//	Ė = uᵀ∇ₓE(x),   Ë = uᵀ∇ₓ(uᵀ∇ₓE(x)) = uᵀH(x)u,
//
// computed by forward-mode (Taylor) propagation of x + t·u through the
// network, with a_0 = x, ȧ_0 = u, ä_0 = 0 and, for each hidden layer,
//
//	z = aW + b,   ż = ȧW,   z̈ = äW,
//	a = f(z),     ȧ = f′(z)ż, ä = f″(z)ż² + f′(z)z̈,
//
// ending in Ė = ȧ_{L−1}W_L, Ë = ä_{L−1}W_L (plus Quad·xᵀu and Quad·|u|²
// for the fixed quadratic term). Score matching losses are functions of
// these, so their parameter gradients come from one reverse pass over this
// forward pass (reverse over forward): for J = Σᵣ αᵣĖᵣ + βᵣËᵣ the adjoints
// A, Ȧ, Ä of a, ȧ, ä start at A = 0, Ȧ = αW_Lᵀ, Ä = βW_Lᵀ and go down
// through
//
//	Z̈ = Ä⊙f′,  Ż = Ȧ⊙f′ + 2Ä⊙f″⊙ż,  Z = A⊙f′ + Ȧ⊙f″⊙ż + Ä⊙(f‴⊙ż² + f″⊙z̈),
//	∂J/∂W += aᵀZ + ȧᵀŻ + äᵀZ̈,  ∂J/∂b += Σᵣ Z,
//	A ← ZWᵀ,  Ȧ ← ŻWᵀ,  Ä ← Z̈Wᵀ.
//
// A at the input is ∂J/∂x: with α = 1, β = 0 it is the Hessian-vector
// product H(x)u of the network ([Net.HessianVector] adds the quadratic
// term's Quad·u). The gradient of a function of ∇ₓE itself, such as
// ½|∇ₓE|², is the same pass along the fixed direction u = ∇ₓE:
// ∂(½|g|²)/∂θ = gᵀ∂g/∂θ = ∂Ė/∂θ with u held fixed.

// taylor holds the forward-mode pass along a direction for one batch size.
type taylor struct {
	rows int
	// Index l = 0 … L−1: a[0], ad[0] alias x and u, add[0] is zero; for
	// l ≥ 1 the hidden layer l's activation and its directional
	// derivatives, and f1, f2, f3 = f′, f″, f‴ at its pre-activation.
	a, ad, add []*tensor.Matrix
	zd, zdd    []*tensor.Matrix
	f1, f2, f3 []*tensor.Matrix
	// Adjoints of a, ȧ, ä (index l), and the pre-activation adjoints.
	ga, gad, gadd []*tensor.Matrix
	gz, gzd, gzdd []*tensor.Matrix
	col1, col2    *tensor.Matrix // rows × 1: Ė, Ë of the MLP; then α, β
	x             *tensor.Matrix
	u             *tensor.Matrix
}

func (n *Net) prepareTaylor(rows int) *taylor {
	t := n.tw
	L := len(n.W)
	if t != nil && t.rows == rows && len(t.a) == L {
		return t
	}
	t = &taylor{rows: rows}
	mk := func(l int) *tensor.Matrix { return tensor.New(rows, n.Sizes[l]) }
	for l := 0; l < L; l++ {
		var a, ad, add, zd, zdd, f1, f2, f3 *tensor.Matrix
		if l == 0 {
			add = mk(0)
		} else {
			a, ad, add, zd, zdd, f1, f2, f3 = mk(l), mk(l), mk(l), mk(l), mk(l), mk(l), mk(l), mk(l)
		}
		t.a, t.ad, t.add = append(t.a, a), append(t.ad, ad), append(t.add, add)
		t.zd, t.zdd = append(t.zd, zd), append(t.zdd, zdd)
		t.f1, t.f2, t.f3 = append(t.f1, f1), append(t.f2, f2), append(t.f3, f3)
		t.ga, t.gad, t.gadd = append(t.ga, mk(l)), append(t.gad, mk(l)), append(t.gadd, mk(l))
		t.gz, t.gzd, t.gzdd = append(t.gz, mk(l)), append(t.gzd, mk(l)), append(t.gzdd, mk(l))
	}
	t.col1, t.col2 = tensor.New(rows, 1), tensor.New(rows, 1)
	n.tw = t
	return t
}

// derivs sets f1, f2, f3 = f′(z), f″(z), f‴(z) and a = f(z) elementwise
// (a may alias z).
func (act Activation) derivs(a, f1, f2, f3, z []float32) {
	switch act {
	case Swish:
		// f = zs, s = σ(z): f′ = s(1 + z(1−s)), f″ = s(1−s)(2 + z(1−2s)),
		// f‴ = s(1−s)((1−2s)(3 + z(1−2s)) − 2zs(1−s)).
		tensor.SigmoidInto(f1, z)
		for i, v := range z {
			s := f1[i]
			q := s * (1 - s)
			r := 1 - 2*s
			a[i] = v * s
			f1[i] = s * (1 + v*(1-s))
			f2[i] = q * (2 + v*r)
			f3[i] = q * (r*(3+v*r) - 2*v*q)
		}
	case Softplus:
		tensor.SigmoidInto(f1, z)
		for i, v := range z {
			s := f1[i]
			a[i] = tensor.SoftplusFast(v)
			f2[i] = s * (1 - s)
			f3[i] = s * (1 - s) * (1 - 2*s)
		}
	case LeakyReLU:
		for i, v := range z {
			if v > 0 {
				a[i], f1[i] = v, 1
			} else {
				a[i], f1[i] = LeakySlope*v, LeakySlope
			}
			f2[i], f3[i] = 0, 0
		}
	case squareAct:
		for i, v := range z {
			a[i], f1[i], f2[i], f3[i] = v*v/2, v, 1, 0
		}
	default:
		panic("deep: invalid activation " + act.String())
	}
}

// directional runs the forward-mode pass of x along u (both rows × d) and
// sets d1[r] = Ė and d2[r] = Ë of row r, including the quadratic term.
func (n *Net) directional(x, u *tensor.Matrix, d1, d2 []float32) *taylor {
	if x.Cols != n.Sizes[0] || u.Rows != x.Rows || u.Cols != x.Cols {
		panic(fmt.Sprintf("deep: directional derivative of %d×%d points along %d×%d directions, network input %d", x.Rows, x.Cols, u.Rows, u.Cols, n.Sizes[0]))
	}
	t := n.prepareTaylor(x.Rows)
	t.x, t.u = x, u
	t.a[0], t.ad[0] = x, u
	L := len(n.W)
	for l := 1; l < L; l++ {
		z := t.a[l]
		tensor.MatMul(z, t.a[l-1], n.W[l-1])
		tensor.AddRowVector(z, n.B[l-1])
		tensor.MatMul(t.zd[l], t.ad[l-1], n.W[l-1])
		if l == 1 {
			clear(t.zdd[l].Data)
		} else {
			tensor.MatMul(t.zdd[l], t.add[l-1], n.W[l-1])
		}
		f1, f2 := t.f1[l].Data, t.f2[l].Data
		n.Act.derivs(z.Data, f1, f2, t.f3[l].Data, z.Data)
		zd, zdd, ad, add := t.zd[l].Data, t.zdd[l].Data, t.ad[l].Data, t.add[l].Data
		for i, v := range zd {
			ad[i] = f1[i] * v
			add[i] = f2[i]*v*v + f1[i]*zdd[i]
		}
	}
	tensor.MatMul(t.col1, t.ad[L-1], n.W[L-1])
	tensor.MatMul(t.col2, t.add[L-1], n.W[L-1])
	copy(d1, t.col1.Data)
	copy(d2, t.col2.Data)
	if n.Quad != 0 {
		for r := 0; r < x.Rows; r++ {
			var xu, uu float32
			for j, v := range u.Row(r) {
				xu += x.Row(r)[j] * v
				uu += v * v
			}
			d1[r] += n.Quad * xu
			d2[r] += n.Quad * uu
		}
	}
	return t
}

// directionalBackward adds ∂J/∂θ to grads (when non-nil) for
// J = Σᵣ alpha[r]·Ė_r + beta[r]·Ë_r after directional, and sets gx (when
// non-nil) to ∂J/∂x of the network (without the quadratic term's
// alpha·Quad·u).
func (n *Net) directionalBackward(t *taylor, alpha, beta []float32, grads [][]float32, gx *tensor.Matrix) {
	L := len(n.W)
	copy(t.col1.Data, alpha)
	copy(t.col2.Data, beta)
	top := L - 1
	if grads != nil {
		gw := tensor.FromSlice(n.Sizes[top], 1, grads[2*top])
		tensor.Gemm(true, false, 1, t.ad[top], t.col1, 1, gw)
		if top > 0 {
			tensor.Gemm(true, false, 1, t.add[top], t.col2, 1, gw)
		}
	}
	if top == 0 {
		// A linear energy: Ė = uᵀw does not depend on x.
		if gx != nil {
			clear(gx.Data)
		}
		return
	}
	clear(t.ga[top].Data)
	tensor.MatMulTB(t.gad[top], t.col1, n.W[top])
	tensor.MatMulTB(t.gadd[top], t.col2, n.W[top])
	for l := top; l >= 1; l-- {
		ga, gad, gadd := t.ga[l].Data, t.gad[l].Data, t.gadd[l].Data
		f1, f2, f3 := t.f1[l].Data, t.f2[l].Data, t.f3[l].Data
		zd, zdd := t.zd[l].Data, t.zdd[l].Data
		gz, gzd, gzdd := t.gz[l].Data, t.gzd[l].Data, t.gzdd[l].Data
		for i := range ga {
			s := zd[i]
			gzdd[i] = gadd[i] * f1[i]
			gzd[i] = gad[i]*f1[i] + 2*gadd[i]*f2[i]*s
			gz[i] = ga[i]*f1[i] + gad[i]*f2[i]*s + gadd[i]*(f3[i]*s*s+f2[i]*zdd[i])
		}
		if grads != nil {
			gw := tensor.FromSlice(n.Sizes[l-1], n.Sizes[l], grads[2*(l-1)])
			tensor.Gemm(true, false, 1, t.a[l-1], t.gz[l], 1, gw)
			tensor.Gemm(true, false, 1, t.ad[l-1], t.gzd[l], 1, gw)
			if l > 1 {
				tensor.Gemm(true, false, 1, t.add[l-1], t.gzdd[l], 1, gw)
			}
			tensor.ColumnSums(grads[2*(l-1)+1], t.gz[l], 1)
		}
		if l == 1 {
			if gx != nil {
				tensor.MatMulTB(gx, t.gz[l], n.W[0])
			}
			break
		}
		tensor.MatMulTB(t.ga[l-1], t.gz[l], n.W[l-1])
		tensor.MatMulTB(t.gad[l-1], t.gzd[l], n.W[l-1])
		tensor.MatMulTB(t.gadd[l-1], t.gzdd[l], n.W[l-1])
	}
}

// HessianVector sets row i of hv to H(x_i)·v_i, the Hessian of E_θ at x_i
// (with respect to x) times v_i, and quad[i] (when non-nil) to
// v_iᵀH(x_i)v_i. x, v and hv have the network's input width.
func (n *Net) HessianVector(x, v, hv *tensor.Matrix, quad []float32) {
	d1 := make([]float32, x.Rows)
	d2 := make([]float32, x.Rows)
	t := n.directional(x, v, d1, d2)
	ones := make([]float32, x.Rows)
	for i := range ones {
		ones[i] = 1
	}
	n.directionalBackward(t, ones, make([]float32, x.Rows), nil, hv)
	if n.Quad != 0 {
		for i, u := range v.Data {
			hv.Data[i] += n.Quad * u
		}
	}
	if quad != nil {
		copy(quad, d2)
	}
}

// dsm computes denoising score matching's loss on the batch t.pos and adds
// its gradient to t.grads: x̃ = x + σε (into t.neg, energies t.eNeg),
// r = σ∇ₓE(x̃) − ε (σ of [Trainer.NoiseSigma]), L = ½ mean |r|², ∂L/∂θ = mean rᵀσ∂∇ₓE(x̃)/∂θ, the
// directional pass along the fixed u = σr.
func (t *Trainer) dsm() float64 {
	sigma := float32(t.NoiseSigma())
	t.rng.Normal(t.eps.Data, 0, 1)
	for i, v := range t.pos.Data {
		t.neg.Data[i] = v + sigma*t.eps.Data[i]
	}
	t.Net.EnergyGrad(t.neg, t.eNeg, t.gx)
	var loss float64
	for i, g := range t.gx.Data {
		r := sigma*g - t.eps.Data[i]
		loss += 0.5 * float64(r) * float64(r)
		t.dir.Data[i] = sigma * r
	}
	rows := t.Cfg.Batch
	alpha := make([]float32, rows)
	for i := range alpha {
		alpha[i] = 1 / float32(rows)
	}
	d1, d2 := make([]float32, rows), make([]float32, rows)
	tw := t.Net.directional(t.neg, t.dir, d1, d2)
	t.Net.directionalBackward(tw, alpha, make([]float32, rows), t.grads, nil)
	return loss / float64(rows)
}

// energyPos returns the mean energy of the data batch t.pos (into t.ePos).
func (t *Trainer) energyPos() float64 {
	t.Net.Energy(t.pos, t.ePos)
	return mean32(t.ePos)
}

// ssm computes sliced score matching's loss on the batch t.pos and adds its
// gradient to t.grads. With g = ∇ₓE, Ė = vᵀg and Ë = vᵀHv along the
// projections v (t.eps): plain L = mean[−Ë + ½Ė²], one pass along v with
// α = Ė, β = −1 (per row, over the batch size); variance-reduced
// L = mean[−Ë + ½|g|²], a pass along v with α = 0, β = −1 and one along
// the fixed u = g with α = 1, β = 0.
func (t *Trainer) ssm() float64 {
	rows := t.Cfg.Batch
	v := t.eps
	switch t.Cfg.Projection {
	case Rademacher:
		for i := range v.Data {
			if t.rng.Uint64()&1 == 0 {
				v.Data[i] = 1
			} else {
				v.Data[i] = -1
			}
		}
	default:
		t.rng.Normal(v.Data, 0, 1)
	}
	inv := 1 / float32(rows)
	alpha, beta := make([]float32, rows), make([]float32, rows)
	d1, d2 := make([]float32, rows), make([]float32, rows)
	var loss float64
	if t.Cfg.SSMPlain {
		t.Net.Energy(t.pos, t.ePos)
		tw := t.Net.directional(t.pos, v, d1, d2)
		for r := range rows {
			loss += -float64(d2[r]) + 0.5*float64(d1[r])*float64(d1[r])
			alpha[r], beta[r] = d1[r]*inv, -inv
		}
		t.Net.directionalBackward(tw, alpha, beta, t.grads, nil)
		return loss / float64(rows)
	}
	t.Net.EnergyGrad(t.pos, t.ePos, t.gx)
	tw := t.Net.directional(t.pos, v, d1, d2)
	for r := range rows {
		var gg float64
		for _, g := range t.gx.Row(r) {
			gg += float64(g) * float64(g)
		}
		loss += -float64(d2[r]) + 0.5*gg
		beta[r] = -inv
	}
	t.Net.directionalBackward(tw, alpha, beta, t.grads, nil)
	for r := range rows {
		alpha[r], beta[r] = inv, 0
	}
	tw = t.Net.directional(t.pos, t.gx, d1, d2)
	t.Net.directionalBackward(tw, alpha, beta, t.grads, nil)
	return loss / float64(rows)
}
