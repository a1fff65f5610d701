package deep

import (
	"fmt"
	"slices"
	"strings"
)

// enum names the values 0, 1, … of an integer type: names[v][0] is the
// name String gives v, and parse accepts any of names[v], in any letter
// case and with surrounding space.
type enum[T ~int] struct {
	typ   string // the Go type, for values without a name: Method(7)
	what  string // what a value is, for parse's error: sampler
	names [][]string
}

func (e enum[T]) String(v T) string {
	if v >= 0 && int(v) < len(e.names) {
		return e.names[v][0]
	}
	return fmt.Sprintf("%s(%d)", e.typ, int(v))
}

func (e enum[T]) parse(s string) (T, error) {
	key := strings.ToLower(strings.TrimSpace(s))
	want := make([]string, len(e.names))
	for v, names := range e.names {
		if slices.Contains(names, key) {
			return T(v), nil
		}
		want[v] = names[0]
	}
	list := want[len(want)-1]
	if len(want) > 1 {
		list = strings.Join(want[:len(want)-1], ", ") + " or " + list
	}
	return 0, fmt.Errorf("deep: unknown %s %q (want %s)", e.what, s, list)
}
