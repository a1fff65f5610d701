package rbm

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/internal/testutil"
)

// TestGoldenBernoulliTraining pins the bytes of Bernoulli model and
// checkpoint files trained with fixed seeds, so a refactor of the trainer
// (one RBM for every unit type) is seen to leave Bernoulli training
// bit-identical. The hashes were recorded before that refactor. A change of
// arithmetic that is meant (a new kernel) must update them and say why.
func TestGoldenBernoulliTraining(t *testing.T) {
	set, err := dataset.Load("mnist:400", dataset.Options{Binarize: "threshold"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		cfg        func(*Config)
		model, ckp string
	}{
		{"cd1", func(c *Config) { c.Method = CD }, "", ""},
		{"cd2-decay-sparsity", func(c *Config) {
			c.Method, c.K, c.WeightDecay, c.SparsityTarget, c.SparsityCost, c.LRDecay = CD, 2, 2e-4, 0.1, 0.1, 0.5
		}, "", ""},
		{"pcd1", func(c *Config) { c.Method, c.Chains = PCD, 30 }, "", ""},
		{"pt3", func(c *Config) { c.Method, c.Temperatures, c.Chains = PT, 3, 20 }, "", ""},
	}
	golden := map[string][2]string{}
	for _, tc := range cases {
		dir := t.TempDir()
		rng := tensor.NewRand(7)
		m := New(784, 24)
		m.Init(set.X, 0.01, rng)
		cfg := DefaultConfigFor(CD)
		cfg.Epochs, cfg.BatchSize, cfg.MomentumEpochs = 3, 50, 1
		tc.cfg(&cfg)
		tr, err := NewTrainer(cfg, m, rng)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Train(context.Background(), set.X, nil); err != nil {
			t.Fatal(err)
		}
		mp, cp := filepath.Join(dir, "m.safetensors"), filepath.Join(dir, "c.safetensors")
		if err := m.Save(mp, map[string]string{"data": "mnist:400"}); err != nil {
			t.Fatal(err)
		}
		if err := tr.SaveCheckpoint(cp, map[string]string{"data": "mnist:400"}); err != nil {
			t.Fatal(err)
		}
		golden[tc.name] = [2]string{testutil.FileHash(t, mp), testutil.FileHash(t, cp)}
	}
	want := goldenHashes
	for name, got := range golden {
		if w, ok := want[name]; !ok || w != got {
			t.Errorf("%s: model, checkpoint sha256 = %q, %q; want %q, %q", name, got[0], got[1], w[0], w[1])
		}
	}
}

var goldenHashes = map[string][2]string{
	"cd1":                {"63bf19b44d5b1d66", "faf2d00922d0ea2d"},
	"cd2-decay-sparsity": {"43d3c7955b59ad13", "341cc70b3c237b60"},
	"pcd1":               {"703964dd7355f5c7", "9e052711105540d8"},
	"pt3":                {"740c06b117683774", "1da404508a7fcd28"}, // per-temperature streams since 2026-12-02 (was e923c756…, d4bfaf2a…)
}
