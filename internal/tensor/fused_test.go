package tensor

import (
	"runtime"
	"testing"
)

// TestFusedProbe: on amd64 the compiler does not fuse a·b + c, so the
// emulating kernel must be chosen; where it fuses, the probe must say so.
func TestFusedProbe(t *testing.T) {
	if fma32(probeX, probeX, probeZ) != 0x1p-24 {
		t.Fatalf("fma32 probe = %g, want 2⁻²⁴", fma32(probeX, probeX, probeZ))
	}
	t.Logf("GOARCH=%s: fused Go kernels exact: %v", runtime.GOARCH, fusedIsExact)
	if runtime.GOARCH == "amd64" && fusedIsExact {
		t.Fatal("amd64 reported fusing")
	}
}
