package tensor

import (
	"slices"
	"testing"
)

func TestKernelsFollowTheSwitch(t *testing.T) {
	defer SetAccelerated(SetAccelerated(false))
	k := Kernels()
	if k.Name == "avx2-fma" || slices.Contains(k.Uses, "avx2") {
		t.Errorf("accelerated off: %+v", k)
	}
	if (k.Name == "go-fma") != fusedIsExact {
		t.Errorf("portable kernels %q, fused multiply–add exact %v", k.Name, fusedIsExact)
	}
	SetAccelerated(true)
	defer SetAVX512(SetAVX512(false))
	k = Kernels()
	if want := CanAccelerate(); (k.Name == "avx2-fma") != want || slices.Equal(k.Uses, []string{"avx2", "fma", "popcnt"}) != want {
		t.Errorf("accelerated on, AVX-512 off, CPU supports it %v: %+v", want, k)
	}
	if CanAccelerate() && (!k.Assembly || len(k.CPU) < 3 || k.Kernels["sgemm"] != "avx2" || k.Kernels["sigmoid"] != "avx2") {
		t.Errorf("assembly kernels run but the report says %+v", k)
	}
	SetAVX512(true)
	k = Kernels()
	if want := hasAVX512; (k.Name == "avx512-fma") != want || (k.Kernels["sgemm"] == "avx512") != want || slices.Contains(k.Uses, "avx512f") != want {
		t.Errorf("AVX-512 on, CPU supports it %v: %+v", want, k)
	}
	for _, name := range []string{"sigmoid", "softplus", "softmax", "bernoulli", "momentum"} {
		if want := map[bool]string{true: "avx512", false: "avx2"}[hasAVX512]; CanAccelerate() && k.Kernels[name] != want {
			t.Errorf("AVX-512 on, CPU supports it %v: %s runs on %q", hasAVX512, name, k.Kernels[name])
		}
	}
	defer SetAVX512Elementwise(SetAVX512Elementwise(false))
	if k = Kernels(); k.Kernels["sigmoid"] == "avx512" || (k.Kernels["sgemm"] == "avx512") != hasAVX512 {
		t.Errorf("AVX-512 on, element-wise AVX-512 off: %+v", k)
	}
}
