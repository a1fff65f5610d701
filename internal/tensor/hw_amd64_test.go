//go:build amd64 && !purego

package tensor

func fmaHW(x, y, z float32) float32 { return fmaScalar(x, y, z) }
