package hopfield

import "github.com/ebm-go/ebm/internal/tensor"

// axpy32 sets y += a·x (float32), unrolled by 8 for the flip updates.
func axpy32(a float32, x, y []float32) {
	y = y[:len(x)]
	i := 0
	for ; i+8 <= len(x); i += 8 {
		xs := x[i : i+8 : i+8]
		ys := y[i : i+8 : i+8]
		ys[0] += a * xs[0]
		ys[1] += a * xs[1]
		ys[2] += a * xs[2]
		ys[3] += a * xs[3]
		ys[4] += a * xs[4]
		ys[5] += a * xs[5]
		ys[6] += a * xs[6]
		ys[7] += a * xs[7]
	}
	for ; i < len(x); i++ {
		y[i] += a * x[i]
	}
}

// axpy64 sets y += a·x with float32 x and float64 y, unrolled by 4.
func axpy64(a float64, x []float32, y []float64) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		xs := x[i : i+4 : i+4]
		ys := y[i : i+4 : i+4]
		ys[0] += a * float64(xs[0])
		ys[1] += a * float64(xs[1])
		ys[2] += a * float64(xs[2])
		ys[3] += a * float64(xs[3])
	}
	for ; i < len(x); i++ {
		y[i] += a * float64(x[i])
	}
}

// shuffle puts p in a uniformly random order (Fisher–Yates). Each 64-bit
// draw of rng gives two 32-bit uniforms, each mapped to [0, i] by Lemire's
// multiply-and-reject method, which is exactly uniform; this halves the
// generator calls of math/rand's Shuffle. Recall and the capacity
// experiments both use it, so a sweep order depends only on the generator.
func shuffle(p []int, rng *tensor.Rand) {
	var buf uint64
	have := false
	for i := len(p) - 1; i > 0; i-- {
		n := uint32(i + 1)
		var x uint32
		if have {
			x, have = uint32(buf>>32), false
		} else {
			buf, have = rng.Uint64(), true
			x = uint32(buf)
		}
		m := uint64(x) * uint64(n)
		if l := uint32(m); l < n {
			t := -n % n
			for l < t {
				if have {
					x, have = uint32(buf>>32), false
				} else {
					buf, have = rng.Uint64(), true
					x = uint32(buf)
				}
				m = uint64(x) * uint64(n)
				l = uint32(m)
			}
		}
		j := int(m >> 32)
		p[i], p[j] = p[j], p[i]
	}
}
