package tensor

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// A task is work split into numbered parts that may run concurrently. Each
// part must write only its own outputs, so the result never depends on how
// parts are scheduled.
type task = Task

// Task is work cut into numbered parts, for a Crew.
type Task interface {
	RunPart(part int)
}

// The worker pool. Parts of a running task are claimed from an atomic
// counter, by its caller and by any worker, so a task never waits for a
// particular goroutine: the caller alone finishes it if no worker comes.
//
// Workers spin for a while after their last part before they park: on a
// virtual machine a parked thread is woken by an interrupt to a halted
// virtual CPU, which costs tens of microseconds (measured here: a fork–join
// of 2 × 40 µs of work took 78 µs through a channel, 43 µs with a spinning
// worker), as long as a whole kernel of a training step. OpenMP runtimes
// and OpenBLAS spin for the same reason.
var pool struct {
	mu      sync.Mutex
	workers int
	active  []*runningTask // tasks with parts not yet claimed
	pending atomic.Int32   // len(active), read without the lock
	wake    chan struct{}  // a token wakes one parked worker
	spin    atomic.Int32   // workers spinning now
}

// spinFor is how long an idle worker (and a caller waiting for its task's
// last parts) polls before parking.
const spinFor = 200 * time.Microsecond

// runningTask is a task being run: parts [0, n) are claimed in order
// through next and counted down through left; the goroutine that finishes
// the last part sends on done. refs counts the workers that took it from
// the active list and may still try to claim a part: it is reused only
// when that is none.
type runningTask struct {
	t    task
	n    int32
	next atomic.Int32
	left atomic.Int32
	refs atomic.Int32
	done chan struct{}
}

var runningFree = sync.Pool{New: func() any { return &runningTask{done: make(chan struct{}, 1)} }}

// work runs parts of r until none is left to claim. Whoever claims the
// last part takes r off the active list first, so idle workers stop
// looking at it while that part runs.
func (r *runningTask) work() {
	for {
		p := r.next.Add(1) - 1
		if p >= r.n {
			return
		}
		if p == r.n-1 {
			retire(r)
		}
		r.t.RunPart(int(p))
		if r.left.Add(-1) == 0 {
			r.done <- struct{}{}
		}
	}
}

// ensureWorkers starts workers until there are n.
func ensureWorkers(n int) {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if pool.wake == nil {
		pool.wake = make(chan struct{}, 256)
	}
	for pool.workers < n {
		pool.workers++
		go worker()
	}
}

// claim returns a task with parts left to claim, or nil.
func claim() *runningTask {
	if pool.pending.Load() == 0 {
		return nil
	}
	pool.mu.Lock()
	defer pool.mu.Unlock()
	for _, r := range pool.active {
		if r.next.Load() < r.n {
			r.refs.Add(1)
			return r
		}
	}
	return nil
}

// retire removes r from the active list when its last part is claimed.
func retire(r *runningTask) {
	pool.mu.Lock()
	for i, x := range pool.active {
		if x == r {
			pool.active = slices.Delete(pool.active, i, i+1)
			pool.pending.Add(-1)
			break
		}
	}
	pool.mu.Unlock()
}

func worker() {
	for {
		if r := claim(); r != nil {
			r.work()
			r.refs.Add(-1)
			// The caller may be parked on done, woken onto this P's
			// run queue: let it run now rather than behind this worker's
			// spin.
			runtime.Gosched()
			continue
		}
		// Spin only while a core is free for it: never more spinners than
		// GOMAXPROCS−1 less the cores held by OwnCore callers.
		if int(pool.spin.Add(1)) < runtime.GOMAXPROCS(0)-int(held.Load()) {
			got := spinUntil(func() bool { return pool.pending.Load() > 0 })
			pool.spin.Add(-1)
			if got {
				continue
			}
		} else {
			pool.spin.Add(-1)
		}
		if pool.pending.Load() > 0 {
			continue
		}
		<-pool.wake
	}
}

// spinUntil polls cond for up to spinFor, yielding the processor now and
// then so that goroutines queued behind the spinner still run; it reports
// whether cond became true.
//
// Spinning pays only while each spinner has a core to itself. When the
// machine is oversubscribed (other processes, or a host that runs the
// virtual CPUs on fewer physical ones) a spinner takes its time from the
// goroutine doing the work. A spinner notices that: its clock jumps
// between two polls (it was descheduled). Then nobody spins for
// spinBackoff, and waits park at once.
func spinUntil(cond func() bool) bool {
	t0 := monotonic()
	if t0 < noSpinUntil.Load() {
		return cond()
	}
	last := t0
	for i := 1; ; i++ {
		if cond() {
			return true
		}
		// Read the clock every 256 polls (a microsecond or two) and yield
		// every 4,096: both take locks the other cores' scheduler needs.
		if i%256 == 0 {
			t := monotonic()
			if t-last > stolenGap {
				noSpinUntil.Store(t + int64(spinBackoff))
				aloneUntil.Store(t + int64(aloneFor))
				return false
			}
			if t-t0 > int64(spinFor) {
				return false
			}
			last = t
			if i%4096 == 0 {
				runtime.Gosched()
				last = monotonic()
			}
		}
	}
}

const (
	// stolenGap between two clock reads of a spin means the spinner lost
	// its core for a whole time slice of the (host) scheduler: 256 polls take
	// one or two microseconds, an interrupt tens.
	stolenGap = int64(time.Millisecond)
	// spinBackoff is how long nobody spins after a spinner lost its core.
	spinBackoff = 20 * time.Millisecond
)

const (
	// slowJoin and aloneFor: see run.
	slowJoin = time.Millisecond
	aloneFor = 100 * time.Millisecond
)

// aloneUntil is the monotonic time before which tasks are not split.
var aloneUntil atomic.Int64

// noSpinUntil is the monotonic time (see monotonic) before which nobody
// spins.
var noSpinUntil atomic.Int64

var epoch = time.Now()

// monotonic returns nanoseconds on the monotonic clock.
func monotonic() int64 { return int64(time.Since(epoch)) }

// busy counts the tasks running now (inside run), from every goroutine;
// held counts the goroutines that hold a core of their own (OwnCore).
var busy, held atomic.Int32

// OwnCore declares that the calling goroutine is one of several that call
// kernels concurrently, each meant to keep one core busy (AIS chain groups,
// the row blocks of a pipelined training step), and returns the release
// to call when it is done. While goroutines hold cores, the products and
// element-wise kernels they (and others) call are split into fewer parts,
// none when every core is held: each runs whole on its caller's goroutine
// instead of queueing parts behind the other goroutines' work. Results do
// not change (parts only ever split the output). A holder counts itself,
// so a lone holder on two cores runs its kernels on one: hold cores only
// when there are about as many such goroutines as GOMAXPROCS.
func OwnCore() (release func()) {
	held.Add(1)
	return releaseCore
}

func releaseCore() { held.Add(-1) }

// workers returns how many parts a task of the given cost (in multiply–adds)
// should be split into: one per free GOMAXPROCS slot, or one for small
// tasks, where a hand-off costs more than it saves. A slot is taken by each
// task already running and by each goroutine holding a core (OwnCore), so
// callers that are parallel themselves run their products whole on their
// own goroutine. The number of parts never changes a result (parts only
// split the output).
func workers(cost float64) int {
	const minCostPerPart = 1 << 17
	if monotonic() < aloneUntil.Load() {
		return 1
	}
	w := runtime.GOMAXPROCS(0) - int(busy.Load()) - int(held.Load())
	if w > 1 {
		w *= partsPerProc
	}
	if c := int(cost / minCostPerPart); c < w {
		w = c
	}
	return max(w, 1)
}

// partsPerProc is how many parts per GOMAXPROCS a large task is cut into
// when it runs on more than one: parts are handed to whichever worker is
// free, so a core slowed by another process holds up only a small part.
const partsPerProc = 4

// run executes parts 0..n−1 of t, part 0 on the calling goroutine, and
// returns when all are done. The caller claims parts like any worker, so
// run finishes even when every worker is busy elsewhere.
func run(t task, n int) {
	busy.Add(1)
	defer busy.Add(-1)
	if n <= 1 {
		t.RunPart(0)
		return
	}
	procs := runtime.GOMAXPROCS(0)
	ensureWorkers(procs - 1)
	r := runningFree.Get().(*runningTask)
	r.t, r.n = t, int32(n)
	r.next.Store(1)
	r.left.Store(int32(n))
	pool.mu.Lock()
	pool.active = append(pool.active, r)
	pool.pending.Add(1)
	pool.mu.Unlock()
	// Wake parked workers for the parts that spinning ones will not take.
	for range min(n-1, procs-1) - int(pool.spin.Load()) {
		select {
		case pool.wake <- struct{}{}:
		default:
		}
	}
	t0 := monotonic()
	t.RunPart(0)
	if r.left.Add(-1) == 0 {
		r.done <- struct{}{}
	}
	r.work()
	if r.left.Load() != 0 {
		t1 := monotonic()
		spinUntil(func() bool { return r.left.Load() == 0 })
		<-r.done
		// The caller finished its parts and waited longer than they took
		// (and over a millisecond) for a part another core had claimed:
		// that core was taken away mid-part (an oversubscribed host). Then
		// tasks run on their caller alone for a while.
		if wait := monotonic() - t1; wait > int64(slowJoin) && wait > t1-t0 {
			aloneUntil.Store(monotonic() + int64(aloneFor))
		}
	} else {
		<-r.done
	}
	for r.refs.Load() != 0 {
		runtime.Gosched()
	}
	r.t = nil
	runningFree.Put(r)
}

// freeList keeps values for reuse where a sync.Pool would not do: a garbage
// collection empties a pool, and the values kept here are large or costly
// to rebuild. get returns a kept value, else a new one from alloc (new(T)
// when alloc is nil).
type freeList[T any] struct {
	mu    sync.Mutex
	list  []*T
	alloc func() *T
}

func (f *freeList[T]) get() *T {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.list); n > 0 {
		x := f.list[n-1]
		f.list = f.list[:n-1]
		return x
	}
	if f.alloc == nil {
		return new(T)
	}
	return f.alloc()
}

func (f *freeList[T]) put(x *T) {
	f.mu.Lock()
	f.list = append(f.list, x)
	f.mu.Unlock()
}

// rangeTask is an element-wise kernel over [0, n) cut into parts of whole
// grains: fn gets the arguments and one range. A part's range depends only
// on n, grain and the number of parts, and every kernel run this way
// computes each element (or row, or column) alone, so results do not depend
// on the split.
type rangeTask[A any] struct {
	args         A
	fn           func(a *A, lo, hi int)
	n, grain, np int
}

func (t *rangeTask[A]) RunPart(p int) {
	lo, hi := span((t.n+t.grain-1)/t.grain, max(t.np, 1), p)
	lo, hi = lo*t.grain, min(hi*t.grain, t.n)
	if lo < hi {
		t.fn(&t.args, lo, hi)
	}
}

// parallelFor runs fn(&args, lo, hi) over [0, n) split into at most
// workers(cost) parts of whole grains; tasks holds the *rangeTask[A] values
// (so a call allocates nothing: fn must be a plain function, not a closure).
func parallelFor[A any](tasks *sync.Pool, args A, fn func(*A, int, int), n, grain int, cost float64) {
	t, _ := tasks.Get().(*rangeTask[A])
	if t == nil {
		t = new(rangeTask[A])
	}
	*t = rangeTask[A]{args: args, fn: fn, n: n, grain: grain, np: min(workers(cost), (n+grain-1)/grain)}
	run(t, max(t.np, 1))
	*t = rangeTask[A]{}
	tasks.Put(t)
}

// Split runs f over [0, n) cut into at most parts contiguous ranges of
// near-equal length, on the caller and the pool's workers, and returns when
// all are done. Every index is in exactly one range, so results written per
// index do not depend on parts; parts ≤ 1 runs f(0, n) on the caller. It is
// the one way code outside tensor runs its own loops in parallel (a range
// that calls kernels gets them unsplit while the task runs, see workers).
func Split(n, parts int, f func(lo, hi int)) {
	parts = min(parts, n)
	if parts <= 1 {
		if n > 0 {
			f(0, n)
		}
		return
	}
	t, _ := splitTasks.Get().(*splitTask)
	if t == nil {
		t = new(splitTask)
	}
	*t = splitTask{n: n, parts: parts, f: f}
	run(t, parts)
	*t = splitTask{}
	splitTasks.Put(t)
}

// splitTasks keeps Split's tasks, so that a split allocates nothing.
var splitTasks sync.Pool

// SetPinning turns the binding of a Crew's threads to CPUs on or off for
// crews made after the call (benchmarks, and hosts where binding hurts)
// and returns the previous setting. It is on by default.
func SetPinning(on bool) (was bool) { return !pinningOff.Swap(!on) }

// WaitAtLeast returns when *c ≥ v, polling it: for a part of a Crew's
// call waiting for another part's progress (a counter that part
// advances). It yields the processor now and then, so that on a machine
// with fewer free cores than parts the part it waits for still runs.
func WaitAtLeast(c *atomic.Int64, v int64) {
	for i := 1; c.Load() < v; i++ {
		// Rarely: a goroutine locked to its thread (a Crew's) that yields
		// hands its processor to another thread and waits to be handed it
		// back, tens of microseconds.
		if i%yieldPolls == 0 {
			runtime.Gosched()
		}
	}
}

// yieldPolls is how many polls WaitAtLeast makes between two yields: a
// few hundred microseconds. (A Crew's idle members do not yield: their
// spin is bounded by spinFor, after which they park.)
const yieldPolls = 1 << 16

type splitTask struct {
	n, parts int
	f        func(lo, hi int)
}

func (t *splitTask) RunPart(p int) { t.f(p*t.n/t.parts, (p+1)*t.n/t.parts) }
