package probe

import (
	"fmt"

	"github.com/ebm-go/ebm/internal/tensor"
)

// Comparison is a linear probe of features beside the same probe on the
// raw inputs: does the representation beat the pixels?
type Comparison struct {
	AccuracyFeatures float64  `json:"accuracy_features"`
	AccuracyRaw      *float64 `json:"accuracy_raw"` // nil when the raw probe was skipped
	NTrain           int      `json:"n_train"`
	NTest            int      `json:"n_test"`
	NFeatures        int      `json:"n_features"`
	NRaw             int      `json:"n_raw"`
	L2               float64  `json:"l2"`
	IterFeatures     int      `json:"iterations_features"`
	IterRaw          int      `json:"iterations_raw,omitempty"`
}

// Compare fits a probe with cfg on feat(xtr) and measures it on feat(xte),
// and, when raw is set, does the same on the raw rows. progress, when set,
// is told which fit runs ("features", "raw inputs") and each iteration.
func Compare(xtr, xte *tensor.Matrix, ytr, yte []int, feat func(*tensor.Matrix) (*tensor.Matrix, error),
	cfg Config, raw bool, progress func(fit string, iter int)) (*Comparison, error) {
	if xtr.Cols != xte.Cols {
		return nil, fmt.Errorf("probe: test rows have %d columns, training rows %d", xte.Cols, xtr.Cols)
	}
	k := max(NumClasses(ytr), NumClasses(yte))
	fit := func(name string, tr, te *tensor.Matrix) (float64, int, error) {
		c := cfg
		if progress != nil {
			c.OnIteration = func(it int, _ float64) { progress(name, it) }
		}
		p, err := Fit(tr, ytr, k, c)
		if err != nil {
			return 0, 0, fmt.Errorf("probe on %s: %w", name, err)
		}
		return p.Accuracy(te, yte), p.Iterations, nil
	}
	ftr, err := feat(xtr)
	if err != nil {
		return nil, fmt.Errorf("training rows: %w", err)
	}
	fte, err := feat(xte)
	if err != nil {
		return nil, fmt.Errorf("test rows: %w", err)
	}
	c := &Comparison{NTrain: xtr.Rows, NTest: xte.Rows, NFeatures: ftr.Cols, NRaw: xtr.Cols, L2: cfg.L2}
	if cfg.NoL2 {
		c.L2 = 0
	}
	if c.AccuracyFeatures, c.IterFeatures, err = fit("features", ftr, fte); err != nil {
		return nil, err
	}
	if raw {
		acc, it, err := fit("raw inputs", xtr, xte)
		if err != nil {
			return nil, err
		}
		c.AccuracyRaw, c.IterRaw = &acc, it
	}
	return c, nil
}
