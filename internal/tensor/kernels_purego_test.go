//go:build purego

package tensor

import "testing"

// With the purego tag the portable kernels run whatever the CPU offers.
func TestKernelsPurego(t *testing.T) {
	defer SetAccelerated(SetAccelerated(true))
	k := Kernels()
	if k.Assembly || k.Name == "avx2-fma" || len(k.Uses) > 1 {
		t.Errorf("purego build reports %+v", k)
	}
}
