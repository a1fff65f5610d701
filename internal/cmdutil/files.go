package cmdutil

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// File is a path a command reads or writes, with the flag that names it
// and, for an output, the extensions its format takes (nil: any).
type File struct {
	Flag, Path string
	Exts       []string
}

// Formats of the files commands write.
var (
	ExtPNG    = []string{".png"}
	ExtNPY    = []string{".npy"}
	ExtRows   = []string{".png", ".npy"}         // a picture grid or an array
	ExtCurves = []string{".png", ".svg", ".pdf"} // gonum/plot's formats
)

// CheckFiles is the one check, before a command reads or writes anything,
// of the files it will write: every output given has an extension its
// format takes, and no output is the same file as another output or as an
// input (so a picture never lands where the model was, and a checkpoint
// never replaces the model). Paths are compared after cleaning, and as
// files when both exist (links, different spellings). Empty paths are
// outputs not asked for (or "none").
func CheckFiles(outputs []File, inputs ...File) error {
	var seen []File
	for _, o := range outputs {
		if o.Path == "" || o.Path == "none" {
			continue
		}
		if ext := strings.ToLower(filepath.Ext(o.Path)); o.Exts != nil && !slices.Contains(o.Exts, ext) {
			return fmt.Errorf("--%s %s: the file type must be %s", o.Flag, o.Path, strings.Join(o.Exts, " or "))
		}
		for _, p := range append(seen, inputs...) {
			if p.Path != "" && sameFile(o.Path, p.Path) {
				return fmt.Errorf("--%s and --%s both name %s: one would overwrite the other", o.Flag, p.Flag, o.Path)
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

// Applies is one rule of which flags go together: flag, when given, needs
// ok, and otherwise the error says it applies only to what.
type Applies struct {
	Flag string
	OK   bool
	What string
}

// CheckApplies refuses a given flag that does not apply to the rest of
// the command line, so that nothing asked for is silently ignored.
func CheckApplies(given func(string) bool, rules ...Applies) error {
	for _, r := range rules {
		if given(r.Flag) && !r.OK {
			return fmt.Errorf("--%s applies only to %s", r.Flag, r.What)
		}
	}
	return nil
}

// Path is a file named by flag; an output's format takes the extensions
// exts (none: any).
func Path(flag, path string, exts ...string) File {
	return File{Flag: flag, Path: path, Exts: exts}
}

// Rule says that flag, when given, needs ok; otherwise it applies only to
// what.
func Rule(flag string, ok bool, what string) Applies {
	return Applies{Flag: flag, OK: ok, What: what}
}
