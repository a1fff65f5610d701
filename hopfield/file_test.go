package hopfield

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/internal/testutil"
	"github.com/ebm-go/ebm/modelio"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	rng := tensor.NewRand(2)
	for _, rule := range []Rule{Hebbian, Storkey, PseudoInverse} {
		net := mustNet(t, 16, rule)
		net.ZeroDiagonal = rule == PseudoInverse
		net.Theta[3] = 0.25
		x := RandomPatterns(3, 16, rng)
		mustStore(t, net, x)
		path := filepath.Join(dir, string(rule)+".safetensors")
		got, meta := testutil.SaveLoad(t, path, net.Save, map[string]string{"data": "random:3", "model": "ignored"}, Load)
		for k, v := range map[string]string{"model": "hopfield", "kind": "classical", "rule": string(rule),
			"patterns": "3", "neurons": "16", "format_version": "1", "data": "random:3"} {
			if meta[k] != v {
				t.Errorf("%s: metadata %s = %q, want %q", rule, k, meta[k], v)
			}
		}
		if rule == PseudoInverse && (meta["zero_diagonal"] != "true" || meta["rank"] != "3" || !got.ZeroDiagonal || got.Rank() != 3) {
			t.Errorf("pinv metadata %v", meta)
		}
		if !slices.Equal(got.W.Data, net.W.Data) || !slices.Equal(got.Theta, net.Theta) ||
			!slices.Equal(got.Patterns().Data, x.Data) || got.Count() != 3 || got.Rule() != rule {
			t.Errorf("%s: round trip changed the network", rule)
		}
		// A loaded network keeps learning as if it had never been saved.
		more := RandomPatterns(2, 16, rng)
		mustStore(t, got, more)
		mustStore(t, net, more)
		if !slices.Equal(got.W.Data, net.W.Data) || got.Count() != 5 {
			t.Errorf("%s: storing after a round trip differs", rule)
		}
		m, _, err := Open(path)
		if err != nil || m.Kind() != "classical" || m.Neurons() != 16 {
			t.Errorf("Open: %v %v", m, err)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	save := func(name string, f *modelio.File) string {
		p := filepath.Join(dir, name)
		if err := modelio.Save(p, f); err != nil {
			t.Fatal(err)
		}
		return p
	}
	w := modelio.Tensor{Shape: []int{2, 2}, Data: []float32{0, 1, 1, 0}}
	th := modelio.Tensor{Shape: []int{2}, Data: []float32{0, 0}}
	meta := func(kv ...string) map[string]string {
		m := map[string]string{"model": "hopfield", "kind": "classical", "rule": "hebbian"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name string
		f    *modelio.File
		want error
		text string
	}{
		{"rbm", &modelio.File{Metadata: map[string]string{"model": "rbm"}, Tensors: map[string]modelio.Tensor{"weights": w}}, ErrKind, `"rbm" model`},
		{"dense kind", &modelio.File{Metadata: meta("kind", "dense"), Tensors: map[string]modelio.Tensor{"weights": w}}, ErrKind, `"dense"`},
		{"version", &modelio.File{Metadata: meta("format_version", "7"), Tensors: map[string]modelio.Tensor{"weights": w}}, modelio.ErrFormat, "format_version"},
		{"no weights", &modelio.File{Metadata: meta(), Tensors: map[string]modelio.Tensor{"thresholds": th}}, modelio.ErrMissing, "weights"},
		{"not square", &modelio.File{Metadata: meta(), Tensors: map[string]modelio.Tensor{"weights": {Shape: []int{2, 3}, Data: make([]float32, 6)}}}, modelio.ErrFormat, "[N, N]"},
		{"thresholds", &modelio.File{Metadata: meta(), Tensors: map[string]modelio.Tensor{"weights": w, "thresholds": {Shape: []int{3}, Data: make([]float32, 3)}}}, modelio.ErrFormat, "thresholds"},
		{"asymmetric", &modelio.File{Metadata: meta(), Tensors: map[string]modelio.Tensor{"weights": {Shape: []int{2, 2}, Data: []float32{0, 1, 0.5, 0}}}}, ErrValue, "not symmetric"},
		{"rule", &modelio.File{Metadata: meta("rule", "oja"), Tensors: map[string]modelio.Tensor{"weights": w}}, ErrOption, "oja"},
		{"pattern values", &modelio.File{Metadata: meta("patterns", "1"), Tensors: map[string]modelio.Tensor{"weights": w, "patterns": {Shape: []int{1, 2}, Data: []float32{1, 0}}}}, ErrValue, "±1"},
		{"pattern count", &modelio.File{Metadata: meta("patterns", "2"), Tensors: map[string]modelio.Tensor{"weights": w, "patterns": {Shape: []int{1, 2}, Data: []float32{1, -1}}}}, modelio.ErrFormat, "2 patterns"},
		{"pattern width", &modelio.File{Metadata: meta(), Tensors: map[string]modelio.Tensor{"weights": w, "patterns": {Shape: []int{1, 3}, Data: []float32{1, -1, 1}}}}, modelio.ErrFormat, "[p, 2]"},
		{"count metadata", &modelio.File{Metadata: meta("patterns", "many"), Tensors: map[string]modelio.Tensor{"weights": w}}, modelio.ErrFormat, "many"},
		{"NaN", &modelio.File{Metadata: meta(), Tensors: map[string]modelio.Tensor{"weights": {Shape: []int{2, 2}, Data: []float32{0, float32(nan()), 1, 0}}}}, ErrValue, "NaN"},
	}
	for _, c := range cases {
		p := save(c.name+".safetensors", c.f)
		_, _, err := Load(p)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %v, want %v naming %q and the file", c.name, err, c.want, c.text)
		}
	}
	// Open dispatches on kind: an unknown kind is a clear error.
	p := save("future.safetensors", &modelio.File{Metadata: meta("kind", "quantum"), Tensors: map[string]modelio.Tensor{"weights": w}})
	if _, _, err := Open(p); !errors.Is(err, ErrKind) || !strings.Contains(err.Error(), "quantum") {
		t.Errorf("Open unknown kind: %v", err)
	}
	// A bare numpy-style file (weights only, no metadata) loads; it has no
	// rule, so it recalls but cannot store.
	p = save("bare.safetensors", &modelio.File{Tensors: map[string]modelio.Tensor{"weights": w}})
	net, _, err := Load(p)
	if err != nil || net.Rule() != "" || net.Count() != 0 {
		t.Fatalf("bare file: %v %v", net, err)
	}
	if err := net.Store(tensor.FromSlice(1, 2, []float32{1, -1})); !errors.Is(err, ErrOption) {
		t.Errorf("store without a rule: %v", err)
	}
	// Nearly symmetric weights (float64 BLAS rounding) are accepted and
	// symmetrised.
	p = save("near.safetensors", &modelio.File{Tensors: map[string]modelio.Tensor{"weights": {Shape: []int{2, 2}, Data: []float32{0, 1, 1.000001, 0}}}})
	net, _, err = Load(p)
	if err != nil || net.W.At(0, 1) != net.W.At(1, 0) {
		t.Fatalf("near-symmetric: %v", err)
	}
}

func nan() float64 { var z float64; return z / z }
