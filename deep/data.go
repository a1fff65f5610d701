package deep

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
)

// Data is what a model trains and is scored on: a training set, a held-out
// test set, the box that noise chains start from and the evaluation grid
// covers, and for a built-in data set its true log density.
type Data struct {
	Spec        string // the training spec LoadData was given
	TestSpec    string // the test spec LoadData was given ("": the default)
	Train, Test *dataset.Set
	// Box is [−4.5, 4.5]² for the built-in 2-D sets, the data's overall
	// range in every dimension for images ([Data.Image]; MNIST: [0, 1]⁷⁸⁴),
	// else each column's range widened by 10% per side.
	Box   NoiseInit
	Truth LogDensity // the true density of a built-in 2-D set, else nil
}

// heldOutPoints is the size of a built-in set's fresh test set.
const heldOutPoints = 5000

// LoadData loads the training set spec (any [dataset.Load] spec) and its
// test set: testSpec when it is not "", else, for a built-in 2-D set,
// 5000 fresh points drawn with the training seed plus 1000, for built-in
// MNIST the MNIST test set ([dataset.HeldOut]), else the last 10% of the
// training rows (at least 10 rows are needed).
func LoadData(spec, testSpec string) (*Data, error) {
	train, err := dataset.Load(spec, dataset.Options{})
	if err != nil {
		return nil, err
	}
	toy, _, seed, err := dataset.ParseToy2D(spec)
	if err != nil {
		return nil, err
	}
	var test *dataset.Set
	if testSpec == "" {
		testSpec = dataset.HeldOut(spec)
	}
	switch {
	case testSpec != "":
		if test, err = dataset.Load(testSpec, dataset.Options{}); err != nil {
			return nil, err
		}
		if test.Dim() != train.Dim() {
			return nil, fmt.Errorf("test data %s has %d columns, training data %s has %d", testSpec, test.Dim(), spec, train.Dim())
		}
	case toy != "":
		x, err := dataset.Toy2D(toy, heldOutPoints, seed+1000)
		if err != nil {
			return nil, err
		}
		test = &dataset.Set{X: x, Name: fmt.Sprintf("%s:%d:%d", toy, heldOutPoints, seed+1000)}
	default:
		if train.Len() < 10 {
			return nil, fmt.Errorf("%s: %d rows; at least 10 are needed to hold out a test set (or name one)", spec, train.Len())
		}
		train, test = train.Split(train.Len() - train.Len()/10)
		test.Name = fmt.Sprintf("%s (last %d rows)", spec, test.Len())
	}
	d := &Data{Spec: spec, TestSpec: testSpec, Train: train, Test: test, Box: DataBox(toy != "", train.X)}
	if d.Image() {
		d.Box = ImageBox(train.X)
	}
	if t := dataset.Toy2DLogDensity(toy); t != nil {
		d.Truth = t
	}
	return d, nil
}

// DataBox returns [−4.5, 4.5] per dimension for a built-in set, else the
// range of x widened by 10% (at least 10⁻³) per side.
func DataBox(builtIn bool, x *tensor.Matrix) NoiseInit {
	d := x.Cols
	lo, hi := make([]float32, d), make([]float32, d)
	if builtIn {
		for j := range lo {
			lo[j], hi[j] = -4.5, 4.5
		}
		return NoiseInit{Low: lo, High: hi}
	}
	for j := range lo {
		lo[j], hi[j] = float32(math.Inf(1)), float32(math.Inf(-1))
	}
	for i := 0; i < x.Rows; i++ {
		for j, v := range x.Row(i) {
			lo[j], hi[j] = min(lo[j], v), max(hi[j], v)
		}
	}
	for j := range lo {
		m := max(0.1*(hi[j]-lo[j]), 1e-3)
		lo[j], hi[j] = lo[j]-m, hi[j]+m
	}
	return NoiseInit{Low: lo, High: hi}
}

// Image reports whether the training rows are pictures: they have an image
// shape of at least 8×8 pixels (MNIST: 28×28), so that a file whose width
// merely is a small square (4, 9, …) is not taken for one.
func (d *Data) Image() bool { return d.Train.H >= 8 && d.Train.W >= 8 }

// ImageBox returns the range of all of x's values, the same in every
// dimension: short-run chains on images start from uniform noise on the
// pixel range (Nijkamp et al. 2019), [0, 1]ᵈ for MNIST.
func ImageBox(x *tensor.Matrix) NoiseInit {
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range x.Data[:x.Rows*x.Cols] {
		lo, hi = min(lo, v), max(hi, v)
	}
	if hi-lo < 1e-3 {
		lo, hi = lo-1e-3, hi+1e-3
	}
	b := NoiseInit{Low: make([]float32, x.Cols), High: make([]float32, x.Cols)}
	for j := range b.Low {
		b.Low[j], b.High[j] = lo, hi
	}
	return b
}

// Grid returns the n × n evaluation grid over the first two dimensions of
// the box.
func (b NoiseInit) Grid(n int) Grid {
	return Grid{XMin: float64(b.Low[0]), XMax: float64(b.High[0]), YMin: float64(b.Low[1]), YMax: float64(b.High[1]), N: n}
}

// ParseWidths parses comma-separated positive layer widths ("64,64"); the
// error quotes s and the bad entry.
func ParseWidths(s string) ([]int, error) {
	var w []int
	for _, p := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("%q: %q is not a positive width", s, p)
		}
		w = append(w, v)
	}
	return w, nil
}

// FormatWidths is the inverse of [ParseWidths]: "64,64,64".
func FormatWidths(w []int) string {
	s := make([]string, len(w))
	for i, v := range w {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ",")
}
