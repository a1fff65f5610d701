package budget

import (
	"strings"
	"testing"
)

func TestParseFormatCheck(t *testing.T) {
	for s, want := range map[string]int64{"1024": 1024, "8GiB": 8 << 30, "500MB": 500e6, "1.5 KiB": 1536, "2e3B": 2000, "3gb": 3e9} {
		if got, err := Parse(s); err != nil || got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "-1", "0", "x", "1e30TiB", "NaN"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
	if f := Format(3 << 30); f != "3.0 GiB" {
		t.Errorf("Format = %q", f)
	}
	if err := Check(Need{Bytes: 1e3, What: "x"}, 1e6); err != nil {
		t.Error(err)
	}
	err := Check(Need{Bytes: 4e12, What: "--hidden 1000000000"}, 1<<30)
	if err == nil || !strings.Contains(err.Error(), "--hidden 1000000000") || !strings.Contains(err.Error(), "3.6 TiB") || !strings.Contains(err.Error(), "1.0 GiB") {
		t.Errorf("Check: %v", err)
	}
	if Default() < 1<<20 {
		t.Errorf("Default() = %d", Default())
	}
}
