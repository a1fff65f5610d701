package tensor

import "math"

// kernelGeneric is the portable micro-kernel: the mr×nr tile of C at c
// (row stride ldc) gets Σ_l a[l·mr+i]·b[l·nr+j] over k depths, starting from
// the tile's contents when load is set, else from zero; every step is one
// fused multiply–add, in the same order as the assembly kernel.
func kernelGeneric(k int, a, b, c []float32, ldc int, load bool) {
	var acc [mr * nr]float32
	if load {
		for i := 0; i < mr; i++ {
			copy(acc[i*nr:(i+1)*nr], c[i*ldc:i*ldc+nr])
		}
	}
	a = a[:k*mr]
	b = b[:k*nr]
	for l := 0; l < k; l++ {
		bl := (*[nr]float32)(b[l*nr:])
		al := (*[mr]float32)(a[l*mr:])
		for i, ai := range al {
			row := (*[nr]float32)(acc[i*nr:])
			a64 := float64(ai)
			for j, bj := range bl {
				// fma32(ai, bj, row[j]) with its fast path written out
				// (fma32 is over the inlining budget).
				p := a64 * float64(bj)
				z := float64(row[j])
				s := p + z
				if u := math.Float64bits(s); (u&(1<<29-1) != 1<<28 && (u>>52)&0x7ff >= 1023-126) || s == 0 {
					row[j] = float32(s)
				} else {
					row[j] = fma32Slow(p, z, s)
				}
			}
		}
	}
	for i := 0; i < mr; i++ {
		copy(c[i*ldc:i*ldc+nr], acc[i*nr:(i+1)*nr])
	}
}

// gatherGeneric adds alpha times the rows idx of b (row stride ldb, first
// len(c) columns starting at b[0]) into c, one fused multiply–add per
// element, in the order of idx.
func gatherGeneric(alpha float32, b []float32, ldb int, idx []int32, c []float32) {
	for _, k := range idx {
		src := b[int(k)*ldb : int(k)*ldb+len(c)]
		for j, v := range src {
			c[j] = fma32(alpha, v, c[j])
		}
	}
}

// kernelFused is kernelGeneric written as acc = a·b + acc. On arm64,
// ppc64, s390x, riscv64 and loong64 the Go compiler fuses that into one
// multiply–add instruction with a single rounding — exactly fma32, at full
// speed. On amd64 it does not fuse, so the portable path there uses the
// emulating kernel; fusedIsExact decides at start-up by running this very
// code on a case where fused and unfused results differ.
func kernelFused(k int, a, b, c []float32, ldc int, load bool) {
	var acc [mr * nr]float32
	if load {
		for i := 0; i < mr; i++ {
			copy(acc[i*nr:(i+1)*nr], c[i*ldc:i*ldc+nr])
		}
	}
	a = a[:k*mr]
	b = b[:k*nr]
	for l := 0; l < k; l++ {
		bl := (*[nr]float32)(b[l*nr:])
		al := (*[mr]float32)(a[l*mr:])
		for i, ai := range al {
			row := (*[nr]float32)(acc[i*nr:])
			for j, bj := range bl {
				row[j] = ai*bj + row[j]
			}
		}
	}
	for i := 0; i < mr; i++ {
		copy(c[i*ldc:i*ldc+nr], acc[i*nr:(i+1)*nr])
	}
}

// gatherFused is gatherGeneric written as c = alpha·v + c (see kernelFused).
func gatherFused(alpha float32, b []float32, ldb int, idx []int32, c []float32) {
	for _, k := range idx {
		src := b[int(k)*ldb : int(k)*ldb+len(c)]
		for j, v := range src {
			c[j] = alpha*v + c[j]
		}
	}
}

// probe values: x·y = 1 + 2⁻¹¹ + 2⁻²⁴ rounds (unfused) to 1 + 2⁻¹¹, so
// x·y − (1 + 2⁻¹¹) is 2⁻²⁴ fused and 0 unfused. Variables, so that the
// compiler cannot fold them.
var probeX, probeZ = float32(1 + 0x1p-12), float32(-(1 + 0x1p-11))

// fusedIsExact reports whether kernelFused and gatherFused compute fused
// multiply–adds (bit-identical to fma32) in this build.
var fusedIsExact = func() bool {
	a := make([]float32, mr)
	b := make([]float32, nr)
	c := make([]float32, mr*nr)
	a[0], b[0], c[0] = probeX, probeX, probeZ
	kernelFused(1, a, b, c, nr, true)
	want := fma32(probeX, probeX, probeZ)
	g := []float32{probeZ}
	gatherFused(probeX, []float32{probeX}, 1, []int32{0}, g)
	return want != 0 && c[0] == want && g[0] == want
}()
