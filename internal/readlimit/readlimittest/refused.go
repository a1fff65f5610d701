package readlimittest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ebm-go/ebm/internal/readlimit"
)

// Refused calls load on path and ends the test unless it returns, within
// 10 s, an error wrapping readlimit.ErrNotRegular that names path: a
// loader's check against each of BadPaths.
func Refused(t testing.TB, path string, load func(string) error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- load(path) }()
	select {
	case err := <-done:
		if !errors.Is(err, readlimit.ErrNotRegular) || !strings.Contains(err.Error(), path) {
			t.Fatalf("error %v, want one naming %s as not a regular file", err, path)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("blocked on %s", path)
	}
}
