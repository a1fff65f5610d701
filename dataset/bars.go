package dataset

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ebm-go/ebm/internal/tensor"
)

// parseBars parses "bars:NxM" into the grid's rows and columns.
func parseBars(spec string) (rows, cols int, err error) {
	body := strings.TrimPrefix(spec, "bars:")
	a, b, ok := strings.Cut(body, "x")
	if ok {
		rows, err = strconv.Atoi(a)
		if err == nil {
			cols, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil || rows < 1 || cols < 1 {
		return 0, 0, fmt.Errorf("dataset: %s: malformed bars spec (want bars:NxM with N rows and M columns, both integers ≥ 1, e.g. bars:4x4): %w", spec, ErrFormat)
	}
	// 2^N + 2^M − 2 > 2^20 as soon as either side exceeds 20.
	if rows > 20 || cols > 20 || (1<<rows)+(1<<cols)-2 > maxBarsPatterns {
		return 0, 0, fmt.Errorf("dataset: %s: too large: a %d×%d grid has 2^%d + 2^%d − 2 patterns, more than the limit of %d", spec, rows, cols, rows, cols, maxBarsPatterns)
	}
	return rows, cols, nil
}

// loadBars builds the bars-and-stripes set on an N×M grid (N rows, M
// columns; pixel (i, j) is column i*M+j of a row). The order is fixed:
//
//  1. the vertical-bar patterns, one per column mask c = 0, 1, …, 2^M − 1,
//     where column j is on when bit j of c is set (column 0 is the least
//     significant bit); c = 0 is all-off and c = 2^M − 1 all-on;
//  2. the horizontal-stripe patterns, one per row mask r = 1, …, 2^N − 2
//     (row i on when bit i of r is set), leaving out all-off and all-on,
//     which step 1 already gave.
//
// That is 2^N + 2^M − 2 distinct patterns of 0/1 values, with H = N, W = M.
func loadBars(spec string) (*Set, error) {
	n, m, err := parseBars(spec)
	if err != nil {
		return nil, err
	}
	count := (1 << n) + (1 << m) - 2
	x := tensor.New(count, n*m)
	k := 0
	for c := 0; c < 1<<m; c++ {
		row := x.Row(k)
		for i := range n {
			for j := range m {
				if c>>j&1 == 1 {
					row[i*m+j] = 1
				}
			}
		}
		k++
	}
	for r := 1; r < 1<<n-1; r++ {
		row := x.Row(k)
		for i := range n {
			if r>>i&1 == 1 {
				for j := range m {
					row[i*m+j] = 1
				}
			}
		}
		k++
	}
	return &Set{X: x, H: n, W: m}, nil
}
