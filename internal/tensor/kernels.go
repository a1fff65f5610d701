package tensor

import "golang.org/x/sys/cpu"

// KernelInfo says which kernels this process runs and what the CPU offers.
type KernelInfo struct {
	// Name is "avx512-fma" (the AVX-512 kernels — SGEMM, gather, sigmoid,
	// softplus, Bernoulli, momentum — beside the AVX2 ones), "avx2-fma" (the AVX2 assembly kernels), "go-fma" (portable
	// Go that the compiler fuses into hardware multiply–adds) or "go"
	// (portable Go emulating the fused multiply–add). All give the same bits.
	Name string `json:"name"`
	// Uses lists the CPU features the running kernels use.
	Uses []string `json:"uses"`
	// Assembly says whether this build holds the assembly kernels (amd64
	// without the purego build tag).
	Assembly bool `json:"assembly"`
	// CPU lists the features the assembly kernels need that the CPU has,
	// as golang.org/x/sys/cpu reports them (empty off x86).
	CPU []string `json:"cpu"`
	// Kernels names the code each heavy kernel runs on: "avx512", "avx2",
	// "go-fma" or "go", by kernel (sgemm: the dense product's micro-kernel;
	// gather: binary-operand products; sigmoid, softplus, softmax,
	// bernoulli, momentum: the element-wise ones).
	Kernels map[string]string `json:"kernels"`
}

// Kernels reports the kernels in use, as chosen at start-up (and by
// SetAccelerated and SetAVX512).
func Kernels() KernelInfo {
	k := KernelInfo{Name: "go", Uses: []string{}, Assembly: assemblyBuilt, CPU: []string{}}
	vec := "go"
	switch {
	case accelerated:
		k.Name, k.Uses, vec = "avx2-fma", []string{"avx2", "fma", "popcnt"}, "avx2"
	case fusedIsExact:
		k.Name, k.Uses = "go-fma", []string{"fma"}
	}
	// Element-wise kernels never fuse: their portable form is plain Go.
	elem := map[bool]string{true: "avx2", false: "go"}[accelerated]
	k.Kernels = map[string]string{"sgemm": vec, "gather": vec, "sigmoid": elem, "softplus": elem,
		"softmax": elem, "bernoulli": elem, "momentum": elem}
	if AVX512() {
		k.Name = "avx512-fma"
		k.Uses = append(k.Uses, "avx512f", "avx512dq")
		k.Kernels["sgemm"], k.Kernels["gather"] = "avx512", "avx512"
		if elem512 {
			for _, name := range []string{"sigmoid", "softplus", "softmax", "bernoulli", "momentum"} {
				k.Kernels[name] = "avx512"
			}
		}
	}
	for _, f := range []struct {
		name string
		has  bool
	}{{"avx2", cpu.X86.HasAVX2}, {"fma", cpu.X86.HasFMA}, {"popcnt", cpu.X86.HasPOPCNT},
		{"avx512f", cpu.X86.HasAVX512F}, {"avx512dq", cpu.X86.HasAVX512DQ}} {
		if f.has {
			k.CPU = append(k.CPU, f.name)
		}
	}
	return k
}
