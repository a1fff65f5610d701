package tensor

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// A task is work split into numbered parts that may run concurrently. Each
// part must write only its own outputs, so the result never depends on how
// parts are scheduled.
type task interface {
	runPart(part int)
}

type job struct {
	t    task
	part int
	wg   *sync.WaitGroup
}

// The worker pool is started lazily and only grows; sending a job is a
// channel send of a small struct, so running a task allocates nothing.
var pool struct {
	mu      sync.Mutex
	workers int
	jobs    chan job
}

func ensureWorkers(n int) {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if pool.jobs == nil {
		pool.jobs = make(chan job, 64)
	}
	for pool.workers < n {
		pool.workers++
		go func() {
			for j := range pool.jobs {
				j.t.runPart(j.part)
				j.wg.Done()
			}
		}()
	}
}

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

var wgPool = sync.Pool{New: func() any { return new(sync.WaitGroup) }}

// run executes parts 0..n−1 of t, part 0 on the calling goroutine, and
// returns when all are done.
func run(t task, n int) {
	busy.Add(1)
	defer busy.Add(-1)
	if n <= 1 {
		t.runPart(0)
		return
	}
	ensureWorkers(n - 1)
	wg := wgPool.Get().(*sync.WaitGroup)
	wg.Add(n - 1)
	for p := 1; p < n; p++ {
		pool.jobs <- job{t: t, part: p, wg: wg}
	}
	t.runPart(0)
	wg.Wait()
	wgPool.Put(wg)
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

func (t *rangeTask[A]) runPart(p int) {
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
