//go:build unix

package readlimittest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// BadPaths returns, by name, paths that no file reader may read: a FIFO
// with no writer (an open would block), /dev/zero (a read would never
// end), symbolic links to both, and a directory. name is the file name
// they get (inside a fresh temporary directory), so that a loader choosing
// its format by extension gets as far as opening them.
func BadPaths(t testing.TB, name string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo-"+name)
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero-"+name)
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	fifoLink := filepath.Join(dir, "fifo-link-"+name)
	if err := os.Symlink(fifo, fifoLink); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "dir-"+name)
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"fifo": fifo, "/dev/zero": "/dev/zero", "link to /dev/zero": zero,
		"link to fifo": fifoLink, "directory": sub}
}
