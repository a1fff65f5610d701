package tensor

// Element-wise kernels of Gaussian visible units (rbm.Gaussian): x = v/σ
// (MulInto), the mean b + σ⊙u (Affine) and the gradients of the visible
// biases and log σ (ShiftedSum, ShiftedSquares). Each element gets the Go
// loop's operations in its order, each rounded alone, on every path.

// MulInto sets dst = x⊙y (all of one length).
func MulInto(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	if elemAVX512() && len(dst) > 0 {
		mul16(&dst[0], &x[0], &y[0], len(dst), tail16(len(dst)))
		return
	}
	for i := range dst {
		dst[i] = x[i] * y[i]
	}
}

// Affine sets u = b + s⊙u (all of one length).
func Affine(u, b, s []float32) {
	b, s = b[:len(u)], s[:len(u)]
	if elemAVX512() && len(u) > 0 {
		affine16(&u[0], &b[0], &s[0], len(u), tail16(len(u)))
		return
	}
	for i := range u {
		u[i] = b[i] + s[i]*u[i]
	}
}

// ShiftedSum adds s·((x−b)⊙w) to g (all of one length).
func ShiftedSum(g, x, b, w []float32, s float32) {
	x, b, w = x[:len(g)], b[:len(g)], w[:len(g)]
	if elemAVX512() && len(g) > 0 {
		shiftedSum16(&g[0], &x[0], &b[0], &w[0], len(g), s, tail16(len(g)))
		return
	}
	for i := range g {
		g[i] += s * ((x[i] - b[i]) * w[i])
	}
}

// ShiftedSquares adds s·((x−b)⊙w)² to g (all of one length).
func ShiftedSquares(g, x, b, w []float32, s float32) {
	x, b, w = x[:len(g)], b[:len(g)], w[:len(g)]
	if elemAVX512() && len(g) > 0 {
		shiftedSquares16(&g[0], &x[0], &b[0], &w[0], len(g), s, tail16(len(g)))
		return
	}
	for i := range g {
		d := (x[i] - b[i]) * w[i]
		g[i] += s * (d * d)
	}
}
