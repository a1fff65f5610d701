package deep

import (
	"image"
	"math"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/viz"
)

// DensityPicture draws four panels side by side on grid g: the true density
// (truth; with truth nil, a histogram of data), the learned density
// exp(−E − log Z) of ev on the same colour scale, a histogram of samples on
// a grid four times coarser, and the energy surface with 12 nats of
// contrast. Panels are drawn 2 pixels per cell and at most about 600 pixels
// wide.
func DensityPicture(g Grid, ev Eval, truth LogDensity, data, samples *tensor.Matrix) (image.Image, error) {
	n := g.N
	scale := max(1, 300/n)
	var ref []float64
	if truth != nil {
		ref = g.TrueLogDensity(truth)
		for i, v := range ref {
			ref[i] = math.Exp(v)
		}
	} else {
		ref, _ = g.Histogram(data)
	}
	learned := make([]float64, len(ev.Energies))
	energy := make([]float64, len(ev.Energies))
	emin := math.Inf(1)
	for i, e := range ev.Energies {
		learned[i] = math.Exp(-e - ev.LogZ)
		emin = math.Min(emin, e)
	}
	for i, e := range ev.Energies {
		energy[i] = math.Min(e, emin+12)
	}
	// Samples are sparse: histogram them on a grid 4 times coarser.
	hg := g
	hg.N = max(2, n/4)
	hist, _ := hg.Histogram(samples)
	top := 0.0
	for _, v := range ref {
		top = math.Max(top, v)
	}
	imgs := make([]image.Image, 0, 4)
	for _, p := range []struct {
		v      []float64
		lo, hi float64
		n, s   int
	}{{ref, 0, top, n, scale}, {learned, 0, top, n, scale}, {hist, 0, top, hg.N, n * scale / hg.N}, {energy, 0, 0, n, scale}} {
		img, err := viz.Heatmap(p.v, p.n, p.n, viz.HeatmapOptions{Min: p.lo, Max: p.hi, Scale: p.s})
		if err != nil {
			return nil, err
		}
		imgs = append(imgs, img)
	}
	return viz.Row(4, imgs...)
}

// HistogramPicture draws a density histogram of the rows of x (2 columns)
// on g, at most about 400 pixels wide.
func HistogramPicture(g Grid, x *tensor.Matrix) (image.Image, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	h, _ := g.Histogram(x)
	return viz.Heatmap(h, g.N, g.N, viz.HeatmapOptions{Scale: max(1, 400/g.N)})
}

// EnergyFunc adapts an energy whose gradient is not needed — an RBM's free
// energy, say — to Energy for the grid evaluation and pictures (Grid.LogZ,
// Grid.Evaluate, Density2D), which use energies only: F sets e[i] = E(x_i).
// EnergyGrad leaves g untouched, so samplers, which need gradients, must
// not be given one.
type EnergyFunc struct {
	D int
	F func(x *tensor.Matrix, e []float64)
}

// Dim is D.
func (f EnergyFunc) Dim() int { return f.D }

// EnergyGrad sets e from F; g is not touched.
func (f EnergyFunc) EnergyGrad(x *tensor.Matrix, e []float32, _ *tensor.Matrix) {
	out := make([]float64, x.Rows)
	f.F(x, out)
	for i, v := range out {
		e[i] = float32(v)
	}
}

// Density2D evaluates a 2-D energy on an n × n grid over the box of data
// (its range widened by 10% per side), scores data under the normalized
// density (and under truth when given), and draws DensityPicture with the
// samples.
func Density2D(e Energy, data *tensor.Matrix, truth LogDensity, samples *tensor.Matrix, n int) (image.Image, Eval, error) {
	g := DataBox(false, data).Grid(n)
	if err := g.Validate(); err != nil {
		return nil, Eval{}, err
	}
	ev, err := g.Evaluate(e, data, truth)
	if err != nil {
		return nil, ev, err
	}
	img, err := DensityPicture(g, ev, truth, data, samples)
	return img, ev, err
}
