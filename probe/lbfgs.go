package probe

import "math"

// lbfgs minimises f from x0 by limited-memory BFGS (Nocedal & Wright 2006,
// Algorithm 7.4, memory 10) with a backtracking Armijo line search. f
// returns the value and, when grad is non-nil, writes the gradient. It stops
// when the gradient's max-norm falls below 1e-6, when the objective has not
// decreased by a relative 1e-10 for 20 iterations, when the line search
// finds no decrease (the float32 precision of the products is reached), or
// after maxIter iterations. It returns the best point, its value and the
// iterations used.
func lbfgs(f func(x, grad []float64) float64, x0 []float64, maxIter int, onIter func(int, float64)) ([]float64, float64, int) {
	const mem = 10
	n := len(x0)
	x := append([]float64(nil), x0...)
	g := make([]float64, n)
	fx := f(x, g)
	var s, y [][]float64
	var rho []float64
	d := make([]float64, n)
	alpha := make([]float64, mem)
	xn := make([]float64, n)
	gn := make([]float64, n)
	best, stall := fx, 0
	it := 0
	for it < maxIter {
		if maxAbs(g) < 1e-6 {
			break
		}
		// Two-loop recursion: d = −H·g.
		copy(d, g)
		for i := len(s) - 1; i >= 0; i-- {
			alpha[i] = rho[i] * dot(s[i], d)
			axpy(-alpha[i], y[i], d)
		}
		gamma := 1.0
		if k := len(s); k > 0 {
			gamma = dot(s[k-1], y[k-1]) / dot(y[k-1], y[k-1])
		} else {
			gamma = 1 / math.Max(1, maxAbs(g))
		}
		for i := range d {
			d[i] *= gamma
		}
		for i := range s {
			b := rho[i] * dot(y[i], d)
			axpy(alpha[i]-b, s[i], d)
		}
		for i := range d {
			d[i] = -d[i]
		}
		slope := dot(g, d)
		if slope >= 0 { // not a descent direction: restart with steepest descent
			s, y, rho = s[:0], y[:0], rho[:0]
			for i := range d {
				d[i] = -g[i] / math.Max(1, maxAbs(g))
			}
			slope = dot(g, d)
		}
		step, fn, ok := 1.0, 0.0, false
		for range 40 {
			for i := range xn {
				xn[i] = x[i] + step*d[i]
			}
			fn = f(xn, gn)
			if fn <= fx+1e-4*step*slope && !math.IsNaN(fn) {
				ok = true
				break
			}
			step /= 2
		}
		if !ok {
			break
		}
		it++
		si, yi := make([]float64, n), make([]float64, n)
		for i := range si {
			si[i] = xn[i] - x[i]
			yi[i] = gn[i] - g[i]
		}
		if sy := dot(si, yi); sy > 1e-12 {
			if len(s) == mem {
				s, y, rho = s[1:], y[1:], rho[1:]
			}
			s, y, rho = append(s, si), append(y, yi), append(rho, 1/sy)
		}
		x, xn = xn, x
		g, gn = gn, g
		fx = fn
		if onIter != nil {
			onIter(it, fx)
		}
		if fx < best-1e-10*math.Abs(best) {
			best, stall = fx, 0
		} else if stall++; stall >= 20 {
			break
		}
	}
	return x, fx, it
}

func dot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func axpy(a float64, x, y []float64) {
	for i, v := range x {
		y[i] += a * v
	}
}

func maxAbs(x []float64) float64 {
	var m float64
	for _, v := range x {
		m = math.Max(m, math.Abs(v))
	}
	return m
}
