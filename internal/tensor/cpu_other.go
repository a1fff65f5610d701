//go:build !amd64 || purego

package tensor

const hasAVX2FMA = false

const hasAVX512 = false

// assemblyBuilt says that this build holds the assembly kernels.
const assemblyBuilt = false

func kernelAsm(k int, a, b, c []float32, ldc int, load bool) { kernelGeneric(k, a, b, c, ldc, load) }

func kernelAsm2(k int, a, b, c []float32, ldc int, load bool) { panic("unreachable") }

func gatherAsm16(alpha float32, b []float32, ldb int, idx []int32, c []float32) {
	panic("unreachable")
}

func gemvAsm(coef, b []float32, ldb int, idx []int32, c []float32)   { panic("unreachable") }
func gemvAsm16(coef, b []float32, ldb int, idx []int32, c []float32) { panic("unreachable") }

func gatherAsm(alpha float32, b []float32, ldb int, idx []int32, c []float32) {
	gatherGeneric(alpha, b, ldb, idx, c)
}

func packBTransFast(panel, b []float32, ldb, d int) bool { return false }

func onesIndex8(row *float32, nvec int, idx *int32, lut *[256][8]int32) (int, bool) {
	panic("unreachable")
}

func sigmoid8(dst, x, bias *float32, n int)                           { panic("unreachable") }
func softplusSum8(a, w *float32, d float32, n int, lanes *[8]float64) { panic("unreachable") }

func bernoulliHash8(dst, p *float32, n int, k0, k1 uint32) { panic("unreachable") }

func momentum8(w, v, g *float32, n int, lr, mom, wd float32) { panic("unreachable") }

func softplusLog8(a *float32, n int, beta float64, pos, prod *[8]float64) { panic("unreachable") }

func sigmoid16(dst, x, bias *float32, n int, mask uint16)                  { panic("unreachable") }
func softplusSum16(a, w *float32, d float32, n int, lanes *[8]float64)     { panic("unreachable") }
func bernoulliHash16(dst, p *float32, n int, k0, k1 uint32, mask uint16)   { panic("unreachable") }
func momentum16(w, v, g *float32, n int, lr, mom, wd float32, mask uint16) { panic("unreachable") }
func softplusLog8z(a *float32, n int, beta float64, pos, prod *[8]float64) { panic("unreachable") }

func packBT16(dst, src *float32, ldb int, nblk int) { panic("unreachable") }

func colSums8(dst, m *float32, ldm, rows, nv int, s float32)               { panic("unreachable") }
func colSums16(dst, m *float32, ldm, rows, nv int, s float32, mask uint16) { panic("unreachable") }
func normal8z(dst, loc, s *float32, n int, key, first uint64, xs, xt *float64, fail *int64, mask uint8) int {
	panic("unreachable")
}
func mul16(dst, x, y *float32, n int, mask uint16)                          { panic("unreachable") }
func affine16(u, b, s *float32, n int, mask uint16)                         { panic("unreachable") }
func shiftedSum16(acc, x, b, w *float32, n int, s float32, mask uint16)     { panic("unreachable") }
func shiftedSquares16(acc, x, b, w *float32, n int, s float32, mask uint16) { panic("unreachable") }
