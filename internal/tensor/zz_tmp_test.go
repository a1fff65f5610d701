package tensor

import (
	"fmt"
	"testing"
)

func BenchmarkTmpGatherWidth(b *testing.B) {
	r := NewRand(1)
	x := New(100, 784)
	for i := range x.Data {
		if r.Float32() < 0.13 {
			x.Data[i] = 1
		}
	}
	for _, w := range []int{212, 208, 224, 228, 240, 256, 272, 288, 500} {
		wm := New(784, w)
		for i := range wm.Data {
			wm.Data[i] = r.Float32()
		}
		dst := New(100, w)
		b.Run(fmt.Sprint(w), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				MatMul(dst, x, wm)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(w)*1000, "ps/col")
		})
	}
}
