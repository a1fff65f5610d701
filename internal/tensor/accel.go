package tensor

// accelerated says whether the AVX2/FMA assembly kernels run. It starts as
// hasAVX2FMA (CPU detection with golang.org/x/sys/cpu; always false with the
// purego build tag or off amd64) and can be switched off with SetAccelerated.
var accelerated = hasAVX2FMA

// Accelerated reports whether the AVX2/FMA assembly kernels are in use.
func Accelerated() bool { return accelerated }

// CanAccelerate reports whether this CPU and build support the assembly
// kernels.
func CanAccelerate() bool { return hasAVX2FMA }

// SetAccelerated switches the assembly kernels on or off and returns the
// previous setting; on is ignored where CanAccelerate is false. Both paths
// give bit-identical results; the switch exists so that tests and
// benchmarks can run the portable Go path on an AVX2 machine. It must not be
// called while kernels run.
func SetAccelerated(on bool) (prev bool) {
	prev = accelerated
	accelerated = on && hasAVX2FMA
	return prev
}

// avx512 says whether the AVX-512 kernels run (with accelerated): it starts
// as hasAVX512 and can be switched off with SetAVX512.
var avx512 = hasAVX512

// AVX512 reports whether the AVX-512 kernels are in use.
func AVX512() bool { return accelerated && avx512 }

// SetAVX512 switches the AVX-512 kernels on or off (the AVX2 ones then run
// in their place) and returns the previous setting; on is ignored where the
// CPU lacks AVX-512. They give the same bits as the AVX2 kernels; the switch
// is for tests and side-by-side benchmarks and must not be called while
// kernels run.
func SetAVX512(on bool) (prev bool) {
	prev = avx512
	avx512 = on && hasAVX512
	return prev
}

// elem512 says whether the element-wise kernels (sigmoid, softplus sums,
// Bernoulli, momentum) take their AVX-512 versions when the AVX-512
// kernels run; SetAVX512Elementwise switches it.
var elem512 = true

// SetAVX512Elementwise switches the AVX-512 versions of the element-wise
// kernels alone on or off (their AVX2 versions then run beside the
// AVX-512 products) and returns the previous setting. Same bits either
// way; the switch is for benchmarks that time a whole training step with
// and without them, and must not be called while kernels run.
func SetAVX512Elementwise(on bool) (prev bool) {
	prev = elem512
	elem512 = on
	return prev
}

// elemAVX512 says whether the element-wise kernels run on AVX-512.
func elemAVX512() bool { return accelerated && avx512 && elem512 }

// microKernel2 returns the kernel of two adjacent micro-panels of B (a
// 6×32 tile, with the bits of two calls of microKernel), or nil where only
// one-panel kernels exist.
func microKernel2() func(k int, a, b, c []float32, ldc int, load bool) {
	if accelerated && avx512 {
		return kernelAsm2
	}
	return nil
}

func microKernel() func(k int, a, b, c []float32, ldc int, load bool) {
	switch {
	case accelerated:
		return kernelAsm
	case fusedIsExact:
		return kernelFused
	}
	return kernelGeneric
}

func gatherKernel() func(alpha float32, b []float32, ldb int, idx []int32, c []float32) {
	switch {
	case accelerated && avx512:
		return gatherAsm16
	case accelerated:
		return gatherAsm
	case fusedIsExact:
		return gatherFused
	}
	return gatherGeneric
}

// tail16 is the opmask of the last n mod 16 lanes of an AVX-512
// element-wise kernel over n values (0 when n is a multiple of 16).
func tail16(n int) uint16 { return uint16(1)<<(n&15) - 1 }

func gemvKernel() func(coef, b []float32, ldb int, idx []int32, c []float32) {
	switch {
	case accelerated && avx512:
		return gemvAsm16
	case accelerated:
		return gemvAsm
	}
	return gemvGeneric
}
