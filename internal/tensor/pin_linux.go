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

// bindThread binds the calling goroutine's thread (locked to it) to the
// p-th allowed CPU, when pinning is on and the crew of n parts has a CPU
// for each part, and returns the undo.
func bindThread(p, n int) (undo func()) {
	cpus := allowedCPUs()
	if pinningOff.Load() || n > len(cpus) {
		return func() {}
	}
	var old unix.CPUSet
	if unix.SchedGetaffinity(0, &old) != nil {
		return func() {}
	}
	var set unix.CPUSet
	set.Set(cpus[p])
	if unix.SchedSetaffinity(0, &set) != nil {
		return func() {}
	}
	return func() { unix.SchedSetaffinity(0, &old) }
}
