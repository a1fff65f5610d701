package hopfield

import (
	"fmt"
	"strconv"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/modelio"
)

// FormatVersion is the version of the Hopfield model-file layout.
const FormatVersion = "1"

// ModelName is the "model" metadata value of every Hopfield file.
const ModelName = "hopfield"

// Save writes the network to path as a safetensors file, atomically:
//
//	weights     F32 [N, N]
//	thresholds  F32 [N]
//	patterns    F32 [p, N]   the stored patterns (±1), when known
//
// with metadata "model": "hopfield", "kind": "classical", "rule",
// "patterns" (the count), "neurons", "format_version": "1", and for the
// pseudo-inverse rule "zero_diagonal" and "rank"; plus extra (the data
// source, image shape, ...), which may not override those keys.
func (net *Network) Save(path string, extra map[string]string) error {
	if err := net.Validate(); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	n := net.Neurons()
	meta := fileMetadata(extra, net.Spec(), n, net.count)
	if net.rule == PseudoInverse {
		meta["rank"] = strconv.Itoa(net.rank)
	}
	f := &modelio.File{Metadata: meta, Tensors: map[string]modelio.Tensor{
		"weights":    {Shape: []int{n, n}, Data: net.W.Data},
		"thresholds": {Shape: []int{n}, Data: net.Theta},
	}}
	if net.patterns != nil && net.count > 0 {
		f.Tensors["patterns"] = modelio.Tensor{Shape: []int{net.count, n}, Data: net.patterns.Data}
	}
	if err := modelio.Save(path, f); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}

// fileMetadata is extra without the keys a memory file owns, plus those
// keys for a memory built by s with n neurons and count patterns.
func fileMetadata(extra map[string]string, s Spec, n, count int) map[string]string {
	meta := map[string]string{}
	for k, v := range extra {
		meta[k] = v
	}
	for _, k := range append(specKeys, "rank") {
		delete(meta, k)
	}
	for k, v := range s.metadata() {
		meta[k] = v
	}
	meta["model"] = ModelName
	meta["patterns"] = strconv.Itoa(count)
	meta["neurons"] = strconv.Itoa(n)
	meta["format_version"] = FormatVersion
	return meta
}

// Open reads any kind of Hopfield memory file, dispatching on its "kind"
// metadata: classical (also when the kind is absent), dense or continuous.
// It is the one loader: every file written by Save, of any kind and any
// version of this package, comes back as a Memory whose Spec is the one it
// was saved with. It also returns the file's metadata.
func Open(path string) (Memory, map[string]string, error) {
	return modelio.LoadAs(path, FromFile)
}

// Load is Open for a file that must hold a classical network; a file of
// another kind is an error wrapping ErrKind, whether or not it is valid.
func Load(path string) (*Network, map[string]string, error) {
	return modelio.LoadAs(path, func(f *modelio.File) (*Network, error) {
		m, err := FromFile(f)
		if k, _ := ParseKind(f.Metadata["kind"]); checkModel(f) == nil && k != KindClassical {
			err = fmt.Errorf("the file holds a %q Hopfield memory, not a classical network: %w", f.Metadata["kind"], ErrKind)
		}
		if err != nil {
			return nil, err
		}
		return m.(*Network), nil
	})
}

func checkModel(f *modelio.File) error {
	if k := f.Kind(); k != "" && k != ModelName {
		return fmt.Errorf("the file holds a %q model, not a Hopfield network: %w", k, ErrKind)
	}
	if v, ok := f.Metadata["format_version"]; ok && v != FormatVersion {
		return fmt.Errorf("format_version %q is not supported (this build reads %q): %w", v, FormatVersion, modelio.ErrFormat)
	}
	return nil
}

// FromFile builds a memory of any kind from a decoded model file (see
// Open).
func FromFile(f *modelio.File) (Memory, error) {
	if err := checkModel(f); err != nil {
		return nil, err
	}
	s, err := specFromMetadata(f.Metadata)
	if err != nil {
		return nil, err
	}
	if s.Kind != KindClassical {
		return modernFromFile(f, s)
	}
	return networkFromFile(f, s)
}

// networkFromFile builds a classical network from a decoded model file,
// checking the tensor shapes, that the weights are finite and
// symmetric (see Validate) and that stored patterns are ±1. The thresholds
// may be absent (zero); so may the patterns, in which case the count comes
// from the "patterns" metadata (default 0) and Recall reports no overlaps.
// The "rule" metadata may be absent: such a network recalls but cannot
// store more patterns.
func networkFromFile(f *modelio.File, s Spec) (*Network, error) {
	w, ok := f.Tensors["weights"]
	if !ok {
		_, err := f.Require("weights")
		return nil, err
	}
	if len(w.Shape) != 2 || w.Shape[0] != w.Shape[1] || w.Shape[0] < 1 {
		return nil, fmt.Errorf("tensor \"weights\" has shape %v, want [N, N]: %w", w.Shape, modelio.ErrFormat)
	}
	n := w.Shape[0]
	wd, err := f.Require("weights", n, n)
	if err != nil {
		return nil, err
	}
	net := &Network{W: tensor.FromSlice(n, n, append([]float32(nil), wd...)), Theta: make([]float32, n),
		rule: s.Rule, ZeroDiagonal: s.ZeroDiagonal}
	if _, ok := f.Tensors["thresholds"]; ok {
		th, err := f.Require("thresholds", n)
		if err != nil {
			return nil, err
		}
		copy(net.Theta, th)
	}
	if v, ok := f.Metadata["rank"]; ok {
		if net.rank, err = strconv.Atoi(v); err != nil || net.rank < 0 {
			return nil, fmt.Errorf("metadata \"rank\" = %q is not a count: %w", v, modelio.ErrFormat)
		}
	}
	if v, ok := f.Metadata["patterns"]; ok {
		if net.count, err = strconv.Atoi(v); err != nil || net.count < 0 {
			return nil, fmt.Errorf("metadata \"patterns\" = %q is not a count: %w", v, modelio.ErrFormat)
		}
	}
	if pt, ok := f.Tensors["patterns"]; ok {
		if len(pt.Shape) != 2 || pt.Shape[1] != n {
			return nil, fmt.Errorf("tensor \"patterns\" has shape %v, want [p, %d]: %w", pt.Shape, n, modelio.ErrFormat)
		}
		p := pt.Shape[0]
		if _, ok := f.Metadata["patterns"]; ok && p != net.count {
			return nil, fmt.Errorf("tensor \"patterns\" has %d rows but the metadata says %d patterns: %w", p, net.count, modelio.ErrFormat)
		}
		pd, err := f.Require("patterns", p, n)
		if err != nil {
			return nil, err
		}
		for k, v := range pd {
			if v != 1 && v != -1 {
				return nil, fmt.Errorf("tensor \"patterns\": row %d, column %d is %v, want ±1: %w", k/n, k%n, v, ErrValue)
			}
		}
		if p > 0 {
			net.patterns = tensor.FromSlice(p, n, append([]float32(nil), pd...))
		}
		net.count = p
	}
	if err := net.Validate(); err != nil {
		return nil, err
	}
	net.transposed() // made once, so that concurrent Recalls only read it
	return net, nil
}
