package rbm

import (
	"fmt"

	"github.com/ebm-go/ebm/modelio"
)

// FormatVersion is the version of the RBM model-file layout written by Save.
const FormatVersion = "1"

// Save writes m to path as a safetensors file, atomically: tensors
// `weights` F32 [n_visible, n_hidden], `visible_bias` F32 [n_visible],
// `hidden_bias` F32 [n_hidden]; metadata "model": "rbm", "visible":
// "bernoulli", "hidden": "bernoulli", "format_version", plus extra (training
// settings, data set name), which may not override those keys.
func (m *RBM) Save(path string, extra map[string]string) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	meta := map[string]string{}
	for k, v := range extra {
		meta[k] = v
	}
	meta["model"] = "rbm"
	meta["visible"] = "bernoulli"
	meta["hidden"] = "bernoulli"
	meta["format_version"] = FormatVersion
	f := &modelio.File{Metadata: meta, Tensors: map[string]modelio.Tensor{
		"weights":      {Shape: []int{m.NVisible(), m.NHidden()}, Data: m.W.Data},
		"visible_bias": {Shape: []int{m.NVisible()}, Data: m.B},
		"hidden_bias":  {Shape: []int{m.NHidden()}, Data: m.C},
	}}
	if err := modelio.Save(path, f); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}

// Load reads an RBM written by Save — or by numpy/PyTorch with the same
// tensor names (F32, F64, F16 or BF16; metadata optional) — and returns it
// with the file's metadata.
func Load(path string) (*RBM, map[string]string, error) {
	f, err := modelio.Load(path)
	if err != nil {
		return nil, nil, err
	}
	m, err := FromFile(f)
	if err != nil {
		return nil, nil, fmt.Errorf("load %s: %w", path, err)
	}
	return m, f.Metadata, nil
}

// FromFile builds an RBM from a decoded model file, checking the kind,
// the unit types, the tensor shapes and that every value is finite.
func FromFile(f *modelio.File) (*RBM, error) {
	if k := f.Kind(); k != "" && k != "rbm" {
		return nil, fmt.Errorf("file holds a %q model, not an rbm: %w", k, modelio.ErrFormat)
	}
	for _, layer := range []string{"visible", "hidden"} {
		if u, ok := f.Metadata[layer]; ok && u != "bernoulli" {
			return nil, fmt.Errorf("%s units are %q; this build reads Bernoulli units only: %w", layer, u, modelio.ErrFormat)
		}
	}
	w, ok := f.Tensors["weights"]
	if !ok {
		return nil, fmt.Errorf("no tensor named \"weights\": %w", modelio.ErrMissing)
	}
	if len(w.Shape) != 2 {
		return nil, fmt.Errorf("tensor \"weights\" has shape %v, want [n_visible, n_hidden]: %w", w.Shape, modelio.ErrFormat)
	}
	nv, nh := w.Shape[0], w.Shape[1]
	b, err := f.Require("visible_bias", nv)
	if err != nil {
		return nil, err
	}
	c, err := f.Require("hidden_bias", nh)
	if err != nil {
		return nil, err
	}
	m := New(nv, nh)
	copy(m.W.Data, w.Data)
	copy(m.B, b)
	copy(m.C, c)
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}
