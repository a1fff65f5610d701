package dataset

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

// TestBadLabelFiles: a labels .npy file whose header lies about its size,
// or that is truncated or garbled, is refused before anything is allocated
// for it, with the file named.
func TestBadLabelFiles(t *testing.T) {
	eight := make([]byte, 8*3)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"huge shape", rawNPY("{'descr': '<i8', 'fortran_order': False, 'shape': (1000000000000,), }", eight), "needs 8000000000000 bytes"},
		{"huge 2-D shape", rawNPY("{'descr': '<i8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", eight), "does not fit"},
		{"short payload", rawNPY("{'descr': '<i8', 'fortran_order': False, 'shape': (4,), }", eight), "needs 32 bytes"},
		{"trailing bytes", rawNPY("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", eight), "needs 16 bytes"},
		{"truncated preamble", []byte("\x93NUMPY\x01"), "not a .npy file"},
		{"header length past the end", []byte("\x93NUMPY\x01\x00\xff\xff{"), "truncated .npy header"},
		{"garbled header", rawNPY("{'descr': '<i8', 'shape': (3,", eight), "garbled"},
		{"empty", nil, "empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "y.npy", c.data)
			y, err := ReadLabels(path)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("ReadLabels = %v, %v; want an error naming %s and saying %q", y, err, path, c.want)
			}
		})
	}
}

// TestSaveNPYNotFinite: a NaN or ±Inf value is an error naming the file,
// row and column, and nothing is written.
func TestSaveNPYNotFinite(t *testing.T) {
	for _, v := range []float64{nan(), inf(1), inf(-1)} {
		path := t.TempDir() + "/f.npy"
		m := tensor.New(2, 3)
		m.Data[4] = float32(v)
		err := SaveNPY(path, m)
		if !errors.Is(err, ErrNotFinite) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "row 1, column 1") {
			t.Fatalf("SaveNPY with %v: %v", v, err)
		}
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("SaveNPY with %v wrote %s", v, path)
		}
	}
}
