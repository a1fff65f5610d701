package dataset

import (
	"bytes"
	"strings"
	"testing"
)

// The fuzz targets check that no input makes a parser panic, and that what
// a parser accepts is self-consistent. `go test` runs only the seeds; run
// e.g. `go test -fuzz FuzzIDX ./dataset/` to search further.

func FuzzIDX(f *testing.F) {
	f.Add(idxBytes(0x803, []uint32{2, 2, 3}, bytes.Repeat([]byte{9}, 12)), false)
	f.Add(idxBytes(0x801, []uint32{3}, []byte{1, 2, 3}), false)
	f.Add(idxBytes(0x802, []uint32{1, 4}, []byte{0, 1, 2, 3}), false)
	f.Add(gzipBytes(f, idxBytes(0x803, []uint32{1, 2, 2}, []byte{0, 255, 3, 4})), true)
	f.Add(idxBytes(0x803, []uint32{1 << 30, 1 << 30, 1}, nil), false)
	f.Add([]byte{}, false)
	f.Add([]byte{0x1f, 0x8b, 8, 0}, true)
	f.Fuzz(func(t *testing.T, data []byte, compressed bool) {
		x, err := readIDX("fuzz.idx", bytes.NewReader(data), compressed, int64(len(data)))
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.idx") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		n := 1
		for _, d := range x.dims {
			n *= d
		}
		if n != len(x.data) {
			t.Fatalf("dims %v but %d bytes", x.dims, len(x.data))
		}
		if rows, cols, _, _ := x.shape(); rows*cols != n {
			t.Fatalf("shape %d×%d from dims %v", rows, cols, x.dims)
		}
	})
}

func FuzzLoadCSV(f *testing.F) {
	for _, s := range []string{
		"1,2,3\n4,5,6\n",
		"a,b\n0.5,1e-1\n",
		"\xef\xbb\xbf# c\n\n1\n",
		"1,2\n3\n",
		"\"1\",\" 2\"\r\n",
		"nan,inf\n",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		m, err := parseCSV("fuzz.csv", strings.NewReader(text))
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.csv") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		if m.Rows < 1 || m.Cols < 1 || m.Rows*m.Cols != len(m.Data) {
			t.Fatalf("%d×%d matrix with %d values", m.Rows, m.Cols, len(m.Data))
		}
		if err := checkFinite("fuzz.csv", m); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzNPY(f *testing.F) {
	f.Add(npyBytes(f, [][]float32{{1, 2}, {3, 4}}))
	f.Add(npyBytes(f, [][]uint8{{1, 200}}))
	f.Add(npyBytes(f, [][]float64{{1}}))
	f.Add(rawNPY("{'descr': '<f8', 'fortran_order': True, 'shape': (1, 2), }", make([]byte, 16)))
	f.Add(rawNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2)}", nil))
	f.Add(rawNPY("{", nil))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := parseNPY("fuzz.npy", raw)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.npy") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		if m.Rows*m.Cols != len(m.Data) {
			t.Fatalf("%d×%d matrix with %d values", m.Rows, m.Cols, len(m.Data))
		}
	})
}
