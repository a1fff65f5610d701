package probe

import (
	"errors"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

// Compare fits the probe on the features and on the raw rows: with a
// feature map that keeps only the informative column, both separate the
// two classes (the label is the sign of column 0), and the report carries
// the sizes; a feature error names the rows it came from.
func TestCompare(t *testing.T) {
	rng := tensor.NewRand(1)
	x := tensor.New(400, 3)
	rng.Normal(x.Data, 0, 1)
	y := make([]int, 400)
	for i := range y {
		if x.At(i, 0) > 0 {
			y[i] = 1
		}
	}
	first := func(m *tensor.Matrix) (*tensor.Matrix, error) {
		f := tensor.New(m.Rows, 1)
		for i := range m.Rows {
			f.Data[i] = m.At(i, 0)
		}
		return f, nil
	}
	xtr, xte := x.SliceRows(0, 300), x.SliceRows(300, 400)
	var calls int
	c, err := Compare(xtr, xte, y[:300], y[300:], first, Config{Iterations: 100}, true, func(string, int) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	if c.AccuracyFeatures < 0.95 || c.AccuracyRaw == nil || *c.AccuracyRaw < 0.95 || c.NFeatures != 1 || c.NRaw != 3 ||
		c.NTrain != 300 || c.NTest != 100 || c.L2 != 0 && c.L2 != 1e-4 || calls == 0 {
		t.Errorf("comparison %+v (raw %v), %d progress calls", c, c.AccuracyRaw, calls)
	}
	if c, err = Compare(xtr, xte, y[:300], y[300:], first, Config{Iterations: 5}, false, nil); err != nil || c.AccuracyRaw != nil {
		t.Errorf("raw skipped: %+v, %v", c, err)
	}
	bad := errors.New("boom")
	if _, err := Compare(xtr, xte, y[:300], y[300:], func(*tensor.Matrix) (*tensor.Matrix, error) { return nil, bad }, Config{}, true, nil); !errors.Is(err, bad) {
		t.Errorf("feature error: %v", err)
	}
}
