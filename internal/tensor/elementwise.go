package tensor

import (
	"math"
	"sync"
)

// Scale multiplies every element of x by s (s = 0 clears x, NaNs included).
func Scale(x []float32, s float32) {
	if s == 0 {
		clear(x)
		return
	}
	for i := range x {
		x[i] *= s
	}
}

// Axpy sets y += a·x.
func Axpy(a float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += a * v
	}
}

// AddRowVector adds v to every row of m.
func AddRowVector(m *Matrix, v []float32) {
	if len(v) != m.Cols {
		panic("tensor.AddRowVector: length mismatch")
	}
	for i := 0; i < m.Rows; i++ {
		r := m.Row(i)
		for j, b := range v {
			r[j] += b
		}
	}
}

// ColumnSums adds the column sums of m, scaled by s, to dst (dst += s·1ᵀm).
func ColumnSums(dst []float32, m *Matrix, s float32) {
	if len(dst) != m.Cols {
		panic("tensor.ColumnSums: length mismatch")
	}
	// Columns are shared out over GOMAXPROCS goroutines; each column still
	// adds its rows in order.
	parallelFor(&columnSumTasks, columnSumArgs{dst: dst, m: m, s: s}, func(a *columnSumArgs, lo, hi int) {
		columnSumRange(a.dst, a.m, a.s, lo, hi)
	}, m.Cols, 16, float64(len(m.Data)))
}

// columnSumRange adds s·m[i][j] to dst[j] for the columns [lo, hi), row by
// row. The assembly kernels keep a block of up to 4 vectors of dst in
// registers over all rows, with the Go loop's multiply and add per element
// (no fused multiply–add), so every path gives the same bits.
func columnSumRange(dst []float32, m *Matrix, s float32, lo, hi int) {
	if m.Rows == 0 || hi <= lo {
		return
	}
	ld := m.Cols
	switch {
	case elemAVX512():
		for j := lo; j < hi; j += 64 {
			w := min(64, hi-j)
			nv := (w + 15) / 16
			mask := tail16(w)
			if mask == 0 {
				mask = 0xffff // the last vector is whole
			}
			_, _ = dst[j+w-1], m.Data[(m.Rows-1)*ld+j+w-1]
			colSums16(&dst[j], &m.Data[j], ld, m.Rows, nv, s, mask)
		}
		return
	case accelerated:
		w := (hi - lo) / 8 * 8
		for j := lo; j < lo+w; j += 32 {
			nv := min(32, lo+w-j) / 8
			_, _ = dst[j+nv*8-1], m.Data[(m.Rows-1)*ld+j+nv*8-1]
			colSums8(&dst[j], &m.Data[j], ld, m.Rows, nv, s)
		}
		lo += w
	}
	for i := 0; i < m.Rows; i++ {
		Axpy(s, m.Data[i*ld+lo:i*ld+hi], dst[lo:hi])
	}
}

var columnSumTasks sync.Pool

type columnSumArgs struct {
	dst []float32
	m   *Matrix
	s   float32
}

// Sigmoid32 is the logistic function 1/(1+e^{−x}) in float32, exact to
// float32 rounding and finite for every input (±Inf give 1 and 0).
func Sigmoid32(x float32) float32 {
	return float32(Sigmoid(float64(x)))
}

// Sigmoid is the logistic function in float64, computed without overflow.
func Sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// LogSigmoid is log σ(x) = −softplus(−x), stable for every finite x.
func LogSigmoid(x float64) float64 { return -Softplus(-x) }

// Softplus is log(1+eˣ) computed as max(x,0) + log1p(e^{−|x|}): finite for
// every finite input, never overflowing.
func Softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// SigmoidInPlace applies the logistic function to every element of x.
func SigmoidInPlace(x []float32) {
	for i, v := range x {
		x[i] = Sigmoid32(v)
	}
}

// SoftplusSum returns Σ softplus(x_i) accumulated in float64.
func SoftplusSum(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += Softplus(float64(v))
	}
	return s
}

// Dot returns Σ x_i·y_i accumulated in float64.
func Dot(x, y []float32) float64 {
	y = y[:len(x)]
	var s float64
	for i, v := range x {
		s += float64(v) * float64(y[i])
	}
	return s
}

// RowDots sets dst[r] = Dot(a.Row(r), b.Row(r)) for every row (a and b
// of one shape), each summed in order as Dot does — the same bits — with
// four rows' sums interleaved: a sequential float64 sum waits on each
// add, and four independent ones fill those waits.
func RowDots(dst []float64, a, b *Matrix) {
	mustSameShape("RowDots", a, b)
	clear(dst)
	rowDots(dst, a, b.Data, b.Cols)
}

// RowDotsFrom continues the sums of RowDots from dst: dst[r] += a.Row(r) ·
// b.Row(r), the products added one by one in order of the columns to the
// running sum dst[r] — so a matrix taken in blocks of columns, one block
// after another from dst = 0, gives RowDots' bits on the whole.
func RowDotsFrom(dst []float64, a, b *Matrix) {
	mustSameShape("RowDotsFrom", a, b)
	rowDots(dst, a, b.Data, b.Cols)
}

// RowDotsVec sets dst[r] = Dot(a.Row(r), v) for every row of a (len(v) =
// a.Cols), with RowDots' bits and interleaving.
func RowDotsVec(dst []float64, a *Matrix, v []float32) {
	if len(v) != a.Cols {
		panic("tensor.RowDotsVec: length mismatch")
	}
	clear(dst)
	rowDots(dst, a, v, 0)
}

// rowDots adds Σ_i a[r][i]·y[r·ld + i] to dst[r], each product in order of
// i onto the running sum.
func rowDots(dst []float64, a *Matrix, y []float32, ld int) {
	if len(dst) != a.Rows {
		panic("tensor.RowDots: length mismatch")
	}
	n := a.Cols
	r := 0
	for ; r+4 <= a.Rows; r += 4 {
		x0, x1, x2, x3 := a.Row(r), a.Row(r + 1)[:n], a.Row(r + 2)[:n], a.Row(r + 3)[:n]
		y0, y1, y2, y3 := y[r*ld:][:n], y[(r+1)*ld:][:n], y[(r+2)*ld:][:n], y[(r+3)*ld:][:n]
		s0, s1, s2, s3 := dst[r], dst[r+1], dst[r+2], dst[r+3]
		for i, v := range x0 {
			s0 += float64(v) * float64(y0[i])
			s1 += float64(x1[i]) * float64(y1[i])
			s2 += float64(x2[i]) * float64(y2[i])
			s3 += float64(x3[i]) * float64(y3[i])
		}
		dst[r], dst[r+1], dst[r+2], dst[r+3] = s0, s1, s2, s3
	}
	for ; r < a.Rows; r++ {
		s := dst[r]
		for i, v := range a.Row(r) {
			s += float64(v) * float64(y[r*ld+i])
		}
		dst[r] = s
	}
}

// Dot2 returns Dot(x1, y) and Dot(x2, y) in one pass: the same two
// sequential sums (the same bits), each waiting only on itself.
func Dot2(x1, x2, y []float32) (float64, float64) {
	x2, y = x2[:len(x1)], y[:len(x1)]
	var s1, s2 float64
	for i, v := range x1 {
		s1 += float64(v) * float64(y[i])
		s2 += float64(x2[i]) * float64(y[i])
	}
	return s1, s2
}

// LogSumExp returns log Σ exp(x_i) with a max shift; −Inf for an empty or
// all −Inf input.
func LogSumExp(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	if math.IsInf(m, 0) {
		return m
	}
	var s float64
	for _, v := range x {
		s += math.Exp(v - m)
	}
	return m + math.Log(s)
}

// AllFinite reports whether no element of x is NaN or ±Inf.
func AllFinite(x []float32) bool {
	for _, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return false
		}
	}
	return true
}
