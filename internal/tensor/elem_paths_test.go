package tensor

import (
	"fmt"
	"math"
	"testing"
)

// elemLengths are the lengths the element-wise path tests run: every
// length up to 70 (all tails of the 8- and 16-lane kernels, one to four
// vectors) and some long ones (softplusSum64's 4,096-value chunks, the
// parallel split).
var elemLengths = func() []int {
	var n []int
	for i := 0; i <= 70; i++ {
		n = append(n, i)
	}
	return append(n, 127, 128, 129, 1000, 4096+8, 4096+13, 3*4096+24+5, 50021)
}()

// elemInputs returns n values at the start of a buffer offset by off
// floats (an unaligned start), followed by guard values: x are
// pre-activations around ±100 with the special values of fastInputs mixed
// in (NaN only when nan is set), p probabilities in [−0.1, 1.1] with 0, 1
// and NaN among them.
func elemInputs(rng *Rand, n, off int, nan bool) (x, y, p []float32) {
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 87.3, -87.3, -87.33654, -87.4, 88, 89, -103, 1e4, -1e30,
		float32(math.Inf(1)), float32(math.Inf(-1)), math.MaxFloat32, 1e-45, -1e-45}
	if nan {
		special = append(special, float32(math.NaN()))
	}
	x, y, p = make([]float32, off+n+16)[off:], make([]float32, off+n+16)[off:], make([]float32, off+n+16)[off:]
	rng.Normal(x, 0, 30)
	rng.Normal(y, 0, 3)
	for i := range p {
		p[i] = float32(rng.Float64()*1.2 - 0.1)
	}
	for i := 0; i < n; i += 1 + rng.IntN(5) {
		x[i] = special[rng.IntN(len(special))]
	}
	for i := 0; i < n; i += 1 + rng.IntN(7) {
		p[i] = []float32{0, 1, float32(math.NaN()), 0.5}[rng.IntN(4)]
	}
	return x[: n : n+16], y[: n : n+16], p[: n : n+16]
}

// elemResults runs every element-wise kernel on one input: the float32
// outputs (each followed by the guard values past its end, to check that
// nothing past n was written) and the float64 sums.
type elemResults struct {
	f32 map[string][]float32
	f64 map[string]float64
}

func runElementwise(n, off int, nan bool) elemResults {
	r := elemResults{f32: map[string][]float32{}, f64: map[string]float64{}}
	rng := NewRand(uint64(1000*n + off))
	x, y, p := elemInputs(rng, n, off, nan)
	out := func(name string, f func(dst []float32)) {
		dst := make([]float32, off+n+16)[off:]
		for i := range dst {
			dst[i] = -7 // guard
		}
		f(dst[:n])
		r.f32[name] = dst
	}
	out("sigmoidRange", func(dst []float32) { sigmoidRange(dst, x, nil) })
	out("sigmoidRange+bias", func(dst []float32) { sigmoidRange(dst, x, y) })
	out("sigmoidRange-inplace", func(dst []float32) { copy(dst, x); sigmoidRange(dst, dst, y) })
	out("SigmoidInto", func(dst []float32) { SigmoidInto(dst, x) })
	out("SigmoidBiasRows", func(dst []float32) {
		if n == 0 {
			return
		}
		cols := []int{1, 7, 16, 23, n}[n%5]
		if n%cols != 0 {
			cols = n
		}
		copy(dst, x)
		SigmoidBiasRows(&Matrix{Rows: n / cols, Cols: cols, Data: dst}, y[:cols])
	})
	out("bernoulliHash", func(dst []float32) { bernoulliHash(dst, p, 0x12345678, 0x9abcdef0) })
	out("BernoulliFast", func(dst []float32) { NewRand(uint64(n)).BernoulliFast(dst, p) })
	out("BernoulliKey.Sample", func(dst []float32) { BernoulliKey(0xfeedface12345678).Sample(dst, p, 1<<30-n/2) })
	for _, hp := range [][3]float32{{0.05, 0.9, 2e-4}, {0.1, 0, 0}, {1e-3, 0.5, 0.01}} {
		name := fmt.Sprintf("momentum%v", hp)
		w := append(make([]float32, 0, n+16), x...)
		g := append(make([]float32, 0, n+16), p...)
		for i := range w {
			w[i] *= 1e-2 // keep w finite where x is large
		}
		out(name+"-w", func(dst []float32) {
			copy(dst, w)
			v := append([]float32(nil), y...)
			momentum(dst, v, g, hp[0], hp[1], hp[2])
			r.f32[name+"-v"] = v
		})
		out(name+"-MomentumStep-w", func(dst []float32) {
			copy(dst, w)
			vv := append([]float32(nil), y...)
			MomentumStep(dst, vv, g, hp[0], hp[1], hp[2])
			r.f32[name+"-MomentumStep-v"] = vv
		})
	}
	// ColumnSums over 1–5 rows whose values are x shifted row by row, onto
	// dst = y; and columnSumRange on the columns [1, n−1) (unaligned).
	rows := 1 + n%5
	cm := &Matrix{Rows: rows, Cols: n, Data: make([]float32, rows*n)}
	for i := 0; i < rows; i++ {
		for j := 0; j < n; j++ {
			cm.Data[i*n+j] = x[(j+i)%n] * float32(i+1)
		}
	}
	for _, sc := range []float32{1, -0.01, 1.0 / 3} {
		out(fmt.Sprintf("ColumnSums(s=%g)", sc), func(dst []float32) { copy(dst, y); ColumnSums(dst, cm, sc) })
		out(fmt.Sprintf("columnSumRange(s=%g)", sc), func(dst []float32) {
			copy(dst, y)
			if n > 2 {
				columnSumRange(dst, cm, sc, 1, n-1)
			}
		})
	}
	r.f64["SoftplusSumFast"] = SoftplusSumFast(x)
	r.f64["SoftplusShiftSum+"] = SoftplusShiftSum(x, y, 1)
	r.f64["SoftplusShiftSum-"] = SoftplusShiftSum(x, y, -1)
	for _, beta := range []float64{0, 1e-3, 0.7, 1} {
		r.f64[fmt.Sprintf("SoftplusSum64(β=%g)", beta)] = SoftplusSum64(x, beta)
	}
	return r
}

// TestElementwisePathsBitIdentical: every element-wise kernel — sigmoid
// (plain, with bias, in place, by rows), the Bernoulli hash, the momentum
// update, the float32 softplus sums and SoftplusSum64 — gives the same
// bits on the portable, AVX2 and AVX-512 paths, for every length to 70
// and some long ones, at aligned and unaligned starts, and writes nothing
// past the end of its output. NaN outputs count as equal on the portable
// path only when both are NaN (Go may pick the other operand's NaN);
// between the assembly paths they must have the same bits too.
func TestElementwisePathsBitIdentical(t *testing.T) {
	paths := kernelPaths()
	for _, n := range elemLengths {
		for _, off := range []int{0, 1, 3} {
			if n > 200 && off == 3 {
				continue
			}
			for _, nan := range []bool{false, true} {
				var ref elemResults
				var refPath string
				for pi, p := range paths {
					undo := p.use()
					got := runElementwise(n, off, nan)
					undo()
					if p.avx512 {
						// AVX-512 products with the AVX2 element-wise kernels.
						prev := SetAVX512Elementwise(false)
						mixed := runElementwise(n, off, nan)
						SetAVX512Elementwise(prev)
						if !sameResults(mixed, got, false) {
							t.Fatalf("n=%d off=%d nan=%v: AVX-512 with and without its element-wise kernels differ", n, off, nan)
						}
					}
					for name, out := range got.f32 {
						for i, v := range out[n:] {
							if v != -7 {
								t.Fatalf("%s n=%d off=%d: %s wrote %v past the end at %d", p.name, n, off, name, v, n+i)
							}
						}
					}
					if pi == 0 {
						ref, refPath = got, p.name
						continue
					}
					loose := refPath == "portable"
					for name, want := range ref.f32 {
						for i, v := range got.f32[name] {
							if !sameBits32(v, want[i], loose) {
								t.Fatalf("n=%d off=%d nan=%v: %s[%d] = %v (%#x) on %s, %v (%#x) on %s",
									n, off, nan, name, i, v, math.Float32bits(v), p.name, want[i], math.Float32bits(want[i]), refPath)
							}
						}
					}
					for name, want := range ref.f64 {
						if v := got.f64[name]; math.Float64bits(v) != math.Float64bits(want) && !(loose && v != v && want != want) {
							t.Fatalf("n=%d off=%d nan=%v: %s = %v on %s, %v on %s", n, off, nan, name, v, p.name, want, refPath)
						}
					}
				}
			}
		}
	}
}

// sameResults says whether a and b hold the same bits (NaNs equal when
// nanEqual is set).
func sameResults(a, b elemResults, nanEqual bool) bool {
	for name, want := range a.f32 {
		for i, v := range b.f32[name] {
			if !sameBits32(v, want[i], nanEqual) {
				return false
			}
		}
	}
	for name, want := range a.f64 {
		if v := b.f64[name]; math.Float64bits(v) != math.Float64bits(want) && !(nanEqual && v != v && want != want) {
			return false
		}
	}
	return true
}

func sameBits32(a, b float32, nanEqual bool) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (nanEqual && a != a && b != b)
}

// TestElementwiseAVX512VsAVX2: the AVX-512 and AVX2 assembly side by side
// on the same inputs with NaN (strict bits, NaN payloads included) — the
// comparison TestElementwisePathsBitIdentical makes against the portable
// path only up to NaN payloads.
func TestElementwiseAVX512VsAVX2(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512")
	}
	for _, n := range elemLengths {
		for _, off := range []int{0, 2} {
			var res [2]elemResults
			for i, z := range []bool{false, true} {
				undo := kernelPath{"", true, z}.use()
				res[i] = runElementwise(n, off, true)
				undo()
			}
			for name, want := range res[0].f32 {
				for i, v := range res[1].f32[name] {
					if !sameBits32(v, want[i], false) {
						t.Fatalf("n=%d off=%d: %s[%d] = %#x on AVX-512, %#x on AVX2", n, off, name, i, math.Float32bits(v), math.Float32bits(want[i]))
					}
				}
			}
			for name, want := range res[0].f64 {
				if v := res[1].f64[name]; math.Float64bits(v) != math.Float64bits(want) {
					t.Fatalf("n=%d off=%d: %s = %#x on AVX-512, %#x on AVX2", n, off, name, math.Float64bits(v), math.Float64bits(want))
				}
			}
		}
	}
}
