//go:build unix

package dataset

import (
	"strings"
	"testing"

	"github.com/ebm-go/ebm/internal/readlimit/readlimittest"
)

// TestBadPaths: every file loader refuses a FIFO, /dev/zero, links to them
// and a directory at once, naming the path, without blocking or reading
// without end.
func TestBadPaths(t *testing.T) {
	loaders := []struct {
		name string
		ext  string
		load func(string) error
	}{
		{"npy", ".npy", func(p string) error { _, err := Load(p, Options{}); return err }},
		{"csv", ".csv", func(p string) error { _, err := Load(p, Options{}); return err }},
		{"idx", "-ubyte", func(p string) error { _, err := Load(p, Options{}); return err }},
		{"idx.gz", ".idx.gz", func(p string) error { _, err := Load(p, Options{}); return err }},
		{"png", ".png", func(p string) error { _, err := Load(p, Options{}); return err }},
		{"labels npy", ".npy", func(p string) error { _, err := ReadLabels(p); return err }},
		{"labels text", ".txt", func(p string) error { _, err := ReadLabels(p); return err }},
	}
	for _, l := range loaders {
		for kind, path := range readlimittest.BadPaths(t, "data"+l.ext) {
			if kind == "directory" && !strings.HasPrefix(l.name, "labels") {
				continue // a directory is a data set of PNG files: see TestBadPNG
			}
			t.Run(l.name+"/"+kind, func(t *testing.T) {
				readlimittest.Refused(t, path, l.load)
			})
		}
	}
}
