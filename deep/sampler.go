package deep

import (
	"errors"
	"fmt"
	"math"

	"github.com/ebm-go/ebm/internal/tensor"
)

// Energy is anything Langevin dynamics can sample: a function of the rows of
// x with a gradient. [Net] implements it.
type Energy interface {
	// Dim is the number of columns of x.
	Dim() int
	// EnergyGrad sets e[i] = E(x_i) and, when g is non-nil, row i of g to
	// ∇E(x_i).
	EnergyGrad(x *tensor.Matrix, e []float32, g *tensor.Matrix)
}

// Method selects the Langevin sampler.
type Method int

const (
	// ULA is the unadjusted Langevin algorithm
	// x ← x − η∇E(x) + √(2η) z, z ~ N(0, I): cheap, and biased for every
	// η > 0 (on E = x²/2 its stationary variance is 1/(1 − η/2)).
	ULA Method = iota
	// MALA is the Metropolis-adjusted Langevin algorithm: the ULA move is a
	// proposal, accepted with the Metropolis–Hastings probability, so
	// exp(−E) is exactly stationary for every η.
	MALA
	// HMC is Hamiltonian Monte Carlo: momentum p ~ N(0, I), Leapfrog
	// leapfrog steps of size ε = StepSize on H(x, p) = E(x) + |p|²/2, then
	// a Metropolis accept/reject on ΔH, so exp(−E) is exactly stationary
	// for every ε. One leapfrog step of size ε is the MALA move of
	// η = ε²/2.
	HMC
)

// DefaultLeapfrog is the number of leapfrog steps per HMC iteration when
// [Sampler.Leapfrog] is 0.
const DefaultLeapfrog = 5

var methods = enum[Method]{typ: "Method", what: "sampler", names: [][]string{
	ULA:  {"langevin", "ula"},
	MALA: {"mala"},
	HMC:  {"hmc"},
}}

// String returns "langevin", "mala" or "hmc".
func (m Method) String() string { return methods.String(m) }

// ParseMethod parses langevin (or ula), mala and hmc.
func ParseMethod(s string) (Method, error) { return methods.parse(s) }

// Sampler runs Langevin chains, one per row of a matrix.
type Sampler struct {
	Method   Method
	Steps    int     // steps (HMC: iterations) per call to Run
	StepSize float64 // η > 0 (HMC: the leapfrog step ε)
	// NoiseScale multiplies the √(2η) noise of ULA; 0 means 1 (the exact
	// Langevin discretisation). Du & Mordatch use a smaller noise than
	// √(2η) in practice; values other than 1 sample exp(−E/T) with
	// T = NoiseScale² in the small-η limit. MALA ignores it.
	NoiseScale float64
	// Leapfrog is the number of leapfrog steps per HMC iteration; 0 means
	// DefaultLeapfrog. ULA and MALA ignore it.
	Leapfrog int

	e, ey []float32
	g, y  *tensor.Matrix
	gy, z *tensor.Matrix
}

// Validate reports a bad configuration.
func (s *Sampler) Validate() error {
	switch {
	case s.Method != ULA && s.Method != MALA && s.Method != HMC:
		return fmt.Errorf("deep: invalid sampler method %d", int(s.Method))
	case s.Steps < 0:
		return fmt.Errorf("deep: %d sampler steps (want ≥ 0)", s.Steps)
	case !(s.StepSize > 0) || math.IsInf(s.StepSize, 0):
		return fmt.Errorf("deep: sampler step size %g (want > 0)", s.StepSize)
	case s.NoiseScale < 0 || math.IsNaN(s.NoiseScale):
		return fmt.Errorf("deep: sampler noise scale %g (want ≥ 0)", s.NoiseScale)
	case s.Leapfrog < 0:
		return fmt.Errorf("deep: %d HMC leapfrog steps (want ≥ 1, or 0 for %d)", s.Leapfrog, DefaultLeapfrog)
	}
	return nil
}

// LeapfrogSteps is the number of leapfrog steps an HMC iteration takes:
// s.Leapfrog, or DefaultLeapfrog when that is 0.
func (s Sampler) LeapfrogSteps() int {
	if s.Leapfrog == 0 {
		return DefaultLeapfrog
	}
	return s.Leapfrog
}

func (s *Sampler) buffers(rows, cols int) {
	if s.g == nil || s.g.Rows != rows || s.g.Cols != cols {
		s.e, s.ey = make([]float32, rows), make([]float32, rows)
		s.g, s.y, s.gy, s.z = tensor.New(rows, cols), tensor.New(rows, cols), tensor.New(rows, cols), tensor.New(rows, cols)
	}
}

// Run advances every row of x by s.Steps steps of the sampler on energy e,
// in place, and returns the fraction of MALA or HMC proposals accepted (1
// for ULA). The noise comes from rng, in row-major order, one normal per
// coordinate per step (ULA, MALA: the noise; HMC: the momentum), then, for
// MALA and HMC, one uniform per row per step.
func (s *Sampler) Run(e Energy, x *tensor.Matrix, rng *tensor.Rand) (accept float64, err error) {
	if err := s.Validate(); err != nil {
		return 0, err
	}
	if x.Cols != e.Dim() {
		return 0, fmt.Errorf("deep: sampler input has %d columns, energy expects %d", x.Cols, e.Dim())
	}
	if x.Rows == 0 || s.Steps == 0 {
		return 1, nil
	}
	s.buffers(x.Rows, x.Cols)
	switch s.Method {
	case ULA:
		return 1, s.ula(e, x, rng)
	case MALA:
		return s.mala(e, x, rng), nil
	default:
		return s.hmc(e, x, rng), nil
	}
}

// ula runs s.Steps unadjusted Langevin steps on every row of x; an error
// if the chains diverged.
func (s *Sampler) ula(e Energy, x *tensor.Matrix, rng *tensor.Rand) error {
	eta := float32(s.StepSize)
	noise := math.Sqrt(2 * s.StepSize)
	if s.NoiseScale > 0 {
		noise *= s.NoiseScale
	}
	for range s.Steps {
		e.EnergyGrad(x, s.e, s.g)
		rng.Normal(s.z.Data, 0, float32(noise))
		for i, v := range x.Data {
			x.Data[i] = v - eta*s.g.Data[i] + s.z.Data[i]
		}
	}
	if !tensor.AllFinite(x.Data) {
		return errors.New("deep: Langevin chains diverged (non-finite state); lower the step size")
	}
	return nil
}

// mala runs s.Steps Metropolis-adjusted Langevin steps on every row of x
// and returns the acceptance rate. q(y|x) = N(y; x − η∇E(x), 2ηI), so
// log q(y|x) = −|y − x + η∇E(x)|²/(4η) + const.
func (s *Sampler) mala(e Energy, x *tensor.Matrix, rng *tensor.Rand) float64 {
	eta := float32(s.StepSize)
	noise := math.Sqrt(2 * s.StepSize)
	d := x.Cols
	accepted := 0
	e.EnergyGrad(x, s.e, s.g)
	for range s.Steps {
		rng.Normal(s.z.Data, 0, float32(noise))
		for i, v := range x.Data {
			s.y.Data[i] = v - eta*s.g.Data[i] + s.z.Data[i]
		}
		e.EnergyGrad(s.y, s.ey, s.gy)
		inv4 := 1 / (4 * s.StepSize)
		for r := 0; r < x.Rows; r++ {
			xr, yr := x.Data[r*d:(r+1)*d], s.y.Data[r*d:(r+1)*d]
			gx, gy := s.g.Data[r*d:(r+1)*d], s.gy.Data[r*d:(r+1)*d]
			var fwd, bwd float64 // |y − x + η∇E(x)|², |x − y + η∇E(y)|²
			for j := range xr {
				a := float64(yr[j]) - float64(xr[j]) + s.StepSize*float64(gx[j])
				b := float64(xr[j]) - float64(yr[j]) + s.StepSize*float64(gy[j])
				fwd += a * a
				bwd += b * b
			}
			logA := -float64(s.ey[r]) + float64(s.e[r]) - bwd*inv4 + fwd*inv4
			u := rng.Float64()
			if !math.IsNaN(logA) && (logA >= 0 || math.Log(u) < logA) {
				accepted++
				copy(xr, yr)
				copy(gx, gy)
				s.e[r] = s.ey[r]
			}
		}
	}
	return float64(accepted) / float64(x.Rows*s.Steps)
}

// hmc runs s.Steps HMC iterations on every row of x and returns the
// acceptance rate. Each row is its own chain: ΔH is per row, and a
// rejected row returns to its start. A proposal whose energy, or whose ΔH,
// is not finite (NaN, or a trajectory that diverged) is rejected, as MALA
// rejects a NaN ratio.
func (s *Sampler) hmc(e Energy, x *tensor.Matrix, rng *tensor.Rand) float64 {
	d, L := x.Cols, s.LeapfrogSteps()
	p, p0 := s.z, make([]float64, x.Rows) // momenta; the kinetic energy at the start
	accepted := 0
	e.EnergyGrad(x, s.e, s.g)
	for range s.Steps {
		rng.Normal(p.Data, 0, 1)
		for r := range p0 {
			p0[r] = kinetic(p.Row(r))
		}
		copy(s.y.Data, x.Data)
		copy(s.gy.Data, s.g.Data)
		leapfrog(e, s.y, p, s.gy, s.ey, float32(s.StepSize), L)
		for r := 0; r < x.Rows; r++ {
			yr := s.y.Data[r*d : (r+1)*d]
			// log α = H(x, p) − H(y, p'), in float64.
			logA := float64(s.e[r]) + p0[r] - float64(s.ey[r]) - kinetic(p.Row(r))
			u := rng.Float64()
			ok := !math.IsNaN(logA) && !math.IsInf(float64(s.ey[r]), 0) && tensor.AllFinite(yr) &&
				(logA >= 0 || math.Log(u) < logA)
			if ok {
				accepted++
				copy(x.Data[r*d:(r+1)*d], yr)
				copy(s.g.Data[r*d:(r+1)*d], s.gy.Data[r*d:(r+1)*d])
				s.e[r] = s.ey[r]
			}
		}
	}
	return float64(accepted) / float64(x.Rows*s.Steps)
}

// leapfrog runs n leapfrog steps of size eps of Hamilton's equations for
// H = E(x) + |p|²/2 on every row of x and p, in place: half a momentum step
// p ← p − (ε/2)∇E, then n − 1 alternations of a full position step
// x ← x + εp and a full momentum step, then a last position step and a
// half momentum step. g holds ∇E(x) on entry and on return; en is set to
// E(x) of the final positions. The map is volume-preserving and, with p
// negated, its own inverse.
func leapfrog(e Energy, x, p, g *tensor.Matrix, en []float32, eps float32, n int) {
	half := eps / 2
	for i := range p.Data {
		p.Data[i] -= half * g.Data[i]
	}
	for k := range n {
		for i := range x.Data {
			x.Data[i] += eps * p.Data[i]
		}
		e.EnergyGrad(x, en, g)
		step := eps
		if k == n-1 {
			step = half
		}
		for i := range p.Data {
			p.Data[i] -= step * g.Data[i]
		}
	}
}

func kinetic(p []float32) float64 {
	var k float64
	for _, v := range p {
		k += float64(v) * float64(v)
	}
	return k / 2
}

// Buffer is a replay buffer of persistent chains (Du & Mordatch 2019): each
// training step draws a batch of stored states, restarts a fraction Reinit
// of them from the initial noise, runs the sampler and writes them back.
type Buffer struct {
	X      *tensor.Matrix // stored states
	Reinit float64        // probability that a drawn state restarts from noise
	Init   NoiseInit      // the noise new and restarted chains start from
}

// NoiseInit is the uniform distribution on the box [Low, High] (one
// interval per dimension) that short-run chains and restarted persistent
// chains start from.
type NoiseInit struct{ Low, High []float32 }

// Fill sets every row of x to an independent uniform draw from the box.
func (n NoiseInit) Fill(x *tensor.Matrix, rng *tensor.Rand) {
	for i := 0; i < x.Rows; i++ {
		n.fillRow(x.Row(i), rng)
	}
}

func (n NoiseInit) fillRow(row []float32, rng *tensor.Rand) {
	for j := range row {
		row[j] = n.Low[j] + (n.High[j]-n.Low[j])*float32(rng.Float64())
	}
}

// NewBuffer returns a buffer of size states drawn from init.
func NewBuffer(size int, init NoiseInit, reinit float64, rng *tensor.Rand) (*Buffer, error) {
	if size < 1 {
		return nil, fmt.Errorf("deep: replay buffer size %d (want ≥ 1)", size)
	}
	if !(reinit >= 0 && reinit <= 1) {
		return nil, fmt.Errorf("deep: reinitialisation rate %g (want in [0, 1])", reinit)
	}
	b := &Buffer{X: tensor.New(size, len(init.Low)), Reinit: reinit, Init: init}
	init.Fill(b.X, rng)
	return b, nil
}

// Draw copies len(idx) states chosen uniformly (with replacement) into the
// rows of dst, restarting each from noise with probability Reinit, and
// records their indices in idx (len dst.Rows) for [Buffer.Store].
func (b *Buffer) Draw(dst *tensor.Matrix, idx []int, rng *tensor.Rand) {
	for i := range idx {
		k := rng.IntN(b.X.Rows)
		idx[i] = k
		if rng.Float64() < b.Reinit {
			b.Init.fillRow(dst.Row(i), rng)
		} else {
			copy(dst.Row(i), b.X.Row(k))
		}
	}
}

// Store writes the rows of x back to the buffer at idx.
func (b *Buffer) Store(idx []int, x *tensor.Matrix) {
	for i, k := range idx {
		copy(b.X.Row(k), x.Row(i))
	}
}

// Draw runs n chains of s on e from uniform noise on box, all randomness
// from a generator seeded with seed, and returns their final states
// (n × e.Dim()) and the acceptance rate of [Sampler.Run].
func (s *Sampler) Draw(e *Net, box NoiseInit, n int, seed uint64) (*tensor.Matrix, float64, error) {
	rng := tensor.NewRand(seed)
	x := tensor.New(n, e.Dim())
	box.Fill(x, rng)
	acc, err := s.Run(e, x, rng)
	return x, acc, err
}
