package shard

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	tests := []struct {
		spec string
		env  func(string) string
		want Shard
		err  string
	}{
		{"", env(), Shard{}, ""},
		{"1/4", env(), Shard{1, 4}, ""},
		{"auto/4", env("JOB_COMPLETION_INDEX", "3"), Shard{3, 4}, ""},
		{"auto/4", env("SLURM_ARRAY_TASK_ID", "2"), Shard{2, 4}, ""},
		{"auto/4", env("SLURM_ARRAY_TASK_ID", "4", "SLURM_ARRAY_TASK_MIN", "1"), Shard{3, 4}, ""},
		{"auto/4", env("JOB_COMPLETION_INDEX", "0", "SLURM_ARRAY_TASK_ID", "3"), Shard{0, 4}, ""},
		{"auto/4", env(), Shard{}, "neither is set"},
		{"auto/4", env("JOB_COMPLETION_INDEX", "x"), Shard{}, "is not a number"},
		{"auto/4", env("JOB_COMPLETION_INDEX", "4"), Shard{}, "outside 0…3"},
		{"4/4", env(), Shard{}, "outside 0…3"},
		{"-1/4", env(), Shard{}, "outside 0…3"},
		{"1", env(), Shard{}, "want i/n"},
		{"1/0", env(), Shard{}, "want i/n"},
	}
	for _, tc := range tests {
		got, err := Parse(tc.spec, tc.env)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Parse(%q): err %v, want %q", tc.spec, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", tc.spec, got, err, tc.want)
		}
	}
}

// TestRange checks that the parts of every split cover 0…total−1 once, in
// order.
func TestRange(t *testing.T) {
	for total := 0; total < 20; total++ {
		for n := 1; n <= 8; n++ {
			next := 0
			for i := 0; i < n; i++ {
				lo, hi := Shard{i, n}.Range(total)
				if lo != next || hi < lo {
					t.Fatalf("total %d, part %d/%d: [%d, %d), want from %d", total, i, n, lo, hi, next)
				}
				next = hi
			}
			if next != total {
				t.Fatalf("total %d, %d parts end at %d", total, n, next)
			}
		}
	}
}

func TestCheck(t *testing.T) {
	f := func(path, cmd string, i, n int, settings string) *File {
		return &File{Format: Format, Command: cmd, Shard: Shard{i, n}, Settings: []byte(settings), Path: path}
	}
	a0, a1 := f("a0", "x", 0, 2, `{"seed":1}`), f("a1", "x", 1, 2, `{"seed":1}`)
	got, err := Check([]*File{a1, a0})
	if err != nil || got[0] != a0 || got[1] != a1 {
		t.Fatalf("Check = %v, %v; want a0, a1", got, err)
	}
	for _, tc := range []struct {
		files []*File
		want  string
	}{
		{[]*File{a0, f("b", "x", 1, 2, `{"seed":2}`)}, "b has different settings from a0 (seed: 1 vs 2)"},
		{[]*File{a0, f("b", "x", 1, 2, `{"seed":1,"k":3}`)}, "(k: absent vs 3)"},
		{[]*File{a0, f("b", "y", 1, 2, `{"seed":1}`)}, `b is a shard of "y"`},
		{[]*File{a0, f("b", "x", 1, 3, `{"seed":1}`)}, "b is one of 3 shards"},
		{[]*File{a0, a0}, "a0 and a0 are both shard 0/2"},
		{[]*File{a1}, "shards 0 of 2 are missing"},
	} {
		_, err := Check(tc.files)
		if !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err %v, want %q", err, tc.want)
		}
	}
}
