package viz

import (
	"errors"
	"fmt"
	"image"
	"math"

	"github.com/ebm-go/ebm/internal/tensor"
)

// BorderGray is the grey level of the gaps between tiles and of the frame
// around them.
const BorderGray = 128

// maxPixels bounds the size of an image Grid will allocate.
const maxPixels = 1 << 28

// GridOptions controls the layout of Grid and Filters.
type GridOptions struct {
	// Cols is the number of tile columns; <= 0 picks ceil(sqrt(n)) for n
	// tiles, so the grid is about square. It is capped at n.
	Cols int
	// Scale is an integer upsampling factor for each tile pixel (each value
	// becomes a Scale×Scale block); <= 0 means 1. Gaps are not scaled.
	Scale int
	// Normalize stretches each tile to its own [min, max] (useful for
	// filters and unbounded values); a constant tile becomes mid-grey.
	// Without it values are clamped to [0, 1]. Filters ignores it.
	Normalize bool
	// Pad is the width in pixels of the gaps between tiles and of the frame
	// around the grid, drawn in BorderGray; 0 means 1 and < 0 means none.
	Pad int
}

// Grid lays out the rows of m as h×w images (row-major, so pixel (y, x) of
// tile k is m.At(k, y*w+x)) in a grid of tiles, tile k at row k/cols and
// column k%cols, filled left to right and top to bottom. Values in [0, 1] map
// to black through white (0 → 0, 1 → 255, rounded); values outside are
// clamped and NaN is black. Unused cells of the last row are BorderGray.
//
// With Pad p (default 1), Scale s and cols columns the image is
// p + cols·(w·s + p) pixels wide and p + rows·(h·s + p) high, and tile k's
// top-left pixel is at (p + (k%cols)·(w·s + p), p + (k/cols)·(h·s + p)).
//
// It is an error if m is nil or has no rows, if h or w is not positive, or if
// h·w != m.Cols.
func Grid(m *tensor.Matrix, h, w int, opt GridOptions) (*image.Gray, error) {
	if err := checkMatrix("Grid", m); err != nil {
		return nil, err
	}
	if h <= 0 || w <= 0 {
		return nil, fmt.Errorf("viz.Grid: tile size %d×%d must be positive", h, w)
	}
	if m.Cols%w != 0 || m.Cols/w != h { // h*w != m.Cols, without overflow
		return nil, fmt.Errorf("viz.Grid: %d×%d tiles need %d columns, matrix is %d×%d", h, w, h*w, m.Rows, m.Cols)
	}
	if m.Rows == 0 {
		return nil, errors.New("viz.Grid: matrix has no rows (no tiles to draw)")
	}
	return render("Grid", m, h, w, opt, opt.Normalize)
}

// Filters draws the first n learned filters of an RBM: weights is V×H with
// V = h·w visible units, and tile j shows column j (the weights into hidden
// unit j) as an h×w image. n <= 0 or n > H draws all H. Each tile is scaled
// symmetrically around zero: with a = max |w| over the tile, -a is black,
// 0 is mid-grey and +a white (an all-zero tile is mid-grey), so positive and
// negative weights keep their meaning across the image. opt.Normalize is
// ignored; the layout is as for Grid.
func Filters(weights *tensor.Matrix, h, w, n int, opt GridOptions) (*image.Gray, error) {
	if err := checkMatrix("Filters", weights); err != nil {
		return nil, err
	}
	if h <= 0 || w <= 0 {
		return nil, fmt.Errorf("viz.Filters: tile size %d×%d must be positive", h, w)
	}
	if weights.Rows%w != 0 || weights.Rows/w != h { // h*w != weights.Rows, without overflow
		return nil, fmt.Errorf("viz.Filters: %d×%d filters need %d visible units (rows), weights are %d×%d",
			h, w, h*w, weights.Rows, weights.Cols)
	}
	if weights.Cols == 0 {
		return nil, errors.New("viz.Filters: weights have no columns (no hidden units)")
	}
	if n <= 0 || n > weights.Cols {
		n = weights.Cols
	}
	v := weights.Rows
	tiles := tensor.New(n, v)
	for j := 0; j < n; j++ {
		t := tiles.Row(j)
		var a float64
		for p := 0; p < v; p++ {
			x := float64(weights.Data[p*weights.Cols+j])
			t[p] = float32(x)
			if math.Abs(x) > a && !math.IsInf(x, 0) {
				a = math.Abs(x)
			}
		}
		for p, x := range t {
			switch {
			case a == 0 || math.IsNaN(float64(x)):
				t[p] = 0.5
			default:
				t[p] = float32(0.5 + 0.5*float64(x)/a) // ±Inf clamp to white/black
			}
		}
	}
	return render("Filters", tiles, h, w, opt, false)
}

func checkMatrix(fn string, m *tensor.Matrix) error {
	if m == nil {
		return fmt.Errorf("viz.%s: nil matrix", fn)
	}
	if m.Rows < 0 || m.Cols < 0 || (m.Cols > 0 && m.Rows > len(m.Data)/m.Cols) || len(m.Data) < m.Rows*m.Cols {
		return fmt.Errorf("viz.%s: malformed %d×%d matrix with %d values", fn, m.Rows, m.Cols, len(m.Data))
	}
	return nil
}

// render draws the m.Rows tiles of m (each h×w, m.Cols == h*w, m.Rows > 0).
func render(fn string, m *tensor.Matrix, h, w int, opt GridOptions, normalize bool) (*image.Gray, error) {
	n := m.Rows
	cols := opt.Cols
	if cols <= 0 {
		cols = int(math.Ceil(math.Sqrt(float64(n))))
	}
	cols = min(cols, n)
	rows := (n + cols - 1) / cols
	s := max(opt.Scale, 1)
	pad := opt.Pad
	switch {
	case pad == 0:
		pad = 1
	case pad < 0:
		pad = 0
	}
	// Size in float64 first so that absurd options cannot overflow int.
	fw := float64(pad) + float64(cols)*(float64(w)*float64(s)+float64(pad))
	fh := float64(pad) + float64(rows)*(float64(h)*float64(s)+float64(pad))
	if fw*fh > maxPixels {
		return nil, fmt.Errorf("viz.%s: image would be %.0f×%.0f pixels, over the %d-pixel limit", fn, fw, fh, maxPixels)
	}
	tw, th := w*s+pad, h*s+pad
	img := image.NewGray(image.Rect(0, 0, int(fw), int(fh)))
	for i := range img.Pix {
		img.Pix[i] = BorderGray
	}

	for k := 0; k < n; k++ {
		tile := m.Row(k)
		lo, span := 0.0, 1.0
		if normalize {
			lo, span = tileRange(tile)
		}
		x0 := pad + (k%cols)*tw
		y0 := pad + (k/cols)*th
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				var g uint8
				if span == 0 {
					g = toGray(0.5)
				} else {
					g = toGray((float64(tile[y*w+x]) - lo) / span)
				}
				for dy := 0; dy < s; dy++ {
					off := img.PixOffset(x0+x*s, y0+y*s+dy)
					row := img.Pix[off : off+s]
					for i := range row {
						row[i] = g
					}
				}
			}
		}
	}
	return img, nil
}

// tileRange returns the minimum and the span (max − min) of the finite
// values of t; span is 0 for a constant or entirely non-finite tile.
func tileRange(t []float32) (lo, span float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range t {
		x := float64(v)
		if math.IsNaN(x) || math.IsInf(x, 0) {
			continue
		}
		lo = min(lo, x)
		hi = max(hi, x)
	}
	if !(hi > lo) {
		return 0, 0
	}
	return lo, hi - lo
}

// toGray maps [0, 1] to 0..255, clamping, with NaN as black.
func toGray(v float64) uint8 {
	switch {
	case !(v > 0): // also NaN
		return 0
	case v >= 1:
		return 255
	}
	return uint8(v*255 + 0.5)
}

// Interleave returns rows laid out so that a grid of cols columns shows a
// row of originals followed by a row of their reconstructions.
func Interleave(a, b *tensor.Matrix, cols int) *tensor.Matrix {
	k := a.Rows
	nRows := (k + cols - 1) / cols
	out := tensor.New(2*nRows*cols, a.Cols)
	for i := range k {
		r, c := i/cols, i%cols
		copy(out.Row(2*r*cols+c), a.Row(i))
		copy(out.Row((2*r+1)*cols+c), b.Row(i))
	}
	return out
}
