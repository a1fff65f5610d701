package testutil

import (
	"testing"

	"github.com/ebm-go/ebm/modelio"
)

// Edited loads the model file good, changes it with edit and saves the
// result at path, which it returns: a bad file for a loader's test, made
// from a good one. An error loading or saving ends the test.
func Edited(t testing.TB, good, path string, edit func(*modelio.File)) string {
	t.Helper()
	f, err := modelio.Load(good)
	if err != nil {
		t.Fatal(err)
	}
	edit(f)
	if err := modelio.Save(path, f); err != nil {
		t.Fatal(err)
	}
	return path
}

// SetMeta returns an edit for Edited that sets metadata key k to v.
func SetMeta(k, v string) func(*modelio.File) {
	return func(f *modelio.File) { f.Metadata[k] = v }
}

// Fill returns an edit for Edited that sets tensor name's value at index i
// to v, or every value when i < 0.
func Fill(name string, i int, v float32) func(*modelio.File) {
	return func(f *modelio.File) {
		d := f.Tensors[name].Data
		for k := range d {
			if i < 0 || k == i {
				d[k] = v
			}
		}
	}
}
