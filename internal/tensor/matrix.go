package tensor

import "fmt"

// Matrix is a dense row-major float32 matrix. Row i occupies
// Data[i*Cols : (i+1)*Cols]; there is no stride, so a Matrix built with
// SliceRows shares memory with its parent.
type Matrix struct {
	Rows, Cols int
	Data       []float32
}

// New returns a zeroed r×c matrix.
func New(r, c int) *Matrix {
	if r < 0 || c < 0 {
		panic(fmt.Sprintf("tensor.New: negative shape %d×%d", r, c))
	}
	return &Matrix{Rows: r, Cols: c, Data: make([]float32, r*c)}
}

// FromSlice wraps data (not copied) as an r×c matrix.
func FromSlice(r, c int, data []float32) *Matrix {
	if r*c != len(data) {
		panic(fmt.Sprintf("tensor.FromSlice: %d×%d needs %d values, have %d", r, c, r*c, len(data)))
	}
	return &Matrix{Rows: r, Cols: c, Data: data}
}

// Row returns row i as a slice sharing the matrix's memory.
func (m *Matrix) Row(i int) []float32 { return m.Data[i*m.Cols : (i+1)*m.Cols] }

// At returns element (i, j).
func (m *Matrix) At(i, j int) float32 { return m.Data[i*m.Cols+j] }

// Set sets element (i, j).
func (m *Matrix) Set(i, j int, v float32) { m.Data[i*m.Cols+j] = v }

// Clone returns a deep copy.
func (m *Matrix) Clone() *Matrix {
	d := make([]float32, len(m.Data))
	copy(d, m.Data)
	return &Matrix{Rows: m.Rows, Cols: m.Cols, Data: d}
}

// SliceRows returns rows [i, j) as a matrix sharing memory with m.
func (m *Matrix) SliceRows(i, j int) *Matrix {
	return &Matrix{Rows: j - i, Cols: m.Cols, Data: m.Data[i*m.Cols : j*m.Cols]}
}

// CopyFrom copies src into m; shapes must match.
func (m *Matrix) CopyFrom(src *Matrix) {
	mustSameShape("CopyFrom", m, src)
	copy(m.Data, src.Data)
}

// Zero sets every element to 0.
func (m *Matrix) Zero() { clear(m.Data) }

// Reshape returns m viewed as r×c (same memory); r*c must equal Rows*Cols.
func (m *Matrix) Reshape(r, c int) *Matrix { return FromSlice(r, c, m.Data) }

// Resize returns a matrix of shape r×c that reuses m's storage when it is
// large enough (contents are unspecified), or a new one. A nil m allocates.
// It lets callers keep scratch buffers across calls of varying batch size.
func (m *Matrix) Resize(r, c int) *Matrix {
	if m != nil && cap(m.Data) >= r*c {
		m.Rows, m.Cols, m.Data = r, c, m.Data[:r*c]
		return m
	}
	return New(r, c)
}

func mustSameShape(op string, a, b *Matrix) {
	if a.Rows != b.Rows || a.Cols != b.Cols {
		panic(fmt.Sprintf("tensor.%s: shape mismatch %d×%d vs %d×%d", op, a.Rows, a.Cols, b.Rows, b.Cols))
	}
}
