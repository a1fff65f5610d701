//go:build !race

package rbm

// raceDetector: the race detector is off (see race_test.go).
const raceDetector = false
