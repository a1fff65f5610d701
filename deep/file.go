package deep

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ebm-go/ebm/modelio"
)

// FormatVersion is the version of the model file layout written by [Save].
const FormatVersion = "1"

// Save writes the network to a safetensors file: tensors "layer<l>.weight"
// (F32 [in, out]) and "layer<l>.bias" (F32 [out]) for l = 0, 1, …, and, when
// logZ is non-nil (NCE), the scalar "log_z". Metadata gets "model": "deep",
// "architecture" (e.g. "2-64-64-1"), "activation" and "format_version";
// the entries of meta are added (they may not override these). The write is
// atomic.
func Save(path string, n *Net, logZ *float32, meta map[string]string) error {
	f := &modelio.File{Metadata: map[string]string{}, Tensors: map[string]modelio.Tensor{}}
	for k, v := range meta {
		f.Metadata[k] = v
	}
	f.Metadata["model"] = "deep"
	f.Metadata["architecture"] = n.Architecture()
	f.Metadata["activation"] = n.Act.String()
	f.Metadata["format_version"] = FormatVersion
	for l, w := range n.W {
		f.Tensors[fmt.Sprintf("layer%d.weight", l)] = modelio.Tensor{Shape: []int{w.Rows, w.Cols}, Data: w.Data}
		f.Tensors[fmt.Sprintf("layer%d.bias", l)] = modelio.Tensor{Shape: []int{len(n.B[l])}, Data: n.B[l]}
	}
	if logZ != nil {
		f.Tensors["log_z"] = modelio.Tensor{Shape: []int{}, Data: []float32{*logZ}}
	}
	return modelio.Save(path, f)
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
	arch := f.Metadata["architecture"]
	parts := strings.Split(arch, "-")
	sizes := make([]int, len(parts))
	for i, p := range parts {
		if sizes[i], err = strconv.Atoi(p); err != nil || sizes[i] < 1 {
			return nil, nil, nil, fmt.Errorf("deep: %s: bad architecture %q in metadata", path, arch)
		}
	}
	if len(sizes) < 2 || sizes[len(sizes)-1] != 1 {
		return nil, nil, nil, fmt.Errorf("deep: %s: architecture %q must end in a scalar output (…-1)", path, arch)
	}
	act, err := ParseActivation(f.Metadata["activation"])
	if err != nil {
		return nil, nil, nil, fmt.Errorf("deep: %s: %w", path, err)
	}
	n, err := New(sizes[0], sizes[1:len(sizes)-1], act)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("deep: %s: %w", path, err)
	}
	for l, w := range n.W {
		d, err := f.Require(fmt.Sprintf("layer%d.weight", l), w.Rows, w.Cols)
		if err != nil {
			return nil, nil, nil, err
		}
		copy(w.Data, d)
		b, err := f.Require(fmt.Sprintf("layer%d.bias", l), len(n.B[l]))
		if err != nil {
			return nil, nil, nil, err
		}
		copy(n.B[l], b)
	}
	var logZ *float32
	if _, ok := f.Tensors["log_z"]; ok {
		d, err := f.Require("log_z")
		if err != nil {
			return nil, nil, nil, err
		}
		v := d[0]
		logZ = &v
	}
	return n, logZ, f.Metadata, nil
}
