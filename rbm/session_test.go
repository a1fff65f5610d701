package rbm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/internal/testutil"
)

// A Session writes the model and the checkpoint every epoch; 2 epochs,
// ResumeSession, 2 more write the same model file as 4 straight, with the
// whole history and the caller's metadata carried through the checkpoint.
func TestSessionResume(t *testing.T) {
	x := testutil.Bars(t)
	dir := t.TempDir()
	run := func(model, ckpt string, epochs int) *Session {
		rng := tensor.NewRand(4)
		m := New(16, 8)
		m.Init(x, 0.01, rng)
		cfg := DefaultConfigFor(PCD)
		cfg.Epochs, cfg.BatchSize = epochs, 10
		tr, err := NewTrainer(cfg, m, rng)
		if err != nil {
			t.Fatal(err)
		}
		s := &Session{Trainer: tr, ModelPath: model, CheckpointPath: ckpt, Meta: map[string]string{"data": "bars:4x4", "seed": "4"}}
		if _, err := s.Run(context.Background(), x, nil); err != nil {
			t.Fatal(err)
		}
		return s
	}
	straight := filepath.Join(dir, "s.safetensors")
	run(straight, "", 4)
	if _, err := os.Stat(filepath.Join(dir, "s.ckpt.safetensors")); !os.IsNotExist(err) {
		t.Errorf("an empty CheckpointPath wrote a checkpoint: %v", err)
	}
	resumed, ck := filepath.Join(dir, "r.safetensors"), filepath.Join(dir, "r.ckpt.safetensors")
	run(resumed, ck, 2)
	s, err := ResumeSession(ck)
	if err != nil {
		t.Fatal(err)
	}
	if s.ModelPath != resumed || len(s.History) != 2 || s.Meta["data"] != "bars:4x4" || s.Meta["seed"] != "4" || s.Meta["epochs"] != "" || s.Meta["rng_state"] != "" {
		t.Fatalf("resumed session: path %q, %d epochs of history, meta %v", s.ModelPath, len(s.History), s.Meta)
	}
	s.Epochs = 4
	if _, err := s.Run(context.Background(), x, nil); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(straight)
	b, _ := os.ReadFile(resumed)
	if !bytes.Equal(a, b) || len(s.History) != 4 {
		t.Fatalf("2 + resume + 2 epochs differ from 4 straight (history %d)", len(s.History))
	}
	rep := s.Report(s.History[2:], x.Rows, 1)
	if rep.Data != "bars:4x4" || rep.Seed != 4 || rep.Epochs != 4 || rep.Method != "pcd" || rep.Last == nil || rep.Last.Epoch != 4 ||
		len(rep.History) != 4 || rep.NVisible != 16 || rep.Visible != "bernoulli" || rep.LearnSigma != nil || !(rep.SamplesPerSecond > 0) {
		t.Errorf("report %+v", rep)
	}
	_, meta, err := Load(resumed)
	if err != nil || meta["epochs"] != "4" || meta["data"] != "bars:4x4" || meta["method"] != "pcd" {
		t.Errorf("model metadata %v, %v", meta, err)
	}
	// Divergence keeps the last good model and says where it is: here the
	// resumed session's epoch 4, diverging in epoch 5.
	s.LR, s.Epochs = 3e38, 6
	if _, err := s.Run(context.Background(), x, nil); !errors.Is(err, ErrDiverged) || !strings.Contains(err.Error(), "epoch 4") {
		t.Fatalf("divergence after 4 epochs: %v", err)
	}
	if d, meta, err := Load(resumed); err != nil || !tensor.AllFinite(d.W.Data) || meta["epochs"] != "4" {
		t.Errorf("last good model: %v (metadata %v)", err, meta)
	}
	// A fresh run that diverges before its first epoch ends writes
	// nothing: the file already at ModelPath stays.
	m := New(16, 8)
	m.Init(x, 0.01, tensor.NewRand(1))
	cfg := DefaultConfigFor(CD)
	cfg.Epochs, cfg.LR, cfg.BatchSize, cfg.InitialMomentum, cfg.FinalMomentum = 50, 3e38, 10, 0.9, 0.9
	tr, _ := NewTrainer(cfg, m, tensor.NewRand(1))
	bad := &Session{Trainer: tr, ModelPath: straight}
	_, err = bad.Run(context.Background(), x, nil)
	if !errors.Is(err, ErrDiverged) || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("divergence in the first epoch: %v", err)
	}
	if c, _ := os.ReadFile(straight); !bytes.Equal(a, c) {
		t.Error("a run that diverged in its first epoch replaced the existing model file")
	}
}

// SampleData takes and returns data units: for a standardized model it is
// Sample on the standardized start with the standardization undone, for
// one without a standardization it is Sample itself.
func TestSampleData(t *testing.T) {
	m := NewGaussian(3, 2)
	tensor.NewRand(1).Normal(m.W.Data, 0, 0.5)
	init := tensor.FromSlice(2, 3, []float32{10, 20, 30, 11, 19, 33})
	for _, st := range []*Standardization{nil, {Mean: []float32{10, 20, 30}, Std: []float32{1, 2, 4}}} {
		m.Standard = st
		s1, m1 := m.SampleData(2, 5, init, tensor.NewRand(3))
		s2, m2 := m.Sample(2, 5, st.Applied(init), tensor.NewRand(3))
		st.Undo(s2)
		st.Undo(m2)
		if !bitsEqual(s1.Data, s2.Data) || !bitsEqual(m1.Data, m2.Data) {
			t.Errorf("standardization %v: SampleData differs from Sample in data units", st)
		}
	}
}

// Draw is SampleData for one temperature and SampleTempered (in data
// units) for several, with the ladder's betas as short decimals and the
// swap rates summarized; its JSON names the sampler.
func TestDraw(t *testing.T) {
	m := randomRBM(6, 3, 0.5, 2)
	d, err := m.Draw(DrawOptions{N: 4, Steps: 5, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	s, mu := m.SampleData(4, 5, nil, tensor.NewRand(9))
	if d.Sampler != "gibbs" || !bitsEqual(d.States.Data, s.Data) || !bitsEqual(d.Means.Data, mu.Data) || d.MinSwapRate != nil {
		t.Fatalf("Gibbs draw %+v differs from SampleData", d)
	}
	d, err = m.Draw(DrawOptions{N: 4, Steps: 50, Temperatures: 10, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	_, mu, rates, _ := m.SampleTempered(4, 50, PTBetas(10), nil, tensor.NewRand(9))
	if d.Sampler != "parallel-tempering" || d.Betas[1] != 0.9 || len(d.SwapRates) != 9 || !bitsEqual(d.Means.Data, mu.Data) ||
		*d.MinSwapRate > *d.MeanSwapRate || rates[0] != d.SwapRates[0] {
		t.Fatalf("tempered draw %+v", d)
	}
	b, err := json.Marshal(d)
	if err != nil || !strings.Contains(string(b), `"sampler":"parallel-tempering"`) || strings.Contains(string(b), "States") {
		t.Errorf("JSON %s, %v", b, err)
	}
}

// TrainingBytes counts the weights and their copies and every row the
// trainer holds: MNIST's 784×500 PCD model needs tens of MiB, PT's
// chains scale with the temperatures, and huge settings stay finite.
func TestTrainingBytes(t *testing.T) {
	cfg := DefaultConfigFor(PCD)
	small := TrainingBytes(784, 500, cfg)
	if small < 9e6 || small > 5e7 {
		t.Errorf("784×500 PCD: %g bytes", small)
	}
	cfg.Method, cfg.Temperatures = PT, 100
	if pt := TrainingBytes(784, 500, cfg); pt < small+4*3*99*100*1284 {
		t.Errorf("PT with 100 temperatures: %g bytes, PCD %g", pt, small)
	}
	cfg.Temperatures = 1 << 62
	if b := TrainingBytes(1<<40, 1<<40, cfg); math.IsInf(b, 0) || b < 1e30 {
		t.Errorf("huge settings: %g", b)
	}
}
