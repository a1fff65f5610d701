//go:build !linux

package tensor

import "sync/atomic"

var pinningOff atomic.Bool

func claimCPUs(n int) []int        { return nil }
func releaseCPUs([]int)            {}
func bindThread(int) (undo func()) { return func() {} }
