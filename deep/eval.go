package deep

import (
	"fmt"
	"math"

	"github.com/ebm-go/ebm/internal/nanjson"
	"github.com/ebm-go/ebm/internal/tensor"
)

// Grid is an N×N grid of equal cells covering the box [XMin, XMax] ×
// [YMin, YMax] of the plane. Cell (r, c) has its centre at
// x = XMin + (c + ½)Δx, y = YMax − (r + ½)Δy, so row 0 is the top of a
// picture.
type Grid struct {
	XMin, XMax, YMin, YMax float64
	N                      int
}

// Validate reports an empty box or a grid of fewer than 2×2 cells.
func (g Grid) Validate() error {
	if !(g.XMax > g.XMin && g.YMax > g.YMin) || g.N < 2 {
		return fmt.Errorf("deep: grid [%g, %g] × [%g, %g] with %d×%d cells (want a non-empty box and N ≥ 2)", g.XMin, g.XMax, g.YMin, g.YMax, g.N, g.N)
	}
	return nil
}

// CellArea returns Δx·Δy.
func (g Grid) CellArea() float64 {
	return (g.XMax - g.XMin) / float64(g.N) * (g.YMax - g.YMin) / float64(g.N)
}

// Centre returns the centre of cell (r, c).
func (g Grid) Centre(r, c int) (x, y float64) {
	return g.XMin + (float64(c)+0.5)*(g.XMax-g.XMin)/float64(g.N),
		g.YMax - (float64(r)+0.5)*(g.YMax-g.YMin)/float64(g.N)
}

// Points returns the N² cell centres as rows (x, y), cell (r, c) in row
// r·N + c.
func (g Grid) Points() *tensor.Matrix {
	p := tensor.New(g.N*g.N, 2)
	for r := 0; r < g.N; r++ {
		for c := 0; c < g.N; c++ {
			x, y := g.Centre(r, c)
			p.Set(r*g.N+c, 0, float32(x))
			p.Set(r*g.N+c, 1, float32(y))
		}
	}
	return p
}

// Cell returns the cell holding (x, y) and whether it is inside the box.
func (g Grid) Cell(x, y float64) (r, c int, ok bool) {
	c = int(math.Floor((x - g.XMin) / (g.XMax - g.XMin) * float64(g.N)))
	r = int(math.Floor((g.YMax - y) / (g.YMax - g.YMin) * float64(g.N)))
	return r, c, r >= 0 && r < g.N && c >= 0 && c < g.N
}

// chunk bounds the rows passed to an energy at once.
const chunk = 4096

// Energies evaluates e at every row of x in chunks, as float64.
func Energies(e Energy, x *tensor.Matrix) []float64 {
	out := make([]float64, x.Rows)
	buf := make([]float32, chunk)
	for i := 0; i < x.Rows; i += chunk {
		j := min(i+chunk, x.Rows)
		b := buf[:j-i]
		e.EnergyGrad(x.SliceRows(i, j), b, nil)
		for k, v := range b {
			out[i+k] = float64(v)
		}
	}
	return out
}

// LogZ returns log ∫ exp(−E) over the box by the midpoint rule on the grid,
// log Σ_cells exp(−E(centre))·ΔxΔy, summed in float64 with a max shift
// (log-sum-exp), and the energies at the cell centres (row-major cells).
// The error is the midpoint rule's, O(Δ²) for a smooth density, plus the
// mass outside the box.
func (g Grid) LogZ(e Energy) (logZ float64, energies []float64, err error) {
	if err := g.Validate(); err != nil {
		return 0, nil, err
	}
	if e.Dim() != 2 {
		return 0, nil, fmt.Errorf("deep: grid evaluation needs a 2-D energy, this one has %d dimensions", e.Dim())
	}
	energies = Energies(e, g.Points())
	neg := make([]float64, len(energies))
	for i, v := range energies {
		neg[i] = -v
	}
	return tensor.LogSumExp(neg) + math.Log(g.CellArea()), energies, nil
}

// LogDensity is a closed-form log density of the plane.
type LogDensity func(x, y float64) float64

// Eval is the exact (to grid error) evaluation of a 2-D energy model. It
// marshals to JSON with NaN as null, without the energies.
type Eval struct {
	LogZ    float64 `json:"log_z"`    // log ∫_box exp(−E)
	TestNLL float64 `json:"test_nll"` // mean over test points of E(x) + log Z, nats
	// TrueNLL is the mean of −log p(x) over the test points under the true
	// density, and KL the divergence KL(p_true ‖ p_model) on the grid
	// (each density normalised over the grid); NaN when no true density is
	// given.
	TrueNLL float64 `json:"true_nll"`
	KL      float64 `json:"kl"`
	// Outside counts the test points outside the grid's box (where the
	// model, normalised on the box, is extrapolated).
	Outside int `json:"test_outside_grid"`
	// Energies are the energies at the cell centres (row-major).
	Energies []float64 `json:"-"`
}

// MarshalJSON encodes ev with NaN and ±Inf as null.
func (ev Eval) MarshalJSON() ([]byte, error) {
	type plain Eval
	return nanjson.Marshal(plain(ev))
}

// Evaluate normalises exp(−E) on the grid and scores the test points; with a
// true log density it also reports the true NLL and the KL divergence.
func (g Grid) Evaluate(e Energy, test *tensor.Matrix, truth LogDensity) (Eval, error) {
	ev := Eval{TrueNLL: math.NaN(), KL: math.NaN(), TestNLL: math.NaN()}
	var err error
	if ev.LogZ, ev.Energies, err = g.LogZ(e); err != nil {
		return ev, err
	}
	if test != nil && test.Rows > 0 {
		if test.Cols != 2 {
			return ev, fmt.Errorf("deep: test data has %d columns (want 2)", test.Cols)
		}
		et := Energies(e, test)
		var s, st float64
		for i, v := range et {
			s += v + ev.LogZ
			x, y := float64(test.At(i, 0)), float64(test.At(i, 1))
			if _, _, ok := g.Cell(x, y); !ok {
				ev.Outside++
			}
			if truth != nil {
				st -= truth(x, y)
			}
		}
		ev.TestNLL = s / float64(test.Rows)
		if truth != nil {
			ev.TrueNLL = st / float64(test.Rows)
		}
	}
	if truth != nil {
		lp := g.TrueLogDensity(truth)
		lpZ := tensor.LogSumExp(lp) + math.Log(g.CellArea())
		var kl float64
		a := g.CellArea()
		for i, v := range lp {
			lpn := v - lpZ
			if math.IsInf(lpn, -1) {
				continue
			}
			kl += math.Exp(lpn) * a * (lpn - (-ev.Energies[i] - ev.LogZ))
		}
		ev.KL = kl
	}
	return ev, nil
}

// TrueLogDensity evaluates a log density at the cell centres (row-major).
func (g Grid) TrueLogDensity(f LogDensity) []float64 {
	out := make([]float64, g.N*g.N)
	for r := 0; r < g.N; r++ {
		for c := 0; c < g.N; c++ {
			x, y := g.Centre(r, c)
			out[r*g.N+c] = f(x, y)
		}
	}
	return out
}

// Mass returns ∫_box exp(f) by the midpoint rule: 1 for a normalised
// density whose mass lies inside the box (up to grid error).
func (g Grid) Mass(f LogDensity) float64 {
	return math.Exp(tensor.LogSumExp(g.TrueLogDensity(f)) + math.Log(g.CellArea()))
}

// Histogram counts the rows of x (2 columns) in each cell, row-major, and
// returns the counts divided by len·cell area (a density estimate) and the
// number of points outside the box.
func (g Grid) Histogram(x *tensor.Matrix) (density []float64, outside int) {
	density = make([]float64, g.N*g.N)
	for i := 0; i < x.Rows; i++ {
		r, c, ok := g.Cell(float64(x.At(i, 0)), float64(x.At(i, 1)))
		if !ok {
			outside++
			continue
		}
		density[r*g.N+c]++
	}
	s := 1 / (float64(x.Rows) * g.CellArea())
	for i := range density {
		density[i] *= s
	}
	return density, outside
}
