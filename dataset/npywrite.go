package dataset

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/ebm-go/ebm/internal/atomicfile"
	"github.com/ebm-go/ebm/internal/tensor"
)

// SaveNPY writes m as a 2-D little-endian float32 NumPy array (format
// version 1.0, C order, header padded to a multiple of 64 bytes as NumPy
// does), atomically. numpy.load reads it as shape (m.Rows, m.Cols). A NaN
// or ±Inf value is an error wrapping ErrNotFinite (naming the file, the row
// and the column), and nothing is written: a result that is not a number is
// not output.
func SaveNPY(path string, m *tensor.Matrix) error {
	for i, v := range m.Data {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("dataset: write %s: row %d, column %d (0-based) is %v: %w", path, i/max(m.Cols, 1), i%max(m.Cols, 1), v, ErrNotFinite)
		}
	}
	return atomicfile.WriteFile(path, EncodeNPY(m))
}

// EncodeNPY returns the bytes SaveNPY writes.
func EncodeNPY(m *tensor.Matrix) []byte {
	header := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }", m.Rows, m.Cols)
	// magic(6) + version(2) + header length(2) + header + '\n' ≡ 0 (mod 64)
	pad := (64 - (10+len(header)+1)%64) % 64
	header += string(bytes.Repeat([]byte{' '}, pad)) + "\n"
	var b bytes.Buffer
	b.Grow(10 + len(header) + 4*len(m.Data))
	b.WriteString("\x93NUMPY\x01\x00")
	_ = binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	b.WriteString(header)
	buf := make([]byte, 4*len(m.Data))
	for i, v := range m.Data {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
	}
	b.Write(buf)
	return b.Bytes()
}
