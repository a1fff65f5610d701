//go:build !amd64 || purego

package tensor

func softmaxMax8(x *float32, n int, lm *[8]float32, li *[8]int32)        { panic("unreachable") }
func softmaxExp8(x *float32, n int, m, beta float32, lanes *[8]float64)  { panic("unreachable") }
func softmaxScale8(x *float32, n int, inv float32, lanes *[8]float64)    { panic("unreachable") }
func softmaxMax16(x *float32, n int, lm *[16]float32, li *[16]int32)     { panic("unreachable") }
func softmaxExp16(x *float32, n int, m, beta float32, lanes *[8]float64) { panic("unreachable") }
func softmaxScale16(x *float32, n int, inv float32, lanes *[8]float64)   { panic("unreachable") }
