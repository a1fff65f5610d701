//go:build linux

package tensor

import (
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// pinnedRun runs the parts of a task each on a thread bound to one CPU
// (see RunPinned); saved holds each part's thread's mask to put back.
type pinnedRun struct {
	t     Task
	saved []unix.CPUSet
}

var pinnedRuns = sync.Pool{New: func() any { return new(pinnedRun) }}

// pinning is on unless SetPinning turned it off.
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

func runPinned(t Task, n int) {
	cpus := allowedCPUs()
	if pinningOff.Load() || len(cpus) < 2 {
		Run(t, n)
		return
	}
	r := pinnedRuns.Get().(*pinnedRun)
	r.t = t
	if len(r.saved) < n {
		r.saved = make([]unix.CPUSet, n)
	}
	Run(r, n)
	r.t = nil
	pinnedRuns.Put(r)
}

func (r *pinnedRun) RunPart(p int) {
	cpus := allowedCPUs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	old := &r.saved[p]
	if unix.SchedGetaffinity(0, old) != nil {
		r.t.RunPart(p)
		return
	}
	var set unix.CPUSet
	set.Set(cpus[p%len(cpus)])
	if unix.SchedSetaffinity(0, &set) != nil {
		r.t.RunPart(p)
		return
	}
	defer unix.SchedSetaffinity(0, old)
	r.t.RunPart(p)
}
