package deep

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ebm-go/ebm/internal/tensor"
)

// Activation is the smooth nonlinearity of the hidden layers.
type Activation int

const (
	// Swish is f(z) = z·σ(z) (also called SiLU), the default.
	Swish Activation = iota
	// Softplus is f(z) = log(1 + eᶻ).
	Softplus
	// LeakyReLU is f(z) = z for z > 0 and 0.2·z otherwise (the slope Du &
	// Mordatch use). It is not differentiable at 0; its derivative there is
	// taken as 0.2.
	LeakyReLU
)

// squareAct is f(z) = z²/2, for tests only (not parsed, not saved): with
// it a one-hidden-layer network is an exact quadratic energy, whose score
// matching optimum has a closed form.
const squareAct Activation = -1

// LeakySlope is LeakyReLU's slope for negative inputs.
const LeakySlope = 0.2

var activations = enum[Activation]{typ: "Activation", what: "activation", names: [][]string{
	Swish:     {"swish", "silu"},
	Softplus:  {"softplus"},
	LeakyReLU: {"leakyrelu", "leaky-relu", "leaky_relu", "lrelu"},
}}

// String returns the activation's name: swish, softplus or leakyrelu.
func (a Activation) String() string { return activations.String(a) }

// ParseActivation parses swish, softplus or leakyrelu (also silu and
// leaky-relu), case-insensitively.
func ParseActivation(s string) (Activation, error) { return activations.parse(s) }

// apply sets a = f(z) and d = f'(z) elementwise (a may alias z). The
// logistic function is the package tensor's vectorised float32 one.
func (act Activation) apply(a, d, z []float32) {
	switch act {
	case Swish:
		tensor.SigmoidInto(d, z)
		for i, v := range z {
			s := d[i]
			a[i] = v * s
			d[i] = s * (1 + v*(1-s))
		}
	case Softplus:
		tensor.SigmoidInto(d, z)
		for i, v := range z {
			a[i] = tensor.SoftplusFast(v)
		}
	case LeakyReLU:
		for i, v := range z {
			if v > 0 {
				a[i], d[i] = v, 1
			} else {
				a[i], d[i] = LeakySlope*v, LeakySlope
			}
		}
	case squareAct:
		for i, v := range z {
			a[i], d[i] = v*v/2, v
		}
	default:
		panic("deep: invalid activation " + act.String())
	}
}

// Net is a multilayer perceptron energy E_θ: ℝᵈ → ℝ,
//
//	h₀ = x,  h_l = f(h_{l−1} W_l + b_l) (l = 1..L−1),
//	E = h_{L−1} W_L + b_L + (Quad/2)·|x|²,
//
// with W_l of shape Sizes[l−1] × Sizes[l] and a linear scalar output layer
// (Sizes[L] = 1). Rows of an input matrix are independent points.
//
// The fixed quadratic term (0 unless set) is a Gaussian base measure. Its
// gradient Quad·x pulls every coordinate toward 0, also in the directions
// the first layer does not see: ∇ₓ of the MLP lies in the span of W₁'s
// Sizes[1] rows, so with fewer hidden units than inputs (784 MNIST pixels
// into 256 units) Langevin chains cannot remove the part of their initial
// noise outside it without the term.
type Net struct {
	Sizes []int            // layer widths: input, hidden…, 1
	W     []*tensor.Matrix // W[l] is Sizes[l] × Sizes[l+1]
	B     [][]float32      // B[l] has Sizes[l+1] values
	Act   Activation
	Quad  float32 // coefficient of the fixed (Quad/2)·|x|² (≥ 0)

	ws work
	tw *taylor // score matching's forward-mode scratch
}

// work holds the forward pass's pre-activations' derivatives and
// activations, and backward scratch, for one batch size.
type work struct {
	rows int
	a    []*tensor.Matrix // a[l]: input to layer l (a[0] aliases x)
	d    []*tensor.Matrix // d[l]: f'(z) of hidden layer l+1's pre-activation
	g    []*tensor.Matrix // backward scratch, same shapes as a
	out  *tensor.Matrix   // rows × 1
}

// New returns a network with input dimension in, the given hidden widths and
// a scalar output, with zero parameters (see [Net.Init]).
func New(in int, hidden []int, act Activation) (*Net, error) {
	if in < 1 {
		return nil, fmt.Errorf("deep: input dimension %d (want at least 1)", in)
	}
	if (act < 0 || int(act) >= len(activations.names)) && act != squareAct {
		return nil, fmt.Errorf("deep: invalid activation %d", int(act))
	}
	sizes := append([]int{in}, hidden...)
	sizes = append(sizes, 1)
	for i, h := range hidden {
		if h < 1 {
			return nil, fmt.Errorf("deep: hidden layer %d has width %d (want at least 1)", i+1, h)
		}
	}
	n := &Net{Sizes: sizes, Act: act}
	for l := 0; l+1 < len(sizes); l++ {
		n.W = append(n.W, tensor.New(sizes[l], sizes[l+1]))
		n.B = append(n.B, make([]float32, sizes[l+1]))
	}
	return n, nil
}

// Init draws every weight from N(0, gain²/fan_in) (gain √2 for LeakyReLU,
// 1 for the others) and sets biases to zero.
func (n *Net) Init(rng *tensor.Rand) {
	gain := 1.0
	if n.Act == LeakyReLU {
		gain = math.Sqrt2
	}
	for l, w := range n.W {
		rng.Normal(w.Data, 0, float32(gain/math.Sqrt(float64(n.Sizes[l]))))
		clear(n.B[l])
	}
}

// Dim returns the input dimension.
func (n *Net) Dim() int { return n.Sizes[0] }

// Hidden returns the hidden widths.
func (n *Net) Hidden() []int { return append([]int(nil), n.Sizes[1:len(n.Sizes)-1]...) }

// Architecture returns the layer widths joined by '-', e.g. "2-64-64-1".
func (n *Net) Architecture() string {
	s := make([]string, len(n.Sizes))
	for i, v := range n.Sizes {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, "-")
}

// Params returns the parameter slices (the network's own storage) in the
// order W[0], B[0], W[1], B[1], …; gradients use the same layout.
func (n *Net) Params() [][]float32 {
	var p [][]float32
	for l := range n.W {
		p = append(p, n.W[l].Data, n.B[l])
	}
	return p
}

// NewGrads returns zeroed slices shaped like [Net.Params].
func (n *Net) NewGrads() [][]float32 {
	var g [][]float32
	for _, p := range n.Params() {
		g = append(g, make([]float32, len(p)))
	}
	return g
}

// NumParams returns the number of parameters.
func (n *Net) NumParams() int {
	c := 0
	for _, p := range n.Params() {
		c += len(p)
	}
	return c
}

func (n *Net) prepare(rows int) *work {
	w := &n.ws
	if w.rows == rows && len(w.a) == len(n.W) {
		return w
	}
	L := len(n.W)
	w.rows = rows
	w.a = make([]*tensor.Matrix, L)
	w.d = make([]*tensor.Matrix, L)
	w.g = make([]*tensor.Matrix, L)
	for l := 0; l < L; l++ {
		w.g[l] = tensor.New(rows, n.Sizes[l])
		if l > 0 {
			w.a[l] = tensor.New(rows, n.Sizes[l])
			w.d[l] = tensor.New(rows, n.Sizes[l])
		}
	}
	w.out = tensor.New(rows, 1)
	return w
}

// forward computes energies into e (len x.Rows), keeping activations and
// derivatives for backward.
func (n *Net) forward(x *tensor.Matrix, e []float32) *work {
	if x.Cols != n.Sizes[0] {
		panic(fmt.Sprintf("deep: input has %d columns, network expects %d", x.Cols, n.Sizes[0]))
	}
	if len(e) != x.Rows {
		panic(fmt.Sprintf("deep: %d energies for %d rows", len(e), x.Rows))
	}
	w := n.prepare(x.Rows)
	w.a[0] = x
	L := len(n.W)
	for l := 0; l < L; l++ {
		var z *tensor.Matrix
		if l+1 < L {
			z = w.a[l+1]
		} else {
			z = w.out
		}
		tensor.MatMul(z, w.a[l], n.W[l])
		tensor.AddRowVector(z, n.B[l])
		if l+1 < L {
			n.Act.apply(z.Data, w.d[l+1].Data, z.Data)
		}
	}
	copy(e, w.out.Data)
	if n.Quad != 0 {
		for i := range e {
			var ss float32
			for _, v := range x.Row(i) {
				ss += v * v
			}
			e[i] += n.Quad / 2 * ss
		}
	}
	return w
}

// backward propagates dE (the loss's derivative with respect to each row's
// energy) down the network after forward. It adds Σᵢ dEᵢ ∂Eᵢ/∂θ to grads
// when grads is non-nil and sets gx[i] = dEᵢ ∂Eᵢ/∂xᵢ when gx is non-nil.
func (n *Net) backward(w *work, dE []float32, grads [][]float32, gx *tensor.Matrix) {
	L := len(n.W)
	gout := tensor.FromSlice(len(dE), 1, dE)
	g := gout
	for l := L - 1; l >= 0; l-- {
		if grads != nil {
			gw := tensor.FromSlice(n.Sizes[l], n.Sizes[l+1], grads[2*l])
			tensor.Gemm(true, false, 1, w.a[l], g, 1, gw)
			tensor.ColumnSums(grads[2*l+1], g, 1)
		}
		if l == 0 {
			if gx != nil {
				tensor.MatMulTB(gx, g, n.W[0])
			}
			break
		}
		prev := w.g[l]
		tensor.MatMulTB(prev, g, n.W[l])
		d := w.d[l].Data
		for i := range prev.Data {
			prev.Data[i] *= d[i]
		}
		g = prev
	}
}

// Energy sets e[i] = E_θ(x_i) for every row of x.
func (n *Net) Energy(x *tensor.Matrix, e []float32) { n.forward(x, e) }

// EnergyGrad sets e[i] = E_θ(x_i) and, when g is non-nil (x's shape), row i
// of g to ∇ₓE_θ(x_i). It implements [Energy].
func (n *Net) EnergyGrad(x *tensor.Matrix, e []float32, g *tensor.Matrix) {
	w := n.forward(x, e)
	if g == nil {
		return
	}
	ones := make([]float32, x.Rows)
	for i := range ones {
		ones[i] = 1
	}
	n.backward(w, ones, nil, g)
	if n.Quad != 0 {
		for i, v := range x.Data[:len(g.Data)] {
			g.Data[i] += n.Quad * v
		}
	}
}

// ParamGrad computes e[i] = E_θ(x_i) and adds Σᵢ dE[i]·∂E_θ(x_i)/∂θ to
// grads (laid out as [Net.Params]). dE is a function of the energies, so it
// is computed by the callback from e before the backward pass.
func (n *Net) ParamGrad(x *tensor.Matrix, e []float32, dE func(e, dE []float32), grads [][]float32) {
	w := n.forward(x, e)
	d := make([]float32, x.Rows)
	dE(e, d)
	n.backward(w, d, grads, nil)
}
