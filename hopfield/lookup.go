package hopfield

import (
	"context"
	"fmt"

	"github.com/ebm-go/ebm/internal/tensor"
)

// OneHot returns one row per label with a 1 in the label's column, k
// columns: the values that make a key/value memory a classifier (see
// Classify).
func OneHot(labels []int, k int) (*tensor.Matrix, error) {
	if k < 1 {
		return nil, fmt.Errorf("hopfield: one-hot values of %d classes: %w", k, ErrOption)
	}
	m := tensor.New(len(labels), k)
	for i, y := range labels {
		if y < 0 || y >= k {
			return nil, fmt.Errorf("hopfield: label %d of row %d is outside [0, %d): %w", y, i, k, ErrValue)
		}
		m.Set(i, y, 1)
	}
	return m, nil
}

// Classify retrieves the queries (RetrieveAll with opt) and returns, for
// each, the column of the largest entry of what it retrieves (the first
// among equals): with one-hot label values (OneHot) that is the class of
// largest total softmax weight, Σ_{μ: y_μ = c} p_μ — a soft nearest-key
// vote that becomes the nearest key's label as β grows and the most
// frequent label at β = 0.
func (c *Continuous) Classify(ctx context.Context, queries *tensor.Matrix, opt RetrieveOptions) ([]int, *RetrieveResult, error) {
	res, err := c.RetrieveAll(ctx, queries, opt)
	if err != nil {
		return nil, nil, err
	}
	out := make([]int, res.Out.Rows)
	for i := range out {
		row := res.Out.Row(i)
		for j, v := range row {
			if v > row[out[i]] {
				out[i] = j
			}
		}
	}
	return out, res, nil
}
