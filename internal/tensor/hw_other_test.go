//go:build !amd64 || purego

package tensor

func fmaHW(x, y, z float32) float32 { return fma32(x, y, z) }
