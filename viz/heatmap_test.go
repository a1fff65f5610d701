package viz

import (
	"image"
	"image/color"
	"math"
	"testing"
)

func TestHeatmap(t *testing.T) {
	img, err := Heatmap([]float64{0, 1, 2, math.NaN(), math.Inf(1), -5}, 2, 3, HeatmapOptions{Min: 0, Max: 2, Scale: 2})
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 6 || b.Dy() != 4 {
		t.Fatalf("size %v", b)
	}
	lo, mid, hi := Viridis(0), Viridis(0.5), Viridis(1)
	grey := color.RGBA{BorderGray, BorderGray, BorderGray, 255}
	want := [][]color.RGBA{{lo, mid, hi}, {grey, hi, lo}}
	for r, row := range want {
		for c, w := range row {
			for _, p := range []image.Point{{2 * c, 2 * r}, {2*c + 1, 2*r + 1}} {
				if got := img.RGBAAt(p.X, p.Y); got != w {
					t.Errorf("cell (%d,%d) pixel %v = %v, want %v", r, c, p, got, w)
				}
			}
		}
	}
	if lo != (color.RGBA{68, 1, 84, 255}) || hi != (color.RGBA{253, 231, 37, 255}) {
		t.Errorf("ends of the map %v %v", lo, hi)
	}
	// Automatic range: the smallest finite value is the dark end.
	img, _ = Heatmap([]float64{3, 7, math.Inf(-1), 5}, 2, 2, HeatmapOptions{})
	if img.RGBAAt(0, 0) != lo || img.RGBAAt(1, 0) != hi || img.RGBAAt(0, 1) != lo || img.RGBAAt(1, 1) != mid {
		t.Errorf("auto range: %v %v %v %v", img.RGBAAt(0, 0), img.RGBAAt(1, 0), img.RGBAAt(0, 1), img.RGBAAt(1, 1))
	}
	for _, bad := range []struct {
		v    []float64
		r, c int
	}{{[]float64{1, 2}, 0, 2}, {[]float64{1, 2, 3}, 2, 2}, {nil, 1, 1}} {
		if _, err := Heatmap(bad.v, bad.r, bad.c, HeatmapOptions{}); err == nil {
			t.Errorf("%v as %d×%d accepted", bad.v, bad.r, bad.c)
		}
	}
}

func TestRow(t *testing.T) {
	a, _ := Heatmap([]float64{0}, 1, 1, HeatmapOptions{Min: 0, Max: 1, Scale: 2})
	b, _ := Heatmap([]float64{1, 1, 1}, 3, 1, HeatmapOptions{Min: 0, Max: 1})
	img, err := Row(1, a, b)
	if err != nil {
		t.Fatal(err)
	}
	// 1 + 2 + 1 + 1 + 1 wide, 3 + 2 high.
	if bd := img.Bounds(); bd.Dx() != 6 || bd.Dy() != 5 {
		t.Fatalf("size %v", bd)
	}
	if img.RGBAAt(1, 1) != Viridis(0) || img.RGBAAt(4, 3) != Viridis(1) || img.RGBAAt(0, 0) != (color.RGBA{BorderGray, BorderGray, BorderGray, 255}) || img.RGBAAt(2, 3) != (color.RGBA{BorderGray, BorderGray, BorderGray, 255}) {
		t.Error("Row layout wrong")
	}
	if _, err := Row(1); err == nil {
		t.Error("no images accepted")
	}
}
