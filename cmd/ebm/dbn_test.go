package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/internal/testutil"
	"github.com/ebm-go/ebm/modelio"
)

// barsLabels writes labels for the first n bars:4x4 rows as a text file:
// the value of pixel 0, a linearly separable labelling.
func barsLabels(t *testing.T, dir string, n int) string {
	t.Helper()
	x := testutil.Bars(t)
	var b strings.Builder
	for i := range n {
		if x.At(i, 0) == 1 {
			b.WriteString("1\n")
		} else {
			b.WriteString("0\n")
		}
	}
	p := filepath.Join(dir, "labels.txt")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDBNTrainSampleProbe(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "dbn.safetensors")
	out := mustRun(t, "dbn", "train", "--data", "bars:4x4", "--hidden", "16,8", "--epochs", "50", "--batch", "10",
		"--lr", "0.1", "--out", model, "--samples", filepath.Join(dir, "s.png"), "--sample-steps", "10", "--json", "-q")
	sum := jsonObject(t, out)
	if s, _ := json.Marshal(sum["sizes"]); string(s) != "[16,16,8]" {
		t.Errorf("sizes %s", s)
	}
	f, err := modelio.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["model"] != "dbn" || f.Metadata["layers"] != "2" {
		t.Errorf("metadata %v", f.Metadata)
	}
	if out := mustRun(t, "dbn", "sample", "--model", model, "--n", "4", "--steps", "5", "--out", filepath.Join(dir, "x.npy")); strings.Contains(out, "labelled") {
		t.Errorf("a bars DBN was scored against MNIST: %s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "s.png")); err != nil {
		t.Error(err)
	}
	lab := barsLabels(t, dir, 30)
	// --score with labelled bars: the samples are labelled.
	bars := filepath.Join(dir, "bars.npy")
	if err := dataset.SaveNPY(bars, testutil.Bars(t)); err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, "dbn", "sample", "--model", model, "--n", "4", "--steps", "5", "--out", filepath.Join(dir, "x.npy"),
		"--score", bars, "--score-labels", lab); !strings.Contains(out, "4 samples labelled by the nearest image of") {
		t.Errorf("dbn sample --score: %s", out)
	}
	out = mustRun(t, "dbn", "probe", "--model", model, "--layer", "0", "--data", "bars:4x4", "--labels", lab,
		"--test", "bars:4x4", "--test-labels", lab, "--json", "-q")
	pr := jsonObject(t, out, "accuracy_features", "accuracy_raw", "n_train", "n_test", "seconds")
	// The label is a pixel: linearly separable in the raw pixels.
	if pr["accuracy_raw"].(float64) != 1 {
		t.Errorf("raw accuracy %v, want 1", pr["accuracy_raw"])
	}
	if _, _, err := run(t, "dbn", "probe", "--model", model, "--layer", "5", "--data", "bars:4x4", "--labels", lab, "--test", "bars:4x4", "--test-labels", lab); err == nil || !strings.Contains(err.Error(), "layers 0…1") {
		t.Errorf("bad layer: %v", err)
	}
}

func TestRBMProbeLabelErrors(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "rbm.safetensors")
	mustRun(t, "rbm", "train", "--data", "bars:4x4", "--hidden", "8", "--epochs", "2", "--batch", "10", "--out", model, "-q", "--checkpoint", "none")
	short := barsLabels(t, dir, 29)
	_, _, err := run(t, "rbm", "probe", "--model", model, "--data", "bars:4x4", "--labels", short, "--test", "bars:4x4", "--test-labels", short)
	if err == nil || !strings.Contains(err.Error(), "29 labels") || !strings.Contains(err.Error(), "30 rows") {
		t.Errorf("wrong count: %v", err)
	}
	neg := filepath.Join(dir, "neg.txt")
	os.WriteFile(neg, []byte(strings.Repeat("0\n", 29)+"-1\n"), 0o644)
	_, _, err = run(t, "rbm", "probe", "--model", model, "--data", "bars:4x4", "--labels", neg, "--test", "bars:4x4", "--test-labels", neg)
	if err == nil || !strings.Contains(err.Error(), "row 29") {
		t.Errorf("negative label: %v", err)
	}
	_, _, err = run(t, "rbm", "probe", "--model", model, "--data", "bars:4x4", "--test", "bars:4x4")
	if err == nil || !strings.Contains(err.Error(), "no labels") {
		t.Errorf("no labels: %v", err)
	}
}

func TestTrainGaussianCLI(t *testing.T) {
	dir := t.TempDir()
	rng := tensor.NewRand(1)
	x := tensor.New(200, 3)
	rng.Normal(x.Data, 2, 3)
	for r := range 200 {
		x.Set(r, 2, 7) // a constant column must not produce NaN
	}
	data := filepath.Join(dir, "x.npy")
	if err := dataset.SaveNPY(data, x); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "g.safetensors")
	out := mustRun(t, "rbm", "train", "--visible", "gaussian", "--learn-sigma", "--data", data, "--hidden", "4",
		"--epochs", "3", "--batch", "20", "--out", model, "--json", "-q")
	if !strings.Contains(out, `"visible": "gaussian"`) {
		t.Errorf("summary: %s", out)
	}
	f, err := modelio.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["visible"] != "gaussian" {
		t.Errorf("metadata %v", f.Metadata)
	}
	sig, err := f.Require("sigma", 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sig {
		if !(s > 0) {
			t.Errorf("sigma %v", sig)
		}
	}
	if _, _, err := run(t, "rbm", "train", "--visible", "poisson", "--data", data); err == nil {
		t.Error("--visible poisson accepted")
	}
}
