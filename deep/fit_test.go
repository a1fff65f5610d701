package deep

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
)

func fitSmall(t *testing.T, spec string, obj Objective) *Fitted {
	t.Helper()
	data, err := LoadData(spec, "")
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Objective = obj
	cfg.Sampler.Steps = 3
	cfg.Batch = 32
	f, err := Fit(context.Background(), data, FitOptions{Hidden: []int{8}, Config: cfg, Iters: 5, Seed: 2, Grid: 20})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFit2D(t *testing.T) {
	f := fitSmall(t, "8gaussians:500", Contrastive)
	if f.Last.Iter != 5 || !f.TwoD() || f.Grid.N != 20 {
		t.Fatalf("last %+v, grid %+v", f.Last, f.Grid)
	}
	for name, v := range map[string]float64{"log Z": f.Eval.LogZ, "test NLL": f.Eval.TestNLL, "true NLL": f.Eval.TrueNLL, "KL": f.Eval.KL} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("%s = %v", name, v)
		}
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	net, logZ, meta, err := Load(path)
	if err != nil || logZ != nil || net.Architecture() != "2-8-1" {
		t.Fatalf("Load: %v, log Z %v", err, logZ)
	}
	for k, want := range map[string]string{"data": "8gaussians:500", "iters": "5", "seed": "2", "steps": "3",
		"test_nll": formatFloat(f.Eval.TestNLL), "log_z_grid": formatFloat(f.Eval.LogZ)} {
		if meta[k] != want {
			t.Errorf("metadata %s = %q, want %q", k, meta[k], want)
		}
	}
	if img, err := f.Picture(); err != nil || img.Bounds().Dx() < 4*20 {
		t.Errorf("Picture: %v", err)
	}
	b, err := json.Marshal(f.Summary(path))
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); strings.Contains(s, "nce_log_z") || !strings.Contains(s, `"test":"8gaussians:5000:1001"`) {
		t.Errorf("summary %s", s)
	}
}

// The same options give the same model.
func TestFitDeterministic(t *testing.T) {
	a, b := fitSmall(t, "moons:300", Contrastive), fitSmall(t, "moons:300", Contrastive)
	for l := range a.Trainer.Net.W {
		if !slices.Equal(a.Trainer.Net.W[l].Data, b.Trainer.Net.W[l].Data) {
			t.Fatalf("layer %d differs between two runs with one seed", l)
		}
	}
}

// A 3-D NCE model is not evaluated on a grid: NaN figures (null in JSON),
// no grid metadata, and its learned log Z in the summary.
func TestFitNCE3D(t *testing.T) {
	x, _ := dataset.Toy2D("moons", 200, 1)
	x3 := tensor.New(x.Rows, 3)
	for i := range x.Rows {
		x3.Set(i, 0, x.At(i, 0))
		x3.Set(i, 1, x.At(i, 1))
		x3.Set(i, 2, float32(i%7))
	}
	path := filepath.Join(t.TempDir(), "x.npy")
	if err := dataset.SaveNPY(path, x3); err != nil {
		t.Fatal(err)
	}
	f := fitSmall(t, path, NCE)
	if f.TwoD() || !math.IsNaN(f.Eval.TestNLL) {
		t.Errorf("3-D evaluation %+v", f.Eval)
	}
	if _, ok := f.Metadata()["test_nll"]; ok {
		t.Error("3-D metadata has test_nll")
	}
	b, err := json.Marshal(f.Summary("m"))
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); !strings.Contains(s, `"test_nll":null`) || !strings.Contains(s, `"nce_log_z":`) {
		t.Errorf("summary %s", s)
	}
}

// LoadSampler reads back the sampler a fitted model recorded, and Draw is
// deterministic for a seed.
func TestLoadSamplerDraw(t *testing.T) {
	f := fitSmall(t, "rings:300", Contrastive)
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	net, s, box, err := LoadSampler(path, Sampler{Steps: 99})
	if err != nil {
		t.Fatal(err)
	}
	if s.Steps != 3 || s.Method != ULA || s.StepSize != DefaultConfig().Sampler.StepSize || len(box.Low) != 2 {
		t.Errorf("recorded sampler %+v, box %+v", s, box)
	}
	a, _, err := s.Draw(net, box, 10, 4)
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := s.Draw(net, box, 10, 4)
	if a.Rows != 10 || a.Cols != 2 || !slices.Equal(a.Data, b.Data) {
		t.Errorf("Draw: %d×%d, repeatable %v", a.Rows, a.Cols, slices.Equal(a.Data, b.Data))
	}
	if _, _, _, err := LoadSampler(filepath.Join(t.TempDir(), "missing.safetensors"), s); err == nil || !strings.Contains(err.Error(), "missing.safetensors") {
		t.Errorf("missing file: %v", err)
	}
}

// MNIST trains with the image settings: the test set is MNIST's own, the
// noise box is [0, 1] in every pixel, and the model file records the image
// shape.
func TestFitMNIST(t *testing.T) {
	data, err := LoadData("mnist:200", "")
	if err != nil {
		t.Fatal(err)
	}
	if data.Test.Name != "mnist:test" || data.Train.Len() != 200 {
		t.Errorf("train %d rows, test %q", data.Train.Len(), data.Test.Name)
	}
	for j := range data.Box.Low {
		if data.Box.Low[j] != 0 || data.Box.High[j] != 1 {
			t.Fatalf("box dimension %d: [%g, %g], want [0, 1]", j, data.Box.Low[j], data.Box.High[j])
		}
	}
	cfg := ImageConfig()
	cfg.Sampler.Steps, cfg.Batch = 2, 10
	f, err := Fit(context.Background(), data, FitOptions{Hidden: []int{8}, Quadratic: ImageQuadratic, Config: cfg, Iters: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	if net, _, meta, err := Load(path); err != nil || net.Quad != ImageQuadratic || meta["quadratic"] != "0.03" {
		t.Errorf("quadratic term: %v, %v", net, err)
	}
	if _, err := NewFit(data, FitOptions{Hidden: []int{8}, Quadratic: -1, Config: cfg}); err == nil || !strings.Contains(err.Error(), "quadratic") {
		t.Errorf("negative quadratic: %v", err)
	}
	if f.TwoD() || f.Last.Iter != 2 || !math.IsNaN(f.Eval.TestNLL) {
		t.Errorf("last %+v, eval %+v", f.Last, f.Eval)
	}
	if m := f.Metadata(); m["image_shape"] != "28x28" || m["persistent"] != "false" {
		t.Errorf("metadata %v", m)
	}
}
