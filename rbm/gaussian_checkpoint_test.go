package rbm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/modelio"
)

// gaussianData returns 240 rows of 6 real values drawn around four random
// centres (so the model has structure to learn), standardized, with the
// standardization.
func gaussianData() (x *tensor.Matrix, mean, std []float32) {
	rng := tensor.NewRand(5)
	centres := tensor.New(4, 6)
	rng.Normal(centres.Data, 10, 4)
	x = tensor.New(240, 6)
	rng.Normal(x.Data, 0, 0.7)
	for r := range x.Rows {
		row, c := x.Row(r), centres.Row(r%4)
		for i := range row {
			row[i] += c[i]
		}
	}
	mean, std = Standardize(x, 0.1)
	ApplyStandardize(x, mean, std)
	return x, mean, std
}

// gaussianRun returns a fresh trainer for a 6×5 Gaussian–Bernoulli RBM; a
// large rate and momentum make every piece of trainer state matter within
// a few epochs (velocities, chains, σ, the random stream).
func gaussianRun(t *testing.T, x *tensor.Matrix, mean, std []float32, method Method, learnSigma bool) (*GaussianTrainer, *GaussianRBM) {
	t.Helper()
	rng := tensor.NewRand(17)
	m := NewGaussian(x.Cols, 5)
	m.LearnSigma = learnSigma
	for i := range m.LogSigma {
		m.LogSigma[i] = float32(math.Log(0.6))
	}
	m.Init(x, 0.01, rng)
	cfg := DefaultConfig()
	cfg.Method, cfg.Epochs, cfg.BatchSize, cfg.LR, cfg.MomentumEpochs, cfg.WeightDecay = method, 4, 16, 0.05, 3, 1e-3
	cfg.Chains = 12
	tr, err := NewGaussianTrainer(cfg, m, rng)
	if err != nil {
		t.Fatal(err)
	}
	tr.DataMean, tr.DataStd = mean, std
	return tr, m
}

// TestGaussianResumeIsBitIdentical: 4 epochs straight and 2 + checkpoint +
// LoadGaussianCheckpoint + 2 give identical models (every bit of W, b, c and
// log σ) and identical model files, for CD and PCD, σ learned and fixed.
// The checkpoint also loads as a model with LoadGaussian, standardization
// included.
func TestGaussianResumeIsBitIdentical(t *testing.T) {
	x, mean, std := gaussianData()
	for _, method := range []Method{CD, PCD} {
		for _, learn := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/learn-sigma=%v", method, learn), func(t *testing.T) {
				dir := t.TempDir()
				tr, m := gaussianRun(t, x, mean, std, method, learn)
				if _, err := tr.Train(context.Background(), x, nil); err != nil {
					t.Fatal(err)
				}
				straight := filepath.Join(dir, "straight.safetensors")
				if err := m.Save(straight, nil, mean, std); err != nil {
					t.Fatal(err)
				}

				tr2, m2 := gaussianRun(t, x, mean, std, method, learn)
				tr2.Epochs = 2
				if _, err := tr2.Train(context.Background(), x, nil); err != nil {
					t.Fatal(err)
				}
				ck := filepath.Join(dir, "ck.safetensors")
				if err := tr2.SaveCheckpoint(ck, map[string]string{"data": "clusters", "checkpoint": "overridden"}); err != nil {
					t.Fatal(err)
				}
				tr3, m3, meta, err := LoadGaussianCheckpoint(ck)
				if err != nil {
					t.Fatal(err)
				}
				if meta["data"] != "clusters" || meta["checkpoint"] != "1" || meta["visible"] != "gaussian" || tr3.Epoch != 2 || tr3.Config != tr2.Config {
					t.Fatalf("checkpoint metadata %v, epoch %d, config %+v (want %+v)", meta, tr3.Epoch, tr3.Config, tr2.Config)
				}
				if m3.LearnSigma != learn || !bitsEqual(m3.LogSigma, m2.LogSigma) || !bitsEqual(tr3.DataMean, mean) || !bitsEqual(tr3.DataStd, std) {
					t.Fatalf("restored learn-sigma %v, log σ %v (want %v), mean %v std %v", m3.LearnSigma, m3.LogSigma, m2.LogSigma, tr3.DataMean, tr3.DataStd)
				}
				// The checkpoint is a model file too.
				lm, lmean, lstd, _, err := LoadGaussian(ck)
				if err != nil || !bitsEqual(lm.W.Data, m2.W.Data) || !bitsEqual(lmean, mean) || !bitsEqual(lstd, std) {
					t.Fatalf("LoadGaussian of the checkpoint: %v", err)
				}

				tr3.Epochs = 4
				if _, err := tr3.Train(context.Background(), x, nil); err != nil {
					t.Fatal(err)
				}
				for _, p := range [][2][]float32{{m.W.Data, m3.W.Data}, {m.B, m3.B}, {m.C, m3.C}, {m.LogSigma, m3.LogSigma}} {
					if !bitsEqual(p[0], p[1]) {
						t.Fatalf("4 epochs straight and 2 + resume + 2 differ: %v vs %v", p[0], p[1])
					}
				}
				resumed := filepath.Join(dir, "resumed.safetensors")
				if err := m3.Save(resumed, nil, tr3.DataMean, tr3.DataStd); err != nil {
					t.Fatal(err)
				}
				a, _ := os.ReadFile(straight)
				b, _ := os.ReadFile(resumed)
				if !bytes.Equal(a, b) {
					t.Fatal("4 epochs straight and 2 + resume + 2 wrote different model files")
				}
				// The model moved (else the comparison would prove little),
				// and σ moved exactly when it is learned.
				_, m0 := gaussianRun(t, x, mean, std, method, learn)
				if bitsEqual(m0.W.Data, m.W.Data) || bitsEqual(m0.LogSigma, m.LogSigma) != !learn {
					t.Fatalf("training did not move the model as expected (learn-sigma %v): log σ %v", learn, m.LogSigma)
				}
			})
		}
	}
}

// A PCD checkpoint written before any training (no chains yet) resumes
// like a fresh run: the chains start from the data with the saved random
// state.
func TestGaussianResumeFromEpochZero(t *testing.T) {
	x, mean, std := gaussianData()
	tr, m := gaussianRun(t, x, mean, std, PCD, true)
	ck := filepath.Join(t.TempDir(), "ck.safetensors")
	if err := tr.SaveCheckpoint(ck, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Train(context.Background(), x, nil); err != nil {
		t.Fatal(err)
	}
	tr2, m2, _, err := LoadGaussianCheckpoint(ck)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr2.Train(context.Background(), x, nil); err != nil {
		t.Fatal(err)
	}
	if !bitsEqual(m.W.Data, m2.W.Data) || !bitsEqual(m.LogSigma, m2.LogSigma) {
		t.Fatal("resuming a checkpoint of epoch 0 differs from training straight")
	}
}

// LoadGaussianCheckpoint refuses bad files with an error naming the file and
// the problem, and never panics; the two loaders refuse each other's
// checkpoints, saying which kind the file is.
func TestLoadGaussianCheckpointRejectsBadFiles(t *testing.T) {
	x, mean, std := gaussianData()
	dir := t.TempDir()
	tr, m := gaussianRun(t, x, mean, std, PCD, true)
	tr.Epochs = 1
	if _, err := tr.Train(context.Background(), x, nil); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.safetensors")
	if err := tr.SaveCheckpoint(good, nil); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(good)
	nv, nh := m.NVisible(), m.NHidden()

	// edited writes a copy of the good checkpoint changed by edit.
	edited := func(name string, edit func(f *modelio.File)) string {
		f, err := modelio.Load(good)
		if err != nil {
			t.Fatal(err)
		}
		edit(f)
		p := filepath.Join(dir, name)
		if err := modelio.Save(p, f); err != nil {
			t.Fatal(err)
		}
		return p
	}
	del := func(names ...string) func(*modelio.File) {
		return func(f *modelio.File) {
			for _, n := range names {
				delete(f.Tensors, n)
			}
		}
	}
	reshape := func(name string, shape ...int) func(*modelio.File) {
		return func(f *modelio.File) {
			n := 1
			for _, d := range shape {
				n *= d
			}
			f.Tensors[name] = modelio.Tensor{Shape: shape, Data: make([]float32, n)}
		}
	}
	setMeta := func(k, v string) func(*modelio.File) { return func(f *modelio.File) { f.Metadata[k] = v } }

	truncated := filepath.Join(dir, "truncated.safetensors")
	os.WriteFile(truncated, raw[:len(raw)-9], 0o644)
	empty := filepath.Join(dir, "empty.safetensors")
	os.WriteFile(empty, nil, 0o644)

	// A Bernoulli checkpoint and a plain Gaussian model file.
	bt, err := NewTrainer(DefaultConfig(), randomRBM(6, 4, 1, 3), tensor.NewRand(1))
	if err != nil {
		t.Fatal(err)
	}
	bern := filepath.Join(dir, "bernoulli.safetensors")
	if err := bt.SaveCheckpoint(bern, nil); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "model.safetensors")
	if err := m.Save(model, nil, mean, std); err != nil {
		t.Fatal(err)
	}

	nan := make([]float32, nv)
	nan[2] = float32(math.NaN())
	cases := []struct {
		path string
		want []string
		is   error
	}{
		{truncated, []string{"truncated.safetensors"}, modelio.ErrFormat},
		{empty, []string{"empty.safetensors"}, modelio.ErrFormat},
		{filepath.Join(dir, "missing.safetensors"), []string{"missing.safetensors"}, os.ErrNotExist},
		{edited("no-velocity.safetensors", del("velocity.log_sigma")), []string{"no-velocity.safetensors", `"velocity.log_sigma"`}, modelio.ErrMissing},
		{edited("no-logsigma.safetensors", del("log_sigma")), []string{"no-logsigma.safetensors", `"log_sigma"`}, modelio.ErrMissing},
		{edited("no-chains.safetensors", del("chains.visible")), []string{"no-chains.safetensors", `"chains.visible"`}, modelio.ErrMissing},
		{edited("no-weights.safetensors", del("weights")), []string{"no-weights.safetensors", `"weights"`}, modelio.ErrMissing},
		{edited("vw-shape.safetensors", reshape("velocity.weights", nh, nv)), []string{"vw-shape.safetensors", `"velocity.weights"`, "[5 6]"}, modelio.ErrFormat},
		{edited("vc-shape.safetensors", reshape("velocity.hidden_bias", nv)), []string{"vc-shape.safetensors", `"velocity.hidden_bias"`}, modelio.ErrFormat},
		{edited("chains-shape.safetensors", reshape("chains.visible", 3, nv)), []string{"chains-shape.safetensors", `"chains.visible"`, "[3 6]"}, modelio.ErrFormat},
		{edited("sigma-shape.safetensors", reshape("log_sigma", nv+1)), []string{"sigma-shape.safetensors", `"log_sigma"`}, modelio.ErrFormat},
		{edited("nan.safetensors", func(f *modelio.File) {
			f.Tensors["velocity.visible_bias"] = modelio.Tensor{Shape: []int{nv}, Data: nan}
		}),
			[]string{"nan.safetensors", `"velocity.visible_bias"`, "NaN"}, modelio.ErrFormat},
		{edited("rng.safetensors", setMeta("rng_state", "!!")), []string{"rng.safetensors", "rng_state"}, modelio.ErrFormat},
		{edited("epochs.safetensors", setMeta("epochs_done", "two")), []string{"epochs.safetensors", "epochs_done"}, modelio.ErrFormat},
		{edited("pt.safetensors", setMeta("cfg.method", "pt")), []string{"pt.safetensors", "parallel tempering"}, nil},
		{bern, []string{"bernoulli.safetensors", "Bernoulli RBM checkpoint", "LoadCheckpoint"}, modelio.ErrFormat},
		{model, []string{"model.safetensors", "not a training checkpoint"}, modelio.ErrFormat},
	}
	for _, c := range cases {
		_, _, _, err := LoadGaussianCheckpoint(c.path)
		if err == nil {
			t.Errorf("%s: accepted", filepath.Base(c.path))
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", filepath.Base(c.path), err, w)
			}
		}
		if c.is != nil && !errors.Is(err, c.is) {
			t.Errorf("%s: error %q does not wrap %v", filepath.Base(c.path), err, c.is)
		}
	}
	// The Bernoulli loader refuses a Gaussian checkpoint, naming its kind.
	_, _, _, err = LoadCheckpoint(good)
	if err == nil || !strings.Contains(err.Error(), "Gaussian–Bernoulli RBM checkpoint") || !strings.Contains(err.Error(), "LoadGaussianCheckpoint") ||
		!strings.Contains(err.Error(), "good.safetensors") || !errors.Is(err, modelio.ErrFormat) {
		t.Errorf("LoadCheckpoint of a Gaussian checkpoint: %v", err)
	}
	// The standardization must come in pairs of the right length.
	tr.DataStd = nil
	if err := tr.SaveCheckpoint(filepath.Join(dir, "half.safetensors"), nil); !errors.Is(err, ErrShape) {
		t.Errorf("saving with a mean but no std: %v", err)
	}
}

func bitsEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}
