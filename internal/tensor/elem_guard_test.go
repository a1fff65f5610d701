//go:build linux && amd64 && !purego

package tensor

import (
	"syscall"
	"testing"
	"unsafe"
)

// TestElementwiseTailsStayInBounds runs the AVX-512 element-wise kernels on
// inputs and outputs that end where an inaccessible page begins: their
// masked tails must neither load nor store past n (a fault would crash the
// test).
func TestElementwiseTailsStayInBounds(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512")
	}
	defer kernelPath{"avx512", true, true}.use()()
	page := syscall.Getpagesize()
	// guarded returns n floats ending at an inaccessible page.
	guarded := func(n int) []float32 {
		mem, err := syscall.Mmap(-1, 0, 2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			t.Skip(err)
		}
		t.Cleanup(func() { syscall.Munmap(mem) })
		if err := syscall.Mprotect(mem[page:], syscall.PROT_NONE); err != nil {
			t.Skip(err)
		}
		f := unsafe.Slice((*float32)(unsafe.Pointer(&mem[0])), page/4)
		return f[page/4-n:]
	}
	for n := 1; n <= 40; n++ {
		x, y, p, w, v, g := guarded(n), guarded(n), guarded(n), guarded(n), guarded(n), guarded(n)
		for i := range x {
			x[i], y[i], p[i] = float32(i)-20, float32(i)*0.1, 0.5
		}
		sigmoidRange(w, x, y)
		sigmoidRange(x, x, nil)
		bernoulliHash(v, p, 1, 2)
		momentum(w, v, g, 0.1, 0.9, 1e-4)
		if n%8 == 0 {
			_ = softplusSum(x, y, -1)
			_ = SoftplusSum64(x, 0.5)
		}
	}
}
