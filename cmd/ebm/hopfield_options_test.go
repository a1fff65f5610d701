package main

import (
	"bytes"
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/hopfield"
	"github.com/ebm-go/ebm/internal/cmdutil"
)

// TestHopfieldFlagsResolve: each command resolves its flags into its
// options once, before the run function (here a stub that records them).
func TestHopfieldFlagsResolve(t *testing.T) {
	io := &cmdutil.IOStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}
	exp := hopfield.Interaction{Kind: hopfield.Exp}
	for _, c := range []struct {
		args  []string
		specs []hopfield.Spec
		given []string
	}{
		{nil, []hopfield.Spec{{Kind: hopfield.KindClassical}}, nil},
		{[]string{"--rule", "pinv", "--zero-diagonal"}, []hopfield.Spec{{Kind: hopfield.KindClassical, Rule: hopfield.PseudoInverse, ZeroDiagonal: true}}, []string{"--rule", "--zero-diagonal"}},
		{[]string{"--kind", "dense", "--interaction", "exp", "--beta", "0.5"}, []hopfield.Spec{{Kind: hopfield.KindDense, Interaction: exp, Beta: 0.5}}, []string{"--kind", "--interaction", "--beta"}},
		{[]string{"--kind", "continuous"}, []hopfield.Spec{{Kind: hopfield.KindContinuous}}, []string{"--kind"}},
	} {
		var got *hopfieldStoreOptions
		cmd := newCmdHopfieldStore(io, func(_ context.Context, o *hopfieldStoreOptions) error { got = o; return nil })
		cmd.SetArgs(append([]string{"--patterns", "random:2", "--neurons", "4"}, c.args...))
		if err := cmd.Execute(); err != nil {
			t.Fatalf("store %v: %v", c.args, err)
		}
		zeroDiagGiven := slices.Contains(c.given, "--zero-diagonal")
		if got.Store.Spec != c.specs[0] || got.Store.SetZeroDiagonal != zeroDiagGiven || got.Store.Neurons != 4 {
			t.Errorf("store %v: %+v", c.args, got.Store)
		}
		var capOpts *hopfieldCapacityOptions
		cmd = newCmdHopfieldCapacity(io, func(_ context.Context, o *hopfieldCapacityOptions) error { capOpts = o; return nil })
		cmd.SetArgs(append([]string{"--patterns", "2,4", "--neurons", "8", "--json"}, c.args...))
		if err := cmd.Execute(); err != nil {
			t.Fatalf("capacity %v: %v", c.args, err)
		}
		want := make([]hopfield.Spec, len(c.specs))
		for i, s := range c.specs {
			want[i], _ = s.Normalize()
		}
		if !reflect.DeepEqual(capOpts.Specs, want) || !reflect.DeepEqual(capOpts.Base.Patterns, []int{2, 4}) || !capOpts.Quiet || capOpts.Tables {
			t.Errorf("capacity %v: %+v", c.args, capOpts)
		}
	}
	// Comma lists give one spec each; compare measures its fixed set.
	var capOpts *hopfieldCapacityOptions
	cmd := newCmdHopfieldCapacity(io, func(_ context.Context, o *hopfieldCapacityOptions) error { capOpts = o; return nil })
	cmd.SetArgs([]string{"--patterns", "2", "--rule", "hebbian,storkey"})
	if err := cmd.Execute(); err != nil || len(capOpts.Specs) != 2 || capOpts.Specs[1].Rule != hopfield.Storkey {
		t.Errorf("rule list: %+v, %v", capOpts, err)
	}
	cmd = newCmdHopfieldCompare(io, func(_ context.Context, o *hopfieldCapacityOptions) error { capOpts = o; return nil })
	cmd.SetArgs([]string{"--neurons", "10", "--interaction", "poly:3,,exp"})
	if err := cmd.Execute(); err != nil || len(capOpts.Specs) != 5 || !capOpts.LogX || len(capOpts.Base.Patterns) == 0 || capOpts.Base.Patterns[0] != 1 {
		t.Errorf("compare: %+v, %v", capOpts, err)
	}
	// Recall: --beta only when given, the plot next to a .png.
	var rec *hopfieldRecallOptions
	for _, c := range []struct {
		args     []string
		beta     bool
		plot     string
		input    string
		stepsSet bool
	}{
		{[]string{"--net", "n", "--pattern", "0"}, false, "", "", false},
		{[]string{"--net", "n", "--input", "c.npy", "--beta", "0", "--out", "r.png", "--steps", "2"}, true, "r-energy.png", "c.npy", true},
		{[]string{"--net", "n", "--pattern", "1", "--out", "r.png", "--plot", "none"}, false, "none", "", false},
	} {
		cmd := newCmdHopfieldRecall(io, func(_ context.Context, o *hopfieldRecallOptions) error { rec = o; return nil })
		cmd.SetArgs(c.args)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("recall %v: %v", c.args, err)
		}
		if (rec.Beta != nil) != c.beta || rec.Plot != c.plot || rec.Cue.Input != c.input || rec.StepsSet != c.stepsSet {
			t.Errorf("recall %v: %+v", c.args, rec)
		}
	}
	cmd = newCmdHopfieldRecall(io, func(context.Context, *hopfieldRecallOptions) error { return nil })
	cmd.SetArgs([]string{"--net", "n", "--query", "q.npy", "--noise", "0.1"})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "--noise") {
		t.Errorf("--query with --noise: %v", err)
	}
}
