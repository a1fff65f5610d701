package dataset

import (
	"encoding/binary"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// loadCase is one file (or directory) and what Load should make of it.
type loadCase struct {
	name  string
	setup func(t *testing.T, dir string) string // returns the spec
	opt   Options
	rows  int
	cols  int
	h, w  int
	data  []float32 // nil to skip
}

func runLoadCases(t *testing.T, cases []loadCase) {
	t.Helper()
	for _, tc := range cases {
		runLoad(t, tc.name, tc.setup, tc.opt, func(t *testing.T, spec string, s *Set, err error) {
			if err != nil {
				t.Fatal(err)
			}
			if s.Len() != tc.rows || s.Dim() != tc.cols || s.H != tc.h || s.W != tc.w {
				t.Fatalf("got %d×%d H×W %d×%d, want %d×%d H×W %d×%d", s.Len(), s.Dim(), s.H, s.W, tc.rows, tc.cols, tc.h, tc.w)
			}
			if s.Name != spec || s.Labels != nil {
				t.Errorf("Name %q, labels %v", s.Name, s.Labels)
			}
			if tc.data != nil {
				if len(tc.data) != len(s.X.Data) {
					t.Fatalf("data %v, want %v", s.X.Data, tc.data)
				}
				for i := range tc.data {
					if !approx(s.X.Data[i], tc.data[i]) {
						t.Fatalf("data %v, want %v", s.X.Data, tc.data)
					}
				}
			}
		})
	}
}

func TestLoadNPY(t *testing.T) {
	f32 := [][]float32{{0.5, -1, 2}, {3, 4.25, 1e-3}}
	flat32 := []float32{0.5, -1, 2, 3, 4.25, 1e-3}
	npyFile := func(v any) func(*testing.T, string) string {
		return func(t *testing.T, dir string) string { return writeFile(t, dir, "x.npy", npyBytes(t, v)) }
	}
	square := make([][]float32, 3)
	for i := range square {
		square[i] = make([]float32, 9)
	}
	runLoadCases(t, []loadCase{
		{name: "float32", setup: npyFile(f32), rows: 2, cols: 3, data: flat32},
		{name: "float64 mat.Dense", setup: npyFile(mat.NewDense(2, 3, []float64{0.5, -1, 2, 3, 4.25, 1e-3})), rows: 2, cols: 3, data: flat32},
		{name: "float64 slices", setup: npyFile([][]float64{{1, 2}, {3, 4}, {5, 6}}), rows: 3, cols: 2, data: []float32{1, 2, 3, 4, 5, 6}},
		{name: "uint8 intensities /255", setup: npyFile([][]uint8{{0, 255}, {51, 1}}), rows: 2, cols: 2, h: 0, w: 0,
			data: []float32{0, 1, 0.2, 1.0 / 255}},
		{name: "uint8 binary kept", setup: npyFile([][]uint8{{0, 1, 1}, {1, 0, 0}}), rows: 2, cols: 3, data: []float32{0, 1, 1, 1, 0, 0}},
		{name: "uint8 all zero kept", setup: npyFile([][]uint8{{0, 0}}), rows: 1, cols: 2, data: []float32{0, 0}},
		{name: "square d gives H=W", setup: npyFile(square), rows: 3, cols: 9, h: 3, w: 3},
		{name: "uppercase extension", setup: func(t *testing.T, dir string) string {
			return writeFile(t, dir, "X.NPY", npyBytes(t, f32))
		}, rows: 2, cols: 3, data: flat32},
		{name: "fortran order", setup: func(t *testing.T, dir string) string {
			raw := editHeader(t, npyBytes(t, f32), "'fortran_order': False, 'shape': (2, 3), }", "'fortran_order': True, 'shape': (2, 3), } ")
			return writeFile(t, dir, "f.npy", raw)
		}, rows: 2, cols: 3, data: []float32{0.5, 2, 4.25, -1, 3, 1e-3}},
		{name: "big endian", setup: func(t *testing.T, dir string) string {
			raw := editHeader(t, npyBytes(t, f32), "'<f4'", "'>f4'")
			payload := raw[len(raw)-24:]
			for i := 0; i < 24; i += 4 {
				binary.BigEndian.PutUint32(payload[i:], binary.LittleEndian.Uint32(payload[i:]))
			}
			return writeFile(t, dir, "be.npy", raw)
		}, rows: 2, cols: 3, data: flat32},
		{name: "limit and threshold", setup: npyFile(f32), opt: Options{Limit: 1, Binarize: "threshold"}, rows: 1, cols: 3, data: []float32{1, 0, 1}},
	})
}

func TestLoadCSV(t *testing.T) {
	csvFile := func(text string) func(*testing.T, string) string {
		return func(t *testing.T, dir string) string { return writeFile(t, dir, "x.csv", []byte(text)) }
	}
	runLoadCases(t, []loadCase{
		{name: "plain", setup: csvFile("1,2,3\n4,5,6\n"), rows: 2, cols: 3, data: []float32{1, 2, 3, 4, 5, 6}},
		{name: "header skipped", setup: csvFile("a,b\n0.5,1e-1\n-2,3\n"), rows: 2, cols: 2, data: []float32{0.5, 0.1, -2, 3}},
		{name: "quoted header, spaces, CRLF, no final newline", setup: csvFile("\"x 1\", \"x 2\"\r\n 1 , 2\r\n3,4"), rows: 2, cols: 2, data: []float32{1, 2, 3, 4}},
		{name: "comments, blank lines and BOM", setup: csvFile("\xef\xbb\xbf# made by numpy.savetxt\n1,2\n\n3,4\n"), rows: 2, cols: 2, data: []float32{1, 2, 3, 4}},
		{name: "single column", setup: csvFile("0\n1\n0.25\n"), rows: 3, cols: 1, data: []float32{0, 1, 0.25}},
		{name: "square d gives H=W", setup: csvFile("1,0,0,1\n0,1,1,0\n"), rows: 2, cols: 4, h: 2, w: 2},
		{name: "limit", setup: csvFile("1,2\n3,4\n5,6\n"), opt: Options{Limit: 2}, rows: 2, cols: 2, data: []float32{1, 2, 3, 4}},
		{name: "limit above count", setup: csvFile("1,2\n3,4\n5,6\n"), opt: Options{Limit: 10}, rows: 3, cols: 2},
	})
}

func TestLoadIDX(t *testing.T) {
	images := idxBytes(0x803, []uint32{2, 2, 3}, []byte{0, 255, 51, 0, 0, 0, 1, 2, 3, 4, 5, 6})
	imgData := []float32{0, 1, 0.2, 0, 0, 0, 1. / 255, 2. / 255, 3. / 255, 4. / 255, 5. / 255, 6. / 255}
	file := func(name string, data []byte) func(*testing.T, string) string {
		return func(t *testing.T, dir string) string { return writeFile(t, dir, name, data) }
	}
	runLoadCases(t, []loadCase{
		{name: "images .idx", setup: file("a.idx", images), rows: 2, cols: 6, h: 2, w: 3, data: imgData},
		{name: "images -ubyte", setup: file("a-images-idx3-ubyte", images), rows: 2, cols: 6, h: 2, w: 3, data: imgData},
		{name: "images .idx3-ubyte.gz", setup: func(t *testing.T, dir string) string {
			return writeFile(t, dir, "a.idx3-ubyte.gz", gzipBytes(t, images))
		}, rows: 2, cols: 6, h: 2, w: 3, data: imgData},
		{name: "images .idx.gz", setup: func(t *testing.T, dir string) string {
			return writeFile(t, dir, "a.idx.gz", gzipBytes(t, images))
		}, rows: 2, cols: 6, h: 2, w: 3, data: imgData},
		{name: "compressed without .gz suffix", setup: func(t *testing.T, dir string) string {
			return writeFile(t, dir, "a-ubyte", gzipBytes(t, images))
		}, rows: 2, cols: 6, h: 2, w: 3, data: imgData},
		{name: "1-D labels as one column", setup: file("labels-idx1-ubyte", idxBytes(0x801, []uint32{4}, []byte{5, 0, 4, 255})),
			rows: 4, cols: 1, data: []float32{5. / 255, 0, 4. / 255, 1}},
		{name: "2-D matrix", setup: file("m.idx", idxBytes(0x802, []uint32{1, 4}, []byte{0, 255, 255, 0})),
			rows: 1, cols: 4, h: 2, w: 2, data: []float32{0, 1, 1, 0}},
		{name: "limit", setup: file("a.idx", images), opt: Options{Limit: 1}, rows: 1, cols: 6, h: 2, w: 3, data: imgData[:6]},
	})
	// The embedded MNIST test labels, written out, load as a file.
	if !testing.Short() {
		p := writeFile(t, t.TempDir(), "t10k-labels-idx1-ubyte.gz", testLabelsGz)
		s, err := Load(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != 10000 || s.Dim() != 1 || s.X.At(0, 0) != 7.0/255 {
			t.Errorf("labels file: %d×%d, first %v", s.Len(), s.Dim(), s.X.At(0, 0))
		}
	}
}

func TestLoadPNG(t *testing.T) {
	gradient := func(y, x int) uint8 { return uint8(51 * (y*3 + x)) }
	runLoadCases(t, []loadCase{
		{name: "directory sorted by name", setup: func(t *testing.T, dir string) string {
			writeFile(t, dir, "b.png", grayPNG(t, 2, 3, func(y, x int) uint8 { return 255 }))
			writeFile(t, dir, "a.png", grayPNG(t, 2, 3, gradient))
			writeFile(t, dir, "c.PNG", grayPNG(t, 2, 3, func(y, x int) uint8 { return 0 }))
			writeFile(t, dir, "README.txt", []byte("not an image"))
			os.Mkdir(filepath.Join(dir, "sub.png"), 0o755)
			return dir
		}, rows: 3, cols: 6, h: 2, w: 3, data: []float32{0, 0.2, 0.4, 0.6, 0.8, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0}},
		{name: "colour and alpha to gray", setup: func(t *testing.T, dir string) string {
			writeFile(t, dir, "0.png", rgbaPNG(t, 2, 2, color.NRGBA{255, 255, 255, 255}))
			writeFile(t, dir, "1.png", rgbaPNG(t, 2, 2, color.NRGBA{255, 0, 0, 255}))
			writeFile(t, dir, "2.png", rgbaPNG(t, 2, 2, color.NRGBA{255, 255, 255, 0}))
			return dir
		}, rows: 3, cols: 4, h: 2, w: 2},
		{name: "single file", setup: func(t *testing.T, dir string) string {
			return writeFile(t, dir, "one.png", grayPNG(t, 2, 3, gradient))
		}, rows: 1, cols: 6, h: 2, w: 3, data: []float32{0, 0.2, 0.4, 0.6, 0.8, 1}},
	})
}

func TestPNGColourLuminance(t *testing.T) {
	// White is 1, red has the standard luminance weight (≈0.299), fully
	// transparent pixels are 0 (premultiplied alpha).
	dir := t.TempDir()
	writeFile(t, dir, "0.png", rgbaPNG(t, 1, 2, color.NRGBA{255, 255, 255, 255}))
	writeFile(t, dir, "1.png", rgbaPNG(t, 1, 2, color.NRGBA{255, 0, 0, 255}))
	writeFile(t, dir, "2.png", rgbaPNG(t, 1, 2, color.NRGBA{255, 255, 255, 0}))
	s, err := Load(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []float64{1, 1, 0.299, 0.299, 0, 0} {
		if v := s.X.Data[i]; math.Abs(float64(v)-want) > 0.001 {
			t.Errorf("pixel %d → %v, want %v", i, v, want)
		}
	}
}

func TestLoadLimitCopies(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "x.csv", []byte("1\n2\n3\n4\n"))
	s, err := Load(p, Options{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if cap(s.X.Data) != 2 {
		t.Errorf("limited set keeps a backing array of %d values", cap(s.X.Data))
	}
	if fmt.Sprint(s.X.Data) != "[1 2]" {
		t.Error(s.X.Data)
	}
}
