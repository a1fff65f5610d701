//go:build amd64 && !purego

package tensor

import "golang.org/x/sys/cpu"

var hasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasPOPCNT

// hasAVX512 says that the AVX-512 kernels can run: AVX-512 F and DQ (zmm
// fused multiply–adds and VXORPS on zmm), with the OS saving the zmm state
// (golang.org/x/sys/cpu checks that), besides the AVX2 set.
var hasAVX512 = hasAVX2FMA && cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ

// assemblyBuilt says that this build holds the assembly kernels.
const assemblyBuilt = true

func kernelAsm(k int, a, b, c []float32, ldc int, load bool) {
	_ = a[k*mr-1]
	_ = b[k*nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	sgemmKernel6x16(k, &a[0], &b[0], &c[0], ldc, load)
}

// kernelAsm2 runs the AVX-512 kernel on two adjacent panels of b (see
// kernel2).
func kernelAsm2(k int, a, b, c []float32, ldc int, load bool) {
	_ = a[k*mr-1]
	_ = b[2*k*nr-1]
	_ = c[(mr-1)*ldc+2*nr-1]
	sgemmKernel6x32z(k, &a[0], &b[0], &c[0], ldc, load)
}

// tailMask[8−r:16−r] selects the first r lanes of a vector.
var tailMask = [16]int32{-1, -1, -1, -1, -1, -1, -1, -1}

// gatherOK checks the operands of a gather kernel pass over n = len(c)
// columns of at most width, and says whether there is work: idx must be
// sorted (the builders of onesIndex produce increasing indices), hold
// valid rows of b and have two slots of capacity past its length (the
// kernels prefetch rows two indices ahead), and coef (the gemv kernels)
// one value per index.
func gatherOK(b []float32, ldb int, idx []int32, coef []float32, n, width int) bool {
	if len(idx) == 0 || n == 0 {
		return false
	}
	if n > width || idx[0] < 0 || (coef != nil && len(coef) < len(idx)) {
		panic("tensor: bad gather")
	}
	_ = b[int(idx[len(idx)-1])*ldb+n-1]
	_ = idx[:len(idx)+2]
	return true
}

// ymmTail returns the vector count of n columns and the mask of the last
// vector for the AVX2 kernels; zmmTail the same for AVX-512.
func ymmTail(n int) (int, *int32) {
	r := n % 8
	if r == 0 {
		r = 8
	}
	return (n + 7) / 8, &tailMask[8-r]
}

func zmmTail(n int) (int, uint16) {
	nv := (n + 15) / 16
	return nv, uint16(1<<(n-16*(nv-1)) - 1)
}

// gatherAsm is gatherGeneric on the AVX2 kernel, for len(c) ≤ gatherBlock;
// gatherAsm16 on the AVX-512 one, for len(c) ≤ 4·gatherBlock.
func gatherAsm(alpha float32, b []float32, ldb int, idx []int32, c []float32) {
	if gatherOK(b, ldb, idx, nil, len(c), gatherBlock) {
		nv, mask := ymmTail(len(c))
		gatherAxpy(alpha, &b[0], ldb, &idx[0], len(idx), &c[0], nv, mask)
	}
}

func gatherAsm16(alpha float32, b []float32, ldb int, idx []int32, c []float32) {
	if gatherOK(b, ldb, idx, nil, len(c), 4*gatherBlock) {
		nv, mask := zmmTail(len(c))
		gatherAxpy16(alpha, &b[0], ldb, &idx[0], len(idx), &c[0], nv, mask)
	}
}

// gemvAsm and gemvAsm16 are gatherAsm and gatherAsm16 with the coefficient
// coef[t] for index t.
func gemvAsm(coef, b []float32, ldb int, idx []int32, c []float32) {
	if gatherOK(b, ldb, idx, coef, len(c), gatherBlock) {
		nv, mask := ymmTail(len(c))
		gemvAxpy(&coef[0], &b[0], ldb, &idx[0], len(idx), &c[0], nv, mask)
	}
}

func gemvAsm16(coef, b []float32, ldb int, idx []int32, c []float32) {
	if gatherOK(b, ldb, idx, coef, len(c), 4*gatherBlock) {
		nv, mask := zmmTail(len(c))
		gemvAxpy16(&coef[0], &b[0], ldb, &idx[0], len(idx), &c[0], nv, mask)
	}
}

// packBTransFast packs a full 16-column panel of op(b) = bᵀ (b starts at
// row jb, depth p0) with the 8×8 transposing kernel, the last d mod 8
// depths in Go.
func packBTransFast(panel, b []float32, ldb, d int) bool {
	if !accelerated {
		return false
	}
	nb := d / 8
	if nb > 0 {
		_ = b[(nr-1)*ldb+nb*8-1]
		_ = panel[nb*8*nr-1]
		packBT16(&panel[0], &b[0], ldb, nb)
	}
	for l := nb * 8; l < d; l++ {
		out := panel[l*nr : l*nr+nr]
		for j := range out {
			out[j] = b[j*ldb+l]
		}
	}
	return true
}
