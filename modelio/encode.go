package modelio

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/ebm-go/ebm/internal/atomicfile"
)

// Save writes f to path as a safetensors file of F32 tensors.
//
// The output is byte-deterministic: tensors are laid out in name order,
// metadata keys are sorted and the header is padded with spaces to a
// multiple of 8 bytes, as the reference implementation does. Metadata is
// omitted from the header when empty.
//
// The write is atomic: the bytes go to a temporary file in path's directory,
// which is synced and then renamed over path, so path holds either its old
// content or the complete new file, never a partial one. A replaced file
// keeps its permission bits; a new file gets 0644.
//
// Every tensor must hold exactly prod(Shape) values; names and metadata must
// be valid UTF-8, and no tensor may be called "__metadata__".
func Save(path string, f *File) error {
	data, err := encode(f)
	if err != nil {
		return fmt.Errorf("modelio: save %s: %w", path, err)
	}
	if err := atomicfile.WriteFile(path, data); err != nil {
		return fmt.Errorf("modelio: %w", err)
	}
	return nil
}

// encode serialises f in the deterministic layout described at Save.
func encode(f *File) ([]byte, error) {
	if f == nil {
		return nil, errors.New("nil *File")
	}
	names := sortedKeys(f.Tensors)
	var total uint64
	for _, name := range names {
		t := f.Tensors[name]
		if name == metadataKey {
			return nil, fmt.Errorf("tensor name %q is reserved", name)
		}
		if !utf8.ValidString(name) {
			return nil, fmt.Errorf("tensor name %q is not valid UTF-8", name)
		}
		n, ok := numElements(t.Shape)
		if !ok || n != len(t.Data) {
			return nil, fmt.Errorf("tensor %q: shape %s does not match its %d values", name, shapeString(t.Shape), len(t.Data))
		}
		total += 4 * uint64(n)
	}
	for k, v := range f.Metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, fmt.Errorf("metadata %q: %q is not valid UTF-8", k, v)
		}
	}

	var h bytes.Buffer
	h.WriteByte('{')
	comma := false
	if len(f.Metadata) > 0 {
		writeJSONString(&h, metadataKey)
		h.WriteString(":{")
		for i, k := range sortedKeys(f.Metadata) {
			if i > 0 {
				h.WriteByte(',')
			}
			writeJSONString(&h, k)
			h.WriteByte(':')
			writeJSONString(&h, f.Metadata[k])
		}
		h.WriteByte('}')
		comma = true
	}
	var off uint64
	for _, name := range names {
		t := f.Tensors[name]
		if comma {
			h.WriteByte(',')
		}
		comma = true
		writeJSONString(&h, name)
		h.WriteString(`:{"dtype":"F32","shape":[`)
		for i, d := range t.Shape {
			if i > 0 {
				h.WriteByte(',')
			}
			h.WriteString(strconv.Itoa(d))
		}
		end := off + 4*uint64(len(t.Data))
		fmt.Fprintf(&h, `],"data_offsets":[%d,%d]}`, off, end)
		off = end
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}
	if h.Len() > maxHeaderLen {
		return nil, fmt.Errorf("header of %d bytes exceeds the %d-byte limit", h.Len(), maxHeaderLen)
	}

	out := make([]byte, 8, 8+uint64(h.Len())+total)
	binary.LittleEndian.PutUint64(out, uint64(h.Len()))
	out = append(out, h.Bytes()...)
	for _, name := range names {
		for _, v := range f.Tensors[name].Data {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
		}
	}
	return out, nil
}

// writeJSONString appends s as a JSON string, without HTML escaping.
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)       // cannot fail for a string
	b.Truncate(b.Len() - 1) // drop Encode's newline
}
