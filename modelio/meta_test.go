package modelio

import (
	"errors"
	"strings"
	"testing"
)

func TestMetaKeepsFirstFailure(t *testing.T) {
	m := ReadMeta(map[string]string{"a": "3", "n": "-2", "x": "0.5", "bad": "z"})
	if m.Int("a") != 3 || m.Int("n") != -2 || m.Float("x") != 0.5 || m.Err() != nil {
		t.Fatalf("good values: err %v", m.Err())
	}
	m.Count("n")
	m.Float("bad")
	err := m.Err()
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), `"n" = "-2" is not a count`) {
		t.Fatalf("want the first failure (negative count), got %v", err)
	}
	m2 := ReadMeta(nil)
	m2.Float("missing")
	if m2.Err() == nil {
		t.Fatal("a missing key parsed")
	}
}
