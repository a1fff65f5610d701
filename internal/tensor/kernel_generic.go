package tensor

import "math"

// kernelGeneric is the portable micro-kernel: the mr×nr tile of C at c
// (row stride ldc) gets Σ_l a[l·mr+i]·b[l·nr+j] over k depths, starting from
// the tile's contents when load is set, else from zero; every step is one
// fused multiply–add, in the same order as the assembly kernel.
func kernelGeneric(k int, a, b, c []float32, ldc int, load bool) {
	kernelRows(k, a, b, c, ldc, load, false)
}

// kernelRows is the frame of the portable micro-kernels: each row i of the
// mr×nr tile of C at c (row stride ldc) starts from C when load is set, else
// from zero, gets its terms from fusedRow (fused set) or fmaRow and is
// stored back. Those add a[i+l·mr]·b[l·nr+j] to row[j] for each depth l in
// order, so every element sees its terms in the order of the assembly
// kernel. (Direct calls, not a function value: the row stays on the stack.)
func kernelRows(k int, a, b, c []float32, ldc int, load, fused bool) {
	a = a[:k*mr]
	b = b[:k*nr]
	for i := 0; i < mr; i++ {
		var row [nr]float32
		if load {
			copy(row[:], c[i*ldc:i*ldc+nr])
		}
		if fused {
			fusedRow(&row, a[i:], b)
		} else {
			fmaRow(&row, a[i:], b)
		}
		copy(c[i*ldc:i*ldc+nr], row[:])
	}
}

// fmaRow is kernelGeneric's row: one fma32 per term.
func fmaRow(row *[nr]float32, a, b []float32) {
	for l := range len(b) / nr {
		a64 := float64(a[l*mr])
		bl := (*[nr]float32)(b[l*nr:])
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
	kernelRows(k, a, b, c, ldc, load, true)
}

// fusedRow is kernelFused's row.
func fusedRow(row *[nr]float32, a, b []float32) {
	for l := range len(b) / nr {
		ai := a[l*mr]
		for j, bj := range (*[nr]float32)(b[l*nr:]) {
			row[j] = ai*bj + row[j]
		}
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
