package tensor

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// spinWork is a task whose parts each do n dependent float64 additions
// (about n ns), writing only their own slot.
type spinWork struct {
	n   int
	out [64]float64
}

func (w *spinWork) RunPart(p int) {
	s := 0.0
	for i := range w.n {
		s += float64(i) * 1.0000001
	}
	w.out[p%len(w.out)] = s
}

// BenchmarkForkJoin: one fork–join of two parts of about 40 µs each, by
// the pool (run), by a goroutine woken through a channel (what the pool
// did before it spun), and both parts on the caller. On a virtual machine
// waking a parked thread costs tens of microseconds; run with -cpu 2.
func BenchmarkForkJoin(b *testing.B) {
	const n = 40000
	b.Run("pool", func(b *testing.B) {
		w := &spinWork{n: n}
		for b.Loop() {
			run(w, 2)
		}
	})
	b.Run("channel", func(b *testing.B) {
		w := &spinWork{n: n}
		start := make(chan struct{})
		var wg sync.WaitGroup
		go func() {
			for range start {
				w.RunPart(1)
				wg.Done()
			}
		}()
		for b.Loop() {
			wg.Add(1)
			start <- struct{}{}
			w.RunPart(0)
			wg.Wait()
		}
		close(start)
	})
	b.Run("serial", func(b *testing.B) {
		w := &spinWork{n: n}
		for b.Loop() {
			w.RunPart(0)
			w.RunPart(1)
		}
	})
}

// BenchmarkCoreToCore is one round trip of a cache line between two
// goroutines on their own threads (run with -cpu 2): tens of ns between
// cores of one core complex, hundreds across complexes or sockets — what
// every hand-off of data between the cores of a split step pays.
func BenchmarkCoreToCore(b *testing.B) {
	b.Run("pingpong", func(b *testing.B) {
		var x atomic.Int64
		n := int64(b.N)
		done := make(chan struct{})
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			for i := int64(1); i < 2*n; i += 2 {
				for x.Load() != i {
				}
				x.Store(i + 1)
			}
			close(done)
		}()
		b.ResetTimer()
		for i := int64(0); i < 2*n; i += 2 {
			for x.Load() != i {
			}
			x.Store(i + 1)
		}
		<-done
	})
}
