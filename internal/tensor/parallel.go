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

// busy counts the tasks running now (inside run), from every goroutine.
var busy atomic.Int32

// workers returns how many parts a task of the given cost (in multiply–adds)
// should be split into: one per free GOMAXPROCS slot, or one for small
// tasks, where a hand-off costs more than it saves. A slot is taken by each
// task already running on another goroutine, so callers that are parallel
// themselves (AIS chain groups, concurrent requests) run their products
// whole on their own goroutine instead of queueing parts for each other.
// The number of parts never changes a result (parts only split the output).
func workers(cost float64) int {
	const minCostPerPart = 1 << 17
	w := runtime.GOMAXPROCS(0) - int(busy.Load())
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
