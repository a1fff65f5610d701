// Package cputime reads the CPU time the process has used, for benchmarks
// that report work per CPU-second: on a shared machine the wall clock
// counts the time spent waiting for a core, the process's CPU time does
// not.
package cputime

import "time"

// Process returns the user+system CPU time of the whole process, or 0
// where the platform does not say.
func Process() time.Duration { return process() }
