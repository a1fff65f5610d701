// Package readlimittest gives the file readers' tests the paths that
// readlimit must refuse (BadPaths, on unix). Only _test.go files import it.
package readlimittest
