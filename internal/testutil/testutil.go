// Package testutil holds the test scaffolding that more than one package
// needs. Only _test.go files import it.
package testutil

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/ebm-go/ebm/internal/tensor"
)

// FileHash returns the first 8 bytes of the SHA-256 of the file at path, in
// hex: the golden tests' fingerprint of a written file.
func FileHash(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:8])
}

// SameFiles reports whether the files at a and b hold the same bytes.
func SameFiles(t testing.TB, a, b string) bool {
	t.Helper()
	x, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(x, y)
}

// CheckMetadata reports, as test errors, each key of want whose value in
// meta differs.
func CheckMetadata(t testing.TB, meta, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if meta[k] != v {
			t.Errorf("metadata %s = %q, want %q", k, meta[k], v)
		}
	}
}

// RandomParams fills the weights w with N(0, wstd²) draws, then the biases
// b and c with N(0, bstd²) draws, from a source seeded with seed: a model
// far enough from uniform to test against.
func RandomParams(seed uint64, wstd, bstd float32, w, b, c []float32) {
	rng := tensor.NewRand(seed)
	rng.Normal(w, 0, wstd)
	rng.Normal(b, 0, bstd)
	rng.Normal(c, 0, bstd)
}

// Stopped cancels a server's context with cancel and waits up to 10 s for
// its result on done; an error, or no result, ends the test. what names the
// server in the message.
func Stopped(t testing.TB, cancel context.CancelFunc, done <-chan error, what string) {
	t.Helper()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s after its context was cancelled: %v", what, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not stop after its context was cancelled", what)
	}
}

// States returns all 2^n binary vectors of length n as rows, row i holding
// the bits of i (bit j in column j).
func States(n int) *tensor.Matrix {
	s := tensor.New(1<<n, n)
	for i := 0; i < 1<<n; i++ {
		for j := 0; j < n; j++ {
			s.Set(i, j, float32((i>>j)&1))
		}
	}
	return s
}

// SaveLoad writes a model to path with save, passing it meta, and reads it
// back with load; an error of either ends the test.
func SaveLoad[M any](t testing.TB, path string, save func(string, map[string]string) error, meta map[string]string,
	load func(string) (M, map[string]string, error)) (M, map[string]string) {
	t.Helper()
	if err := save(path, meta); err != nil {
		t.Fatal(err)
	}
	m, got, err := load(path)
	if err != nil {
		t.Fatal(err)
	}
	return m, got
}
