//go:build race

package rbm

// raceDetector: the race detector is on; its sync.Pool drops items on
// purpose, so allocation counts mean nothing under it.
const raceDetector = true
