package dataset

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/ebm-go/ebm/internal/readlimit"
	"github.com/ebm-go/ebm/internal/tensor"
)

// loadCSV reads a numeric CSV file: comma-separated, one row per record,
// every record the same number of fields. Fields may be quoted and padded
// with spaces; blank lines, lines starting with '#' (as numpy.savetxt
// writes its header) and a leading UTF-8 byte-order mark are ignored. If
// every field of the first record fails to parse as a number, that record is
// a header and is skipped; a first record mixing numbers and other text is
// an error. Values are parsed as float32 and must be finite.
func loadCSV(path string) (*Set, error) {
	f, err := readlimit.Open(path, 0)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	x, err := parseCSV(path, f)
	if err != nil {
		return nil, err
	}
	return newSet(path, x)
}

// parseCSV parses CSV text from r; name is used in errors, which give
// 1-based line and field numbers.
func parseCSV(name string, r io.Reader) (*tensor.Matrix, error) {
	br := bufio.NewReader(r)
	if p, _ := br.Peek(3); bytes.Equal(p, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // ragged rows are reported below, with both widths
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	cr.ReuseRecord = true

	var (
		data      []float32
		cols      int
		firstLine int // line of the first data record
		rows      int
		first     = true
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("dataset: %s: line %d, column %d (characters): malformed CSV: %v: %w", name, pe.Line, pe.Column, pe.Err, ErrFormat)
			}
			return nil, fmt.Errorf("dataset: %s: %v: %w", name, err, ErrFormat)
		}
		line, _ := cr.FieldPos(0)
		if first {
			first = false
			if isHeader(rec) {
				continue
			}
		}
		if rows == 0 {
			cols, firstLine = len(rec), line
		} else if len(rec) != cols {
			return nil, fmt.Errorf("dataset: %s: line %d (data row %d): ragged row with %d fields, want %d like the first data row (line %d): %w",
				name, line, rows+1, len(rec), cols, firstLine, ErrFormat)
		}
		for j, field := range rec {
			v, err := parseField(field)
			if err != nil {
				l, _ := cr.FieldPos(j)
				return nil, fmt.Errorf("dataset: %s: line %d, field %d (data row %d): %v: %w",
					name, l, j+1, rows+1, err, ErrFormat)
			}
			data = append(data, v)
		}
		rows++
	}
	if rows == 0 || cols == 0 {
		return nil, fmt.Errorf("dataset: %s: no data rows: %w", name, ErrEmpty)
	}
	return tensor.FromSlice(rows, cols, data), nil
}

// isHeader reports whether no field of rec parses as a number.
func isHeader(rec []string) bool {
	for _, f := range rec {
		if _, err := strconv.ParseFloat(strings.TrimSpace(f), 32); err == nil {
			return false
		}
	}
	return true
}

// parseField parses one CSV field as a finite float32.
func parseField(field string) (float32, error) {
	s := strings.TrimSpace(field)
	v, err := strconv.ParseFloat(s, 32)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("value %q is out of float32 range", s)
	case err != nil:
		return 0, fmt.Errorf("cannot parse %q as a number", s)
	case math.IsNaN(v):
		return 0, fmt.Errorf("value %q is NaN", s)
	case math.IsInf(v, 0):
		return 0, fmt.Errorf("value %q is infinite", s)
	}
	return float32(v), nil
}
