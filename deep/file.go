package deep

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/modelio"
)

// FormatVersion is the version of the model file layout written by [Save].
const FormatVersion = "1"

// Save writes the network to a safetensors file: tensors "layer<l>.weight"
// (F32 [in, out]) and "layer<l>.bias" (F32 [out]) for l = 0, 1, …, and, when
// logZ is non-nil (NCE), the scalar "log_z". Metadata gets "model": "deep",
// "architecture" (e.g. "2-64-64-1"), "activation", "format_version" and,
// when [Net.Quad] is not 0, "quadratic";
// the entries of meta are added (they may not override these). The write is
// atomic.
func Save(path string, n *Net, logZ *float32, meta map[string]string) error {
	return modelio.Save(path, modelFile(n, logZ, meta))
}

// modelFile is the file [Save] writes.
func modelFile(n *Net, logZ *float32, meta map[string]string) *modelio.File {
	f := &modelio.File{Metadata: map[string]string{}, Tensors: map[string]modelio.Tensor{}}
	for k, v := range meta {
		f.Metadata[k] = v
	}
	f.Metadata["model"] = "deep"
	f.Metadata["architecture"] = n.Architecture()
	f.Metadata["activation"] = n.Act.String()
	f.Metadata["format_version"] = FormatVersion
	if n.Quad != 0 {
		f.Metadata["quadratic"] = strconv.FormatFloat(float64(n.Quad), 'g', -1, 32)
	}
	for l, w := range n.W {
		f.Tensors[fmt.Sprintf("layer%d.weight", l)] = modelio.Tensor{Shape: []int{w.Rows, w.Cols}, Data: w.Data}
		f.Tensors[fmt.Sprintf("layer%d.bias", l)] = modelio.Tensor{Shape: []int{len(n.B[l])}, Data: n.B[l]}
	}
	if logZ != nil {
		f.Tensors["log_z"] = modelio.Tensor{Shape: []int{}, Data: []float32{*logZ}}
	}
	return f
}

// Load reads a file written by [Save]. It returns the network, the learned
// log Z (nil if the file has none) and the metadata. Errors name the file.
func Load(path string) (*Net, *float32, map[string]string, error) {
	f, err := modelio.Load(path)
	if err != nil {
		return nil, nil, nil, err
	}
	if k := f.Kind(); k != "deep" {
		return nil, nil, nil, fmt.Errorf("deep: %s: model kind %q, want \"deep\" (a file written by ebm deep train)", path, k)
	}
	if err := f.CheckVersion(FormatVersion); err != nil {
		return nil, nil, nil, err
	}
	n, logZ, err := netFromFile(path, f)
	if err != nil {
		return nil, nil, nil, err
	}
	return n, logZ, f.Metadata, nil
}

// netFromFile reads the network and log Z of f, a deep model file read
// from path. Errors name the file.
func netFromFile(path string, f *modelio.File) (*Net, *float32, error) {
	var err error
	arch := f.Metadata["architecture"]
	parts := strings.Split(arch, "-")
	sizes := make([]int, len(parts))
	for i, p := range parts {
		if sizes[i], err = strconv.Atoi(p); err != nil || sizes[i] < 1 {
			return nil, nil, fmt.Errorf("deep: %s: bad architecture %q in metadata", path, arch)
		}
	}
	if len(sizes) < 2 || sizes[len(sizes)-1] != 1 {
		return nil, nil, fmt.Errorf("deep: %s: architecture %q must end in a scalar output (…-1)", path, arch)
	}
	act, err := ParseActivation(f.Metadata["activation"])
	if err != nil {
		return nil, nil, fmt.Errorf("deep: %s: %w", path, err)
	}
	n, err := New(sizes[0], sizes[1:len(sizes)-1], act)
	if err != nil {
		return nil, nil, fmt.Errorf("deep: %s: %w", path, err)
	}
	if q, ok := f.Metadata["quadratic"]; ok {
		v, err := strconv.ParseFloat(q, 32)
		if err != nil || !(v >= 0) || math.IsInf(v, 0) {
			return nil, nil, fmt.Errorf("deep: %s: metadata quadratic %q is not a finite number ≥ 0: %w", path, q, modelio.ErrFormat)
		}
		n.Quad = float32(v)
	}
	for l, w := range n.W {
		d, err := f.Require(fmt.Sprintf("layer%d.weight", l), w.Rows, w.Cols)
		if err != nil {
			return nil, nil, err
		}
		copy(w.Data, d)
		b, err := f.Require(fmt.Sprintf("layer%d.bias", l), len(n.B[l]))
		if err != nil {
			return nil, nil, err
		}
		copy(n.B[l], b)
	}
	var logZ *float32
	if _, ok := f.Tensors["log_z"]; ok {
		d, err := f.Require("log_z")
		if err != nil {
			return nil, nil, err
		}
		v := d[0]
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, nil, fmt.Errorf("deep: %s: log_z is %v: %w", path, v, modelio.ErrFormat)
		}
		logZ = &v
	}
	if err := checkFields(n, inputBound(f.Metadata)); err != nil {
		return nil, nil, fmt.Errorf("deep: %s: %w", path, err)
	}
	return n, logZ, nil
}

// inputBound is the largest |input| checkFields assumes: the largest
// coordinate of the recorded noise box, and at least 10 (the toy data
// sets lie within a few units of 0).
func inputBound(meta map[string]string) float64 {
	b := 10.0
	for _, key := range []string{"init_low", "init_high"} {
		for _, p := range strings.Split(meta[key], ",") {
			if v, err := strconv.ParseFloat(p, 64); err == nil && !math.IsInf(v, 0) {
				b = math.Max(b, math.Abs(v))
			}
		}
	}
	return b
}

// checkFields refuses a network whose parameters are NaN or ±Inf, or so
// large that a layer's output overflows float32 for an input of at most x
// in every coordinate: each unit's |bias| + Σ|weights| × (bound of the
// layer's inputs) must be a float32 number, the activations growing no
// faster than |a| + 1.
func checkFields(n *Net, x float64) error {
	bound := x
	for l, w := range n.W {
		if !tensor.AllFinite(w.Data) || !tensor.AllFinite(n.B[l]) {
			return fmt.Errorf("layer %d holds NaN or ±Inf: %w", l, modelio.ErrFormat)
		}
		top := 0.0
		for j := range w.Cols {
			a := math.Abs(float64(n.B[l][j]))
			for i := range w.Rows {
				a += math.Abs(float64(w.Data[i*w.Cols+j])) * bound
			}
			if a > math.MaxFloat32 {
				return fmt.Errorf("layer %d unit %d: |bias| + Σ|weights| × largest input is %.3g, over the float32 range: %w", l, j, a, modelio.ErrFormat)
			}
			top = math.Max(top, a)
		}
		bound = top + 1
	}
	return nil
}
