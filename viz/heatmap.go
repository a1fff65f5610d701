package viz

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
)

// HeatmapOptions controls Heatmap.
type HeatmapOptions struct {
	// Min and Max are the values mapped to the two ends of the colour map;
	// values outside are clamped. When Min >= Max the finite range of the
	// values is used.
	Min, Max float64
	// Scale is an integer upsampling factor (each value becomes a
	// Scale×Scale block); <= 0 means 1.
	Scale int
}

// viridis holds 9 evenly spaced stops of matplotlib's viridis colour map
// (dark purple → blue → green → yellow), interpolated linearly.
var viridis = [...][3]float64{
	{68, 1, 84}, {71, 44, 122}, {59, 81, 139}, {44, 113, 142}, {33, 144, 141},
	{39, 173, 129}, {92, 200, 99}, {170, 220, 50}, {253, 231, 37},
}

// Viridis maps t in [0, 1] (clamped) to a colour of the viridis map; NaN
// is mid-grey.
func Viridis(t float64) color.RGBA {
	if math.IsNaN(t) {
		return color.RGBA{BorderGray, BorderGray, BorderGray, 255}
	}
	t = math.Max(0, math.Min(1, t))
	x := t * float64(len(viridis)-1)
	i := min(int(x), len(viridis)-2)
	f := x - float64(i)
	var c [3]uint8
	for k := range c {
		c[k] = uint8(math.Round(viridis[i][k]*(1-f) + viridis[i+1][k]*f))
	}
	return color.RGBA{c[0], c[1], c[2], 255}
}

// Heatmap draws a rows×cols array of values (row-major, row 0 at the top)
// in the viridis colour map: Min (or the smallest finite value) is dark
// purple, Max (or the largest) yellow. NaN is grey; +Inf is drawn as Max
// and −Inf as Min. The image is cols·Scale × rows·Scale pixels.
//
// It is an error if rows or cols is not positive, if len(values) is not
// rows·cols, or if the image would be too large.
func Heatmap(values []float64, rows, cols int, opt HeatmapOptions) (*image.RGBA, error) {
	if rows <= 0 || cols <= 0 {
		return nil, fmt.Errorf("viz.Heatmap: %d×%d cells (want positive)", rows, cols)
	}
	if len(values)/cols != rows || len(values)%cols != 0 {
		return nil, fmt.Errorf("viz.Heatmap: %d values for %d×%d cells", len(values), rows, cols)
	}
	s := max(opt.Scale, 1)
	if float64(rows)*float64(cols)*float64(s)*float64(s) > maxPixels {
		return nil, errors.New("viz.Heatmap: image too large")
	}
	lo, hi := opt.Min, opt.Max
	if !(lo < hi) {
		lo, hi = math.Inf(1), math.Inf(-1)
		for _, v := range values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		if lo > hi { // no finite value
			lo, hi = 0, 1
		}
	}
	span := hi - lo
	img := image.NewRGBA(image.Rect(0, 0, cols*s, rows*s))
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			v := values[r*cols+c]
			t := 0.5
			if span > 0 {
				t = (v - lo) / span
			}
			if math.IsNaN(v) {
				t = math.NaN()
			}
			col := Viridis(t)
			for y := r * s; y < (r+1)*s; y++ {
				for x := c * s; x < (c+1)*s; x++ {
					img.SetRGBA(x, y, col)
				}
			}
		}
	}
	return img, nil
}

// Row places images side by side, top-aligned, with pad pixels of
// BorderGray between them and around them (pad < 0 means none).
func Row(pad int, imgs ...image.Image) (*image.RGBA, error) {
	if len(imgs) == 0 {
		return nil, errors.New("viz.Row: no images")
	}
	pad = max(pad, 0)
	w, h := pad, 0
	for i, m := range imgs {
		if m == nil {
			return nil, fmt.Errorf("viz.Row: image %d is nil", i)
		}
		w += m.Bounds().Dx() + pad
		h = max(h, m.Bounds().Dy())
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h+2*pad))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.Gray{BorderGray}), image.Point{}, draw.Src)
	x := pad
	for _, m := range imgs {
		b := m.Bounds()
		draw.Draw(out, image.Rect(x, pad, x+b.Dx(), pad+b.Dy()), m, b.Min, draw.Src)
		x += b.Dx() + pad
	}
	return out, nil
}
