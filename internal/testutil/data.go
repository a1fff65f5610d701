package testutil

import (
	"testing"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
)

// Bars returns the 30 bars-and-stripes patterns on 4×4 (bars:4x4), one a
// row. (dataset's own tests cannot use it: it imports dataset.)
func Bars(t testing.TB) *tensor.Matrix {
	t.Helper()
	s, err := dataset.Load("bars:4x4", dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s.X
}
