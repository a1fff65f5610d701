//go:build !unix

package hopfield

import "time"

func cpuTime() time.Duration { return 0 }
