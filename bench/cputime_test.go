package bench

import (
	"testing"
	"time"

	"github.com/ebm-go/ebm/internal/cputime"
)

// cpuClock measures the process CPU time of a benchmark loop: on a shared,
// busy machine wall time includes waiting for a core, CPU time does not, so
// work/CPU-second is the steadier per-core figure.
type cpuClock struct{ start time.Duration }

func startCPU(b *testing.B) cpuClock {
	b.ResetTimer()
	return cpuClock{cputime.Process()}
}

// report adds "<unit>-per-cpu-s": work per CPU second.
func (c cpuClock) report(b *testing.B, work float64, unit string) {
	if d := (cputime.Process() - c.start).Seconds(); d > 0 {
		b.ReportMetric(work/d, unit+"-per-cpu-s")
	}
}
