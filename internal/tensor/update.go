package tensor

import "sync"

// MomentumStep applies one momentum SGD update with L2 weight decay:
//
//	v[i] = mom·v[i] + lr·(g[i] − wd·w[i]);  w[i] += v[i]
//
// in one pass, each operation rounded to float32 in that order, never
// fused: the same bits as the plain two-loop form v = …; Axpy(1, v, w) as
// the Go compiler builds it for amd64 (on arm64 it fuses mom·v + lr·(…)). Large inputs are split
// over GOMAXPROCS goroutines by fixed ranges; the result does not depend on
// the split. The slices must have equal lengths.
func MomentumStep(w, v, g []float32, lr, mom, wd float32) {
	n := len(w)
	parallelFor(&momentumTasks, momentumArgs{w: w, v: v[:n], g: g[:n], lr: lr, mom: mom, wd: wd},
		func(a *momentumArgs, lo, hi int) {
			momentum(a.w[lo:hi], a.v[lo:hi], a.g[lo:hi], a.lr, a.mom, a.wd)
		}, n, 8, float64(n)*2)
}

var momentumTasks sync.Pool

type momentumArgs struct {
	w, v, g     []float32
	lr, mom, wd float32
}

func momentum(w, v, g []float32, lr, mom, wd float32) {
	n := len(w)
	v, g = v[:n], g[:n]
	i := 0
	if elemAVX512() && n > 0 {
		// Every value, the last n mod 16 under a mask.
		momentum16(&w[0], &v[0], &g[0], n, lr, mom, wd, tail16(n))
		return
	}
	if accelerated && len(w) >= 8 {
		i = len(w) &^ 7
		momentum8(&w[0], &v[0], &g[0], i, lr, mom, wd)
	}
	w, v, g = w[i:], v[i:n], g[i:n]
	for j, gj := range g {
		a := float32(mom * v[j])
		b := float32(wd * w[j])
		d := float32(lr * float32(gj-b))
		v[j] = float32(a + d)
		w[j] = float32(w[j] + v[j])
	}
}

// Transpose sets dst = srcᵀ; dst must be src.Cols × src.Rows.
func Transpose(dst, src *Matrix) {
	if dst.Rows != src.Cols || dst.Cols != src.Rows {
		panic("tensor.Transpose: shape mismatch")
	}
	const bs = 32
	r, c := src.Rows, src.Cols
	for i0 := 0; i0 < r; i0 += bs {
		i1 := min(i0+bs, r)
		for j0 := 0; j0 < c; j0 += bs {
			j1 := min(j0+bs, c)
			for i := i0; i < i1; i++ {
				row := src.Data[i*c+j0 : i*c+j1]
				for j, x := range row {
					dst.Data[(j0+j)*r+i] = x
				}
			}
		}
	}
}
