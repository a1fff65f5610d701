package rbm

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/internal/testutil"
)

// TestTrainingRaisesExactLikelihood trains on all 30 bars-and-stripes
// patterns and checks the exact mean log-likelihood by enumeration. The
// uniform distribution over 16 bits gives −16 ln 2 ≈ −11.09 nats; the
// initial model (visible biases at the data's log-odds) about −11.1; the
// optimum is ln(1/30) ≈ −3.40. Requiring −6 (a likelihood 150 times the
// start's) demands most of the gap.
func TestTrainingRaisesExactLikelihood(t *testing.T) {
	for _, method := range []Method{CD, PCD, PT} {
		x := testutil.Bars(t)
		rng := tensor.NewRand(3)
		m := New(16, 16)
		m.Init(x, 0.01, rng)
		ctx := context.Background()
		before, _, err := m.ExactLogLikelihood(ctx, x)
		if err != nil {
			t.Fatal(err)
		}
		cfg := DefaultConfig()
		// Plain SGD: PCD's chains cannot follow the fast-moving model that
		// lr 0.1 with momentum 0.9 makes (effective rate 1.0).
		cfg.Method, cfg.K, cfg.Epochs, cfg.BatchSize, cfg.LR, cfg.Chains = method, 5, 800, 10, 0.1, 100
		cfg.Temperatures = 4
		cfg.InitialMomentum, cfg.FinalMomentum = 0, 0
		tr, err := NewTrainer(cfg, m, rng)
		if err != nil {
			t.Fatal(err)
		}
		stats, err := tr.Train(ctx, x, nil)
		if err != nil {
			t.Fatal(err)
		}
		after, _, err := m.ExactLogLikelihood(ctx, x)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: exact mean log-likelihood %.3f → %.3f (optimum %.3f)", method, before, after, math.Log(1.0/30))
		if before > -10 {
			t.Errorf("initial log-likelihood %.3f, expected near −11.1", before)
		}
		if after < -6 {
			t.Errorf("%s: trained log-likelihood %.3f, want ≥ −6", method, after)
		}
		last := stats[len(stats)-1]
		if !(last.PLL > stats[0].PLL) || !(last.ReconError < stats[0].ReconError) {
			t.Errorf("%s: monitored figures did not improve: first %+v last %+v", method, stats[0], last)
		}
		if !math.IsNaN(last.FreeEnergyGap) {
			t.Errorf("free-energy gap without held-out data = %v, want NaN", last.FreeEnergyGap)
		}
	}
}

func trainSmall(t *testing.T, seed uint64) []byte {
	x := testutil.Bars(t)
	rng := tensor.NewRand(seed)
	m := New(16, 8)
	m.Init(x, 0.01, rng)
	cfg := DefaultConfig()
	cfg.Method, cfg.Epochs, cfg.BatchSize, cfg.SparsityTarget, cfg.SparsityCost, cfg.WeightDecay = PCD, 20, 7, 0.1, 0.1, 1e-3
	tr, err := NewTrainer(cfg, m, rng)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Train(context.Background(), x, x); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "m.safetensors")
	if err := m.Save(p, map[string]string{"data": "bars:4x4"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTrainingIsReproducible(t *testing.T) {
	a, b := trainSmall(t, 5), trainSmall(t, 5)
	if !bytes.Equal(a, b) {
		t.Fatal("same seed gave different model files")
	}
	if c := trainSmall(t, 6); bytes.Equal(a, c) {
		t.Fatal("different seeds gave identical model files")
	}
}

func TestSaveLoadBitIdentical(t *testing.T) {
	m := randomRBM(7, 5, 1, 2)
	m.W.Data[3] = float32(math.SmallestNonzeroFloat32)
	m.B[0] = float32(math.Copysign(0, -1))
	p := filepath.Join(t.TempDir(), "m.safetensors")
	got, meta := testutil.SaveLoad(t, p, m.Save, map[string]string{"note": "x"}, Load)
	for i := range m.W.Data {
		if math.Float32bits(m.W.Data[i]) != math.Float32bits(got.W.Data[i]) {
			t.Fatalf("W[%d]: %v vs %v", i, m.W.Data[i], got.W.Data[i])
		}
	}
	for i := range m.B {
		if math.Float32bits(m.B[i]) != math.Float32bits(got.B[i]) {
			t.Fatalf("b[%d] differs", i)
		}
	}
	for i := range m.C {
		if math.Float32bits(m.C[i]) != math.Float32bits(got.C[i]) {
			t.Fatalf("c[%d] differs", i)
		}
	}
	testutil.CheckMetadata(t, meta, map[string]string{"model": "rbm", "visible": "bernoulli", "hidden": "bernoulli", "format_version": "1", "note": "x"})
	// Saving the loaded model gives the same bytes.
	p2 := filepath.Join(t.TempDir(), "m2.safetensors")
	if err := got.Save(p2, map[string]string{"note": "x"}); err != nil {
		t.Fatal(err)
	}
	if !testutil.SameFiles(t, p, p2) {
		t.Fatal("save → load → save changed the bytes")
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.safetensors")
	if err := randomRBM(4, 3, 1, 1).Save(good, nil); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(good)
	cases := map[string][]byte{
		"truncated.safetensors": raw[:len(raw)-5],
		"empty.safetensors":     {},
		"garbage.safetensors":   []byte("this is not a model file at all, not even close"),
	}
	for name, b := range cases {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		if _, _, err := Load(p); err == nil || !bytes.Contains([]byte(err.Error()), []byte(name)) {
			t.Errorf("%s: error %v does not name the file", name, err)
		}
	}
	// A model of another kind.
	m := randomRBM(4, 3, 1, 1)
	p := filepath.Join(dir, "hop.safetensors")
	if err := m.Save(p, nil); err != nil {
		t.Fatal(err)
	}
	// Non-finite parameters are refused at save time.
	m.W.Data[0] = float32(math.NaN())
	if err := m.Save(filepath.Join(dir, "nan.safetensors"), nil); !errors.Is(err, ErrNotFinite) {
		t.Errorf("saving NaN weights: %v, want ErrNotFinite", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "nan.safetensors")); !os.IsNotExist(err) {
		t.Error("a refused save left a file behind")
	}
}

func TestDivergenceRestoresLastGoodModel(t *testing.T) {
	x := testutil.Bars(t)
	rng := tensor.NewRand(1)
	m := New(16, 8)
	m.Init(x, 0.01, rng)
	cfg := DefaultConfig()
	// A rate near float32's maximum with momentum overflows the velocities.
	cfg.Epochs, cfg.LR, cfg.BatchSize = 50, 3e38, 10
	cfg.InitialMomentum, cfg.FinalMomentum = 0.9, 0.9
	tr, err := NewTrainer(cfg, m, rng)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Train(context.Background(), x, nil)
	if !errors.Is(err, ErrDiverged) {
		t.Fatalf("err = %v, want ErrDiverged", err)
	}
	if verr := m.Validate(); verr != nil {
		t.Fatalf("model after divergence is not the last good one: %v", verr)
	}
}

func TestTrainerRejectsBadConfig(t *testing.T) {
	m := New(4, 3)
	for _, mut := range []func(*Config){
		func(c *Config) { c.K = -1 },
		func(c *Config) { c.BatchSize = -1 },
		func(c *Config) { c.LR = -1 },
		func(c *Config) { c.LR = math.NaN() },
		func(c *Config) { c.Method = "magic" },
		func(c *Config) { c.FinalMomentum = 1 },
		func(c *Config) { c.WeightDecay = -1 },
		func(c *Config) { c.SparsityTarget = 1 },
	} {
		cfg := DefaultConfig()
		mut(&cfg)
		if _, err := NewTrainer(cfg, m, tensor.NewRand(1)); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
	// Zero values take the defaults of the method and units.
	for _, u := range []Units{Bernoulli{}, NewGaussianUnits(4, 1, false)} {
		for _, method := range []Method{CD, PCD, PT} {
			tr, err := NewTrainer(Config{Method: method}, NewUnits(u, 4, 3), tensor.NewRand(1))
			if err != nil {
				t.Fatal(err)
			}
			want := Defaults(method, u)
			if tr.LR != want.LR || tr.K != 1 || tr.BatchSize != 100 || tr.Chains != 100 || (method == PT) != (tr.Temperatures == 10) {
				t.Errorf("%s %s: zero config became %+v", u.Name(), method, tr.Config)
			}
		}
	}
	if g := Defaults(PCD, NewGaussianUnits(1, 1, false)).LR; g != 0.001 {
		t.Errorf("Gaussian default learning rate %v, want 0.001", g)
	}
	tr, _ := NewTrainer(DefaultConfig(), m, tensor.NewRand(1))
	if _, err := tr.Train(context.Background(), tensor.New(3, 5), nil); !errors.Is(err, ErrShape) {
		t.Errorf("wrong data width: %v, want ErrShape", err)
	}
}

func TestTrainStopsOnCancel(t *testing.T) {
	x := testutil.Bars(t)
	m := New(16, 8)
	cfg := DefaultConfig()
	cfg.Epochs = 1000
	tr, _ := NewTrainer(cfg, m, tensor.NewRand(1))
	ctx, cancel := context.WithCancel(context.Background())
	tr.OnEpoch = func(st EpochStats) error {
		if st.Epoch == 3 {
			cancel()
		}
		return nil
	}
	_, err := tr.Train(ctx, x, nil)
	if !errors.Is(err, context.Canceled) || tr.Epoch != 3 {
		t.Fatalf("err %v after %d epochs, want context.Canceled after 3", err, tr.Epoch)
	}
}

// TestTrainStepAllocatesNothing: after its first update, the training
// step allocates nothing — for every method, centered gradients, the
// sparsity term and Gaussian units with learned σ, on one core and on the
// owned step (the cuts between its parts held still: a move that
// outgrows a part's room allocates, by design).
func TestTrainStepAllocatesNothing(t *testing.T) {
	if raceDetector {
		t.Skip("the race detector's sync.Pool drops items on purpose: allocations are counted without it")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	x := tensor.New(40, 30)
	rng := tensor.NewRand(3)
	p := make([]float32, len(x.Data))
	for i := range p {
		p[i] = 0.3
	}
	rng.Bernoulli(x.Data, p)
	cases := []struct {
		name  string
		cfg   func(*Config)
		gauss bool
	}{
		{"cd", func(c *Config) { c.Method = CD }, false},
		{"pcd-sparsity", func(c *Config) { c.Method, c.Chains, c.SparsityTarget, c.SparsityCost = PCD, 20, 0.1, 0.1 }, false},
		{"pt", func(c *Config) { c.Method, c.Chains, c.Temperatures = PT, 10, 4 }, false},
		{"restart-centered", func(c *Config) { c.Method, c.Chains, c.Centered = Restart, 20, true }, false},
		{"gaussian-learned", func(c *Config) { c.Method = CD }, true},
	}
	for _, tc := range cases {
		for _, parts := range []int{1, 2} {
			m := New(30, 40)
			if tc.gauss {
				m = NewUnits(NewGaussianUnits(30, 1, true), 30, 40)
			}
			m.Init(x, 0.01, rng)
			cfg := Defaults(CD, m.Units())
			cfg.BatchSize = 20
			tc.cfg(&cfg)
			tr, err := NewTrainer(cfg, m, tensor.NewRand(4))
			if err != nil {
				t.Fatal(err)
			}
			// Train sets up the chains and offsets; then the step alone.
			tr.Epochs, tr.forceParts = 1, parts
			if _, err := tr.Train(context.Background(), x, nil); err != nil {
				t.Fatal(err)
			}
			tr.useOwned()
			if tr.owned != nil {
				tr.owned.window = math.MaxInt
			}
			batch := x.SliceRows(0, 20)
			tr.step(batch, 0.01, 0.5)
			if (tr.owned != nil) != (parts == 2 && tc.name != "pt") {
				t.Errorf("%s, %d parts: owned step %v", tc.name, parts, tr.owned != nil)
			}
			if n := testing.AllocsPerRun(20, func() { tr.step(batch, 0.01, 0.5) }); n > 0 {
				t.Errorf("%s, %d parts (owned step %v): %v allocations a step", tc.name, parts, tr.owned != nil, n)
			}
			tr.owned.close()
		}
	}
}
