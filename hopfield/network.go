package hopfield

import (
	"fmt"
	"math"
	"runtime"

	"github.com/ebm-go/ebm/internal/tensor"
)

// Rule is a learning rule of the classical network.
type Rule string

// The learning rules.
const (
	// Hebbian: W_ij = (1/N) Σ_μ ξ_i^μ ξ_j^μ, zero diagonal.
	Hebbian Rule = "hebbian"
	// Storkey: the incremental rule of Storkey (1997).
	Storkey Rule = "storkey"
	// PseudoInverse: the projection rule W = X⁺X.
	PseudoInverse Rule = "pinv"
)

// ParseRule maps a name to a Rule: hebbian (or hebb), storkey, pinv (or
// pseudo-inverse, projection); case-insensitive.
func ParseRule(s string) (Rule, error) {
	return parseName(s, "rule", "hebbian, storkey or pinv", ruleNames)
}

var ruleNames = map[string]Rule{
	"hebbian":        Hebbian,
	"hebb":           Hebbian,
	"storkey":        Storkey,
	"pinv":           PseudoInverse,
	"pseudo-inverse": PseudoInverse,
	"pseudoinverse":  PseudoInverse,
	"projection":     PseudoInverse,
}

// KindClassical is the Kind of a classical Hopfield network.
const KindClassical = "classical"

// Network is a classical Hopfield network of N binary (±1) neurons.
//
// W and Theta are exported so that a network can be built or inspected by
// hand; W must stay symmetric (Validate checks it). Store keeps the stored
// patterns, which Recall uses for overlaps and the pseudo-inverse rule for
// recomputing the projection.
type Network struct {
	// W is the N×N symmetric weight matrix.
	W *tensor.Matrix
	// Theta holds the N thresholds θ_i (zero after NewNetwork; no rule changes them).
	Theta []float32
	// ZeroDiagonal, for the pseudo-inverse rule, sets W_ii = 0 after the
	// projection (the other rules always have a zero diagonal). Set it
	// before Store.
	ZeroDiagonal bool

	rule     Rule
	patterns *tensor.Matrix // p×N stored patterns (±1), nil when unknown
	xt       *tensor.Matrix // cached N×p transpose of patterns, nil until needed
	count    int            // number of stored patterns
	rank     int            // pseudo-inverse: rank of the stored patterns
}

// NewNetwork returns an empty classical network of n neurons (all weights
// and thresholds zero) that learns with rule; New builds any kind.
func NewNetwork(n int, rule Rule) (*Network, error) {
	if n < 1 {
		return nil, fmt.Errorf("hopfield: a network needs at least 1 neuron, got %d: %w", n, ErrOption)
	}
	r, err := ParseRule(string(rule))
	if err != nil {
		return nil, err
	}
	return &Network{W: tensor.New(n, n), Theta: make([]float32, n), rule: r}, nil
}

// Kind returns "classical".
func (net *Network) Kind() string { return KindClassical }

// Neurons returns N.
func (net *Network) Neurons() int { return net.W.Rows }

// Rule returns the learning rule ("" for a network loaded from a file that
// does not name one).
func (net *Network) Rule() Rule { return net.rule }

// Count returns the number of stored patterns.
func (net *Network) Count() int { return net.count }

// Rank returns the rank of the stored patterns for the pseudo-inverse rule
// (equal to Count when they are linearly independent), else 0.
func (net *Network) Rank() int { return net.rank }

// Patterns returns the stored patterns (Count × N, ±1), or nil when the
// network does not know them. The matrix is the network's own.
func (net *Network) Patterns() *tensor.Matrix { return net.patterns }

// transposed returns the N×p transpose of the stored patterns (nil when
// unknown), computed once: patterns change only through Store.
func (net *Network) transposed() *tensor.Matrix {
	if net.patterns == nil || net.patterns.Rows == 0 {
		return nil
	}
	if net.xt == nil {
		p, cols := net.patterns.Rows, net.patterns.Cols
		net.xt = tensor.New(cols, p)
		for mu := 0; mu < p; mu++ {
			for i, v := range net.patterns.Row(mu) {
				net.xt.Data[i*p+mu] = v
			}
		}
	}
	return net.xt
}

// Clone returns a deep copy.
func (net *Network) Clone() *Network {
	c := *net
	c.W = net.W.Clone()
	c.Theta = append([]float32(nil), net.Theta...)
	c.xt = nil
	if net.patterns != nil {
		c.patterns = net.patterns.Clone()
	}
	return &c
}

// symmetryTol is the relative asymmetry Validate accepts (and removes) in
// weights read from elsewhere: a float64 matrix product computed by a BLAS
// and rounded to float32 can differ from its transpose in the last bits.
const symmetryTol = 1e-5

// Validate checks the shapes, that every weight and threshold is finite,
// and that W is symmetric. Weights symmetric up to a relative 1e-5 (of the
// largest |W_ij|) are made exactly symmetric by averaging W_ij and W_ji;
// larger asymmetry is an error naming the pair.
func (net *Network) Validate() error {
	if net.W == nil || net.W.Rows != net.W.Cols || len(net.W.Data) != net.W.Rows*net.W.Cols {
		return fmt.Errorf("hopfield: weights must be a square N×N matrix: %w", ErrDimension)
	}
	n := net.W.Rows
	if len(net.Theta) != n {
		return fmt.Errorf("hopfield: %d thresholds for %d neurons: %w", len(net.Theta), n, ErrDimension)
	}
	for k, v := range net.W.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("hopfield: weight (%d, %d) is %v: %w", k/n, k%n, v, ErrValue)
		}
	}
	for i, v := range net.Theta {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("hopfield: threshold %d is %v: %w", i, v, ErrValue)
		}
	}
	var maxAbs float64
	for _, v := range net.W.Data {
		maxAbs = max(maxAbs, math.Abs(float64(v)))
	}
	w := net.W.Data
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			a, b := w[i*n+j], w[j*n+i]
			if a == b {
				continue
			}
			if math.Abs(float64(a)-float64(b)) > symmetryTol*maxAbs {
				return fmt.Errorf("hopfield: weights are not symmetric: W[%d][%d] = %v but W[%d][%d] = %v: %w", i, j, a, j, i, b, ErrValue)
			}
			avg := float32((float64(a) + float64(b)) / 2)
			w[i*n+j], w[j*n+i] = avg, avg
		}
	}
	if net.patterns != nil && (net.patterns.Cols != n || net.patterns.Rows != net.count) {
		return fmt.Errorf("hopfield: %d×%d stored patterns for %d neurons and %d patterns: %w",
			net.patterns.Rows, net.patterns.Cols, n, net.count, ErrDimension)
	}
	return nil
}

// state converts a ±1 or 0/1 vector of length N to ±1, or returns an error.
func (net *Network) state(s []float32) ([]float32, error) {
	if len(s) != net.Neurons() {
		return nil, fmt.Errorf("hopfield: state of length %d for a network of %d neurons: %w", len(s), net.Neurons(), ErrDimension)
	}
	return Bipolar(s)
}

// Energy returns E(s) = −½ sᵀWs + θᵀs, accumulated in float64. A 0/1 state
// is converted to ±1 first; any other value (or a wrong length) panics, as
// it is a programming error: check states with Bipolar first.
func (net *Network) Energy(s []float32) float64 {
	b, err := net.state(s)
	if err != nil {
		panic(err.Error())
	}
	n := net.Neurons()
	var e float64
	for i := 0; i < n; i++ {
		h := tensor.Dot(net.W.Row(i), b)
		e += -0.5*float64(b[i])*h + float64(net.Theta[i])*float64(b[i])
	}
	return e
}

// Fields returns the local fields h_i − θ_i = Σ_j W_ij s_j − θ_i of a state
// (±1 or 0/1), in float64.
func (net *Network) Fields(s []float32) ([]float64, error) {
	b, err := net.state(s)
	if err != nil {
		return nil, err
	}
	f := newDenseFields(net.W, net.Theta, 0)
	f.init(b)
	out := make([]float64, len(b))
	for i := range out {
		out[i] = f.local(i)
	}
	return out, nil
}

// IsFixedPoint reports whether no unit of s (±1 or 0/1) would change under
// the deterministic update, with the package's sgn(0) convention (a zero
// field keeps the unit).
func (net *Network) IsFixedPoint(s []float32) (bool, error) {
	b, err := net.state(s)
	if err != nil {
		return false, err
	}
	f := newDenseFields(net.W, net.Theta, 0)
	f.init(b)
	for i := range b {
		if decide(b[i], f.local(i), f.tol) != b[i] {
			return false, nil
		}
	}
	return true, nil
}

// Store adds the rows of patterns (±1 or 0/1, N columns, at least one row)
// to the network with its learning rule. On error the network is unchanged.
func (net *Network) Store(patterns *tensor.Matrix) error {
	return net.store(patterns, workers())
}

// checkStore checks that patterns, handed to Store, has a row and n
// columns; holder, a format taking n, names the memory in the error.
func checkStore(patterns *tensor.Matrix, n int, holder string) error {
	if patterns == nil || patterns.Rows == 0 {
		return fmt.Errorf("hopfield: store: a pattern count of 0: %w", ErrNoPatterns)
	}
	if patterns.Cols != n {
		return fmt.Errorf("hopfield: store: patterns of length %d for %s: %w", patterns.Cols, fmt.Sprintf(holder, n), ErrDimension)
	}
	return nil
}

func (net *Network) store(patterns *tensor.Matrix, par int) error {
	n := net.Neurons()
	if err := checkStore(patterns, n, "a network of %d neurons"); err != nil {
		return err
	}
	x, err := BipolarMatrix(patterns)
	if err != nil {
		return fmt.Errorf("hopfield: store: %w", err)
	}
	switch net.rule {
	case Hebbian:
		storeHebbian(net.W, x)
	case Storkey:
		storkeyStore(net.W, x, par)
	case PseudoInverse:
		all := x
		if net.count > 0 {
			if net.patterns == nil {
				return fmt.Errorf("hopfield: store: the pseudo-inverse rule recomputes the projection from all stored patterns, and this network does not know its %d patterns (a file written without them): %w", net.count, ErrNoPatterns)
			}
			all = appendRows(net.patterns, x)
		}
		p, rank, err := projection(all, par)
		if err != nil {
			return err
		}
		if net.ZeroDiagonal {
			for i := 0; i < n; i++ {
				p.Set(i, i, 0)
			}
		}
		net.W = p
		net.rank = rank
	default:
		return fmt.Errorf("hopfield: store: this network has no learning rule (weights loaded from a file that names none), so it cannot add patterns: %w", ErrOption)
	}
	net.xt = nil
	if net.count == 0 || net.patterns != nil {
		if net.patterns == nil {
			net.patterns = x
		} else {
			net.patterns = appendRows(net.patterns, x)
		}
	}
	net.count += x.Rows
	// The transpose Recall needs is made here, not lazily in Recall, so
	// that concurrent Recalls on one network only read it.
	net.transposed()
	return nil
}

func appendRows(a, b *tensor.Matrix) *tensor.Matrix {
	out := tensor.New(a.Rows+b.Rows, a.Cols)
	copy(out.Data, a.Data)
	copy(out.Data[len(a.Data):], b.Data)
	return out
}

// workers is the parallelism of the library's own loops.
func workers() int { return max(1, runtime.GOMAXPROCS(0)) }

// parallelRows runs f over [0, n) split into contiguous chunks on up to par
// goroutines. Each index is handled by exactly one call, so results that are
// per-row do not depend on par.
func parallelRows(n, par int, f func(lo, hi int)) {
	if par <= 1 || n < 256 {
		f(0, n)
		return
	}
	tensor.Split(n, min(par, n/64), f)
}
