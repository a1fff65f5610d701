package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/testutil"
	"github.com/ebm-go/ebm/modelio"
)

// run executes the CLI in-process and returns stdout, stderr and the error.
func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRoot(&out, &errb)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := run(t, args...)
	if err != nil {
		t.Fatalf("ebm %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut)
	}
	return out
}

func TestTrainBarsJSONAndPictures(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "bars.safetensors")
	out := mustRun(t, "rbm", "train", "--data", "bars:4x4", "--hidden", "8", "--epochs", "30", "--batch", "10",
		"--lr", "0.1", "--seed", "3", "--out", model, "--json",
		"--filters", filepath.Join(dir, "f.png"), "--samples", filepath.Join(dir, "s.png"), "--sample-steps", "20",
		"--plot", filepath.Join(dir, "c.png"))
	sum := jsonObject(t, out, "epochs", "seconds", "samples_per_second", "binarize", "last_epoch")
	if sum["epochs"].(float64) != 30 || sum["binarize"] != "threshold" {
		t.Errorf("epochs %v binarize %v", sum["epochs"], sum["binarize"])
	}
	last := sum["last_epoch"].(map[string]any)
	for _, k := range []string{"reconstruction_error", "pseudo_log_likelihood", "pseudo_log_likelihood_sklearn_scale", "free_energy_gap"} {
		if _, ok := last[k]; !ok {
			t.Errorf("last_epoch lacks %q", k)
		}
	}
	for _, f := range []string{"f.png", "s.png", "c.png"} {
		fh, err := os.Open(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(fh); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		fh.Close()
	}
	mustLoadFile(t, model, map[string]string{"model": "rbm", "visible": "bernoulli", "hidden": "bernoulli", "format_version": "1",
		"data": "bars:4x4", "binarize": "threshold", "method": "restart", "epochs": "30", "image_shape": "4x4",
		"learning_rate": "0.1", "momentum": "0.5", "initial_momentum": "0.5", "k": "5", "batch_size": "10", "chains": "10",
		"sampler": `{"init":"random","steps":5}`})

	// sample, transform and reconstruct on that model.
	mustRun(t, "rbm", "sample", "--model", model, "--n", "9", "--steps", "10", "--out", filepath.Join(dir, "samp.png"))
	mustRun(t, "rbm", "sample", "--model", model, "--n", "5", "--steps", "3", "--init", "data", "--data", "bars:4x4", "--out", filepath.Join(dir, "samp.npy"))
	s, err := dataset.Load(filepath.Join(dir, "samp.npy"), dataset.Options{})
	if err != nil || s.Len() != 5 || s.Dim() != 16 {
		t.Fatalf("samples .npy: %v", err)
	}
	// Parallel tempering: the same outputs, and the swap rates with --json.
	out = mustRun(t, "rbm", "sample", "--model", model, "--n", "6", "--steps", "30", "--temperatures", "4", "--init", "data",
		"--data", "bars:4x4", "--binary", "--json", "--out", filepath.Join(dir, "pt.npy"))
	var ps struct {
		Sampler      string    `json:"sampler"`
		Temperatures int       `json:"temperatures"`
		Betas        []float64 `json:"betas"`
		SwapRates    []float64 `json:"swap_rates"`
		MeanSwapRate *float64  `json:"mean_swap_rate"`
	}
	if err := json.Unmarshal([]byte(out), &ps); err != nil {
		t.Fatalf("sample --json: %v\n%s", err, out)
	}
	if ps.Sampler != "parallel-tempering" || ps.Temperatures != 4 || len(ps.Betas) != 4 || ps.Betas[0] != 1 || ps.Betas[3] != 0.25 ||
		len(ps.SwapRates) != 3 || ps.MeanSwapRate == nil {
		t.Fatalf("sample --temperatures 4 --json: %s", out)
	}
	for _, r := range ps.SwapRates {
		if r < 0 || r > 1 {
			t.Fatalf("swap rate %v", r)
		}
	}
	if s, err := dataset.Load(filepath.Join(dir, "pt.npy"), dataset.Options{}); err != nil || s.Len() != 6 || s.Dim() != 16 {
		t.Fatalf("tempered samples .npy: %v", err)
	}
	out = mustRun(t, "rbm", "sample", "--model", model, "--n", "4", "--steps", "5", "--json", "--out", filepath.Join(dir, "g.png"))
	if !strings.Contains(out, `"sampler": "gibbs"`) || !strings.Contains(out, `"swap_rates": []`) {
		t.Fatalf("sample --json (Gibbs): %s", out)
	}
	if out := mustRun(t, "rbm", "sample", "--model", model, "--n", "4", "--steps", "5", "--temperatures", "3", "--out", filepath.Join(dir, "pt.png")); !strings.Contains(out, "parallel tempering at 3 temperatures") {
		t.Fatalf("sample --temperatures 3: %s", out)
	}
	mustRun(t, "rbm", "transform", "--model", model, "--data", "bars:4x4", "--out", filepath.Join(dir, "feat.npy"))
	f, err := dataset.Load(filepath.Join(dir, "feat.npy"), dataset.Options{})
	if err != nil || f.Len() != 30 || f.Dim() != 8 {
		t.Fatalf("features .npy: %v (%+v)", err, f)
	}
	out = mustRun(t, "rbm", "reconstruct", "--model", model, "--data", "bars:4x4", "--json", "--out", filepath.Join(dir, "r.png"))
	var rec map[string]any
	if err := json.Unmarshal([]byte(out), &rec); err != nil || rec["reconstruction_error"] == nil || rec["binarize"] != "threshold" {
		t.Fatalf("reconstruct --json: %v %s", err, out)
	}
}

// TestMethodDefaults: settings not given take the method's defaults
// (rbm.DefaultConfigFor): learning rate, momentum, k, epochs, batch and
// chains.
func TestMethodDefaults(t *testing.T) {
	dir := t.TempDir()
	keys := []string{"learning_rate", "momentum", "k", "epochs", "batch_size", "chains", "lr_schedule"}
	for method, want := range map[string][]string{
		"cd": {"0.05", "0.9", "1", "10", "100", "", ""}, "pcd": {"0.02", "0.5", "1", "10", "100", "100", ""},
		"pt": {"0.02", "0.5", "1", "10", "100", "100", ""}, "restart": {"0.1", "0.5", "5", "10", "500", "500", "cosine"},
	} {
		p := filepath.Join(dir, method+".safetensors")
		mustRun(t, "rbm", "train", "--data", "bars:3x3", "--hidden", "3", "--method", method, "--out", p, "-q")
		f, err := modelio.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		for i, k := range keys {
			if f.Metadata[k] != want[i] {
				t.Errorf("%s: %s = %q, want %q", method, k, f.Metadata[k], want[i])
			}
		}
	}
}

func TestTrainReproducible(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.safetensors"), filepath.Join(dir, "b.safetensors")
	for _, p := range []string{a, b} {
		mustRun(t, "rbm", "train", "--data", "bars:3x3", "--hidden", "5", "--epochs", "5", "--batch", "4", "--method", "pcd", "--seed", "9", "--out", p, "-q")
	}
	if !testutil.SameFiles(t, a, b) {
		t.Fatal("two runs with the same seed wrote different model files")
	}
}

func TestCLIErrors(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.safetensors")
	mustRun(t, "rbm", "train", "--data", "bars:4x4", "--hidden", "4", "--epochs", "1", "--out", model, "-q")
	bad := filepath.Join(dir, "bad.safetensors")
	os.WriteFile(bad, []byte("\x10\x00\x00\x00\x00\x00\x00\x00{not json"), 0o644)
	csv := filepath.Join(dir, "wide.csv")
	os.WriteFile(csv, []byte("0,1,0\n1,0,1\n"), 0o644)
	out2 := filepath.Join(dir, "x.csv")
	os.WriteFile(out2, []byte("0,2\n1,0\n"), 0o644)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"rbm", "train", "--data", "nosuch:thing", "-q"}, "nosuch"},
		{[]string{"rbm", "train", "--data", "bars:4x4", "--binarize", "magic", "-q"}, "--binarize"},
		{[]string{"rbm", "train", "--data", "bars:4x4", "--k", "-1", "-q", "--out", filepath.Join(dir, "k.safetensors")}, "--k -1: must be at least 1"},
		{[]string{"rbm", "train", "--data", "bars:4x4", "--hidden", "0", "-q"}, "--hidden"},
		{[]string{"rbm", "train", "--data", out2, "--binarize", "none", "-q"}, "x.csv"},
		{[]string{"rbm", "train", "--data", "bars:4x4", "-q", "--out", filepath.Join(dir, "no", "dir", "m.safetensors")}, "does not exist"},
		{[]string{"rbm", "sample", "--out", filepath.Join(dir, "s.png")}, "--model"},
		{[]string{"rbm", "sample", "--model", bad}, "bad.safetensors"},
		{[]string{"rbm", "sample", "--model", filepath.Join(dir, "missing.safetensors")}, "missing.safetensors"},
		{[]string{"rbm", "sample", "--model", model, "--n", "0"}, "--n"},
		{[]string{"rbm", "sample", "--model", model, "--temperatures", "0"}, "--temperatures"},
		{[]string{"rbm", "sample", "--model", model, "--out", filepath.Join(dir, "s.gif")}, "s.gif"},
		{[]string{"rbm", "transform", "--model", model, "--data", csv, "--out", filepath.Join(dir, "f.npy")}, "3 columns"},
		{[]string{"rbm", "reconstruct", "--model", model, "--data", "mnist:test:5"}, "784 columns"},
	}
	for _, c := range cases {
		_, _, err := run(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ebm %s: error %v, want one mentioning %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}

func TestEveryCommandHasHelpWithExample(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Runnable() && c.Example == "" {
			t.Errorf("%q has no example in --help", c.CommandPath())
		}
		if c.Short == "" {
			t.Errorf("%q has no short description", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRoot(&bytes.Buffer{}, &bytes.Buffer{}))
	out := mustRun(t, "rbm", "train", "--help")
	if !strings.Contains(out, "Example") || !strings.Contains(out, "--method") {
		t.Errorf("rbm train --help:\n%s", out)
	}
}

func TestResumeThroughCLI(t *testing.T) {
	dir := t.TempDir()
	straight, resumed := filepath.Join(dir, "s.safetensors"), filepath.Join(dir, "r.safetensors")
	args := []string{"rbm", "train", "--data", "bars:3x3", "--hidden", "6", "--batch", "4", "--method", "pt",
		"--temperatures", "3", "--lr", "0.2", "--seed", "4", "-q"}
	mustRun(t, append(args, "--epochs", "6", "--out", straight)...)
	mustRun(t, append(args, "--epochs", "3", "--out", resumed)...)
	ck := filepath.Join(dir, "r.ckpt.safetensors")
	out := mustRun(t, "rbm", "train", "--resume", ck, "--epochs", "6", "--json", "-q")
	var sum map[string]any
	if err := json.Unmarshal([]byte(out), &sum); err != nil || sum["epochs"].(float64) != 6 || len(sum["history"].([]any)) != 6 {
		t.Fatalf("resumed summary: %v\n%s", err, out)
	}
	a, _ := os.ReadFile(straight)
	b, _ := os.ReadFile(resumed)
	if !bytes.Equal(a, b) {
		t.Fatal("6 epochs straight and 3 + --resume + 3 wrote different model files")
	}
	if _, _, err := run(t, "rbm", "train", "--resume", ck, "--k", "3"); err == nil || !strings.Contains(err.Error(), "--k") {
		t.Fatalf("changing --k on resume: %v", err)
	}
	if _, _, err := run(t, "rbm", "train", "--resume", straight); err == nil || !strings.Contains(err.Error(), "not a training checkpoint") {
		t.Fatalf("resuming from a model file: %v", err)
	}
}

func TestEval(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.safetensors")
	mustRun(t, "rbm", "train", "--data", "bars:3x3", "--hidden", "5", "--epochs", "20", "--batch", "4", "--out", model, "-q")
	var ex, ais map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, "rbm", "eval", "--model", model, "--data", "bars:3x3", "--exact", "--json")), &ex); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"method", "log_z", "log_z_std", "log_z_low", "log_z_high", "mean_log_likelihood",
		"mean_log_likelihood_low", "mean_log_likelihood_high", "pseudo_log_likelihood", "reconstruction_error", "n_samples", "seconds"} {
		if _, ok := ex[k]; !ok {
			t.Errorf("eval --json lacks %q", k)
		}
	}
	if ex["method"] != "exact" || ex["log_z_low"] != ex["log_z"] || ex["log_z_high"] != ex["log_z"] {
		t.Errorf("exact: %v", ex)
	}
	out := mustRun(t, "rbm", "eval", "--model", model, "--data", "bars:3x3", "--ais", "--raise", "--betas", "500", "--chains", "50", "--json")
	if err := json.Unmarshal([]byte(out), &ais); err != nil {
		t.Fatal(err)
	}
	lz, lo, hi := ex["log_z"].(float64), ais["log_z_low"].(float64), ais["log_z_high"].(float64)
	if lz < lo || lz > hi || ais["method"] != "ais" || ais["raise"] == nil {
		t.Errorf("exact log Z %v outside AIS interval [%v, %v]: %s", lz, lo, hi, out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--data", "mnist:test:3"}, "784 columns"},
		{[]string{"--data", "bars:3x3", "--ais", "--chains", "0"}, "--chains"},
		{[]string{"--data", "bars:3x3", "--ais", "--betas", "1"}, "--betas"},
	} {
		_, _, err := run(t, append([]string{"rbm", "eval", "--model", model}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("eval %v: %v, want mention of %q", c.args, err, c.want)
		}
	}
	big := filepath.Join(dir, "big.safetensors")
	mustRun(t, "rbm", "train", "--data", "mnist:200", "--hidden", "40", "--epochs", "0", "--out", big, "-q")
	_, _, err := run(t, "rbm", "eval", "--model", big, "--data", "mnist:test:10", "--exact")
	if err == nil || !strings.Contains(err.Error(), "40 units") || !strings.Contains(err.Error(), "--ais") {
		t.Errorf("--exact on a 784×40 model: %v", err)
	}
}

// mustLoadFile reads the model file at path and checks that its metadata
// holds want.
func mustLoadFile(t *testing.T, path string, want map[string]string) *modelio.File {
	t.Helper()
	f, err := modelio.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckMetadata(t, f.Metadata, want)
	return f
}

// jsonObject decodes out, a command's --json output, as a JSON object and
// reports each of keys that it lacks.
func jsonObject(t *testing.T, out string, keys ...string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("--json output is not a JSON object: %v\n%s", err, out)
	}
	for _, k := range keys {
		if _, ok := v[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, out)
		}
	}
	return v
}
