package hopfield

import (
	"fmt"
	"strconv"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/modelio"
)

// saveModern writes a dense or continuous memory: tensor "patterns" F32
// [M, N] (absent when M = 0) and the common metadata.
func saveModern(path string, extra map[string]string, spec Spec, n int, patterns *tensor.Matrix) error {
	count := 0
	if patterns != nil {
		count = patterns.Rows
	}
	f := &modelio.File{Metadata: fileMetadata(extra, spec, n, count), Tensors: map[string]modelio.Tensor{}}
	if count > 0 {
		f.Tensors["patterns"] = modelio.Tensor{Shape: []int{count, n}, Data: patterns.Data}
	}
	if err := modelio.Save(path, f); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}

// modernPatterns reads the "patterns" tensor [M, N] and the "neurons"
// metadata (needed only when there are no patterns) of a modern file.
func modernPatterns(f *modelio.File) (*tensor.Matrix, int, error) {
	n := -1
	if v, ok := f.Metadata["neurons"]; ok {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			return nil, 0, fmt.Errorf("metadata \"neurons\" = %q is not a positive count: %w", v, modelio.ErrFormat)
		}
	}
	pt, ok := f.Tensors["patterns"]
	if !ok {
		if n < 1 {
			_, err := f.Require("patterns")
			return nil, 0, err
		}
		if v := f.Metadata["patterns"]; v != "" && v != "0" {
			return nil, 0, fmt.Errorf("metadata says %s patterns but the file has no \"patterns\" tensor (these kinds keep their patterns): %w", v, modelio.ErrFormat)
		}
		return nil, n, nil
	}
	if len(pt.Shape) != 2 || pt.Shape[0] < 1 || pt.Shape[1] < 1 || (n > 0 && pt.Shape[1] != n) {
		want := "[M, N]"
		if n > 0 {
			want = fmt.Sprintf("[M, %d]", n)
		}
		return nil, 0, fmt.Errorf("tensor \"patterns\" has shape %v, want %s: %w", pt.Shape, want, modelio.ErrFormat)
	}
	m, cols := pt.Shape[0], pt.Shape[1]
	if v, ok := f.Metadata["patterns"]; ok && v != strconv.Itoa(m) {
		return nil, 0, fmt.Errorf("tensor \"patterns\" has %d rows but the metadata says %s patterns: %w", m, v, modelio.ErrFormat)
	}
	d, err := f.Require("patterns", m, cols)
	if err != nil {
		return nil, 0, err
	}
	return tensor.FromSlice(m, cols, append([]float32(nil), d...)), cols, nil
}

// modernFromFile builds a dense or continuous memory from a decoded model
// file: its Spec from the metadata, the tensor "patterns" (±1 or 0/1 for
// the dense kind, finite for the continuous one). A continuous file's β is
// taken as written, 0 included.
func modernFromFile(f *modelio.File, s Spec) (Memory, error) {
	x, n, err := modernPatterns(f)
	if err != nil {
		return nil, err
	}
	var m Memory
	if s.Kind == KindContinuous {
		m, err = NewContinuous(n, s.Beta)
	} else {
		m, err = New(n, s)
	}
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	if x != nil {
		if err := m.Store(x); err != nil {
			return nil, fmt.Errorf("tensor \"patterns\": %w", err)
		}
	}
	return m, nil
}
