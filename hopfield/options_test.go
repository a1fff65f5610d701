package hopfield

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

// TestOptionErrors: each bad option is reported as an OptionError naming
// it, outermost, so a command line tool can print its flag.
func TestOptionErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "m.safetensors")
	store := func(o StoreOptions) error {
		_, err := StoreFile(context.Background(), o)
		return err
	}
	mem, err := New(4, Spec{Kind: KindClassical})
	if err != nil {
		t.Fatal(err)
	}
	if err := mem.Store(RandomPatterns(2, 4, tensor.NewRand(1))); err != nil {
		t.Fatal(err)
	}
	cue := func(o CueOptions) error {
		_, _, err := Cue(mem, o, tensor.NewRand(1))
		return err
	}
	counts := func(c, l string) error {
		_, err := PatternCounts(c, l, 10, nil)
		return err
	}
	for _, c := range []struct {
		name, option string
		err          error
	}{
		{"unknown kind", "kind", store(StoreOptions{Patterns: "random:2", Neurons: 4, Spec: Spec{Kind: "quantum"}, Out: out})},
		{"rule for dense", "rule", store(StoreOptions{Patterns: "random:2", Neurons: 4, Spec: Spec{Kind: KindDense, Rule: Storkey}, Out: out})},
		{"zero diagonal for hebbian", "zero-diagonal", store(StoreOptions{Patterns: "random:2", Neurons: 4, Spec: Spec{ZeroDiagonal: true}, Out: out})},
		{"beta for classical", "beta", store(StoreOptions{Patterns: "random:2", Neurons: 4, Spec: Spec{Beta: 2}, Out: out})},
		{"no neurons", "neurons", store(StoreOptions{Patterns: "random:2", Out: out})},
		{"no patterns", "patterns", store(StoreOptions{Patterns: filepath.Join(dir, "none.npy"), Out: out})},
		{"bad rows", "rows", store(StoreOptions{Patterns: "random:2", Neurons: 4, Rows: "7", Out: out})},
		{"no out", "out", store(StoreOptions{Patterns: "random:2", Neurons: 4})},
		{"missing net", "net", store(StoreOptions{Patterns: "random:2", Into: filepath.Join(dir, "none"), Out: out})},
		{"pattern out of range", "pattern", cue(CueOptions{Pattern: 5})},
		{"mask", "mask", cue(CueOptions{Mask: 2})},
		{"noise", "noise", cue(CueOptions{Noise: -1})},
		{"counts", "patterns", counts("5,x", "")},
		{"loads", "load", counts("", "0.2:0.1:0.1")},
		{"neither", "patterns", counts("", "")},
		{"capacity trials", "trials", func() error {
			_, err := Capacity(context.Background(), CapacityOptions{Neurons: 10, Patterns: []int{2}})
			return err
		}()},
	} {
		var oe *OptionError
		if !errors.As(c.err, &oe) || oe != c.err || oe.Option != c.option {
			t.Errorf("%s: %v, want an OptionError naming %q", c.name, c.err, c.option)
		}
	}
}

// TestStoreFile: storing writes the file the report names, and storing
// more into it adds to the same memory.
func TestStoreFile(t *testing.T) {
	dir := t.TempDir()
	first, second := filepath.Join(dir, "a.safetensors"), filepath.Join(dir, "b.safetensors")
	for _, c := range []struct {
		o             StoreOptions
		count, neuron int
	}{
		{StoreOptions{Patterns: "random:3", Neurons: 16, Spec: Spec{Rule: Storkey}, Out: first}, 3, 16},
		{StoreOptions{Patterns: "random:2", Seed: 2, Into: first, Out: second}, 5, 16},
		{StoreOptions{Patterns: "random:4", Neurons: 8, Rows: "0,2", Spec: Spec{Kind: KindDense}, Out: first}, 2, 8},
	} {
		rep, err := StoreFile(context.Background(), c.o)
		if err != nil {
			t.Fatalf("%+v: %v", c.o, err)
		}
		m, _, err := Open(c.o.Out)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Out != c.o.Out || rep.Patterns != c.count || m.Count() != c.count || m.Neurons() != c.neuron {
			t.Errorf("%+v: report %+v, memory of %d patterns", c.o, rep, m.Count())
		}
		if _, err := os.Stat(c.o.Out); err != nil {
			t.Error(err)
		}
	}
}

// A memory too large for the limit is refused before anything is drawn or
// allocated, naming the option, and MemoryBytes counts a classical
// memory's N² weights.
func TestStoreFileMemoryLimit(t *testing.T) {
	if b := MemoryBytes(Spec{}, 1000, 10); b < 4e6 {
		t.Errorf("classical 1000 neurons: %g bytes", b)
	}
	if b := MemoryBytes(Spec{Kind: KindContinuous}, 1000, 10); b > 1e5 {
		t.Errorf("continuous 1000 neurons, 10 patterns: %g bytes", b)
	}
	_, err := StoreFile(context.Background(), StoreOptions{Patterns: "random:5", Neurons: 1 << 20, Out: filepath.Join(t.TempDir(), "h.st"), MaxMemory: 1 << 30})
	var oe *OptionError
	if !errors.As(err, &oe) || oe.Option != "patterns" || !strings.Contains(err.Error(), "memory of 1048576 neurons") {
		t.Errorf("StoreFile of 2^20 neurons: %v", err)
	}
}
