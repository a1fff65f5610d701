package cputime

import (
	"runtime"
	"testing"
	"time"
)

// TestProcessCountsWork: a busy loop of about 50 ms of wall time adds CPU
// time (at least 10 ms of it, however loaded the machine), and the clock
// never runs backwards.
func TestProcessCountsWork(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no process CPU time on this platform")
	}
	c0 := Process()
	s := 0.0
	for start := time.Now(); time.Since(start) < 50*time.Millisecond; {
		for i := range 1000 {
			s += float64(i)
		}
	}
	c1 := Process()
	if c1-c0 < 10*time.Millisecond {
		t.Fatalf("a 50 ms busy loop took %v of CPU time (sum %v)", c1-c0, s)
	}
}
