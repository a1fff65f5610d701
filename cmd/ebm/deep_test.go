package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/deep"
	"github.com/ebm-go/ebm/modelio"
)

func TestDeepTrainSampleJSON(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "d.safetensors")
	plot := filepath.Join(dir, "d.png")
	out := mustRun(t, "deep", "train", "--data", "8gaussians:2000", "--hidden", "16,16", "--iters", "20",
		"--steps", "5", "--step-size", "0.05", "--batch", "32", "--grid", "40", "--seed", "2",
		"--out", model, "--plot", plot, "--json")
	sum := jsonObject(t, out)
	for _, k := range []string{"test_nll", "true_nll", "kl", "seconds", "log_z"} {
		if v, ok := sum[k].(float64); !ok || (k != "log_z" && k != "kl" && v <= 0) {
			t.Errorf("JSON %q = %v: %s", k, sum[k], out)
		}
	}
	if sum["architecture"] != "2-16-16-1" || sum["iters"].(float64) != 20 || sum["test"] != "8gaussians:5000:1001" {
		t.Errorf("summary %v", sum)
	}
	f := mustLoadFile(t, model, map[string]string{"model": "deep", "architecture": "2-16-16-1", "activation": "swish", "objective": "cd", "sampler": "langevin", "steps": "5"})
	if _, err := f.Require("layer2.weight", 16, 1); err != nil {
		t.Error(err)
	}
	if w, h := decodePNG(t, plot); w < 4*40 || h < 40 {
		t.Errorf("plot %d×%d", w, h)
	}
	// Samples as .npy (the model's sampler settings) and as a histogram.
	npy := filepath.Join(dir, "s.npy")
	out = mustRun(t, "deep", "sample", "--model", model, "--n", "50", "--out", npy)
	if !strings.Contains(out, "5 langevin steps") {
		t.Errorf("sample did not use the model's settings: %s", out)
	}
	s, err := dataset.Load(npy, dataset.Options{})
	if err != nil || s.Len() != 50 || s.Dim() != 2 {
		t.Fatalf("%v %d×%d", err, s.Len(), s.Dim())
	}
	png := filepath.Join(dir, "s.png")
	out = mustRun(t, "deep", "sample", "--model", model, "--n", "100", "--sampler", "mala", "--steps", "3", "--grid", "20", "--out", png)
	if !strings.Contains(out, "acceptance") {
		t.Errorf("mala output %s", out)
	}
	decodePNG(t, png)
}

// --sampler hmc --leapfrog trains, is recorded in the model file, and deep
// sample reuses it unless told otherwise.
func TestDeepTrainSampleHMC(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "h.safetensors")
	out := mustRun(t, "deep", "train", "--data", "8gaussians:1000", "--hidden", "8", "--iters", "5",
		"--sampler", "hmc", "--leapfrog", "3", "--steps", "4", "--step-size", "0.1", "--batch", "16",
		"--grid", "20", "--out", model, "--json")
	if sum := jsonObject(t, out); sum["sampler"] != "hmc" || sum["leapfrog"] != 3.0 || sum["steps"] != 4.0 {
		t.Errorf("summary %s", out)
	}
	out = mustRun(t, "deep", "train", "--data", "8gaussians:1000", "--hidden", "8", "--iters", "2",
		"--sampler", "hmc", "--leapfrog", "3", "--steps", "4", "--step-size", "0.1", "--batch", "16",
		"--grid", "20", "--out", model)
	if !strings.Contains(out, "hmc 4 iterations of 3 leapfrog steps of ε=0.1") {
		t.Errorf("train output %s", out)
	}
	mustLoadFile(t, model, map[string]string{"sampler": "hmc", "steps": "4", "leapfrog": "3"})
	npy := filepath.Join(dir, "h.npy")
	out = mustRun(t, "deep", "sample", "--model", model, "--n", "20", "--out", npy)
	if !strings.Contains(out, "4 hmc iterations of 3 leapfrog steps of ε=0.1") || !strings.Contains(out, "acceptance") {
		t.Errorf("sample did not use the model's HMC settings: %s", out)
	}
	out = mustRun(t, "deep", "sample", "--model", model, "--n", "20", "--leapfrog", "7", "--out", npy)
	if !strings.Contains(out, "of 7 leapfrog steps") {
		t.Errorf("--leapfrog 7 ignored: %s", out)
	}
}

func TestDeepTrainNCEAndFileData(t *testing.T) {
	dir := t.TempDir()
	x, _ := dataset.Toy2D("moons", 300, 1)
	data := filepath.Join(dir, "m.npy")
	if err := dataset.SaveNPY(data, x); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "n.safetensors")
	out := mustRun(t, "deep", "train", "--data", data, "--objective", "nce", "--hidden", "8", "--iters", "10",
		"--grid", "20", "--out", model, "--json")
	sum := jsonObject(t, out)
	if sum["n_train"].(float64) != 270 || sum["n_test"].(float64) != 30 || sum["true_nll"] != nil || sum["test_nll"] == nil || sum["nce_log_z"] == nil {
		t.Errorf("summary %s", out)
	}
	if _, lz, _, err := deep.Load(model); err != nil || lz == nil {
		t.Errorf("NCE model: %v, log Z %v", err, lz)
	}
}

func TestDeepErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "x.safetensors")
	if err := os.WriteFile(bad, []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"deep", "train", "--hidden", "64,x"}, `--hidden "64,x"`},
		{[]string{"deep", "train", "--activation", "tanh"}, "tanh"},
		{[]string{"deep", "train", "--sampler", "nuts"}, "nuts"},
		{[]string{"deep", "train", "--sampler", "hmc", "--leapfrog", "0"}, "--leapfrog 0"},
		{[]string{"deep", "train", "--leapfrog", "-3"}, "--leapfrog -3"},
		{[]string{"deep", "train", "--leapfrog", "x"}, "--leapfrog"},
		{[]string{"deep", "sample", "--model", bad, "--leapfrog", "0"}, "--leapfrog 0"},
		{[]string{"deep", "train", "--objective", "ml"}, "ml"},
		{[]string{"deep", "train", "--objective", "cd", "--sigma", "0.1"}, "--sigma applies to --objective dsm only"},
		{[]string{"deep", "train", "--steps", "3", "--projection", "rademacher"}, "--projection applies to --objective ssm only"},
		{[]string{"deep", "train", "--objective", "dsm", "--sigma-end", "0.05"}, "--sigma-end anneals"},
		{[]string{"deep", "train", "--objective", "dsm", "--sigma", "0"}, "--sigma 0"},
		{[]string{"deep", "train", "--objective", "ssm", "--projection", "cauchy"}, "cauchy"},
		{[]string{"deep", "train", "--lr-schedule", "step"}, `--lr-schedule "step"`},
		{[]string{"deep", "train", "--data", "nope.csv"}, "nope.csv"},
		{[]string{"deep", "train", "--data", "rings:0"}, "rings:0"},
		{[]string{"deep", "train", "--iters", "0"}, "--iters"},
		{[]string{"deep", "sample"}, "--model"},
		{[]string{"deep", "sample", "--model", bad}, bad},
		{[]string{"deep", "sample", "--model", filepath.Join(dir, "missing.safetensors")}, "missing.safetensors"},
	} {
		_, _, err := run(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ebm %s: error %v, want one naming %q", strings.Join(c.args, " "), err, c.want)
		}
	}
	// A model of another kind.
	other := filepath.Join(dir, "o.safetensors")
	_ = modelio.Save(other, &modelio.File{Metadata: map[string]string{"model": "rbm"}, Tensors: map[string]modelio.Tensor{"w": {Shape: []int{1}, Data: []float32{1}}}})
	if _, _, err := run(t, "deep", "sample", "--model", other); err == nil || !strings.Contains(err.Error(), `"rbm"`) {
		t.Errorf("rbm model: %v", err)
	}
}

// A run cut short and continued with --resume writes the model file of an
// uninterrupted run byte for byte (here with the replay buffer, whose
// chains the checkpoint carries).
func TestDeepResumeThroughCLI(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	args := []string{"deep", "train", "--data", "rings:500", "--hidden", "8", "--steps", "3", "--batch", "16",
		"--persistent", "--buffer", "64", "--grid", "20", "--seed", "5", "--checkpoint-every", "4", "-q"}
	mustRun(t, append(args, "--iters", "15", "--out", p("straight.safetensors"), "--checkpoint", "none")...)
	mustRun(t, append(args, "--iters", "6", "--out", p("resumed.safetensors"), "--checkpoint", p("c.safetensors"))...)
	out := mustRun(t, "deep", "train", "--resume", p("c.safetensors"), "--iters", "15", "-q")
	if !strings.Contains(out, "resumed.safetensors") {
		t.Errorf("the resumed run did not write the checkpoint's --out: %s", out)
	}
	a, _ := os.ReadFile(p("straight.safetensors"))
	b, _ := os.ReadFile(p("resumed.safetensors"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Error("the resumed model file differs from the uninterrupted one")
	}
	if _, err := os.Stat(p("straight.ckpt.safetensors")); !os.IsNotExist(err) {
		t.Errorf("--checkpoint none wrote a checkpoint: %v", err)
	}
}

// On MNIST deep train takes the image settings for the flags not given
// (short-run chains from [0, 1]⁷⁸⁴, two hidden layers of 256 unless told),
// draws a picture grid of samples and scores them; deep sample reproduces
// the sampler from the model file and scores its samples too.
func TestDeepTrainSampleMNIST(t *testing.T) {
	dir := t.TempDir()
	model, plot := filepath.Join(dir, "m.safetensors"), filepath.Join(dir, "m.png")
	out := mustRun(t, "deep", "train", "--data", "mnist:200", "--hidden", "8", "--iters", "2", "--steps", "2",
		"--batch", "10", "--out", model, "--plot", plot, "--score", "mnist:300", "--json")
	sum := jsonObject(t, out, "coverage")
	if sum["architecture"] != "784-8-1" || sum["quadratic"] != 0.03 || sum["persistent"] != false || sum["step_size"] != 1.0 || sum["test"] != "mnist:test" {
		t.Errorf("summary %s", out)
	}
	if cov := sum["coverage"].(map[string]any); cov["n"] != 1000.0 || cov["reference"] != "mnist:300" {
		t.Errorf("coverage %v", cov)
	}
	if w, h := decodePNG(t, plot); w != h || w < 10*28 {
		t.Errorf("plot %d×%d", w, h)
	}
	mustLoadFile(t, model, map[string]string{"image_shape": "28x28", "steps": "2", "persistent": "false", "init_low": strings.Repeat("0,", 783) + "0"})

	png := filepath.Join(dir, "s.png")
	out = mustRun(t, "deep", "sample", "--model", model, "--n", "20", "--out", png, "--score", "mnist:300", "--json")
	if sum := jsonObject(t, out, "coverage"); sum["steps"] != 2.0 || sum["coverage"].(map[string]any)["n"] != 20.0 {
		t.Errorf("sample summary %s", out)
	}
	if w, h := decodePNG(t, png); w < 5*28 || h < 4*28 {
		t.Errorf("sample grid %d×%d", w, h)
	}
	out = mustRun(t, "deep", "sample", "--model", model, "--n", "5", "--out", filepath.Join(dir, "s.npy"), "--score", "mnist:300")
	if !strings.Contains(out, "2 langevin steps of η=1") || !strings.Contains(out, "entropy") {
		t.Errorf("sample output %s", out)
	}
}

// An image run with the quadratic term resumes bit for bit too: the term
// and the image settings come back from the checkpoint.
func TestDeepResumeMNIST(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	args := []string{"deep", "train", "--data", "mnist:100", "--hidden", "8", "--steps", "2", "--batch", "10",
		"--score", "none", "--checkpoint-every", "2", "-q"}
	mustRun(t, append(args, "--iters", "4", "--out", p("straight.safetensors"), "--checkpoint", "none")...)
	mustRun(t, append(args, "--iters", "2", "--out", p("resumed.safetensors"), "--checkpoint", p("c.safetensors"))...)
	mustRun(t, "deep", "train", "--resume", p("c.safetensors"), "--iters", "4", "--score", "none", "-q")
	a, _ := os.ReadFile(p("straight.safetensors"))
	b, _ := os.ReadFile(p("resumed.safetensors"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Error("the resumed MNIST model file differs from the uninterrupted one")
	}
	mustLoadFile(t, p("resumed.safetensors"), map[string]string{"quadratic": "0.03", "persistent": "false", "step_size": "1"})
}

// --objective dsm and ssm train from the command line, their settings are
// in the summary and the model file, and a built-in set without
// --objective takes its row of deep.ToyDefaults unless a contrastive
// sampler flag is given.
func TestDeepTrainScoreMatching(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "s.safetensors")
	common := []string{"--hidden", "8", "--iters", "5", "--grid", "20", "--batch", "16", "--out", model, "--json", "--checkpoint", "none"}
	out := mustRun(t, append([]string{"deep", "train", "--data", "8gaussians:500", "--objective", "dsm", "--sigma", "0.2",
		"--sigma-end", "0.1", "--lr-schedule", "cosine"}, common...)...)
	if sum := jsonObject(t, out); sum["objective"] != "dsm" || sum["sigma"] != 0.2 || sum["sigma_end"] != 0.1 || sum["lr_decay"] != 5.0 || sum["kl"] == nil {
		t.Errorf("dsm summary %s", out)
	}
	mustLoadFile(t, model, map[string]string{"objective": "dsm", "sigma": "0.2", "sigma_end": "0.1", "lr_decay": "5"})
	out = mustRun(t, append([]string{"deep", "train", "--data", "moons:500", "--objective", "ssm", "--projection", "rademacher", "--ssm-plain"}, common...)...)
	if sum := jsonObject(t, out); sum["objective"] != "ssm" || sum["projection"] != "rademacher" || sum["ssm_plain"] != true || sum["lr_decay"] != nil {
		t.Errorf("ssm summary %s", out)
	}
	mustLoadFile(t, model, map[string]string{"objective": "ssm", "projection": "rademacher", "ssm_plain": "true"})
	// The defaults table: rings is DSM with σ = 0.05 and a cosine schedule
	// over the run (--iters given here: the schedule follows it).
	out = mustRun(t, append([]string{"deep", "train", "--data", "rings:500"}, common...)...)
	if sum := jsonObject(t, out); sum["objective"] != "dsm" || sum["sigma"] != 0.05 || sum["lr_decay"] != 5.0 || sum["iters"] != 5.0 {
		t.Errorf("rings defaults %s", out)
	}
	// Checkerboard's row also sets the widths, unless --hidden is given.
	out = mustRun(t, "deep", "train", "--data", "checkerboard:300", "--iters", "2", "--grid", "20", "--batch", "16", "--out", model, "--json", "--checkpoint", "none")
	if sum := jsonObject(t, out); sum["architecture"] != "2-64-64-64-64-64-64-1" || sum["sigma"] != 0.15 || sum["sigma_end"] != 0.02 {
		t.Errorf("checkerboard defaults %s", out)
	}
	// Named bare, checkerboard draws its row's 100,000 points, and the model
	// file records the spec with the count (so --resume draws the same);
	// a count in the spec, or a sampler flag, keeps what was asked for.
	out = mustRun(t, "deep", "train", "--data", "checkerboard", "--iters", "1", "--grid", "20", "--batch", "16", "--out", model, "--json", "--checkpoint", "none")
	if sum := jsonObject(t, out); sum["data"] != "checkerboard:100000" {
		t.Errorf("bare checkerboard: data %v, want checkerboard:100000", sum["data"])
	}
	mustLoadFile(t, model, map[string]string{"data": "checkerboard:100000"})
	out = mustRun(t, "deep", "train", "--data", "checkerboard", "--steps", "1", "--iters", "1", "--grid", "20", "--batch", "16", "--hidden", "8", "--out", model, "--json", "--checkpoint", "none")
	if sum := jsonObject(t, out); sum["data"] != "checkerboard" {
		t.Errorf("checkerboard with --steps: data %v, want checkerboard (10000 points)", sum["data"])
	}
	// A sampler flag keeps contrastive training.
	out = mustRun(t, append([]string{"deep", "train", "--data", "rings:500", "--steps", "2"}, common...)...)
	if sum := jsonObject(t, out); sum["objective"] != "cd" || sum["lr_decay"] != nil {
		t.Errorf("rings with --steps %s", out)
	}
}

// Score-matching runs cut short and resumed write the model file of an
// uninterrupted run byte for byte.
func TestDeepResumeScoreMatchingThroughCLI(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	for _, obj := range [][]string{{"--objective", "dsm", "--sigma", "0.2"}, {"--objective", "ssm", "--projection", "rademacher"}} {
		args := append([]string{"deep", "train", "--data", "rings:500", "--hidden", "8", "--batch", "16", "--grid", "20",
			"--seed", "5", "--checkpoint-every", "4", "-q"}, obj...)
		mustRun(t, append(args, "--iters", "15", "--out", p("straight.safetensors"), "--checkpoint", "none")...)
		mustRun(t, append(args, "--iters", "6", "--out", p("resumed.safetensors"), "--checkpoint", p("c.safetensors"))...)
		mustRun(t, "deep", "train", "--resume", p("c.safetensors"), "--iters", "15", "-q")
		a, _ := os.ReadFile(p("straight.safetensors"))
		b, _ := os.ReadFile(p("resumed.safetensors"))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%v: the resumed model file differs from the uninterrupted one", obj)
		}
	}
}
