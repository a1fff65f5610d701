//go:build linux

package tensor

import (
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// pinningOff turns the binding of crew threads to CPUs off (SetPinning).
var pinningOff atomic.Bool

// allowed is the CPUs this process may run on, read once.
var allowed struct {
	once sync.Once
	cpus []int
}

func allowedCPUs() []int {
	allowed.once.Do(func() {
		var set unix.CPUSet
		if unix.SchedGetaffinity(0, &set) != nil {
			return
		}
		for c := range len(set) * 64 {
			if set.IsSet(c) {
				allowed.cpus = append(allowed.cpus, c)
			}
		}
	})
	return allowed.cpus
}

// claimed marks the allowed CPUs that running crews are bound to.
var claimed struct {
	sync.Mutex
	cpu map[int]bool
}

// claimCPUs takes n allowed CPUs no running crew is bound to, in order,
// or returns nil (pinning off, or fewer free than n).
func claimCPUs(n int) []int {
	if pinningOff.Load() {
		return nil
	}
	claimed.Lock()
	defer claimed.Unlock()
	if claimed.cpu == nil {
		claimed.cpu = map[int]bool{}
	}
	var cpus []int
	for _, c := range allowedCPUs() {
		if len(cpus) < n && !claimed.cpu[c] {
			cpus = append(cpus, c)
		}
	}
	if len(cpus) < n {
		return nil
	}
	for _, c := range cpus {
		claimed.cpu[c] = true
	}
	return cpus
}

func releaseCPUs(cpus []int) {
	claimed.Lock()
	defer claimed.Unlock()
	for _, c := range cpus {
		delete(claimed.cpu, c)
	}
}

// bindThread binds the calling thread to cpu and returns the undo (which
// puts back the thread's mask).
func bindThread(cpu int) (undo func()) {
	var old unix.CPUSet
	if unix.SchedGetaffinity(0, &old) != nil {
		return func() {}
	}
	var set unix.CPUSet
	set.Set(cpu)
	if unix.SchedSetaffinity(0, &set) != nil {
		return func() {}
	}
	return func() { unix.SchedSetaffinity(0, &old) }
}
