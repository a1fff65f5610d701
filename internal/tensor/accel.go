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
	case accelerated:
		return gatherAsm
	case fusedIsExact:
		return gatherFused
	}
	return gatherGeneric
}
