//go:build unix

package atomicfile

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestStaleTemporaries: writing m.safetensors removes the temporaries of
// m.safetensors that a killed writer left (its process gone, or older than
// StaleAge) and keeps those of live writers, other paths' and other files.
func TestStaleTemporaries(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot run a process to get a dead pid:", err)
	}
	dead, live, self := cmd.Process.Pid, os.Getppid(), os.Getpid()
	old := time.Now().Add(-2 * StaleAge)
	cases := []struct {
		name   string
		old    bool
		dir    bool
		remove bool
	}{
		{fmt.Sprintf(".m.safetensors.tmp-%d-123", dead), false, false, true},
		{fmt.Sprintf(".m.safetensors.tmp-%d-123", live), false, false, false},
		{fmt.Sprintf(".m.safetensors.tmp-%d-124", live), true, false, true},
		{fmt.Sprintf(".m.safetensors.tmp-%d-125", self), false, false, false},
		{".m.safetensors.tmp-98765", false, false, false}, // the older name: by age only
		{".m.safetensors.tmp-98766", true, false, true},
		{fmt.Sprintf(".other.tmp-%d-1", dead), true, false, false}, // another path's
		{".m.safetensors.tmp-notes", true, false, false},           // not a temporary's name
		{fmt.Sprintf(".m.safetensors.tmp-%d-9x", dead), true, false, false},
		{fmt.Sprintf(".m.safetensors.tmp-%d-126", dead), true, true, false}, // a directory
	}
	dir := t.TempDir()
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		var err error
		if c.dir {
			err = os.Mkdir(p, 0o755)
		} else {
			err = os.WriteFile(p, []byte("partial"), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
		if c.old {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := WriteFile(filepath.Join(dir, "m.safetensors"), []byte("model")); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		_, err := os.Lstat(filepath.Join(dir, c.name))
		if gone := os.IsNotExist(err); gone != c.remove {
			t.Errorf("%s (old %v): removed %v, want %v", c.name, c.old, gone, c.remove)
		}
	}
	ents, _ := os.ReadDir(dir)
	if want := len(cases) - 3 + 1; len(ents) != want {
		t.Errorf("%d entries left, want %d", len(ents), want)
	}
}
