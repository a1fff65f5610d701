package bench

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the user+system CPU time of the whole process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuClock measures the process CPU time of a benchmark loop: on a shared,
// busy machine wall time includes waiting for a core, CPU time does not, so
// work/CPU-second is the steadier per-core figure.
type cpuClock struct{ start time.Duration }

func startCPU(b *testing.B) cpuClock {
	b.ResetTimer()
	return cpuClock{cpuTime()}
}

// report adds "<unit>-per-cpu-s": work per CPU second.
func (c cpuClock) report(b *testing.B, work float64, unit string) {
	if d := (cpuTime() - c.start).Seconds(); d > 0 {
		b.ReportMetric(work/d, unit+"-per-cpu-s")
	}
}
