// Package shard splits a run of independent units of work (AIS chains,
// RAISE examples, capacity trials, sweep configurations) across processes —
// the pods of a Kubernetes Indexed Job, the tasks of a Slurm array — and
// checks that the pieces a merge is given fit together.
//
// A shard is "i/n": part i (0-based) of n. Part i takes the contiguous
// range of units Range returns, so the union of the n parts is every unit
// once, in order. "auto/n" takes i from JOB_COMPLETION_INDEX (Kubernetes)
// or SLURM_ARRAY_TASK_ID (Slurm, less SLURM_ARRAY_TASK_MIN when set, so
// --array=1-16 is parts 0–15).
//
// A shard's output is a File: the command, the shard, the settings every
// part must share, and the part's result. Check refuses files that do not
// make one run: different commands or settings, different counts, a
// missing or repeated part — naming the file.
package shard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Shard is part Index of Count. The zero value is the whole run.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// Whole reports whether s is the whole run (no --shard, or 0/1).
func (s Shard) Whole() bool { return s.Count <= 1 }

// String is "i/n", or "" for the whole run.
func (s Shard) String() string {
	if s.Whole() {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Range returns part s of the units 0…total−1: [lo, hi), the parts as
// even as integer division makes them (part i starts at i·total/n).
func (s Shard) Range(total int) (lo, hi int) {
	if s.Whole() {
		return 0, total
	}
	return s.Index * total / s.Count, (s.Index + 1) * total / s.Count
}

// Env names the index variables of the batch systems, in the order auto
// tries them.
var Env = []string{"JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"}

// Parse reads a --shard value: "" (the whole run), "i/n" with 0 ≤ i < n,
// or "auto/n" with i from the environment (getenv; nil means os.Getenv).
func Parse(spec string, getenv func(string) string) (Shard, error) {
	if spec == "" {
		return Shard{}, nil
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	is, ns, ok := strings.Cut(spec, "/")
	n, err := strconv.Atoi(ns)
	if !ok || err != nil || n < 1 {
		return Shard{}, fmt.Errorf("--shard %q: want i/n or auto/n with n ≥ 1, e.g. 0/4", spec)
	}
	var i int
	if is == "auto" {
		if i, err = envIndex(getenv); err != nil {
			return Shard{}, fmt.Errorf("--shard %s: %w", spec, err)
		}
	} else if i, err = strconv.Atoi(is); err != nil {
		return Shard{}, fmt.Errorf("--shard %q: the index %q is not a number or auto", spec, is)
	}
	if i < 0 || i >= n {
		return Shard{}, fmt.Errorf("--shard %s: index %d is outside 0…%d", spec, i, n-1)
	}
	return Shard{Index: i, Count: n}, nil
}

// envIndex is the index the batch system gives this process.
func envIndex(getenv func(string) string) (int, error) {
	for _, name := range Env {
		v := getenv(name)
		if v == "" {
			continue
		}
		i, err := strconv.Atoi(v)
		if err != nil {
			return 0, fmt.Errorf("%s=%q is not a number", name, v)
		}
		if name == "SLURM_ARRAY_TASK_ID" {
			if m := getenv("SLURM_ARRAY_TASK_MIN"); m != "" {
				lo, err := strconv.Atoi(m)
				if err != nil {
					return 0, fmt.Errorf("SLURM_ARRAY_TASK_MIN=%q is not a number", m)
				}
				i -= lo
			}
		}
		return i, nil
	}
	return 0, fmt.Errorf("auto needs the index in %s, and neither is set", strings.Join(Env, " or "))
}

// Format identifies a shard file.
const Format = "ebm-shard/1"

// File is what a shard writes: which command and part, the settings all
// parts share (compared as JSON), and the part's result.
type File struct {
	Format   string          `json:"format"`
	Command  string          `json:"command"`
	Shard    Shard           `json:"shard"`
	Settings json.RawMessage `json:"settings"`
	Result   json.RawMessage `json:"result"`
	// Path is where the file was read from (not written).
	Path string `json:"-"`
}

// New returns the file of part s of command with settings (marshalled by
// encoding/json: settings are finite) and result (marshalled by marshal,
// which handles NaN: nanjson.Marshal).
func New(command string, s Shard, settings, result any, marshal func(any) ([]byte, error)) (*File, error) {
	if s.Whole() {
		s = Shard{Index: 0, Count: 1}
	}
	st, err := json.Marshal(settings)
	if err != nil {
		return nil, err
	}
	res, err := marshal(result)
	if err != nil {
		return nil, err
	}
	return &File{Format: Format, Command: command, Shard: s, Settings: st, Result: res}, nil
}

// Read decodes the shard file at path; errors name it.
func Read(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: not a shard file: %w", path, err)
	}
	if f.Format != Format {
		return nil, fmt.Errorf("%s: not a shard file (format %q, want %q): write it with --shard and --json or --out", path, f.Format, Format)
	}
	if f.Shard.Count < 1 || f.Shard.Index < 0 || f.Shard.Index >= f.Shard.Count {
		return nil, fmt.Errorf("%s: shard %d/%d is not a part of a run", path, f.Shard.Index, f.Shard.Count)
	}
	f.Path = path
	return &f, nil
}

// ErrMismatch reports shard files that do not make one run.
var ErrMismatch = errors.New("shards do not fit together")

// Check verifies that files are the n parts of one run, each once: the
// same command, count and settings. It returns them ordered by index.
func Check(files []*File) ([]*File, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("no shard files given: %w", ErrMismatch)
	}
	first := files[0]
	byIndex := make([]*File, first.Shard.Count)
	for _, f := range files {
		if err := Match(first, f); err != nil {
			return nil, err
		}
		if prev := byIndex[f.Shard.Index]; prev != nil {
			return nil, fmt.Errorf("%s and %s are both shard %d/%d: %w", prev.Path, f.Path, f.Shard.Index, f.Shard.Count, ErrMismatch)
		}
		byIndex[f.Shard.Index] = f
	}
	var missing []string
	for i, f := range byIndex {
		if f == nil {
			missing = append(missing, strconv.Itoa(i))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("shards %s of %d are missing (given: %s): %w", strings.Join(missing, ", "), first.Shard.Count, Paths(files), ErrMismatch)
	}
	return byIndex, nil
}

// Match reports whether f is a shard of the same run as first: the same
// command, shard count and settings; the error names both files.
func Match(first, f *File) error {
	switch {
	case f.Command != first.Command:
		return fmt.Errorf("%s is a shard of %q, %s of %q: %w", f.Path, f.Command, first.Path, first.Command, ErrMismatch)
	case f.Shard.Count != first.Shard.Count:
		return fmt.Errorf("%s is one of %d shards, %s one of %d: %w", f.Path, f.Shard.Count, first.Path, first.Shard.Count, ErrMismatch)
	}
	if d := diff(first.Settings, f.Settings); d != "" {
		return fmt.Errorf("%s has different settings from %s (%s): %w", f.Path, first.Path, d, ErrMismatch)
	}
	return nil
}

// Paths lists the files' paths, in order, for messages.
func Paths(files []*File) string {
	p := make([]string, len(files))
	for i, f := range files {
		p[i] = f.Path
	}
	return strings.Join(p, ", ")
}

// diff names the first top-level setting that differs between a and b
// ("" when they are equal): "seed: 1 vs 2".
func diff(a, b json.RawMessage) string {
	if bytes.Equal(a, b) {
		return ""
	}
	var ma, mb map[string]any
	if json.Unmarshal(a, &ma) != nil || json.Unmarshal(b, &mb) != nil {
		return "settings unreadable"
	}
	keys := make([]string, 0, len(ma)+len(mb))
	for k := range ma {
		keys = append(keys, k)
	}
	for k := range mb {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range slices.Compact(keys) {
		if !reflect.DeepEqual(ma[k], mb[k]) {
			return fmt.Sprintf("%s: %s vs %s", k, show(ma[k]), show(mb[k]))
		}
	}
	return ""
}

func show(v any) string {
	if v == nil {
		return "absent"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
