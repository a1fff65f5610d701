package deep

import (
	"encoding/json"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
)

func TestLoadDataBuiltInAndFile(t *testing.T) {
	d, err := LoadData("rings:300:7", "")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := dataset.Toy2D("rings", 5000, 1007)
	if d.Train.Len() != 300 || d.Test.Name != "rings:5000:1007" || d.Test.X.At(4999, 1) != want.At(4999, 1) {
		t.Errorf("train %d rows, test %q", d.Train.Len(), d.Test.Name)
	}
	if d.Truth == nil || d.Box.Low[0] != -4.5 || d.Box.High[1] != 4.5 {
		t.Errorf("truth %v, box %v", d.Truth != nil, d.Box)
	}
	if d, _ := LoadData("moons:50", ""); d.Truth == nil {
		t.Error("moons has no true density")
	}

	x := tensor.New(20, 2)
	for i := range x.Rows {
		x.Set(i, 0, float32(i))
		x.Set(i, 1, 1)
	}
	file := filepath.Join(t.TempDir(), "x.npy")
	if err := dataset.SaveNPY(file, x); err != nil {
		t.Fatal(err)
	}
	d, err = LoadData(file, "")
	if err != nil {
		t.Fatal(err)
	}
	if d.Train.Len() != 18 || d.Test.Len() != 2 || d.Test.X.At(0, 0) != 18 || !strings.Contains(d.Test.Name, "last 2 rows") {
		t.Errorf("split %d/%d, test %q", d.Train.Len(), d.Test.Len(), d.Test.Name)
	}
	// The box is the training rows' range widened by 10% per side (at least 1e-3).
	if lo, hi := d.Box.Low, d.Box.High; math.Abs(float64(lo[0]+1.7)) > 1e-5 || math.Abs(float64(hi[0]-18.7)) > 1e-5 || math.Abs(float64(hi[1]-1.001)) > 1e-6 {
		t.Errorf("box %v %v", lo, hi)
	}
	if _, err := LoadData(file, "mnist:5"); err == nil || !strings.Contains(err.Error(), "784 columns") {
		t.Errorf("column mismatch: %v", err)
	}
	small := filepath.Join(t.TempDir(), "s.npy")
	_ = dataset.SaveNPY(small, x.SliceRows(0, 5))
	if _, err := LoadData(small, ""); err == nil || !strings.Contains(err.Error(), "5 rows") {
		t.Errorf("too few rows: %v", err)
	}
}

func TestMetadataRoundTrip(t *testing.T) {
	c := DefaultConfig()
	c.Sampler = Sampler{Method: MALA, Steps: 7, StepSize: 0.003, NoiseScale: 0.5}
	c.Init = NoiseInit{Low: []float32{-1.5, 0.1}, High: []float32{2, 3.25}}
	meta := c.Metadata()
	if meta["sampler"] != "mala" || meta["steps"] != "7" || meta["init_low"] != "-1.5,0.1" || meta["objective"] != "cd" {
		t.Errorf("metadata %v", meta)
	}
	s, box, err := RecordedSampler(meta, 2, Sampler{Steps: 60, StepSize: 0.01})
	if err != nil || s.Method != MALA || s.Steps != 7 || s.StepSize != 0.003 || s.NoiseScale != 0.5 || box.High[1] != 3.25 {
		t.Errorf("read back %+v %v: %v", s, box, err)
	}
	// Settings the file lacks come from the default.
	s, _, err = RecordedSampler(map[string]string{"init_low": "0,0", "init_high": "1,1"}, 2, Sampler{Steps: 60, StepSize: 0.01})
	if err != nil || s.Method != ULA || s.Steps != 60 || s.StepSize != 0.01 {
		t.Errorf("defaults %+v: %v", s, err)
	}
	for key, bad := range map[string]string{"init_low": "0", "steps": "x", "step_size": "y", "sampler": "gibbs", "leapfrog": "-1"} {
		m := c.Metadata()
		m[key] = bad
		if _, _, err := RecordedSampler(m, 2, Sampler{}); err == nil || !strings.Contains(err.Error(), key) && !strings.Contains(err.Error(), bad) {
			t.Errorf("%s=%q: error %v", key, bad, err)
		}
	}
}

// The HMC leapfrog count is recorded and read back; a file without the key
// (written before HMC existed) takes the default's; a value out of range is
// refused naming the key.
func TestMetadataLeapfrog(t *testing.T) {
	c := DefaultConfig()
	c.Sampler = Sampler{Method: HMC, Steps: 9, StepSize: 0.1, Leapfrog: 12}
	c.Init = NoiseInit{Low: []float32{0, 0}, High: []float32{1, 1}}
	meta := c.Metadata()
	if meta["sampler"] != "hmc" || meta["leapfrog"] != "12" {
		t.Errorf("metadata %v", meta)
	}
	s, _, err := RecordedSampler(meta, 2, Sampler{Steps: 60, StepSize: 0.01, Leapfrog: 3})
	if err != nil || s.Method != HMC || s.Steps != 9 || s.StepSize != 0.1 || s.Leapfrog != 12 {
		t.Errorf("read back %+v: %v", s, err)
	}
	delete(meta, "leapfrog")
	s, _, err = RecordedSampler(meta, 2, Sampler{Steps: 60, StepSize: 0.01, Leapfrog: 3})
	if err != nil || s.Method != HMC || s.Leapfrog != 3 {
		t.Errorf("old file: %+v: %v", s, err)
	}
	for _, bad := range []string{"x", "-1", "100001", "1.5"} {
		meta["leapfrog"] = bad
		if _, _, err := RecordedSampler(meta, 2, Sampler{}); err == nil || !strings.Contains(err.Error(), "metadata leapfrog") {
			t.Errorf("leapfrog=%q: error %v", bad, err)
		}
	}
	// Through a file: Save, then LoadSampler.
	net, err := New(2, []int{4}, Swish)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "hmc.safetensors")
	meta = c.Metadata()
	if err := Save(path, net, nil, meta); err != nil {
		t.Fatal(err)
	}
	if _, s, _, err := LoadSampler(path, Sampler{}); err != nil || s.Method != HMC || s.Leapfrog != 12 {
		t.Errorf("LoadSampler: %+v: %v", s, err)
	}
	delete(meta, "leapfrog")
	if err := Save(path, net, nil, meta); err != nil {
		t.Fatal(err)
	}
	if _, s, _, err := LoadSampler(path, Sampler{Leapfrog: 4}); err != nil || s.Leapfrog != 4 {
		t.Errorf("LoadSampler without leapfrog: %+v: %v", s, err)
	}
}

func TestParseWidths(t *testing.T) {
	if w, err := ParseWidths("64, 32"); err != nil || len(w) != 2 || w[1] != 32 {
		t.Errorf("%v %v", w, err)
	}
	for _, bad := range []string{"64,x", "0", ""} {
		if _, err := ParseWidths(bad); err == nil || !strings.Contains(err.Error(), "not a positive width") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestResultsJSONNaNAsNull(t *testing.T) {
	b, err := json.Marshal(Stats{Iter: 3, Loss: 1.5, Accept: math.NaN(), LogZ: math.Inf(1)})
	if err != nil || string(b) != `{"iter":3,"loss":1.5,"e_pos":0,"e_neg":0,"grad_norm":0,"accept":null,"log_z":null}` {
		t.Errorf("Stats: %s %v", b, err)
	}
	b, err = json.Marshal(Eval{LogZ: 2, TestNLL: 1, TrueNLL: math.NaN(), KL: math.NaN(), Outside: 4, Energies: []float64{1}})
	if err != nil || string(b) != `{"log_z":2,"test_nll":1,"true_nll":null,"kl":null,"test_outside_grid":4}` {
		t.Errorf("Eval: %s %v", b, err)
	}
}

func TestDescribeAndSamples(t *testing.T) {
	c := DefaultConfig()
	if got := c.Describe(); got != "langevin 30 steps of η=0.03, persistent, buffer 10000, reinit 0.05" {
		t.Errorf("Describe() = %q", got)
	}
	c.Persistent = false
	if got := c.Describe(); got != "langevin 30 steps of η=0.03, short-run" {
		t.Errorf("Describe() = %q", got)
	}
	c.Objective = NCE
	if got := c.Describe(); got != "Gaussian noise" {
		t.Errorf("Describe() = %q", got)
	}
	rng := tensor.NewRand(1)
	net, _ := New(2, []int{4}, Swish)
	net.Init(rng)
	data, _ := dataset.Toy2D("moons", 64, 1)
	cfg := DefaultConfig()
	cfg.Sampler.Steps, cfg.Persistent = 2, false
	cfg.Init = NoiseInit{Low: []float32{-3, -3}, High: []float32{3, 3}}
	tr, err := NewTrainer(net, data, cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	x, err := tr.Samples(10)
	if err != nil || x.Rows != 10 || x.Cols != 2 {
		t.Fatalf("%v %v", x, err)
	}
	cfg.Persistent, cfg.BufferSize = true, 30
	tr, _ = NewTrainer(net, data, cfg, rng)
	if x, _ := tr.Samples(10); x != tr.Buffer().X || x.Rows != 30 {
		t.Error("persistent samples are not the replay buffer")
	}
}

func TestPictures(t *testing.T) {
	g := Grid{XMin: -2, XMax: 2, YMin: -2, YMax: 2, N: 20}
	net, _ := New(2, []int{4}, Swish)
	net.Init(tensor.NewRand(1))
	pts, _ := dataset.Toy2D("8gaussians", 200, 1)
	ev, err := g.Evaluate(net, pts, nil)
	if err != nil {
		t.Fatal(err)
	}
	img, err := DensityPicture(g, ev, nil, pts, pts)
	if err != nil || img.Bounds().Dx() < 4*20 || img.Bounds().Dy() < 20 {
		t.Fatalf("density picture %v: %v", img.Bounds(), err)
	}
	img, err = HistogramPicture(g, pts)
	if err != nil || img.Bounds().Dx() != 20*max(1, 400/20) {
		t.Errorf("histogram picture %v: %v", img.Bounds(), err)
	}
	if _, err := HistogramPicture(Grid{N: 1}, pts); err == nil {
		t.Error("a 1×1 grid was accepted")
	}
}

func TestFormatWidthsRoundTrip(t *testing.T) {
	for _, w := range [][]int{{64, 64, 64}, {7}, {1, 200}} {
		got, err := ParseWidths(FormatWidths(w))
		if err != nil || !slices.Equal(got, w) {
			t.Errorf("%v → %q → %v, %v", w, FormatWidths(w), got, err)
		}
	}
}
