package hopfield

import (
	"fmt"
	"strconv"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/modelio"
)

// saveModern writes a dense or continuous memory: tensor "patterns" F32
// [M, N] (absent when M = 0), "values" F32 [M, d_v] when values is not
// nil, and the common metadata.
func saveModern(path string, extra map[string]string, spec Spec, n int, patterns, values *tensor.Matrix) error {
	count := 0
	if patterns != nil {
		count = patterns.Rows
	}
	f := &modelio.File{Metadata: fileMetadata(extra, spec, n, count), Tensors: map[string]modelio.Tensor{}}
	if count > 0 {
		f.Tensors["patterns"] = modelio.Tensor{Shape: []int{count, n}, Data: patterns.Data}
	}
	if values != nil && count > 0 {
		f.Tensors["values"] = modelio.Tensor{Shape: []int{count, values.Cols}, Data: values.Data}
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
// the dense kind, finite for the continuous one) and, for the continuous
// kind, the optional tensor "values" [M, d_v]. A continuous file's β is
// taken as written, 0 included; its keys are stored normalized, so they
// are not normalized again.
func modernFromFile(f *modelio.File, s Spec) (Memory, error) {
	x, n, err := modernPatterns(f)
	if err != nil {
		return nil, err
	}
	var m Memory
	if s.Kind == KindContinuous {
		c, err := NewContinuous(n, s.Beta)
		if err != nil {
			return nil, fmt.Errorf("metadata: %w", err)
		}
		if err := continuousFromFile(f, c, x); err != nil {
			return nil, err
		}
		c.norm = s.Norm
		return c, nil
	}
	m, err = New(n, s)
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

// continuousFromFile stores the keys x (nil: none) and the tensor "values"
// of f, when present, in c (whose normalization is still none).
func continuousFromFile(f *modelio.File, c *Continuous, x *tensor.Matrix) error {
	vt, ok := f.Tensors["values"]
	if !ok {
		if x == nil {
			return nil
		}
		if err := c.Store(x); err != nil {
			return fmt.Errorf("tensor \"patterns\": %w", err)
		}
		return nil
	}
	if x == nil || len(vt.Shape) != 2 || vt.Shape[0] != x.Rows || vt.Shape[1] < 1 {
		rows := 0
		if x != nil {
			rows = x.Rows
		}
		return fmt.Errorf("tensor \"values\" has shape %v, want [%d, d_v] (one value per stored pattern): %w", vt.Shape, rows, modelio.ErrFormat)
	}
	vd, err := f.Require("values", vt.Shape[0], vt.Shape[1])
	if err != nil {
		return err
	}
	v := tensor.FromSlice(vt.Shape[0], vt.Shape[1], append([]float32(nil), vd...))
	if err := c.StoreValues(x, v); err != nil {
		return fmt.Errorf("tensors \"patterns\" and \"values\": %w", err)
	}
	return nil
}
