package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// file is a path a command reads or writes, with the flag that names it
// and, for an output, the extensions its format takes (nil: any).
type file struct {
	flag, path string
	exts       []string
}

// Formats of the files commands write.
var (
	extPNG    = []string{".png"}
	extNPY    = []string{".npy"}
	extRows   = []string{".png", ".npy"}         // a picture grid or an array
	extCurves = []string{".png", ".svg", ".pdf"} // gonum/plot's formats
)

// checkFiles is the one check, before a command reads or writes anything,
// of the files it will write: every output given has an extension its
// format takes, and no output is the same file as another output or as an
// input (so a picture never lands where the model was, and a checkpoint
// never replaces the model). Paths are compared after cleaning, and as
// files when both exist (links, different spellings). Empty paths are
// outputs not asked for (or "none").
func checkFiles(outputs []file, inputs ...file) error {
	var seen []file
	for _, o := range outputs {
		if o.path == "" || o.path == "none" {
			continue
		}
		if ext := strings.ToLower(filepath.Ext(o.path)); o.exts != nil && !slices.Contains(o.exts, ext) {
			return fmt.Errorf("--%s %s: the file type must be %s", o.flag, o.path, strings.Join(o.exts, " or "))
		}
		for _, p := range append(seen, inputs...) {
			if p.path != "" && sameFile(o.path, p.path) {
				return fmt.Errorf("--%s and --%s both name %s: one would overwrite the other", o.flag, p.flag, o.path)
			}
		}
		seen = append(seen, o)
	}
	return nil
}

func sameFile(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// applies is one rule of which flags go together: flag, when given, needs
// ok, and otherwise the error says it applies only to what.
type applies struct {
	flag string
	ok   bool
	what string
}

// checkApplies refuses a given flag that does not apply to the rest of
// the command line, so that nothing asked for is silently ignored.
func checkApplies(given func(string) bool, rules ...applies) error {
	for _, r := range rules {
		if given(r.flag) && !r.ok {
			return fmt.Errorf("--%s applies only to %s", r.flag, r.what)
		}
	}
	return nil
}
