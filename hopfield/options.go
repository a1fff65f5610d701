package hopfield

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ebm-go/ebm/internal/option"
	"github.com/ebm-go/ebm/internal/tensor"
)

// OptionError is an error caused by one option of a call: Option names
// it as a command line spells it without the dashes ("noise", "rule",
// "zero-diagonal"), followed by its value where that helps ("net
// old.safetensors"). A command line tool can find it with errors.As and
// print its flag; the functions that return one return it unwrapped.
type OptionError = option.Error

// optionError names the option an error comes from; nil stays nil and an
// OptionError keeps the option it names.
func optionError(name string, err error) error {
	var oe *OptionError
	if err == nil || errors.As(err, &oe) {
		return err
	}
	return &OptionError{Option: name, Err: err}
}

// StoreOptions say what StoreFile does: load Patterns (LoadPatterns, with
// Neurons and Seed for random:P; Neurons 0 with Into is the memory's
// size), keep Rows (SelectRows) when set, add them to the memory in the
// file Into (Extend with Spec and SetZeroDiagonal) or to a new one (New
// with Spec), and write it to Out.
//
// For the continuous kind, Values names the values of key/value pairs
// (LoadValues; the patterns are the keys) and Real keeps intensities in
// [0, 1] as they are (see LoadReal; a normalization other than none
// implies it).
type StoreOptions struct {
	Patterns, Rows  string
	Values          string
	Real            bool
	Neurons         int
	Seed            uint64
	Spec            Spec
	SetZeroDiagonal bool
	Into, Out       string
	// MaxMemory bounds the memory the store may need, in bytes (0: half
	// the machine's memory); a larger one is refused before it is made.
	MaxMemory int64
}

// StoreFile stores patterns as o says and writes the memory, with the
// metadata PatternSet.Metadata gives, to o.Out. The report's Out is
// o.Out. Errors in an option are OptionErrors naming it (patterns, rows,
// net for Into, out, or a Spec field).
func StoreFile(ctx context.Context, o StoreOptions) (*StoreReport, error) {
	if rest, ok := strings.CutPrefix(o.Patterns, "random:"); ok { // refused before they are drawn
		if p, err := strconv.Atoi(rest); err == nil {
			if err := checkMemory("patterns", o.Spec, o.Neurons, p, o.MaxMemory); err != nil {
				return nil, err
			}
		}
	}
	mem, meta, err := storeTarget(&o)
	if err != nil {
		return nil, err
	}
	ps, err := loadStored(&o, mem)
	if err != nil {
		return nil, err
	}
	if o.Rows != "" {
		if err := ps.SelectRows(o.Rows); err != nil {
			return nil, optionError("rows", err)
		}
	}
	if mem == nil {
		if err := checkMemory("patterns", o.Spec, ps.X.Cols, ps.X.Rows, o.MaxMemory); err != nil {
			return nil, err
		}
		if mem, err = New(ps.X.Cols, o.Spec); err != nil {
			return nil, err
		}
	} else if ps.X.Cols != mem.Neurons() {
		err := fmt.Errorf("%s has patterns of %d values, but the memory in %s has %d units: %w", ps.Source, ps.X.Cols, o.Into, mem.Neurons(), ErrDimension)
		return nil, optionError("patterns", err)
	}
	rep, err := StorePatterns(ctx, mem, ps)
	if err != nil {
		return nil, err
	}
	if err := mem.Save(o.Out, ps.Metadata(meta, mem.Neurons())); err != nil {
		return nil, optionError("out", err)
	}
	rep.Out = o.Out
	return rep, nil
}

// loadStored loads the patterns (and values) o names for mem (nil: a new
// memory of kind o.Spec.Kind).
func loadStored(o *StoreOptions, mem Memory) (*PatternSet, error) {
	s := o.Spec
	if mem != nil {
		s = mem.Spec()
	}
	if s.Kind != KindContinuous {
		if o.Values != "" || o.Real {
			option := "values"
			if o.Values == "" {
				option = "real"
			}
			return nil, &OptionError{Option: option, Err: fmt.Errorf("hopfield: values and real-valued patterns apply to the continuous kind, not %s: %w", s.Kind, ErrOption)}
		}
		ps, err := LoadPatterns(o.Patterns, o.Neurons, o.Seed)
		return ps, optionError("patterns", err)
	}
	ps, err := LoadReal(o.Patterns, o.Neurons, o.Seed, o.Real || s.Norm != "")
	if err != nil {
		return nil, optionError("patterns", err)
	}
	if o.Values != "" {
		if err := ps.LoadValues(o.Values); err != nil {
			return nil, optionError("values", err)
		}
	}
	return ps, nil
}

// storeTarget opens the memory o adds to (Into) and makes it fit o.Spec
// (Extend), setting o.Neurons when it is 0; without Into it normalizes
// o.Spec and returns no memory.
func storeTarget(o *StoreOptions) (Memory, map[string]string, error) {
	if o.Out == "" {
		return nil, nil, &OptionError{Option: "out", Err: fmt.Errorf("no file to write: %w", ErrOption)}
	}
	if o.Into == "" {
		var err error
		o.Spec, err = o.Spec.Normalize()
		return nil, map[string]string{}, err
	}
	mem, meta, err := Open(o.Into)
	if err != nil {
		return nil, nil, optionError("net", err)
	}
	if mem, err = Extend(mem, o.Spec, o.SetZeroDiagonal); err != nil {
		return nil, nil, optionError("net "+o.Into, err)
	}
	if o.Neurons == 0 {
		o.Neurons = mem.Neurons()
	}
	return mem, meta, nil
}

// RecallCue makes the cue o describes for m (Cue, the noise drawn from a
// generator seeded with seed, which then drives opt's random choices),
// runs m's dynamics from it with opt and returns the trajectory with its
// report (Summarize; Seed is seed).
func RecallCue(ctx context.Context, m Memory, o CueOptions, opt RecallOptions, seed uint64) (*Trajectory, RecallReport, error) {
	opt.Rand = tensor.NewRand(seed)
	cue, rep, err := Cue(m, o, opt.Rand)
	if err != nil {
		return nil, rep, err
	}
	tr, err := m.Recall(ctx, cue, opt)
	if err != nil {
		return nil, rep, err
	}
	rep.Seed = seed
	return &tr, Summarize(m, opt, &tr, rep), nil
}
