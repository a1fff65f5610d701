// Package readlimittest gives the file readers' tests the paths that
// readlimit must refuse (BadPaths, on unix) and the check that a loader
// refuses them (Refused). Only _test.go files import it.
package readlimittest
