//go:build unix

package hopfield

import (
	"syscall"
	"time"
)

// cpuTime returns the user+system CPU time of the whole process (0 when
// unknown): on a shared machine work per CPU-second does not count the
// time spent waiting for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
