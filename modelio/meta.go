package modelio

import (
	"fmt"
	"strconv"
)

// Meta reads typed values out of a file's metadata. The first value that
// does not parse is remembered (wrapping ErrFormat, naming the key) and
// returned by Err, so a loader can read every field and check once.
type Meta struct {
	md  map[string]string
	err error
}

// ReadMeta returns a reader of md.
func ReadMeta(md map[string]string) *Meta { return &Meta{md: md} }

func (m *Meta) fail(k, what string) {
	if m.err == nil {
		m.err = fmt.Errorf("metadata %q = %q is not %s: %w", k, m.md[k], what, ErrFormat)
	}
}

// Int parses md[k] as an integer.
func (m *Meta) Int(k string) int {
	v, err := strconv.Atoi(m.md[k])
	if err != nil {
		m.fail(k, "an integer")
	}
	return v
}

// Count parses md[k] as an integer ≥ 0.
func (m *Meta) Count(k string) int {
	v, err := strconv.Atoi(m.md[k])
	if err != nil || v < 0 {
		m.fail(k, "a count")
	}
	return v
}

// Float parses md[k] as a number.
func (m *Meta) Float(k string) float64 {
	v, err := strconv.ParseFloat(m.md[k], 64)
	if err != nil {
		m.fail(k, "a number")
	}
	return v
}

// Err is the first parse failure, or nil.
func (m *Meta) Err() error { return m.err }
