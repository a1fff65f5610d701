package dataset

import (
	"fmt"

	"github.com/ebm-go/ebm/internal/tensor"
)

// normMode validates a binarization mode and maps "none" to "".
func normMode(mode string) (string, error) {
	switch mode {
	case "", "none":
		return "", nil
	case "threshold", "sample":
		return mode, nil
	}
	return "", fmt.Errorf("unknown binarization mode %q (want \"\", \"none\", \"threshold\" or \"sample\")", mode)
}

// Binarize turns x into 0/1 values in place.
//
//   - "" or "none": x is left unchanged.
//   - "threshold": x ≥ 0.5 becomes 1, everything else (NaN included) 0.
//   - "sample": each value p becomes 1 with probability p, else 0 (a value
//     outside [0,1] acts as its clamp). The draws come from
//     tensor.NewRand(seed), or tensor.NewRand(DefaultBinarizeSeed) when seed
//     is 0, consumed row by row with each row starting on a fresh generator
//     output. The result therefore depends only on the seed and the values,
//     and the first k rows come out the same however many rows follow.
//
// An unknown mode is an error and leaves x unchanged.
func Binarize(x *tensor.Matrix, mode string, seed uint64) error {
	mode, err := normMode(mode)
	if err != nil {
		return fmt.Errorf("dataset.Binarize: %w", err)
	}
	if x == nil {
		return nil
	}
	switch mode {
	case "threshold":
		for i, v := range x.Data {
			if v >= 0.5 {
				x.Data[i] = 1
			} else {
				x.Data[i] = 0
			}
		}
	case "sample":
		if seed == 0 {
			seed = DefaultBinarizeSeed
		}
		r := tensor.NewRand(seed)
		for i := 0; i < x.Rows; i++ {
			row := x.Row(i)
			r.Bernoulli(row, row) // reads p[i] before writing dst[i]: aliasing is safe
		}
	}
	return nil
}
