// Package atomicfile writes files so that a reader (or a crash) never sees a
// partial file: the bytes go to a temporary file in the same directory,
// which is synced and then renamed over the destination.
//
// The temporary file of PATH is DIR/.NAME.tmp-PID-RANDOM, PID the writing
// process. A process killed while writing (kill -9, a power cut) leaves it
// behind; the next write of the same PATH removes such leftovers: those of
// a process that no longer runs (on Unix), and any older than StaleAge
// (everywhere, and for the older name .NAME.tmp-RANDOM). A temporary of a
// live writer is younger than that — writing keeps touching it — so two
// processes writing the same path do not remove each other's.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// WriteFile writes data to path atomically. A file it replaces keeps its
// permission bits; a new file gets 0644. On any error the destination is
// untouched and no temporary file is left behind. Errors name path.
func WriteFile(path string, data []byte) error {
	if err := write(path, data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func write(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("directory %s does not exist", dir)
		}
		return err
	} else if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		mode = fi.Mode().Perm()
	}

	removeStale(dir, filepath.Base(path), time.Now())
	tmp, err := os.CreateTemp(dir, tempPrefix(filepath.Base(path))+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return err
	}
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				tmp.Close()
			}
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(mode); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	closed = true
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// Make the rename durable; not every platform can sync a directory, so
	// this is best effort.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// StaleAge is the age past which a temporary file of a path is a leftover
// whatever process wrote it.
const StaleAge = time.Hour

func tempPrefix(name string) string { return "." + name + ".tmp-" }

// removeStale removes the leftover temporary files of dir/name (see the
// package comment), best effort: a file it cannot remove is left.
func removeStale(dir, name string, now time.Time) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	prefix := tempPrefix(name)
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		if pidText, random, ok := strings.Cut(rest, "-"); ok && isDigits(random) {
			// PID-RANDOM: a leftover as soon as its writer is gone.
			pid, err := strconv.Atoi(pidText)
			if err == nil && pid > 0 && pid != os.Getpid() && !alive(pid) {
				os.Remove(filepath.Join(dir, e.Name()))
				continue
			}
		} else if !isDigits(rest) {
			continue
		}
		if fi, err := e.Info(); err == nil && now.Sub(fi.ModTime()) > StaleAge {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
