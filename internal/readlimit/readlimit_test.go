//go:build unix

package readlimit

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// badPaths makes, in a temporary directory, one path of each kind a reader
// must refuse at once, and returns them by name.
func badPaths(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "zero-link")
	if err := os.Symlink("/dev/zero", link); err != nil {
		t.Fatal(err)
	}
	fifoLink := filepath.Join(dir, "fifo-link")
	if err := os.Symlink(fifo, fifoLink); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"fifo": fifo, "dev-zero": "/dev/zero", "link-to-dev-zero": link,
		"link-to-fifo": fifoLink, "directory": dir}
}

func TestRefused(t *testing.T) {
	for name, path := range badPaths(t) {
		t.Run(name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { _, err := ReadFile(path, 0); done <- err }()
			select {
			case err := <-done:
				if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), path) {
					t.Fatalf("ReadFile(%s) = %v, want ErrNotRegular naming the path", path, err)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("ReadFile(%s) blocked", path)
			}
		})
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, link} {
		b, err := ReadFile(p, 5)
		if err != nil || string(b) != "hello" {
			t.Fatalf("ReadFile(%s) = %q, %v", p, b, err)
		}
	}
	if _, err := ReadFile(path, 4); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), path) {
		t.Fatalf("over the cap: %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing"), 0); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o644)
	if b, err := ReadFile(empty, 0); err != nil || len(b) != 0 {
		t.Fatalf("empty file: %q, %v", b, err)
	}
}
