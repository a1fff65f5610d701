package cmdutil

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/rbm"
)

// The policies every command shares, each checked on a small command.
func TestPolicies(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.safetensors")
	if err := os.WriteFile(model, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.safetensors")
	if err := os.Symlink(model, link); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		outputs []File
		inputs  []File
		want    string
	}{
		{[]File{Path("out", "a.png", ExtRows...)}, nil, ""},
		{[]File{Path("out", "a.xyz", ExtRows...)}, nil, "--out a.xyz: the file type must be .png or .npy"},
		{[]File{Path("out", "m.st"), Path("checkpoint", "./m.st")}, nil, "--checkpoint and --out both name"},
		{[]File{Path("out", link)}, []File{Path("model", model)}, "--out and --model both name"},
		{[]File{Path("out", ""), Path("checkpoint", "none")}, nil, ""},
	} {
		err := CheckFiles(c.outputs, c.inputs...)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("CheckFiles(%v, %v) = %v, want %q", c.outputs, c.inputs, err, c.want)
		}
	}
	given := func(f string) bool { return f == "chains" }
	if err := CheckApplies(given, Rule("chains", false, "--method pcd")); err == nil || err.Error() != "--chains applies only to --method pcd" {
		t.Errorf("CheckApplies: %v", err)
	}
	if err := CheckApplies(given, Rule("chains", true, "x"), Rule("k", false, "y")); err != nil {
		t.Errorf("CheckApplies of applying flags: %v", err)
	}

	// Minimum, option errors as flags, and RunWith on one command.
	var o struct{ K int }
	var ran bool
	c := &cobra.Command{Use: "x", RunE: RunWith(&o, nil, nil, func(context.Context, *struct{ K int }) error {
		ran = true
		return &rbm.OptionError{Option: "k", Err: errors.New("too odd")}
	})}
	c.Flags().IntVar(&o.K, "k", 1, "")
	Minimum(c, 1, "k")
	OptionFlags(c)
	c.SetArgs([]string{"--k", "0"})
	c.SetOut(&bytes.Buffer{})
	c.SetErr(&bytes.Buffer{})
	if err := c.Execute(); err == nil || err.Error() != "--k 0: must be at least 1" || ran {
		t.Errorf("--k 0: %v (ran %v)", err, ran)
	}
	c.SetArgs([]string{"--k", "3"})
	if err := c.Execute(); err == nil || err.Error() != "--k: too odd" || !ran {
		t.Errorf("option error: %v", err)
	}

	var w bytes.Buffer
	if err := WriteJSON(&w, map[string]float64{"x": math.NaN()}); err != nil || !strings.Contains(w.String(), `"x": null`) {
		t.Errorf("WriteJSON: %q, %v", w.String(), err)
	}
}
