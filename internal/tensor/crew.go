package tensor

import (
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// Crew runs tasks whose parts each keep their own data from call to call —
// a training step whose parts each update their own columns of the
// weights — on the same goroutines and cores every call. Part 0 runs on
// the goroutine that made the crew (and calls Run); parts 1, …, n−1 on
// goroutines of the crew's own, each locked to its thread. On Linux each
// of the n threads is also bound to one CPU, the p-th of those the
// process may use (unless SetPinning(false), or there are fewer CPUs than
// parts). Unbound, Go's scheduler and the kernel moved parts between the
// two CPUs of the machine this was measured on in 40% of the calls, and
// each move sent the part's data from one core's caches to the other's;
// binding and unbinding threads at every call cost 40–110 µs a call
// (docs/performance.md). Between calls the crew's goroutines spin for a
// while, then park.
//
// The environment variable EBM_BIND_CPUS=0 (or false, off) turns the
// binding off for the whole process, as SetPinning(false) does.
//
// Parts of one call run concurrently, so a part may wait for any other
// (WaitAtLeast); a crew serves one caller at a time. NewCrew and Close
// must be called on the goroutine that calls Run.
//
// Crews running at once (trainings run side by side, ebm sweep -j) bind
// their threads to different CPUs, and FreeCores says how many cores the
// running crews leave: a crew of more parts than there are free CPUs is
// not bound.
type Crew struct {
	n       int
	cpus    []int        // the CPUs the crew's threads are bound to (nil: none)
	seq     atomic.Int64 // calls posted
	task    Task         // the current call's task (set before seq moves)
	members []crewMember
	stop    atomic.Bool
	wg      sync.WaitGroup
	unbind  func()
}

type crewMember struct {
	done   atomic.Int64 // the last call whose part this member finished
	parked atomic.Bool
	wake   chan struct{}
	_      [40]byte
}

// NewCrew starts a crew of n parts (n ≥ 1).
func NewCrew(n int) *Crew {
	c := &Crew{n: n, members: make([]crewMember, n)}
	crewCores.Add(int32(n))
	c.cpus = claimCPUs(n)
	runtime.LockOSThread()
	c.unbind = c.bind(0)
	for p := 1; p < n; p++ {
		c.members[p].wake = make(chan struct{}, 1)
		c.wg.Add(1)
		go c.member(p)
	}
	return c
}

// Parts returns the crew's part count.
func (c *Crew) Parts() int { return c.n }

// Run runs parts 0, …, n−1 of t, part 0 on the caller, and returns when
// all are done.
func (c *Crew) Run(t Task) {
	c.task = t
	s := c.seq.Add(1)
	for p := 1; p < c.n; p++ {
		if m := &c.members[p]; m.parked.Load() {
			select {
			case m.wake <- struct{}{}:
			default:
			}
		}
	}
	release := OwnCore()
	t.RunPart(0)
	release()
	for p := 1; p < c.n; p++ {
		WaitAtLeast(&c.members[p].done, s)
	}
	c.task = nil
}

// Close stops the crew's goroutines (their threads end with them) and
// gives the caller's thread back its CPUs.
func (c *Crew) Close() {
	c.stop.Store(true)
	for p := 1; p < c.n; p++ {
		select {
		case c.members[p].wake <- struct{}{}:
		default:
		}
	}
	c.wg.Wait()
	c.unbind()
	runtime.UnlockOSThread()
	releaseCPUs(c.cpus)
	crewCores.Add(-int32(c.n))
}

func init() {
	switch strings.ToLower(os.Getenv("EBM_BIND_CPUS")) {
	case "0", "false", "off", "no":
		pinningOff.Store(true)
	}
}

// crewCores counts the parts of the crews running now.
var crewCores atomic.Int32

// FreeCores returns the cores a new crew can have without sharing one:
// GOMAXPROCS, or the CPUs the process may run on when there are fewer
// (GOMAXPROCS set above them: parts that wait for each other on a shared
// CPU would wait for time slices), less the parts of the crews running
// now.
func FreeCores() int {
	return min(runtime.GOMAXPROCS(0), runtime.NumCPU()) - int(crewCores.Load())
}

// bind binds the calling goroutine's thread (locked to it) to part p's
// CPU, if the crew has CPUs, and returns the undo.
func (c *Crew) bind(p int) (undo func()) {
	if c.cpus == nil {
		return func() {}
	}
	return bindThread(c.cpus[p])
}

func (c *Crew) member(p int) {
	defer c.wg.Done()
	// Locked for good: the thread, and its CPU binding, end with the
	// goroutine.
	runtime.LockOSThread()
	c.bind(p)
	m := &c.members[p]
	var last int64
	for {
		if !c.await(m, last) {
			return
		}
		last = c.seq.Load()
		release := OwnCore()
		c.task.RunPart(p)
		release()
		m.done.Store(last)
	}
}

// await waits for a call after last: spinning for spinFor, then parked.
// It returns false when the crew stops. The spin does not go through
// spinUntil, which yields every few thousand polls: the member is locked
// to its thread, and a locked goroutine that yields waits tens of
// microseconds to get a processor back.
func (c *Crew) await(m *crewMember, last int64) bool {
	for {
		t0 := monotonic()
		for i := 1; c.seq.Load() <= last && !c.stop.Load(); i++ {
			if i%256 == 0 && monotonic()-t0 > int64(spinFor) {
				break
			}
		}
		if c.stop.Load() {
			return false
		}
		if c.seq.Load() > last {
			return true
		}
		m.parked.Store(true)
		if c.seq.Load() > last || c.stop.Load() {
			m.parked.Store(false)
			continue
		}
		<-m.wake
		m.parked.Store(false)
	}
}
