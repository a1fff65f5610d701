package modelio

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Sentinel errors, wrapped (with %w) by every error this package returns
// about a file's content.
var (
	// ErrFormat reports bytes that are not a valid or supported safetensors
	// file, or a tensor whose shape is not the one required.
	ErrFormat = errors.New("format error")
	// ErrMissing reports a required tensor that the file does not contain.
	ErrMissing = errors.New("missing tensor")
)

// Tensor is a dense row-major float32 array: Data holds prod(Shape) values
// (an empty Shape is a scalar holding one value).
type Tensor struct {
	Shape []int
	Data  []float32
}

// File is the content of a model file: free-form string metadata and named
// tensors.
type File struct {
	// Metadata is the header's "__metadata__" map. By convention
	// Metadata["model"] names the kind of model (see Kind).
	Metadata map[string]string
	// Tensors maps names to tensors.
	Tensors map[string]Tensor
	// Name identifies the file in error messages. Load sets it to the path
	// and Decode to its name argument; Save ignores it.
	Name string
}

// Kind returns Metadata["model"], the kind of model stored in the file, or ""
// if unset.
func (f *File) Kind() string { return f.Metadata["model"] }

// Require returns the data of the tensor called name, checking that its
// shape is exactly shape (no dimensions: a scalar). The returned slice is the
// tensor's own storage, not a copy. A missing tensor gives an error wrapping
// ErrMissing, a shape mismatch one wrapping ErrFormat; both name the file and
// the tensor.
func (f *File) Require(name string, shape ...int) ([]float32, error) {
	t, ok := f.Tensors[name]
	if !ok {
		return nil, fmt.Errorf("modelio: %s: %w %q (file has %s)", f.label(), ErrMissing, name, f.tensorList())
	}
	if !slices.Equal(t.Shape, shape) {
		return nil, fmt.Errorf("modelio: %s: %w: tensor %q has shape %s, expected %s",
			f.label(), ErrFormat, name, shapeString(t.Shape), shapeString(shape))
	}
	if n, ok := numElements(t.Shape); !ok || n != len(t.Data) {
		return nil, fmt.Errorf("modelio: %s: %w: tensor %q has shape %s but %d values",
			f.label(), ErrFormat, name, shapeString(t.Shape), len(t.Data))
	}
	return t.Data, nil
}

func (f *File) label() string {
	if f.Name == "" {
		return "<unnamed model file>"
	}
	return f.Name
}

// tensorList is a short, sorted list of the file's tensor names for error
// messages.
func (f *File) tensorList() string {
	if len(f.Tensors) == 0 {
		return "no tensors"
	}
	names := sortedKeys(f.Tensors)
	const max = 10
	var b strings.Builder
	b.WriteString("tensors ")
	for i, n := range names {
		if i == max {
			fmt.Fprintf(&b, ", ... (%d more)", len(names)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", n)
	}
	return b.String()
}

func shapeString(shape []int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, d := range shape {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprint(&b, d)
	}
	b.WriteByte(']')
	return b.String()
}

// numElements returns prod(shape), or false if a dimension is negative or the
// product overflows int.
func numElements(shape []int) (int, bool) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		if d != 0 && n > maxInt/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

const maxInt = int(^uint(0) >> 1)

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// CheckVersion returns an error wrapping ErrFormat, naming the file and the
// version, when Metadata["format_version"] is set to anything but
// supported. A file without a version (older files, files written by
// numpy or PyTorch) passes.
func (f *File) CheckVersion(supported string) error {
	if v, ok := f.Metadata["format_version"]; ok && v != supported {
		return fmt.Errorf("modelio: %s: %w: format_version %q is not supported (this build reads %q)", f.label(), ErrFormat, v, supported)
	}
	return nil
}
