package tensor

import "golang.org/x/sys/cpu"

// KernelInfo says which kernels this process runs and what the CPU offers.
type KernelInfo struct {
	// Name is "avx2-fma" (the assembly kernels), "go-fma" (portable Go that
	// the compiler fuses into hardware multiply–adds) or "go" (portable Go
	// emulating the fused multiply–add). All give the same bits.
	Name string `json:"name"`
	// Uses lists the CPU features the running kernels use.
	Uses []string `json:"uses"`
	// Assembly says whether this build holds the assembly kernels (amd64
	// without the purego build tag).
	Assembly bool `json:"assembly"`
	// CPU lists the features the assembly kernels need that the CPU has,
	// as golang.org/x/sys/cpu reports them (empty off x86).
	CPU []string `json:"cpu"`
}

// Kernels reports the kernels in use, as chosen at start-up (and by
// SetAccelerated).
func Kernels() KernelInfo {
	k := KernelInfo{Name: "go", Uses: []string{}, Assembly: assemblyBuilt, CPU: []string{}}
	switch {
	case accelerated:
		k.Name, k.Uses = "avx2-fma", []string{"avx2", "fma", "popcnt"}
	case fusedIsExact:
		k.Name, k.Uses = "go-fma", []string{"fma"}
	}
	for _, f := range []struct {
		name string
		has  bool
	}{{"avx2", cpu.X86.HasAVX2}, {"fma", cpu.X86.HasFMA}, {"popcnt", cpu.X86.HasPOPCNT}} {
		if f.has {
			k.CPU = append(k.CPU, f.name)
		}
	}
	return k
}
