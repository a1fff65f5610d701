package rbm

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ebm-go/ebm/dataset"
)

// The files in testdata were written by the code before the Bernoulli and
// Gaussian RBM families were joined (commit f356da0, by the program in
// testdata/make-v1-files.go.txt, which builds against that commit): a Gaussian model (learned σ, with its
// standardization) and its PCD checkpoint, a Bernoulli model and a PT
// checkpoint with a sparsity target, their training data, and the models
// that old code wrote after one more epoch from each checkpoint. Today's
// loaders read them all, and resuming today gives the same bytes as
// resuming then — for the Gaussian checkpoint too, whose arithmetic moved
// into the shared trainer.
func TestFilesFromBeforeTheJoinStillLoad(t *testing.T) {
	for _, c := range []struct {
		ckpt, data, resumed, units string
	}{
		{"gaussian-v1.ckpt.safetensors", "gaussian-v1-data.npy", "gaussian-v1-resumed.safetensors", "gaussian"},
		{"bernoulli-pt-v1.ckpt.safetensors", "bernoulli-v1-data.npy", "bernoulli-pt-v1-resumed.safetensors", "bernoulli"},
	} {
		t.Run(c.units, func(t *testing.T) {
			tr, m, _, err := LoadCheckpoint(filepath.Join("testdata", c.ckpt))
			if err != nil {
				t.Fatal(err)
			}
			if m.Units().Name() != c.units {
				t.Fatalf("units %s, want %s", m.Units().Name(), c.units)
			}
			set, err := dataset.Load(filepath.Join("testdata", c.data), dataset.Options{})
			if err != nil {
				t.Fatal(err)
			}
			tr.Epochs = 3
			if _, err := tr.Train(context.Background(), set.X, nil); err != nil {
				t.Fatal(err)
			}
			got := filepath.Join(t.TempDir(), "m.safetensors")
			if err := m.Save(got, nil); err != nil {
				t.Fatal(err)
			}
			a, _ := os.ReadFile(got)
			b, _ := os.ReadFile(filepath.Join("testdata", c.resumed))
			if !bytes.Equal(a, b) {
				t.Errorf("resuming %s today writes a different model than the old code did", c.ckpt)
			}
		})
	}
	for _, f := range []string{"testdata/gaussian-v1.safetensors", "testdata/bernoulli-v1.safetensors",
		"../experiments/models/cd25-e200-d0.05.safetensors"} {
		m, meta, err := Load(f)
		if err != nil || meta["data"] == "" {
			t.Fatalf("%s: %v (metadata %v)", f, err, meta)
		}
		if g, ok := m.Units().(*Gaussian); ok && (!g.Learn || m.Standard == nil) {
			t.Errorf("%s: learn-sigma %v, standardization %v", f, g.Learn, m.Standard)
		}
	}
}
