package hopfield

import (
	"fmt"
	"math"
	"strconv"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/modelio"
)

// saveModern writes a dense or continuous memory: tensor "patterns" F32
// [M, N] (absent when M = 0) and the common metadata.
func saveModern(path string, extra, own map[string]string, kind string, beta float64, n int, patterns *tensor.Matrix) error {
	meta := map[string]string{}
	for k, v := range extra {
		meta[k] = v
	}
	delete(meta, "rule")
	delete(meta, "zero_diagonal")
	delete(meta, "rank")
	delete(meta, "interaction")
	for k, v := range own {
		meta[k] = v
	}
	count := 0
	if patterns != nil {
		count = patterns.Rows
	}
	meta["model"] = ModelName
	meta["kind"] = kind
	meta["beta"] = strconv.FormatFloat(beta, 'g', -1, 64)
	meta["patterns"] = strconv.Itoa(count)
	meta["neurons"] = strconv.Itoa(n)
	meta["format_version"] = FormatVersion
	f := &modelio.File{Metadata: meta, Tensors: map[string]modelio.Tensor{}}
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

func metaBeta(f *modelio.File, def float64) (float64, error) {
	v, ok := f.Metadata["beta"]
	if !ok {
		return def, nil
	}
	b, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(b) || math.IsInf(b, 0) {
		return 0, fmt.Errorf("metadata \"beta\" = %q is not a finite number: %w", v, modelio.ErrFormat)
	}
	return b, nil
}

// DenseFromFile builds a dense memory from a decoded model file (kind
// "dense"; metadata "interaction", optional "beta"; tensor "patterns" ±1 or
// 0/1).
func DenseFromFile(f *modelio.File) (*Dense, error) {
	if err := checkModel(f); err != nil {
		return nil, err
	}
	if k := f.Metadata["kind"]; k != KindDense {
		return nil, fmt.Errorf("the file holds a %q Hopfield memory, not a dense one: %w", k, ErrKind)
	}
	in, ok := f.Metadata["interaction"]
	if !ok {
		return nil, fmt.Errorf("a dense memory file needs the \"interaction\" metadata (poly:n, relu:n or exp): %w", modelio.ErrFormat)
	}
	inter, err := ParseInteraction(in)
	if err != nil {
		return nil, fmt.Errorf("metadata \"interaction\": %w", err)
	}
	beta, err := metaBeta(f, 1)
	if err != nil {
		return nil, err
	}
	x, n, err := modernPatterns(f)
	if err != nil {
		return nil, err
	}
	m, err := NewDense(n, inter, beta)
	if err != nil {
		return nil, err
	}
	if x != nil {
		if err := m.Store(x); err != nil {
			return nil, fmt.Errorf("tensor \"patterns\": %w", err)
		}
	}
	return m, nil
}

// ContinuousFromFile builds a continuous memory from a decoded model file
// (kind "continuous"; metadata "beta" (default 1); tensor "patterns",
// finite).
func ContinuousFromFile(f *modelio.File) (*Continuous, error) {
	if err := checkModel(f); err != nil {
		return nil, err
	}
	if k := f.Metadata["kind"]; k != KindContinuous {
		return nil, fmt.Errorf("the file holds a %q Hopfield memory, not a continuous one: %w", k, ErrKind)
	}
	beta, err := metaBeta(f, 1)
	if err != nil {
		return nil, err
	}
	x, n, err := modernPatterns(f)
	if err != nil {
		return nil, err
	}
	c, err := NewContinuous(n, beta)
	if err != nil {
		return nil, fmt.Errorf("metadata \"beta\": %w", err)
	}
	if x != nil {
		if err := c.Store(x); err != nil {
			return nil, fmt.Errorf("tensor \"patterns\": %w", err)
		}
	}
	return c, nil
}
