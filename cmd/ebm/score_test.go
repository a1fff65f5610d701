package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/rbm"
)

// TestScore scores files against a small labelled reference: copies of the
// reference rows get their labels, distance 0 and count as near-copies;
// the same figures come with rbm sample --score.
func TestScore(t *testing.T) {
	dir := t.TempDir()
	// Reference: the 30 bars-and-stripes 4×4 patterns, labelled 0 (bars
	// and blank) or 1 (stripes and full) by whether the first row is uniform.
	bars, err := dataset.Load("bars:4x4", dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join(dir, "ref.npy")
	if err := dataset.SaveNPY(ref, bars.X); err != nil {
		t.Fatal(err)
	}
	var labels strings.Builder
	for i := range bars.Len() {
		r := bars.X.Row(i)
		y := 0
		if r[0] == r[1] && r[1] == r[2] && r[2] == r[3] {
			y = 1
		}
		labels.WriteString([]string{"0\n", "1\n"}[y])
	}
	lab := filepath.Join(dir, "labels.txt")
	if err := os.WriteFile(lab, []byte(labels.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// Samples: the first four patterns, as probabilities 0.2 / 0.8.
	s := tensor.New(4, 16)
	for i := range 4 {
		for j, v := range bars.X.Row(i) {
			s.Set(i, j, 0.2+0.6*v)
		}
	}
	samples := filepath.Join(dir, "s.npy")
	if err := dataset.SaveNPY(samples, s); err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, "score", samples, "--data", ref, "--labels", lab, "--json")
	v := jsonObject(t, out, "samples", "seconds", "n", "counts", "shares", "entropy_bits", "tv", "median_nn_distance", "near_copies")
	if v["n"].(float64) != 4 || v["median_nn_distance"].(float64) != 0 || v["near_copies"].(float64) != 1 {
		t.Errorf("copies: %s", out)
	}
	text := mustRun(t, "score", samples, "--data", ref, "--labels", lab)
	if !strings.Contains(text, "4 samples labelled by the nearest image of") || !strings.Contains(text, "near-copies (< 10) 100.0%") {
		t.Errorf("text output:\n%s", text)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"score", samples, "--data", ref}, "has no labels: give --labels"},
		{[]string{"score", samples, "--data", "mnist:test:5"}, "--data mnist:test:5 has 784 columns, the samples 16"},
		{[]string{"score", samples, "--data", "none"}, "name a labelled data set"},
		{[]string{"score", filepath.Join(dir, "missing.npy")}, "missing.npy"},
		{[]string{"score", samples, "--near-copy", "0"}, "--near-copy"},
		{[]string{"score"}, "accepts 1 arg"},
	} {
		_, _, err := run(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ebm %s: error %v, want it to say %q", strings.Join(c.args, " "), err, c.want)
		}
	}

	// rbm sample scores against the same reference, and refuses a bad one
	// before drawing anything.
	model := filepath.Join(dir, "m.safetensors")
	mustRun(t, "rbm", "train", "--data", "bars:4x4", "--hidden", "8", "--epochs", "5", "--batch", "10", "--out", model, "--quiet")
	png := filepath.Join(dir, "s.png")
	out = mustRun(t, "rbm", "sample", "--model", model, "--n", "20", "--steps", "5", "--out", png,
		"--score", ref, "--score-labels", lab, "--json")
	cov := jsonObject(t, out, "coverage")["coverage"].(map[string]any)
	if cov["n"].(float64) != 20 || len(cov["shares"].([]any)) != 2 {
		t.Errorf("coverage %v", cov)
	}
	// auto: the model was not trained on MNIST, so no score.
	out = mustRun(t, "rbm", "sample", "--model", model, "--n", "20", "--steps", "5", "--out", png, "--json")
	if strings.Contains(out, "coverage") {
		t.Errorf("auto scored a bars model: %s", out)
	}
	os.Remove(png)
	if _, _, err := run(t, "rbm", "sample", "--model", model, "--out", png, "--score", "mnist:test:5"); err == nil ||
		!strings.Contains(err.Error(), "--score mnist:test:5 has 784 columns, the samples 16") {
		t.Errorf("bad --score: %v", err)
	}
	if _, err := os.Stat(png); err == nil {
		t.Errorf("a bad --score still wrote %s", png)
	}
}

// TestMatchedSampler: a model trained by restart records its sampler, and
// rbm sample draws with it unless told otherwise — the same samples as the
// library's Sample from noise with k steps; a PCD model keeps the old
// defaults (random start, 1,000 steps).
func TestMatchedSampler(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "r.safetensors")
	mustRun(t, "rbm", "train", "--data", "bars:4x4", "--hidden", "8", "--epochs", "3", "--batch", "10",
		"--method", "restart", "--k", "3", "--out", model, "--quiet")
	mustLoadFile(t, model, map[string]string{"method": "restart", "sampler": `{"init":"random","steps":3}`})
	out := filepath.Join(dir, "s.npy")
	v := jsonObject(t, mustRun(t, "rbm", "sample", "--model", model, "--n", "5", "--out", out, "--json"), "steps", "init", "matched_sampler")
	if v["steps"].(float64) != 3 || v["init"] != "random" || v["matched_sampler"] != true {
		t.Errorf("restart model sampled with %v", v)
	}
	m, _, err := rbm.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	_, want := m.Sample(5, 3, nil, tensor.NewRand(1))
	got, err := dataset.Load(out, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range want.Data {
		if got.X.Data[i] != x {
			t.Fatalf("sample %d differs from Sample(5, 3, nil, seed 1): %v vs %v", i, got.X.Data[i], x)
		}
	}
	v = jsonObject(t, mustRun(t, "rbm", "sample", "--model", model, "--n", "5", "--steps", "7", "--out", out, "--json"))
	if v["steps"].(float64) != 7 || v["init"] != "random" || v["matched_sampler"] != true {
		t.Errorf("--steps 7 gave %v", v)
	}
	pcd := filepath.Join(dir, "p.safetensors")
	mustRun(t, "rbm", "train", "--data", "bars:4x4", "--hidden", "8", "--epochs", "1", "--batch", "10", "--method", "pcd", "--out", pcd, "--quiet")
	v = jsonObject(t, mustRun(t, "rbm", "sample", "--model", pcd, "--n", "5", "--out", out, "--json"))
	if v["steps"].(float64) != 1000 || v["init"] != "random" || v["matched_sampler"] != false {
		t.Errorf("PCD model sampled with %v", v)
	}
}
