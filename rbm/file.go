package rbm

import (
	"fmt"
	"math"

	"github.com/ebm-go/ebm/modelio"
)

// FormatVersion is the version of the RBM model-file layout written by Save.
const FormatVersion = "1"

// Save writes m to path as a safetensors file, atomically: tensors
// `weights` F32 [n_visible, n_hidden], `visible_bias` F32 [n_visible],
// `hidden_bias` F32 [n_hidden], for Gaussian units `sigma` [n_visible]
// (σ_i, not log σ_i), when the model has a Standardization `data_mean`
// and `data_std` [n_visible], and with a StartRate `start_rate`
// [n_visible]; metadata "model": "rbm", "visible" (the
// units' Name), "hidden": "bernoulli", "format_version", for Gaussian units
// "learn_sigma", plus extra (training settings, data set name), which may
// not override those keys.
func (m *RBM) Save(path string, extra map[string]string) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := modelio.Save(path, m.file(extra)); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}

// file returns the content Save writes: extra, then the model's own
// metadata, and the model's tensors.
func (m *RBM) file(extra map[string]string) *modelio.File {
	meta := map[string]string{}
	for k, v := range extra {
		meta[k] = v
	}
	u := m.units()
	meta["model"], meta["visible"], meta["hidden"], meta["format_version"] = "rbm", u.Name(), "bernoulli", FormatVersion
	nv, nh := m.NVisible(), m.NHidden()
	ts := map[string]modelio.Tensor{
		"weights":      {Shape: []int{nv, nh}, Data: m.W.Data},
		"visible_bias": {Shape: []int{nv}, Data: m.B},
		"hidden_bias":  {Shape: []int{nh}, Data: m.C},
	}
	if g, ok := u.(*Gaussian); ok {
		meta["learn_sigma"] = fmt.Sprint(g.Learn)
		ts["sigma"] = modelio.Tensor{Shape: []int{nv}, Data: g.Sigma()}
	}
	if s := m.Standard; s != nil {
		ts["data_mean"] = modelio.Tensor{Shape: []int{nv}, Data: s.Mean}
		ts["data_std"] = modelio.Tensor{Shape: []int{nv}, Data: s.Std}
	}
	if m.StartRate != nil {
		ts["start_rate"] = modelio.Tensor{Shape: []int{nv}, Data: m.StartRate}
	}
	return &modelio.File{Metadata: meta, Tensors: ts}
}

// Load reads an RBM written by Save — any visible units — or by
// numpy/PyTorch with the same tensor names (F32, F64, F16 or BF16;
// metadata optional: without "visible" the units are Bernoulli) and returns
// it with the file's metadata.
func Load(path string) (*RBM, map[string]string, error) {
	return modelio.LoadAs(path, FromFile)
}

// FromFile builds an RBM from a decoded model file, checking the kind,
// the format_version, the unit types, the tensor shapes, that σ > 0, that
// every value is finite and that no unit's input can overflow float32
// (see checkFields).
func FromFile(f *modelio.File) (*RBM, error) {
	if k := f.Kind(); k != "" && k != "rbm" {
		return nil, fmt.Errorf("file holds a %q model, not an rbm: %w", k, modelio.ErrFormat)
	}
	if err := f.CheckVersion(FormatVersion); err != nil {
		return nil, err
	}
	if u, ok := f.Metadata["hidden"]; ok && u != "bernoulli" {
		return nil, fmt.Errorf("hidden units are %q; this build reads Bernoulli hidden units only: %w", u, modelio.ErrFormat)
	}
	w, ok := f.Tensors["weights"]
	if !ok {
		return nil, fmt.Errorf("no tensor named \"weights\": %w", modelio.ErrMissing)
	}
	if len(w.Shape) != 2 {
		return nil, fmt.Errorf("tensor \"weights\" has shape %v, want [n_visible, n_hidden]: %w", w.Shape, modelio.ErrFormat)
	}
	nv, nh := w.Shape[0], w.Shape[1]
	units, err := unitsFromFile(f, nv)
	if err != nil {
		return nil, err
	}
	m := NewUnits(units, nv, nh)
	copy(m.W.Data, w.Data)
	if err := requireInto(f, m.B, "visible_bias", nv); err != nil {
		return nil, err
	}
	if err := requireInto(f, m.C, "hidden_bias", nh); err != nil {
		return nil, err
	}
	if _, ok := f.Tensors["data_mean"]; ok {
		s := &Standardization{Mean: make([]float32, nv), Std: make([]float32, nv)}
		if err := requireInto(f, s.Mean, "data_mean", nv); err != nil {
			return nil, err
		}
		if err := requireInto(f, s.Std, "data_std", nv); err != nil {
			return nil, err
		}
		m.Standard = s
	}
	if _, ok := f.Tensors["start_rate"]; ok {
		m.StartRate = make([]float32, nv)
		if err := requireInto(f, m.StartRate, "start_rate", nv); err != nil {
			return nil, err
		}
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if err := m.checkFields(); err != nil {
		return nil, err
	}
	return m, nil
}

// checkFields refuses finite parameters whose first products overflow: the
// largest |input| a hidden unit can get, |c_j| + Σ_i |W_ij| x_i, and a
// visible unit, |b_i| + s_i Σ_j |W_ij| (hidden units are 0 or 1), must be
// float32 numbers. x_i is the largest input visible unit i gives: 1 for
// Bernoulli units; for Gaussian units v_i/σ_i with v_i, at most its largest
// mean plus ten σ_i, a float32 number too (s_i = σ_i; 1 for Bernoulli
// units).
func (m *RBM) checkFields() error {
	nv, nh := m.NVisible(), m.NHidden()
	s := make([]float64, nv)
	for i := range s {
		s[i] = 1
	}
	g, gaussian := m.units().(*Gaussian)
	if gaussian {
		for i, v := range g.Sigma() {
			s[i] = float64(v)
		}
	}
	x := make([]float64, nv)
	for i := range nv {
		var sum float64
		for _, w := range m.W.Row(i) {
			sum += math.Abs(float64(w))
		}
		field := math.Abs(float64(m.B[i])) + s[i]*sum
		if field > math.MaxFloat32 {
			return fmt.Errorf("visible unit %d: |visible_bias| + Σ|weights| of its row is %.3g, over the float32 range: %w", i, field, modelio.ErrFormat)
		}
		x[i] = 1
		if gaussian {
			v := field + 10*s[i] // the largest visible value it samples
			if v > math.MaxFloat32 {
				return fmt.Errorf("visible unit %d: its largest mean plus 10σ is %.3g, over the float32 range (σ = %.3g): %w", i, v, s[i], modelio.ErrFormat)
			}
			x[i] = v / s[i]
		}
	}
	for j := range nh {
		field := math.Abs(float64(m.C[j]))
		for i := range nv {
			field += math.Abs(float64(m.W.Data[i*nh+j])) * x[i]
		}
		if field > math.MaxFloat32 {
			return fmt.Errorf("hidden unit %d: |hidden_bias| + Σ|weights| × largest input is %.3g, over the float32 range: %w", j, field, modelio.ErrFormat)
		}
	}
	return nil
}

// unitsFromFile reads the visible units' type and parameters.
func unitsFromFile(f *modelio.File, nv int) (Units, error) {
	switch name := f.Metadata["visible"]; name {
	case "", "bernoulli":
		return Bernoulli{}, nil
	case "gaussian":
		g := NewGaussianUnits(nv, 1, f.Metadata["learn_sigma"] == "true")
		sig, err := f.Require("sigma", nv)
		if err != nil {
			return nil, err
		}
		for i, s := range sig {
			if !(s > 0) || math.IsInf(float64(s), 0) {
				return nil, fmt.Errorf("sigma[%d] = %v; σ must be positive and finite: %w", i, s, modelio.ErrFormat)
			}
			g.LogSigma[i] = float32(math.Log(float64(s)))
		}
		return g, nil
	default:
		return nil, fmt.Errorf("visible units are %q; this build reads bernoulli and gaussian units: %w", name, modelio.ErrFormat)
	}
}
