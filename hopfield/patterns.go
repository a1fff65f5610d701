package hopfield

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
)

// PatternSet is a set of ±1 patterns and where they came from.
type PatternSet struct {
	// X holds the patterns, one per row (±1).
	X *tensor.Matrix
	// H and W are the image shape of a row, 0 when the rows are not
	// images.
	H, W int
	// Source is the spec the patterns were loaded from; Binarized reports
	// intensities thresholded at 0.5.
	Source    string
	Binarized bool
	// V holds the values of a continuous key/value memory, one row per
	// pattern (nil: none), and ValueSource where they came from.
	V           *tensor.Matrix
	ValueSource string
}

// LoadPatterns reads ±1 patterns: "random:P" (P random patterns of neurons
// units drawn from seed; a square number of units is taken as an image),
// or a data set spec (dataset.Load: .npy, PNG file or folder, mnist:N, ...)
// whose values are ±1, 0/1, or intensities in [0, 1] (thresholded at 0.5).
func LoadPatterns(spec string, neurons int, seed uint64) (*PatternSet, error) {
	if rest, ok := strings.CutPrefix(spec, "random:"); ok {
		p, err := strconv.Atoi(rest)
		if err != nil {
			return nil, fmt.Errorf("patterns %s: %q is not a pattern count: %w", spec, rest, ErrOption)
		}
		if p < 1 {
			return nil, fmt.Errorf("patterns %s: a pattern count of %d (want at least 1): %w", spec, p, ErrNoPatterns)
		}
		if neurons < 1 {
			err := fmt.Errorf("patterns %s need a number of neurons (at least 1), got %d: %w", spec, neurons, ErrOption)
			return nil, &OptionError{Option: "neurons", Err: err}
		}
		ps := &PatternSet{X: RandomPatterns(p, neurons, tensor.NewRand(seed)), Source: spec}
		if h, w, err := dataset.ImageShape(neurons, nil, ""); err == nil && h > 1 {
			ps.H, ps.W = h, w
		}
		return ps, nil
	}
	set, err := dataset.Load(spec, dataset.Options{})
	if err != nil {
		return nil, err
	}
	ps := &PatternSet{H: set.H, W: set.W, Source: spec}
	if ps.X, ps.Binarized, err = BipolarSet(set); err != nil {
		return nil, err
	}
	return ps, nil
}

// BipolarSet converts a data set to ±1: ±1 and 0/1 data as they are,
// intensities in [0, 1] thresholded at 0.5 (binarized true), anything else
// an error naming the set and the place.
func BipolarSet(set *dataset.Set) (x *tensor.Matrix, binarized bool, err error) {
	x, berr := BipolarMatrix(set.X)
	if berr == nil {
		return x, false, nil
	}
	if slices.ContainsFunc(set.X.Data, func(v float32) bool { return v < 0 }) {
		// Negative values: meant as ±1 data, so say which entry is not ±1.
		return nil, false, fmt.Errorf("%s: patterns must be ±1, 0/1 or intensities in [0,1]: %w", set.Name, berr)
	}
	if err := set.CheckRange(0, 1); err != nil {
		return nil, false, fmt.Errorf("patterns must be ±1, 0/1 or intensities in [0,1]: %w", err)
	}
	t := set.X.Clone()
	if err := dataset.Binarize(t, "threshold", 0); err != nil {
		return nil, false, err
	}
	b, err := BipolarMatrix(t)
	return b, true, err
}

// SelectRows keeps the rows named by spec, "0,3,5" or "0-4,9" (0-based, in
// the order given).
func (ps *PatternSet) SelectRows(spec string) error {
	var rows []int
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return fmt.Errorf("rows %q: %q is not a row number: %w", spec, part, ErrOption)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return fmt.Errorf("rows %q: %q is not a range a-b with a ≤ b: %w", spec, part, ErrOption)
			}
		}
		for r := a; r <= b; r++ {
			if r < 0 || r >= ps.X.Rows {
				return fmt.Errorf("rows %q: row %d is outside [0, %d): %w", spec, r, ps.X.Rows, ErrOption)
			}
			rows = append(rows, r)
		}
	}
	ps.X = pickRows(ps.X, rows)
	if ps.V != nil {
		ps.V = pickRows(ps.V, rows)
	}
	return nil
}

func pickRows(m *tensor.Matrix, rows []int) *tensor.Matrix {
	x := tensor.New(len(rows), m.Cols)
	for k, r := range rows {
		copy(x.Row(k), m.Row(r))
	}
	return x
}

// LoadReal reads patterns for a continuous memory: a data set spec
// (dataset.Load; NaN and ±Inf are refused with the file, row and column)
// taken as it is when real is set; otherwise ±1 and 0/1 data become ±1
// and intensities in [0, 1] are thresholded at 0.5, as for the other
// kinds, and any other finite values are taken as they are. random:P is
// LoadPatterns's.
func LoadReal(spec string, neurons int, seed uint64, real bool) (*PatternSet, error) {
	if strings.HasPrefix(spec, "random:") {
		return LoadPatterns(spec, neurons, seed)
	}
	set, err := dataset.Load(spec, dataset.Options{})
	if err != nil {
		return nil, err
	}
	ps := &PatternSet{H: set.H, W: set.W, Source: spec, X: set.X}
	if !real {
		if x, bin, err := BipolarSet(set); err == nil {
			ps.X, ps.Binarized = x, bin
		}
	}
	return ps, nil
}

// LoadValues reads the values of a key/value memory (dataset.Load, any
// finite reals), one row per pattern of ps.
func (ps *PatternSet) LoadValues(spec string) error {
	set, err := dataset.Load(spec, dataset.Options{})
	if err != nil {
		return err
	}
	if set.Len() != ps.X.Rows {
		return fmt.Errorf("%s has %d rows but the patterns %s have %d: one value per pattern: %w", spec, set.Len(), ps.Source, ps.X.Rows, ErrDimension)
	}
	ps.V, ps.ValueSource = set.X, spec
	return nil
}

// Metadata is what a memory file storing these patterns records besides
// the memory: "data" (appended to the earlier data of prev, the metadata
// of the file the patterns are added to), "image_shape" (prev's, or the
// patterns' when it fits neurons) and "binarize".
func (ps *PatternSet) Metadata(prev map[string]string, neurons int) map[string]string {
	src := ps.Source
	if p := prev["data"]; p != "" {
		src = p + " + " + src
	}
	meta := map[string]string{"data": src}
	if v, ok := prev["image_shape"]; ok {
		meta["image_shape"] = v
	} else if ps.H > 0 && ps.H*ps.W == neurons {
		meta["image_shape"] = fmt.Sprintf("%dx%d", ps.H, ps.W)
	}
	if ps.Binarized {
		meta["binarize"] = "threshold"
	}
	if ps.ValueSource != "" {
		meta["values_data"] = ps.ValueSource
		if p := prev["values_data"]; p != "" {
			meta["values_data"] = p + " + " + ps.ValueSource
		}
	}
	return meta
}

// ImageShape returns the picture shape of states of n units: the
// "image_shape" of a file's metadata when it fits, else a square
// (dataset.ImageShape, the one place shapes are guessed).
func ImageShape(n int, meta map[string]string) (h, w int, err error) {
	if h, w, err = dataset.ImageShape(n, nil, meta["image_shape"]); err != nil {
		return 0, 0, fmt.Errorf("states of %d units: %w: %w", n, err, ErrDimension)
	}
	return h, w, nil
}

// LoadState reads row row of a data set spec (dataset.Load) as a ±1 state
// (0/1 data mapped, intensities thresholded at 0.5), for a recall cue.
func LoadState(spec string, row int) ([]float32, error) {
	set, err := dataset.Load(spec, dataset.Options{})
	if err != nil {
		return nil, err
	}
	if row < 0 || row >= set.Len() {
		return nil, fmt.Errorf("%s: row %d: the data have %d rows: %w", spec, row, set.Len(), ErrOption)
	}
	x, _, err := BipolarSet(set.Subset([]int{row}))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec, err)
	}
	return x.Row(0), nil
}
