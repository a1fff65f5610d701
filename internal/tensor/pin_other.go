//go:build !linux

package tensor

import "sync/atomic"

var pinningOff atomic.Bool

func bindThread(p, n int) (undo func()) { return func() {} }
