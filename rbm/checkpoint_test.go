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
	"github.com/ebm-go/ebm/internal/testutil"
	"github.com/ebm-go/ebm/modelio"
)

// gaussianData returns 240 rows of 6 real values drawn around four random
// centres (so the model has structure to learn), standardized, with the
// standardization.
func gaussianData() (x *tensor.Matrix, st *Standardization) {
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
	st = Standardize(x, 0.1)
	st.Apply(x)
	return x, st
}

// gaussianRun returns a fresh trainer for a 6×5 Gaussian–Bernoulli RBM; a
// large rate and momentum make every piece of trainer state matter within
// a few epochs (velocities, chains, σ, the random stream).
func gaussianRun(t *testing.T, x *tensor.Matrix, st *Standardization, method Method, learnSigma bool) (*Trainer, *RBM) {
	t.Helper()
	rng := tensor.NewRand(17)
	m := NewUnits(NewGaussianUnits(x.Cols, 0.6, learnSigma), x.Cols, 5)
	m.Standard = st
	m.Init(x, 0.01, rng)
	cfg := DefaultConfig()
	cfg.Method, cfg.Epochs, cfg.BatchSize, cfg.LR, cfg.MomentumEpochs, cfg.WeightDecay = method, 4, 16, 0.05, 3, 1e-3
	cfg.Chains = 12
	if method == PT {
		cfg.Temperatures = 3
	}
	tr, err := NewTrainer(cfg, m, rng)
	if err != nil {
		t.Fatal(err)
	}
	return tr, m
}

// TestResumeIsBitIdentical: 4 epochs straight and 2 + checkpoint +
// LoadCheckpoint + 2 give identical models (every bit of W, b, c and log σ)
// and identical model files, for CD, PCD and PT, Bernoulli units with a
// sparsity target and Gaussian units with σ learned and fixed — every piece
// of trainer state matters (a large rate makes W move within a few epochs,
// so stale chains or velocities would change the sampled states). The
// checkpoint also loads as a model, standardization included; a plain model
// file is not a checkpoint.
func TestResumeIsBitIdentical(t *testing.T) {
	gx, st := gaussianData()
	bx := testutil.Bars(t)
	bernoulli := func(method Method, centered bool) (*Trainer, *RBM) {
		cfg := DefaultConfig()
		cfg.Method, cfg.Epochs, cfg.BatchSize, cfg.SparsityTarget, cfg.SparsityCost, cfg.MomentumEpochs = method, 4, 7, 0.1, 0.1, 3
		cfg.Centered = centered
		if centered && method == Restart { // and chains from the base rate
			cfg.RestartFrom = "base-rate"
		}
		if method == PT {
			cfg.Temperatures = 3
			if centered { // and an adaptive ladder, which needs 3 or more
				cfg.Temperatures, cfg.AdaptLadder = 4, true
			}
		}
		cfg.LR = 0.5
		rng := tensor.NewRand(11)
		m := New(16, 8)
		m.Init(bx, 0.01, rng)
		tr, err := NewTrainer(cfg, m, rng)
		if err != nil {
			t.Fatal(err)
		}
		return tr, m
	}
	for _, method := range []Method{CD, PCD, PT, Restart} {
		for _, units := range []string{"bernoulli", "bernoulli-centered", "gaussian", "gaussian-learned"} {
			t.Run(fmt.Sprintf("%s/%s", method, units), func(t *testing.T) {
				x, learn := gx, units == "gaussian-learned"
				newRun := func() (*Trainer, *RBM) { return gaussianRun(t, gx, st, method, learn) }
				if strings.HasPrefix(units, "bernoulli") {
					centered := units == "bernoulli-centered"
					x, newRun = bx, func() (*Trainer, *RBM) { return bernoulli(method, centered) }
				}
				m, m3, dir := resumeTwice(t, x, newRun)
				var sig, sig3 []float32
				if g, ok := m.Units().(*Gaussian); ok {
					sig, sig3 = g.LogSigma, gu(m3).LogSigma
					if gu(m3).Learn != learn || !bitsEqual(m3.Standard.Mean, st.Mean) || !bitsEqual(m3.Standard.Std, st.Std) {
						t.Fatalf("restored learn-sigma %v, standardization %+v", gu(m3).Learn, m3.Standard)
					}
				}
				for _, p := range [][2][]float32{{m.W.Data, m3.W.Data}, {m.B, m3.B}, {m.C, m3.C}, {sig, sig3}} {
					if !bitsEqual(p[0], p[1]) {
						t.Fatalf("4 epochs straight and 2 + resume + 2 differ: %v vs %v", p[0], p[1])
					}
				}
				a, _ := os.ReadFile(filepath.Join(dir, "straight.safetensors"))
				b, _ := os.ReadFile(filepath.Join(dir, "resumed.safetensors"))
				if !bytes.Equal(a, b) {
					t.Fatal("4 epochs straight and 2 + resume + 2 wrote different model files")
				}
				// The model moved (else the comparison would prove little),
				// and σ moved exactly when it is learned.
				_, m0 := newRun()
				if bitsEqual(m0.W.Data, m.W.Data) || sig != nil && bitsEqual(gu(m0).LogSigma, sig) != !learn {
					t.Fatalf("training did not move the model as expected (learn-sigma %v): log σ %v", learn, sig)
				}
				if _, _, _, err := LoadCheckpoint(filepath.Join(dir, "straight.safetensors")); err == nil || !strings.Contains(err.Error(), "not a training checkpoint") {
					t.Fatalf("loading a model file as a checkpoint: %v", err)
				}
			})
		}
	}
}

// resumeTwice trains newRun's trainer 4 epochs straight, and another 2
// epochs, checkpoints it (checking the metadata and that the checkpoint
// loads as a model), resumes and trains to 4; it saves both models in dir
// (straight.safetensors, resumed.safetensors) and returns them.
func resumeTwice(t *testing.T, x *tensor.Matrix, newRun func() (*Trainer, *RBM)) (straight, resumed *RBM, dir string) {
	t.Helper()
	dir = t.TempDir()
	tr, m := newRun()
	if _, err := tr.Train(context.Background(), x, nil); err != nil {
		t.Fatal(err)
	}
	tr2, m2 := newRun()
	tr2.Epochs = 2
	if _, err := tr2.Train(context.Background(), x, nil); err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(dir, "ck.safetensors")
	if err := tr2.SaveCheckpoint(ck, map[string]string{"data": "clusters", "checkpoint": "overridden"}); err != nil {
		t.Fatal(err)
	}
	tr3, m3, meta, err := LoadCheckpoint(ck)
	if err != nil {
		t.Fatal(err)
	}
	if meta["data"] != "clusters" || meta["checkpoint"] != "1" || meta["visible"] != m.Units().Name() || tr3.Epoch != 2 || tr3.Config != tr2.Config {
		t.Fatalf("checkpoint metadata %v, epoch %d, config %+v (want %+v)", meta, tr3.Epoch, tr3.Config, tr2.Config)
	}
	if lm, _, err := Load(ck); err != nil || !bitsEqual(lm.W.Data, m2.W.Data) {
		t.Fatalf("Load of the checkpoint: %v", err)
	}
	tr3.Epochs = 4
	if _, err := tr3.Train(context.Background(), x, nil); err != nil {
		t.Fatal(err)
	}
	for name, mm := range map[string]*RBM{"straight": m, "resumed": m3} {
		if err := mm.Save(filepath.Join(dir, name+".safetensors"), nil); err != nil {
			t.Fatal(err)
		}
	}
	return m, m3, dir
}

// A PCD checkpoint written before any training (no chains yet) resumes
// like a fresh run: the chains start from the data with the saved random
// state.
func TestGaussianResumeFromEpochZero(t *testing.T) {
	x, st := gaussianData()
	tr, m := gaussianRun(t, x, st, PCD, true)
	ck := filepath.Join(t.TempDir(), "ck.safetensors")
	if err := tr.SaveCheckpoint(ck, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Train(context.Background(), x, nil); err != nil {
		t.Fatal(err)
	}
	tr2, m2, _, err := LoadCheckpoint(ck)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr2.Train(context.Background(), x, nil); err != nil {
		t.Fatal(err)
	}
	if !bitsEqual(m.W.Data, m2.W.Data) || !bitsEqual(gu(m).LogSigma, gu(m2).LogSigma) {
		t.Fatal("resuming a checkpoint of epoch 0 differs from training straight")
	}
}

// gaussianCheckpoint trains a Gaussian RBM with a learnt σ for one epoch
// of PCD on gaussianData and saves its checkpoint as good.safetensors in
// dir: the good file the bad-file tests edit.
func gaussianCheckpoint(t *testing.T, dir string) (tr *Trainer, m *RBM, good string) {
	t.Helper()
	x, st := gaussianData()
	tr, m = gaussianRun(t, x, st, PCD, true)
	tr.Epochs = 1
	if _, err := tr.Train(context.Background(), x, nil); err != nil {
		t.Fatal(err)
	}
	good = filepath.Join(dir, "good.safetensors")
	if err := tr.SaveCheckpoint(good, nil); err != nil {
		t.Fatal(err)
	}
	return tr, m, good
}

// LoadCheckpoint refuses bad Gaussian checkpoints with an error naming the
// file and the problem, and never panics.
func TestLoadGaussianCheckpointRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	tr, m, good := gaussianCheckpoint(t, dir)
	raw, _ := os.ReadFile(good)
	nv, nh := m.NVisible(), m.NHidden()

	// edited writes a copy of the good checkpoint changed by edit.
	edited := func(name string, edit func(f *modelio.File)) string {
		return testutil.Edited(t, good, filepath.Join(dir, name), edit)
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
	setMeta := testutil.SetMeta

	truncated := filepath.Join(dir, "truncated.safetensors")
	os.WriteFile(truncated, raw[:len(raw)-9], 0o644)
	empty := filepath.Join(dir, "empty.safetensors")
	os.WriteFile(empty, nil, 0o644)

	// A plain Gaussian model file.
	model := filepath.Join(dir, "model.safetensors")
	if err := m.Save(model, nil); err != nil {
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
		{edited("pt.safetensors", setMeta("cfg.method", "pt")), []string{"pt.safetensors", `"chains.tempered"`}, modelio.ErrMissing},
		{edited("units.safetensors", setMeta("visible", "spins")), []string{"units.safetensors", `"spins"`}, modelio.ErrFormat},
		{model, []string{"model.safetensors", "not a training checkpoint"}, modelio.ErrFormat},
	}
	for _, c := range cases {
		_, _, _, err := LoadCheckpoint(c.path)
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
	// The standardization must come in pairs of the right length.
	m.Standard.Std = m.Standard.Std[:2]
	if err := tr.SaveCheckpoint(filepath.Join(dir, "half.safetensors"), nil); !errors.Is(err, ErrShape) {
		t.Errorf("saving with a short std: %v", err)
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

// A PT checkpoint records that its temperatures draw from a source each
// ("pt_streams"); an unknown value is refused, and one without the key (from
// before) resumes with the shared serial stream (TestFilesFromBeforeTheJoinStillLoad).
func TestPTCheckpointStreams(t *testing.T) {
	dir := t.TempDir()
	bx := testutil.Bars(t)
	cfg := DefaultConfigFor(PT)
	cfg.Epochs, cfg.BatchSize, cfg.Temperatures = 1, 7, 3
	rng := tensor.NewRand(3)
	m := New(16, 8)
	m.Init(bx, 0.01, rng)
	tr, err := NewTrainer(cfg, m, rng)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Train(context.Background(), bx, nil); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "pt.safetensors")
	if err := tr.SaveCheckpoint(good, nil); err != nil {
		t.Fatal(err)
	}
	tr2, _, md, err := LoadCheckpoint(good)
	if err != nil {
		t.Fatal(err)
	}
	if md["pt_streams"] != ptStreamsPerTemperature || tr2.pt.serial {
		t.Errorf("pt_streams %q, serial %v: want %q and the per-temperature streams", md["pt_streams"], tr2.pt.serial, ptStreamsPerTemperature)
	}
	old := testutil.Edited(t, good, filepath.Join(dir, "old.safetensors"), func(f *modelio.File) { delete(f.Metadata, "pt_streams") })
	if tr3, _, _, err := LoadCheckpoint(old); err != nil || !tr3.pt.serial {
		t.Errorf("without pt_streams: %v, serial %v; want the serial stream", err, tr3 != nil && tr3.pt.serial)
	}
	bad := testutil.Edited(t, good, filepath.Join(dir, "bad.safetensors"), testutil.SetMeta("pt_streams", "per-chain"))
	if _, _, _, err := LoadCheckpoint(bad); !errors.Is(err, modelio.ErrFormat) || !strings.Contains(err.Error(), "pt_streams") {
		t.Errorf("pt_streams per-chain: %v; want a format error naming it", err)
	}
}

// A checkpoint of Gaussian units records that its normal draws are keyed
// ("normal_stream"); an unknown value is refused, and one without the key
// (from before) resumes with the serial draws and the old log σ gradient
// (TestFilesFromBeforeTheJoinStillLoad resumes one bit for bit).
func TestGaussianCheckpointStreams(t *testing.T) {
	dir := t.TempDir()
	m := tinyGaussian(5, 4, 3)
	gu(m).Learn = true
	x := tensor.New(40, 5)
	tensor.NewRand(4).Normal(x.Data, 0, 1)
	cfg := Defaults(CD, m.Units())
	cfg.Epochs, cfg.BatchSize = 1, 10
	tr, err := NewTrainer(cfg, m, tensor.NewRand(5))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Train(context.Background(), x, nil); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "g.safetensors")
	if err := tr.SaveCheckpoint(good, nil); err != nil {
		t.Fatal(err)
	}
	_, m2, md, err := LoadCheckpoint(good)
	if err != nil {
		t.Fatal(err)
	}
	if md["normal_stream"] != normalStreamKeyed || gu(m2).serial {
		t.Errorf("normal_stream %q, serial %v: want %q and keyed draws", md["normal_stream"], gu(m2).serial, normalStreamKeyed)
	}
	old := testutil.Edited(t, good, filepath.Join(dir, "old.safetensors"), func(f *modelio.File) { delete(f.Metadata, "normal_stream") })
	if _, m3, _, err := LoadCheckpoint(old); err != nil || !gu(m3).serial {
		t.Errorf("without normal_stream: %v, serial %v; want the serial draws", err, m3 != nil && gu(m3).serial)
	}
	bad := testutil.Edited(t, good, filepath.Join(dir, "bad.safetensors"), testutil.SetMeta("normal_stream", "ziggurat"))
	if _, _, _, err := LoadCheckpoint(bad); !errors.Is(err, modelio.ErrFormat) || !strings.Contains(err.Error(), "normal_stream") {
		t.Errorf("normal_stream ziggurat: %v; want a format error naming it", err)
	}
}
