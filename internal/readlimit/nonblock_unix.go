//go:build unix

package readlimit

import "syscall"

// oNonblock makes opening a FIFO return at once instead of waiting for a
// writer; it has no effect on the regular files that are then read.
const oNonblock = syscall.O_NONBLOCK
