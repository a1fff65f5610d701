package dataset

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImageShape(t *testing.T) {
	for _, c := range []struct {
		n      int
		set    *Set
		hint   string
		h, w   int
		errMsg string
	}{
		{784, &Set{H: 28, W: 28}, "", 28, 28, ""},
		{12, &Set{H: 28, W: 28}, "3x4", 3, 4, ""},
		{12, nil, "bad", 0, 0, "no image shape"},
		{16, nil, "", 4, 4, ""},
		{20, nil, "4x5", 4, 5, ""},
		{0, nil, "", 0, 0, "no image shape"},
	} {
		h, w, err := ImageShape(c.n, c.set, c.hint)
		if c.errMsg != "" {
			if err == nil || !strings.Contains(err.Error(), c.errMsg) {
				t.Errorf("ImageShape(%d, %q): %d×%d, %v", c.n, c.hint, h, w, err)
			}
			continue
		}
		if err != nil || h != c.h || w != c.w {
			t.Errorf("ImageShape(%d, %q) = %d×%d, %v; want %d×%d", c.n, c.hint, h, w, err, c.h, c.w)
		}
	}
	if s := (&Set{H: 3, W: 4}).ShapeText(); s != "3x4" {
		t.Errorf("ShapeText %q", s)
	}
}

func TestLabelsOf(t *testing.T) {
	dir := t.TempDir()
	txt := filepath.Join(dir, "y.txt")
	os.WriteFile(txt, []byte("1\n0\n\n2\n"), 0o644)
	s := &Set{Name: "x"}
	if _, err := LabelsOf(s, "", "--labels"); err == nil || !strings.Contains(err.Error(), "--labels FILE") {
		t.Errorf("no labels: %v", err)
	}
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("1\nx\n"), 0o644)
	if _, err := ReadLabels(bad); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad line: %v", err)
	}
	y, err := ReadLabels(txt)
	if err != nil || len(y) != 3 || y[2] != 2 {
		t.Errorf("ReadLabels = %v, %v", y, err)
	}
	neg := &Set{Name: "neg", Labels: []int{0, -1}}
	if _, err := LabelsOf(neg, "", "--labels"); err == nil || !strings.Contains(err.Error(), "row 1") {
		t.Errorf("negative label: %v", err)
	}
}

func TestHeldOut(t *testing.T) {
	for spec, want := range map[string]string{"mnist": "mnist:test", "mnist:500": "mnist:test", "mnist:test": "",
		"mnist:test:100": "", "bars:4x4": "", "x.npy": ""} {
		if got := HeldOut(spec); got != want {
			t.Errorf("HeldOut(%q) = %q, want %q", spec, got, want)
		}
	}
}

func TestBinarizeName(t *testing.T) {
	for b, want := range map[string]string{"": "none", "threshold": "threshold", "sample": "sample"} {
		if got := (&Set{Binarized: b}).BinarizeName(); got != want {
			t.Errorf("BinarizeName of %q = %q", b, got)
		}
	}
}
