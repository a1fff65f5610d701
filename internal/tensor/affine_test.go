package tensor

import (
	"fmt"
	"testing"
)

// TestAffinePathsBitIdentical: the AVX-512 kernels of Gaussian units give
// the portable loops' bits, for every length of 0–40 (every tail of 0–15
// lanes) and a row of 784, on values of both signs and wide range.
func TestAffinePathsBitIdentical(t *testing.T) {
	if !AVX512() {
		t.Skip("no AVX-512 here: one path only")
	}
	defer SetAVX512Elementwise(SetAVX512Elementwise(true))
	rng := NewRand(12)
	vec := func(n int, std float32) []float32 {
		v := make([]float32, n)
		rng.Normal(v, 0, std)
		return v
	}
	for _, n := range append([]int{784}, func() []int {
		var l []int
		for i := 0; i <= 40; i++ {
			l = append(l, i)
		}
		return l
	}()...) {
		x, y, b, w, g := vec(n, 3), vec(n, 0.7), vec(n, 2), vec(n, 5), vec(n, 10)
		run := func(on bool) [4][]float32 {
			SetAVX512Elementwise(on)
			var out [4][]float32
			out[0] = make([]float32, n)
			MulInto(out[0], x, y)
			out[1] = append([]float32(nil), x...)
			Affine(out[1], b, y)
			out[2] = append([]float32(nil), g...)
			ShiftedSum(out[2], x, b, w, 0.013)
			out[3] = append([]float32(nil), g...)
			ShiftedSquares(out[3], x, b, w, -0.007)
			return out
		}
		fast, slow := run(true), run(false)
		for k, name := range []string{"MulInto", "Affine", "ShiftedSum", "ShiftedSquares"} {
			sameBits(t, fmt.Sprintf("%s n=%d", name, n), fast[k], slow[k])
		}
	}
}
