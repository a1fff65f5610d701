package dataset

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/ebm-go/ebm/internal/readlimit"
	"github.com/ebm-go/ebm/internal/tensor"
)

// Set is a data matrix plus what is known about it.
type Set struct {
	X         *tensor.Matrix // n × d, row-major float32
	Labels    []int          // nil when unlabeled
	H, W      int            // image shape when rows are images (H*W == d), else 0
	Name      string         // the spec it was loaded from, e.g. "mnist:test", "bars:4x4", "/path/x.npy"
	Binarized string         // "" (not binarized), "threshold" or "sample"
}

// Options adjust what [Load] returns.
type Options struct {
	// Binarize is "" or "none" to keep the values, "threshold" to map
	// x >= 0.5 to 1 and everything else to 0, or "sample" to replace each
	// value x by a single Bernoulli(x) draw. See [Binarize].
	Binarize string
	// BinarizeSeed seeds the "sample" mode; 0 means the default fixed seed,
	// 1, so an unset seed still gives the same data on every run.
	BinarizeSeed uint64
	// Limit, if > 0, keeps only the first Limit rows (after a spec's own
	// count, such as mnist:N, and before binarization). Zero or negative
	// means all rows.
	Limit int
}

var (
	// ErrEmpty is wrapped by errors about data with no rows or no columns:
	// an empty file, a CSV file with only a header, an empty directory.
	ErrEmpty = errors.New("dataset: empty data set")
	// ErrFormat is wrapped by errors about malformed input: a truncated or
	// garbled file, an unsupported dtype or shape, a ragged or non-numeric
	// CSV file, a NaN or infinite value, images of different sizes, a
	// malformed spec.
	ErrFormat = errors.New("dataset: malformed input")
	// ErrRange is wrapped by the error [Set.CheckRange] returns.
	ErrRange = errors.New("dataset: value out of range")
	// ErrNotFinite is wrapped by the error SaveNPY returns for a NaN or
	// infinite value.
	ErrNotFinite = errors.New("not a finite number")
)

// DefaultBinarizeSeed is the seed "sample" binarization uses when
// Options.BinarizeSeed (or Binarize's seed) is 0.
const DefaultBinarizeSeed = 1

// maxBarsPatterns caps the number of patterns a bars:NxM spec may produce.
const maxBarsPatterns = 1 << 20

// Load reads the data set named by spec (see the package documentation for
// the accepted specs) and applies opt: first the row limit, then the
// binarization. The returned set owns its memory. Load is safe for
// concurrent use.
func Load(spec string, opt Options) (*Set, error) {
	mode, err := normMode(opt.Binarize)
	if err != nil {
		return nil, fmt.Errorf("dataset: %s: %w", spec, err)
	}
	s, err := load(spec, opt.Limit)
	if err != nil {
		return nil, err
	}
	s.Name = spec
	if opt.Limit > 0 && s.Len() > opt.Limit {
		s = s.head(opt.Limit)
	}
	if mode != "" {
		if err := Binarize(s.X, mode, opt.BinarizeSeed); err != nil {
			return nil, fmt.Errorf("dataset: %s: %w", spec, err)
		}
		s.Binarized = mode
	}
	return s, nil
}

// head returns a copy of the first n rows, so that a Limit does not keep
// the whole parent array alive.
func (s *Set) head(n int) *Set {
	t := *s
	t.X = s.X.SliceRows(0, n).Clone()
	if s.Labels != nil {
		t.Labels = append([]int(nil), s.Labels[:n]...)
	}
	return &t
}

var idxName = regexp.MustCompile(`(\.idx[0-9]?|-ubyte)$`)

func load(spec string, limit int) (*Set, error) {
	switch {
	case spec == "":
		return nil, errors.New("dataset: empty spec (want mnist, mnist:test, bars:NxM, or a file or directory path)")
	case spec == "mnist" || strings.HasPrefix(spec, "mnist:"):
		return loadMNIST(spec, limit)
	case strings.HasPrefix(spec, "bars:"):
		return loadBars(spec)
	case isToy2D(spec):
		return loadToy2D(spec)
	}
	fi, err := os.Stat(spec)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("dataset: %q is neither a known data set (mnist, mnist:train, mnist:test, mnist[:split]:N, bars:NxM) nor an existing file or directory: %w", spec, err)
		}
		return nil, fmt.Errorf("dataset: %s: %w", spec, err)
	}
	if fi.IsDir() {
		return loadPNGDir(spec)
	}
	if err := readlimit.Check(spec, fi, 0); err != nil { // a FIFO, a device…: refused whatever its name
		return nil, fmt.Errorf("dataset: %w", err)
	}
	lower := strings.ToLower(filepath.Base(spec))
	gz := strings.HasSuffix(lower, ".gz")
	base := strings.TrimSuffix(lower, ".gz")
	switch {
	case idxName.MatchString(base):
		return loadIDXFile(spec, gz)
	case gz:
		return nil, fmt.Errorf("dataset: %s: unsupported file type: only IDX files (.idx, *-ubyte) may be gzip-compressed", spec)
	case strings.HasSuffix(base, ".npy"):
		return loadNPY(spec)
	case strings.HasSuffix(base, ".csv"):
		return loadCSV(spec)
	case strings.HasSuffix(base, ".png"):
		return loadPNGFile(spec)
	}
	return nil, fmt.Errorf("dataset: %s: unsupported file type %q (want .npy, .csv, .idx, *-ubyte, .png, a .gz of an IDX file, or a directory of .png files)", spec, filepath.Ext(spec))
}

// Len returns the number of rows.
func (s *Set) Len() int {
	if s == nil || s.X == nil {
		return 0
	}
	return s.X.Rows
}

// Dim returns the number of columns.
func (s *Set) Dim() int {
	if s == nil || s.X == nil {
		return 0
	}
	return s.X.Cols
}

// CheckRange returns nil if every value lies in [lo, hi], else an error
// (wrapping [ErrRange]) naming the set and the row and column (0-based) of
// the first value outside it, in row-major order. NaN is outside every
// range. Models with Bernoulli visible units call CheckRange(0, 1).
func (s *Set) CheckRange(lo, hi float32) error {
	if s.X == nil {
		return nil
	}
	for k, v := range s.X.Data {
		if !(v >= lo && v <= hi) {
			i, j := k/s.X.Cols, k%s.X.Cols
			name := s.Name
			if name == "" {
				name = "(unnamed set)"
			}
			return fmt.Errorf("dataset: %s: row %d, column %d (0-based): value %g outside [%g, %g]: %w",
				name, i, j, v, lo, hi, ErrRange)
		}
	}
	return nil
}

// Subset returns a new set holding copies of rows idx (in that order, with
// repeats allowed) and their labels. The other fields are copied from s. An
// index out of range panics, as slice indexing does.
func (s *Set) Subset(idx []int) *Set {
	t := *s
	d := s.Dim()
	t.X = tensor.New(len(idx), d)
	if s.Labels != nil {
		t.Labels = make([]int, len(idx))
	}
	for k, i := range idx {
		if i < 0 || i >= s.Len() {
			panic(fmt.Sprintf("dataset.Set.Subset: index %d out of range [0, %d)", i, s.Len()))
		}
		copy(t.X.Row(k), s.X.Row(i))
		if s.Labels != nil {
			t.Labels[k] = s.Labels[i]
		}
	}
	return &t
}

// Split returns the first n rows and the rest as two sets. They are views:
// their X.Data and Labels share memory with s (and so with each other's
// parent), so writing to one writes to s; use [Set.Subset] or X.Clone for
// independent copies. n is clamped to [0, Len()].
func (s *Set) Split(n int) (first, rest *Set) {
	n = max(0, min(n, s.Len()))
	a, b := *s, *s
	if s.X != nil {
		a.X = s.X.SliceRows(0, n)
		b.X = s.X.SliceRows(n, s.X.Rows)
	}
	if s.Labels != nil {
		a.Labels = s.Labels[:n:n]
		b.Labels = s.Labels[n:]
	}
	return &a, &b
}

// squareSide returns √d when d is a perfect square ≥ 4, else 0.
func squareSide(d int) int {
	if d < 4 {
		return 0
	}
	r := int(math.Sqrt(float64(d)))
	for r*r > d {
		r--
	}
	for (r+1)*(r+1) <= d {
		r++
	}
	if r*r == d {
		return r
	}
	return 0
}

// checkFinite reports the first NaN or ±Inf in m.
func checkFinite(name string, m *tensor.Matrix) error {
	for k, v := range m.Data {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("dataset: %s: row %d, column %d (0-based): value %v is not finite: %w",
				name, k/m.Cols, k%m.Cols, v, ErrFormat)
		}
	}
	return nil
}

// newSet wraps a loaded matrix, checking it is non-empty and finite and
// deriving a square image shape for shapeless rows.
func newSet(name string, x *tensor.Matrix) (*Set, error) {
	if x.Rows == 0 || x.Cols == 0 {
		return nil, fmt.Errorf("dataset: %s: %d rows × %d columns: %w", name, x.Rows, x.Cols, ErrEmpty)
	}
	if err := checkFinite(name, x); err != nil {
		return nil, err
	}
	s := &Set{X: x}
	if r := squareSide(x.Cols); r > 0 {
		s.H, s.W = r, r
	}
	return s, nil
}
