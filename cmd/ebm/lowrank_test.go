package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrainLowRankInit trains nothing (--epochs 0) after --init lowrank and
// checks that the log-likelihood the fit reports is the model file's exact
// one (rbm eval --exact enumerates 2^9 states), and that the file says how
// it started.
func TestTrainLowRankInit(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "lr.safetensors")
	out := mustRun(t, "rbm", "train", "--data", "bars:3x3", "--hidden", "6", "--epochs", "0", "--init", "lowrank",
		"--init-rank", "2", "--out", model, "--json", "-q")
	sum := jsonObject(t, out, "init", "history")
	init := sum["init"].(map[string]any)
	for _, k := range []string{"rank", "features", "iterations", "seconds", "base_rate_log_likelihood", "model_log_likelihood", "rbm_log_likelihood", "rbm_log_z"} {
		if _, ok := init[k]; !ok {
			t.Errorf("init lacks %q: %v", k, init)
		}
	}
	ev := jsonObject(t, mustRun(t, "rbm", "eval", "--model", model, "--data", "bars:3x3", "--exact", "--json"), "mean_log_likelihood")
	got, want := init["rbm_log_likelihood"].(float64), ev["mean_log_likelihood"].(float64)
	if math.Abs(got-want) > 1e-3 {
		t.Errorf("--init lowrank reports log-likelihood %.5f, rbm eval --exact %.5f", got, want)
	}
	if base := init["base_rate_log_likelihood"].(float64); !(got > base) {
		t.Errorf("the low-rank init (%.4f) is no better than the base-rate model (%.4f)", got, base)
	}
	mustLoadFile(t, model, map[string]string{"init": "lowrank", "init_rank": "2"})
}

// TestResumeLowRank: a low-rank-initialised PCD run resumed half way writes
// the same file as the straight run, and keeps its init metadata.
func TestResumeLowRank(t *testing.T) {
	dir := t.TempDir()
	straight, resumed := filepath.Join(dir, "s.safetensors"), filepath.Join(dir, "r.safetensors")
	args := []string{"rbm", "train", "--data", "bars:3x3", "--hidden", "6", "--batch", "4", "--method", "pcd",
		"--init", "lowrank", "--init-rank", "1", "--seed", "4", "-q"}
	mustRun(t, append(args, "--epochs", "6", "--out", straight)...)
	mustRun(t, append(args, "--epochs", "3", "--out", resumed)...)
	mustRun(t, "rbm", "train", "--resume", filepath.Join(dir, "r.ckpt.safetensors"), "--epochs", "6", "-q")
	a, _ := os.ReadFile(straight)
	b, _ := os.ReadFile(resumed)
	if !bytes.Equal(a, b) {
		t.Fatal("6 epochs straight and 3 + --resume + 3 from --init lowrank wrote different model files")
	}
	mustLoadFile(t, resumed, map[string]string{"init": "lowrank", "init_rank": "1", "epochs": "6"})
	if _, _, err := run(t, "rbm", "train", "--resume", filepath.Join(dir, "r.ckpt.safetensors"), "--init", "hinton"); err == nil || !strings.Contains(err.Error(), "--init") {
		t.Errorf("changing --init on resume: %v", err)
	}
	// The default init writes no init keys (older files keep their bytes).
	plain := filepath.Join(dir, "p.safetensors")
	mustRun(t, "rbm", "train", "--data", "bars:3x3", "--hidden", "6", "--epochs", "1", "--out", plain, "-q")
	if f := mustLoadFile(t, plain, nil); f.Metadata["init"] != "" {
		t.Errorf("default init wrote init metadata %q", f.Metadata["init"])
	}
}

func TestLowRankInitErrors(t *testing.T) {
	dir := t.TempDir()
	gray := filepath.Join(dir, "gray.csv")
	os.WriteFile(gray, []byte("0,1,0.5\n1,0,1\n0,0,1\n"), 0o644)
	out := filepath.Join(dir, "m.safetensors")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--init", "lowrank", "--init-rank", "5"}, "--init-rank 5: must be 1 to 4"},
		{[]string{"--init", "lowrank", "--init-rank", "0"}, "--init-rank 0"},
		{[]string{"--init-rank", "2"}, "--init-rank"},
		{[]string{"--init", "pca"}, `--init "pca"`},
		{[]string{"--init", "lowrank", "--visible", "gaussian", "--data", "8gaussians:100"}, "--init lowrank: fits binary data with bernoulli visible units"},
		{[]string{"--init", "lowrank", "--data", gray, "--binarize", "none"}, "row 0, column 2"},
		// MNIST's directions do not survive a 64-level lattice in 3 dimensions.
		{[]string{"--init", "lowrank", "--init-rank", "3", "--data", "mnist:300", "--hidden", "20"}, "--init-rank: rank 3: a lattice of 262144 points quantizes direction 1"},
	} {
		args := append([]string{"rbm", "train", "--data", "bars:3x3", "--hidden", "3", "--epochs", "0", "--out", out, "-q"}, c.args...)
		_, _, err := run(t, args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ebm %s: %v, want an error mentioning %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}
