package rbm

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/internal/testutil"
	"github.com/ebm-go/ebm/modelio"
)

// TestBadNumbers: a model file or checkpoint whose numbers are NaN, ±Inf,
// so large that the first products overflow float32, or a σ or data_std
// that is not positive, or an unknown format_version, is refused at load
// with an error naming the file and the tensor or key; a file with no
// format_version still loads.
func TestBadNumbers(t *testing.T) {
	dir := t.TempDir()
	_, m, good := gaussianCheckpoint(t, dir)
	nv, nh := m.NVisible(), m.NHidden()
	edited := func(name string, edit func(f *modelio.File)) string {
		return testutil.Edited(t, good, filepath.Join(dir, name), edit)
	}
	set := testutil.Fill
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	cases := []struct {
		name string
		edit func(*modelio.File)
		want string
	}{
		{"weights NaN", set("weights", 3, nan), "not finite"},
		{"weights Inf", set("weights", 0, -inf), "not finite"},
		{"weights 3e38", set("weights", -1, 3e38), "over the float32 range"},
		{"weights 1e37 in one column", func(f *modelio.File) {
			for i := range nv {
				f.Tensors["weights"].Data[i*nh] = 1e37
			}
		}, "hidden unit 0"},
		{"visible_bias NaN", set("visible_bias", 1, nan), "not finite"},
		{"hidden_bias Inf", set("hidden_bias", 1, inf), "not finite"},
		{"hidden_bias 3.4e38 and a weight 1e37", func(f *modelio.File) {
			set("hidden_bias", 2, math.MaxFloat32)(f)
			f.Tensors["weights"].Data[2] = 1e37
		}, "hidden unit 2"},
		{"sigma 0", func(f *modelio.File) { set("sigma", 0, 0)(f); set("log_sigma", 0, float32(math.Inf(-1)))(f) }, "sigma[0]"},
		{"sigma NaN", set("sigma", 4, nan), "sigma[4]"},
		{"sigma 1e38", set("sigma", 1, 1e38), "visible unit 1"},
		{"data_std 0", set("data_std", 2, 0), "data_std[2]"},
		{"data_std negative", set("data_std", 0, -1), "data_std[0]"},
		{"data_std NaN", set("data_std", 0, nan), "not finite"},
		{"data_mean Inf", set("data_mean", 0, inf), "not finite"},
		{"format_version 2", func(f *modelio.File) { f.Metadata["format_version"] = "2" }, `format_version "2"`},
		{"format_version empty", func(f *modelio.File) { f.Metadata["format_version"] = "" }, `format_version ""`},
	}
	checkpointOnly := []struct {
		name string
		edit func(*modelio.File)
		want string
	}{
		{"velocity.weights NaN", set("velocity.weights", 0, nan), `"velocity.weights"`},
		{"velocity.log_sigma Inf", set("velocity.log_sigma", 0, inf), `"velocity.log_sigma"`},
		{"chains.visible NaN", set("chains.visible", 5, nan), `"chains.visible"`},
		{"log_sigma NaN", set("log_sigma", 0, nan), `"log_sigma"`},
		{"sparsity.q NaN", func(f *modelio.File) {
			f.Tensors["sparsity.q"] = modelio.Tensor{Shape: []int{nh}, Data: []float32{0.1, nan, 0.1, 0.1, 0.1}}
		}, `"sparsity.q"`},
	}
	loaders := map[string]func(string) error{
		"Load":           func(p string) error { _, _, err := Load(p); return err },
		"LoadCheckpoint": func(p string) error { _, _, _, err := LoadCheckpoint(p); return err },
	}
	for lname, load := range loaders {
		all := cases
		if lname == "LoadCheckpoint" {
			all = append(all, checkpointOnly...)
		}
		for _, c := range all {
			t.Run(lname+"/"+c.name, func(t *testing.T) {
				p := edited(strings.ReplaceAll(c.name, " ", "-")+".safetensors", c.edit)
				err := load(p)
				if err == nil {
					t.Fatal("accepted")
				}
				if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("error %q, want it to name %s and mention %q", err, p, c.want)
				}
				if !errors.Is(err, modelio.ErrFormat) && !errors.Is(err, ErrNotFinite) && !errors.Is(err, ErrShape) {
					t.Errorf("error %q wraps none of the format sentinels", err)
				}
			})
		}
	}
	// A file without format_version (an older file, or one written by
	// numpy) still loads.
	p := edited("no-version.safetensors", func(f *modelio.File) { delete(f.Metadata, "format_version") })
	if _, _, err := Load(p); err != nil {
		t.Fatalf("no format_version: %v", err)
	}
	if _, _, _, err := LoadCheckpoint(p); err != nil {
		t.Fatalf("no format_version: %v", err)
	}
}
