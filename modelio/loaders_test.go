//go:build unix

package modelio_test

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/dbn"
	"github.com/ebm-go/ebm/deep"
	"github.com/ebm-go/ebm/hopfield"
	"github.com/ebm-go/ebm/internal/readlimit/readlimittest"
	"github.com/ebm-go/ebm/internal/testutil"
	"github.com/ebm-go/ebm/modelio"
	"github.com/ebm-go/ebm/rbm"
)

// loaders are every model-file loader, each returning its error.
var loaders = map[string]func(string) error{
	"rbm.Load":           func(p string) error { _, _, err := rbm.Load(p); return err },
	"rbm.LoadCheckpoint": func(p string) error { _, _, _, err := rbm.LoadCheckpoint(p); return err },
	"dbn.Load":           func(p string) error { _, _, err := dbn.Load(p); return err },
	"deep.Load":          func(p string) error { _, _, _, err := deep.Load(p); return err },
	"deep.LoadSampler":   func(p string) error { _, _, _, err := deep.LoadSampler(p, deep.Sampler{}); return err },
	"hopfield.Load":      func(p string) error { _, _, err := hopfield.Load(p); return err },
}

// TestLoadersRefuseBadPaths: every model loader refuses a FIFO, /dev/zero,
// links to them and a directory at once, naming the path.
func TestLoadersRefuseBadPaths(t *testing.T) {
	for name, load := range loaders {
		for kind, path := range readlimittest.BadPaths(t, "m.safetensors") {
			t.Run(name+"/"+kind, func(t *testing.T) {
				readlimittest.Refused(t, path, load)
			})
		}
	}
}

// TestDeepAndDBNBadFiles: deep and DBN files with NaN or overflowing
// parameters, an unknown format_version or metadata that would run without
// end are refused at load, naming the file and what is wrong.
func TestDeepAndDBNBadFiles(t *testing.T) {
	dir := t.TempDir()
	net, err := deep.New(2, []int{4}, deep.Swish)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range net.W {
		for i := range w.Data {
			w.Data[i] = 0.1
		}
	}
	cfg := deep.DefaultConfig()
	cfg.Init = deep.NoiseInit{Low: []float32{-4, -4}, High: []float32{4, 4}}
	goodDeep := filepath.Join(dir, "deep.safetensors")
	if err := deep.Save(goodDeep, net, nil, cfg.Metadata()); err != nil {
		t.Fatal(err)
	}
	d := &dbn.DBN{Layers: []*rbm.RBM{rbm.New(6, 4), rbm.New(4, 3)}}
	goodDBN := filepath.Join(dir, "dbn.safetensors")
	if err := d.Save(goodDBN, nil); err != nil {
		t.Fatal(err)
	}
	edited := func(good, name string, edit func(*modelio.File)) string {
		return testutil.Edited(t, good, filepath.Join(dir, name), edit)
	}
	meta := testutil.SetMeta
	set := func(name string, v float32) func(*modelio.File) { return testutil.Fill(name, -1, v) }
	nan := float32(math.NaN())
	cases := []struct {
		load, file string
		want       string
	}{
		{"deep.Load", edited(goodDeep, "deep-v2.safetensors", meta("format_version", "2")), `format_version "2"`},
		{"deep.Load", edited(goodDeep, "deep-nan.safetensors", set("layer1.bias", nan)), "layer 1 holds NaN"},
		{"deep.Load", edited(goodDeep, "deep-huge.safetensors", set("layer0.weight", 3e38)), "over the float32 range"},
		{"deep.Load", edited(goodDeep, "deep-logz.safetensors", func(f *modelio.File) {
			f.Tensors["log_z"] = modelio.Tensor{Shape: []int{}, Data: []float32{nan}}
		}), "log_z"},
		{"deep.LoadSampler", edited(goodDeep, "deep-steps.safetensors", meta("steps", "1000000000000")), "metadata steps 1000000000000: want 0 to"},
		{"deep.LoadSampler", edited(goodDeep, "deep-negsteps.safetensors", meta("steps", "-1")), "metadata steps -1"},
		{"deep.LoadSampler", edited(goodDeep, "deep-eta.safetensors", meta("step_size", "NaN")), "metadata step_size"},
		{"deep.LoadSampler", edited(goodDeep, "deep-noise.safetensors", meta("noise_scale", "+Inf")), "metadata noise_scale"},
		{"deep.LoadSampler", edited(goodDeep, "deep-box.safetensors", meta("init_low", "NaN,0")), "metadata init_low"},
		{"dbn.Load", edited(goodDBN, "dbn-v9.safetensors", meta("format_version", "9")), `format_version "9"`},
		{"dbn.Load", edited(goodDBN, "dbn-nan.safetensors", set("layer1.hidden_bias", nan)), "layer 1"},
		{"dbn.Load", edited(goodDBN, "dbn-huge.safetensors", set("layer0.weights", 3e38)), "over the float32 range"},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			err := loaders[c.load](c.file)
			if err == nil || !strings.Contains(err.Error(), c.file) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("%s: %v; want an error naming %s and mentioning %q", c.load, err, c.file, c.want)
			}
		})
	}
	for _, good := range []string{goodDeep, goodDBN} {
		p := edited(good, "no-version-"+filepath.Base(good), func(f *modelio.File) { delete(f.Metadata, "format_version") })
		load := loaders["deep.LoadSampler"]
		if good == goodDBN {
			load = loaders["dbn.Load"]
		}
		if err := load(p); err != nil {
			t.Errorf("%s without format_version: %v", filepath.Base(good), err)
		}
	}
}
