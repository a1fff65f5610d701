package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInputs is the census of bad command lines, one row per case
// across the commands: each must fail with a message naming the flag (or
// file) at fault, without a panic, and leave every file it would have
// written as it was (a sentinel is put at each output path first).
func TestBadInputs(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.safetensors")
	mustRun(t, "rbm", "train", "--data", "bars:3x3", "--hidden", "4", "--epochs", "1", "--out", model, "--checkpoint", "none", "-q")
	p := func(name string) string { return filepath.Join(dir, name) }
	deepCk := p("dk.st")
	mustRun(t, "deep", "train", "--data", "8gaussians:200", "--hidden", "4", "--iters", "2", "--steps", "1", "--grid", "2", "--out", p("dm.st"), "--checkpoint", deepCk, "-q")
	resume := func(ckpt string, args ...string) []string {
		return append([]string{"deep", "train", "--resume", ckpt, "--out", p("e.st"), "--checkpoint", p("ek.st")}, args...)
	}
	cases := []struct {
		args    []string
		want    string
		outputs []string // files that must stay untouched
	}{
		{[]string{"rbm", "trian"}, `unknown command "trian"`, nil},
		{[]string{"rbm", "train", "--data", "bars:3x3", "--k", "0", "--out", p("a.st")}, "--k 0", []string{p("a.st")}},
		{[]string{"rbm", "train", "--data", "bars:3x3", "--batch", "-5", "--out", p("a.st")}, "--batch -5", []string{p("a.st")}},
		{[]string{"rbm", "train", "--data", "bars:3x3", "--momentum-epochs", "-1", "--out", p("a.st")}, "--momentum-epochs", []string{p("a.st")}},
		{[]string{"rbm", "train", "--data", "bars:3x3", "--limit", "-1", "--out", p("a.st")}, "--limit -1", []string{p("a.st")}},
		{[]string{"rbm", "train", "--data", "bars:3x3", "--method", "pt", "--temperatures", "1", "--out", p("a.st")}, "--temperatures 1", []string{p("a.st")}},
		{[]string{"rbm", "train", "--data", "bars:3x3", "--method", "cd", "--chains", "5", "--out", p("a.st")}, "--chains", []string{p("a.st")}},
		{[]string{"rbm", "train", "--data", "bars:3x3", "--method", "pcd", "--temperatures", "5", "--out", p("a.st")}, "--temperatures", []string{p("a.st")}},
		{[]string{"rbm", "train", "--data", "bars:3x3", "--sample-init", "foo", "--samples", p("s.png"), "--out", p("a.st")}, "--sample-init", []string{p("a.st"), p("s.png")}},
		{[]string{"rbm", "train", "--data", "bars:3x3", "--out", p("a.st"), "--filters", p("a.st")}, "--filters", []string{p("a.st")}},
		{[]string{"rbm", "train", "--data", "bars:3x3", "--out", p("a.st"), "--checkpoint", p("a.st")}, "--checkpoint and --out", []string{p("a.st")}},
		{[]string{"rbm", "train", "--data", "bars:3x3", "--out", p("a.st"), "--plot", p("c.xyz")}, "--plot", []string{p("a.st"), p("c.xyz")}},
		{[]string{"rbm", "train", "--data", "bars:3x3", "--lr", "3e38", "--momentum", "0.9", "--batch", "1", "--out", p("a.st"), "--checkpoint", "none"}, "diverged", []string{p("a.st")}},
		{[]string{"rbm", "train", "--data", "bars:3x3", "--lr", "-1", "--out", p("a.st")}, "--lr", []string{p("a.st")}},
		{[]string{"rbm", "sample", "--model", model, "--n", "-1", "--out", p("s.png")}, "--n -1", []string{p("s.png")}},
		{[]string{"rbm", "sample", "--model", model, "--out", p("s.xyz")}, "--out", []string{p("s.xyz")}},
		{[]string{"rbm", "sample", "--model", model, "--out", model}, "--out", []string{model}},
		{[]string{"rbm", "sample", "--model", model, "--data", p("x.npy"), "--out", p("x.npy")}, "--out and --data", []string{p("x.npy")}},
		{[]string{"rbm", "reconstruct", "--model", model, "--data", "bars:3x3", "--n", "-1", "--out", p("r.png")}, "--n -1", []string{p("r.png")}},
		{[]string{"rbm", "transform", "--model", model, "--data", "bars:3x3", "--out", p("f.png")}, "--out", []string{p("f.png")}},
		{[]string{"rbm", "eval", "--model", model, "--data", "bars:3x3", "--chains", "0"}, "--chains 0", nil},
		{[]string{"rbm", "eval", "--model", p("missing.st"), "--data", "bars:3x3"}, "missing.st", nil},
		{[]string{"dbn", "train", "--data", "bars:3x3", "--hidden", "4", "--batch", "0", "--out", p("d.st")}, "--batch 0", []string{p("d.st")}},
		{[]string{"dbn", "train", "--data", "bars:3x3", "--hidden", "4", "--out", p("d.st"), "--samples", p("d.xyz")}, "--samples", []string{p("d.st"), p("d.xyz")}},
		{[]string{"deep", "train", "--data", "8gaussians:200", "--grid", "1", "--out", p("e.st")}, "--grid 1", []string{p("e.st")}},
		{[]string{"deep", "train", "--data", "8gaussians:200", "--out", p("e.st"), "--plot", p("e.st")}, "--plot", []string{p("e.st")}},
		{[]string{"serve", "--max-jobs", "-1"}, "--max-jobs -1", nil},
		{[]string{"serve", "--timeout", "-1s"}, "--timeout -1s", nil},
		{[]string{"rbm", "train", "--data", "8gaussians:50", "--visible", "gaussian", "--filters", p("f.png"), "--out", p("a.st")}, "--filters", []string{p("a.st"), p("f.png")}},
		{[]string{"rbm", "sample", "--model", model, "--data", "bars:3x3", "--out", p("s.png")}, "--data applies only", []string{p("s.png")}},
		{[]string{"deep", "train", "--data", "8gaussians:200", "--buffer", "0", "--out", p("e.st")}, "--buffer 0", []string{p("e.st")}},
		{[]string{"hopfield", "store", "--patterns", "random:5", "--neurons", "1000000", "--out", p("h.st")}, "--patterns", []string{p("h.st")}},
		{[]string{"hopfield", "store", "--patterns", "random:100000000000", "--neurons", "10", "--out", p("h.st")}, "--patterns", []string{p("h.st")}},
		{[]string{"hopfield", "store", "--patterns", "random:5", "--neurons", "16", "--out", p("h.xyz"), "--values", p("h.xyz")}, "--out and --values", []string{p("h.xyz")}},
		{[]string{"hopfield", "capacity", "--neurons", "1000000", "--patterns", "5"}, "1000000 neurons", nil},
		{[]string{"hopfield", "capacity", "--neurons", "100", "--patterns", "100000000000"}, "patterns", nil},
		{[]string{"hopfield", "capacity", "--neurons", "100", "--workers", "-1"}, "--workers -1", nil},
		{[]string{"hopfield", "capacity", "--neurons", "100", "--patterns", "5", "--plot", p("c.xyz")}, "--plot", []string{p("c.xyz")}},
		{[]string{"hopfield", "compare", "--neurons", "1"}, "--neurons 1", nil},
		{[]string{"hopfield", "recall", "--net", model, "--pattern", "0", "--frames", "-1"}, "--frames -1", nil},
		{[]string{"hopfield", "recall", "--net", model, "--pattern", "0", "--tiles", "0"}, "--tiles 0", nil},
		{[]string{"hopfield", "recall", "--net", model, "--pattern", "0", "--plot", p("p.xyz")}, "--plot", []string{p("p.xyz")}},
		{[]string{"deep", "train", "--data", "8gaussians:200", "--alpha", "NaN", "--out", p("e.st")}, "--alpha: deep: alpha NaN", []string{p("e.st")}},
		{[]string{"deep", "train", "--data", "8gaussians:200", "--clip", "NaN", "--out", p("e.st")}, "--clip: deep: clip NaN", []string{p("e.st")}},
		// Sizes: refused before anything is allocated, naming the flags.
		{[]string{"rbm", "train", "--data", "bars:3x3", "--hidden", "100000000", "--out", p("a.st")}, "100000000 hidden units", []string{p("a.st")}},
		{[]string{"rbm", "train", "--data", "bars:3x3", "--method", "pt", "--temperatures", "100000000", "--out", p("a.st")}, "--temperatures 100000000", []string{p("a.st")}},
		{[]string{"rbm", "train", "--data", "8gaussians:100000000000", "--visible", "gaussian", "--out", p("a.st")}, "--data 8gaussians:100000000000", []string{p("a.st")}},
		{[]string{"rbm", "train", "--data", "bars:3x3", "--max-memory", "1KB", "--out", p("a.st")}, "--max-memory", []string{p("a.st")}},
		{[]string{"rbm", "train", "--data", "bars:3x3", "--max-memory", "lots", "--out", p("a.st")}, "--max-memory", []string{p("a.st")}},
		{[]string{"rbm", "sample", "--model", model, "--n", "100000000000", "--out", p("s.png")}, "--n 100000000000", []string{p("s.png")}},
		{[]string{"rbm", "eval", "--model", model, "--data", "bars:3x3", "--ais", "--betas", "1000000000000000"}, "--betas", nil},
		{[]string{"rbm", "eval", "--model", model, "--data", "bars:3x3", "--ais", "--betas", "1000000000"}, "too long to finish", nil},
		{[]string{"dbn", "train", "--data", "bars:3x3", "--hidden", "1000000000", "--out", p("d.st")}, "--hidden", []string{p("d.st")}},
		{[]string{"deep", "train", "--data", "8gaussians:200", "--batch", "100000000", "--out", p("e.st")}, "--batch 100000000", []string{p("e.st")}},
		{[]string{"deep", "train", "--data", "8gaussians:200", "--grid", "100000", "--out", p("e.st")}, "--grid 100000", []string{p("e.st")}},
		// --resume: missing, corrupt or wrong-kind files, changed settings.
		{resume(p("gone.st")), "gone.st", []string{p("e.st"), p("ek.st")}},
		{resume(model), `m.safetensors: file holds a "rbm" model, not a deep EBM`, []string{p("e.st"), p("ek.st")}},
		{resume(p("dm.st")), "dm.st: not a training checkpoint", []string{p("e.st"), p("ek.st")}},
		{resume(p("junk.st")), "junk.st", []string{p("e.st"), p("ek.st"), p("junk.st")}},
		{resume(deepCk, "--hidden", "4"), "--hidden cannot change", []string{p("e.st"), p("ek.st")}},
		{resume(deepCk, "--iters", "1"), "--iters 1: the checkpoint has 2 iterations done", []string{p("e.st"), p("ek.st")}},
		{[]string{"rbm", "train", "--resume", deepCk, "--out", p("a.st")}, `holds a "deep" model, not an rbm`, []string{p("a.st")}},
	}
	for _, c := range cases {
		for _, o := range c.outputs {
			if o != model {
				if err := os.WriteFile(o, []byte("sentinel"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		before, _ := os.ReadFile(model)
		_, _, err := run(t, c.args...)
		name := strings.Join(c.args, " ")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ebm %s: error %v, want one mentioning %q", name, err, c.want)
		}
		for _, o := range c.outputs {
			got, _ := os.ReadFile(o)
			if o == model && !bytes.Equal(got, before) || o != model && string(got) != "sentinel" {
				t.Errorf("ebm %s: %s was changed", name, filepath.Base(o))
			}
		}
	}
}
