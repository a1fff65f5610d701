package viz

import (
	"bytes"
	"github.com/ebm-go/ebm/rbm"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

const g = BorderGray

// checkPix fails the test at once on err (from making img), else checks
// img's size and every pixel against want.
func checkPix(t *testing.T, img *image.Gray, err error, want [][]uint8) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dy() != len(want) || b.Dx() != len(want[0]) {
		t.Fatalf("image is %d×%d, want %d×%d", b.Dx(), b.Dy(), len(want[0]), len(want))
	}
	for y, row := range want {
		for x, v := range row {
			if got := img.GrayAt(x, y).Y; got != v {
				t.Errorf("pixel (%d,%d) = %d, want %d", x, y, got, v)
			}
		}
	}
}

func TestGridLayout(t *testing.T) {
	m := tensor.FromSlice(2, 4, []float32{
		0, 1, 0.5, 0.25, // tile 0: rows [0 1] [0.5 0.25]
		1, 0, -3, 7, // tile 1: out-of-range values clamp
	})
	img, err := Grid(m, 2, 2, GridOptions{})
	checkPix(t, img, err, [][]uint8{
		{g, g, g, g, g, g, g},
		{g, 0, 255, g, 255, 0, g},
		{g, 128, 64, g, 0, 255, g},
		{g, g, g, g, g, g, g},
	})

	// One column, scale 2, no gaps.
	img, err = Grid(m, 2, 2, GridOptions{Cols: 1, Scale: 2, Pad: -1})
	checkPix(t, img, err, [][]uint8{
		{0, 0, 255, 255},
		{0, 0, 255, 255},
		{128, 128, 64, 64},
		{128, 128, 64, 64},
		{255, 255, 0, 0},
		{255, 255, 0, 0},
		{0, 0, 255, 255},
		{0, 0, 255, 255},
	})

	// Three tiles in two columns: the unused cell is border grey; Pad 2.
	m3 := tensor.FromSlice(3, 1, []float32{1, 0, 1})
	img, err = Grid(m3, 1, 1, GridOptions{Pad: 2})
	checkPix(t, img, err, [][]uint8{
		{g, g, g, g, g, g, g, g},
		{g, g, g, g, g, g, g, g},
		{g, g, 255, g, g, 0, g, g},
		{g, g, g, g, g, g, g, g},
		{g, g, g, g, g, g, g, g},
		{g, g, 255, g, g, g, g, g},
		{g, g, g, g, g, g, g, g},
		{g, g, g, g, g, g, g, g},
	})
}

func TestGridNormalize(t *testing.T) {
	nan := float32(math.NaN())
	m := tensor.FromSlice(3, 4, []float32{
		2, 4, 6, 8, // stretched to 0, 85, 170, 255
		5, 5, 5, 5, // constant: mid-grey
		-1, nan, 1, float32(math.Inf(1)), // non-finite ignored for the range
	})
	img, err := Grid(m, 1, 4, GridOptions{Cols: 1, Normalize: true, Pad: -1})
	checkPix(t, img, err, [][]uint8{
		{0, 85, 170, 255},
		{128, 128, 128, 128},
		{0, 0, 255, 255},
	})

	// Without Normalize the same values clamp.
	img, err = Grid(m, 1, 4, GridOptions{Cols: 1, Pad: -1})
	checkPix(t, img, err, [][]uint8{
		{255, 255, 255, 255},
		{255, 255, 255, 255},
		{0, 0, 255, 255},
	})
}

func TestFilters(t *testing.T) {
	// V = 4 visible units (2×2), H = 3 hidden units; column j is filter j.
	w := tensor.FromSlice(4, 3, []float32{
		1, -2, 0,
		2, 1, 0,
		3, 0, 0,
		4, 2, 0,
	})
	img, err := Filters(w, 2, 2, 0, GridOptions{Cols: 3})
	// Tile 0: a = 4 → 0.625 (159), 0.75, 0.875, 1. Tile 1: a = 2 → 0, 0.75, 0.5, 1.
	// Tile 2: all zero → mid-grey.
	checkPix(t, img, err, [][]uint8{
		{g, g, g, g, g, g, g, g, g, g},
		{g, 159, 191, g, 0, 191, g, 128, 128, g},
		{g, 223, 255, g, 128, 255, g, 128, 128, g},
		{g, g, g, g, g, g, g, g, g, g},
	})

	// n limits the number of tiles; Normalize is ignored.
	img, err = Filters(w, 2, 2, 2, GridOptions{Cols: 1, Pad: -1, Normalize: true})
	checkPix(t, img, err, [][]uint8{
		{159, 191},
		{223, 255},
		{0, 191},
		{128, 255},
	})
}

func TestGridErrors(t *testing.T) {
	ok := tensor.New(2, 4)
	cases := []struct {
		name string
		run  func() error
	}{
		{"nil", func() error { _, err := Grid(nil, 2, 2, GridOptions{}); return err }},
		{"shape", func() error { _, err := Grid(ok, 3, 2, GridOptions{}); return err }},
		{"zero h", func() error { _, err := Grid(ok, 0, 4, GridOptions{}); return err }},
		{"negative w", func() error { _, err := Grid(ok, -2, -2, GridOptions{}); return err }},
		{"no rows", func() error { _, err := Grid(tensor.New(0, 4), 2, 2, GridOptions{}); return err }},
		{"short data", func() error {
			_, err := Grid(&tensor.Matrix{Rows: 3, Cols: 4, Data: make([]float32, 5)}, 2, 2, GridOptions{})
			return err
		}},
		{"overflowing shape", func() error { _, err := Grid(ok, 1<<62, 1<<62, GridOptions{}); return err }},
		{"huge scale", func() error { _, err := Grid(ok, 2, 2, GridOptions{Scale: 1 << 40}); return err }},
		{"filters nil", func() error { _, err := Filters(nil, 2, 2, 0, GridOptions{}); return err }},
		{"filters shape", func() error { _, err := Filters(tensor.New(4, 3), 3, 3, 0, GridOptions{}); return err }},
		{"filters no hidden", func() error { _, err := Filters(tensor.New(4, 0), 2, 2, 0, GridOptions{}); return err }},
	}
	for _, c := range cases {
		if err := c.run(); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

func TestSavePNG(t *testing.T) {
	m := tensor.FromSlice(2, 4, []float32{0, 1, 0.5, 0.25, 1, 0, 0, 1})
	img, err := Grid(m, 2, 2, GridOptions{Scale: 3})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "grid.png")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := SavePNG(path, img); err != nil {
		t.Fatal(err)
	}
	dec := decodePNG(t, path)
	gray, ok := dec.(*image.Gray)
	if !ok {
		t.Fatalf("decoded %T, want *image.Gray", dec)
	}
	if gray.Bounds() != img.Bounds() || !bytes.Equal(gray.Pix, img.Pix) {
		t.Error("PNG round trip changed the image")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want 1 (temporary file left?)", len(entries))
	}

	bad := filepath.Join(dir, "missing", "x.png")
	if err := SavePNG(bad, img); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("SavePNG into missing dir: %v", err)
	}
	if err := SavePNG(path, nil); err == nil {
		t.Error("SavePNG(nil) succeeded")
	}
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) == 0 {
		t.Fatal("empty file")
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestCurves(t *testing.T) {
	nan := math.NaN()
	dir := t.TempDir()
	panels := []Panel{
		{
			Title: "Reconstruction error", XLabel: "epoch", YLabel: "MSE",
			Series: []Series{
				{Name: "train", X: []float64{1, 2, 3, 4, 5}, Y: []float64{0.5, 0.3, nan, 0.2, 0.15}},
				{Name: "valid", X: []float64{1, 2, 3, 4, 5}, Y: []float64{0.6, math.Inf(1), 0.35, 0.3, nan}},
				{Name: "empty"},
			},
		},
		{
			Title: "Free energy", XLabel: "step",
			Series: []Series{{Name: "gap", Y: []float64{3, 2, 1, 0.5}}}, // X nil: indices
		},
		{Title: "Nothing"},
		{Title: "All NaN", Series: []Series{{Y: []float64{nan, nan}}}},
	}
	path := filepath.Join(dir, "curves.png")
	if err := Curves(path, panels[:2], 5, 4); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, path)
	if b := img.Bounds(); b.Dx() != 5*PNGDPI || b.Dy() != 4*PNGDPI {
		t.Errorf("PNG is %v, want %d×%d", b, 5*PNGDPI, 4*PNGDPI)
	}
	// Not blank: some pixel differs from the white background.
	blank := true
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y && blank; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			if r, g, b, _ := img.At(x, y).RGBA(); r != 0xffff || g != 0xffff || b != 0xffff {
				blank = false
				break
			}
		}
	}
	if blank {
		t.Error("PNG is blank")
	}

	// Four panels (a grid), empty and all-NaN panels, default size.
	if err := Curves(path, panels, 0, 0); err != nil {
		t.Fatal(err)
	}
	decodePNG(t, path)

	svg := filepath.Join(dir, "curves.svg")
	if err := Curves(svg, panels[:1], 4, 3); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(svg); !bytes.Contains(data, []byte("<svg")) {
		t.Error("SVG output has no <svg element")
	}

	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("directory holds %d entries, want 2 (temporary file left?)", len(entries))
	}
}

func TestCurvesErrors(t *testing.T) {
	dir := t.TempDir()
	ok := []Panel{{Series: []Series{{Y: []float64{1, 2}}}}}
	for name, err := range map[string]error{
		"no panels":   Curves(filepath.Join(dir, "a.png"), nil, 4, 3),
		"extension":   Curves(filepath.Join(dir, "a.gif"), ok, 4, 3),
		"x/y length":  Curves(filepath.Join(dir, "a.png"), []Panel{{Series: []Series{{X: []float64{1}, Y: []float64{1, 2}}}}}, 4, 3),
		"missing dir": Curves(filepath.Join(dir, "no", "a.png"), ok, 4, 3),
		"huge":        Curves(filepath.Join(dir, "a.png"), ok, 1e6, 3),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed calls left files: %v", entries)
	}
}

// RBMCurves draws the three panels of RBM training, with the NaN
// pseudo-log-likelihood of Gaussian units left out of its panel.
func TestRBMCurves(t *testing.T) {
	nan := math.NaN()
	stats := []rbm.EpochStats{
		{Epoch: 1, ReconError: 30, PLL: -0.2, FreeEnergyTrain: -50, FreeEnergyValid: -48},
		{Epoch: 2, ReconError: 20, PLL: nan, FreeEnergyTrain: -60, FreeEnergyValid: nan},
	}
	path := filepath.Join(t.TempDir(), "c.png")
	if err := RBMCurves(path, stats); err != nil {
		t.Fatal(err)
	}
	if b := decodePNG(t, path).Bounds(); b.Dx() != 6*PNGDPI || b.Dy() != 9*PNGDPI {
		t.Errorf("PNG is %v", b)
	}
}

// Interleave lays originals and reconstructions out in alternating grid
// rows: with 2 columns, rows 0–1 of a then rows 0–1 of b, then row 2 of a
// (and a zero filler) and row 2 of b.
func TestInterleave(t *testing.T) {
	a := tensor.FromSlice(3, 1, []float32{1, 2, 3})
	b := tensor.FromSlice(3, 1, []float32{-1, -2, -3})
	got := Interleave(a, b, 2)
	want := []float32{1, 2, -1, -2, 3, 0, -3, 0}
	if !slices.Equal(got.Data, want) {
		t.Errorf("Interleave = %v, want %v", got.Data, want)
	}
}
