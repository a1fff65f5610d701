package modelio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

func FuzzDecode(f *testing.F) {
	valid, err := encode(sample())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(valid[:len(valid)-1])
	f.Add(valid[:20])
	f.Add([]byte{})
	f.Add(build(`{}`, nil))
	f.Add(build(`{"x":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"y":{"dtype":"BF16","shape":[],"data_offsets":[4,6]},"z":{"dtype":"F64","shape":[1,0],"data_offsets":[6,6]}}`, make([]byte, 6)))
	f.Add(build(`{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, make([]byte, 12)))
	f.Add(build(`{"x":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, make([]byte, 4)))
	f.Add(build(`{"__metadata__":null,"x":{"dtype":"F32","shape":[1],"data_offsets":[18446744073709551615,3]}}`, nil))
	corrupt := bytes.Clone(valid)
	corrupt[12] = '"'
	f.Add(corrupt)
	huge := bytes.Clone(valid)
	binary.LittleEndian.PutUint64(huge, 1<<63)
	f.Add(huge)

	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Decode("fuzz", data)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error does not wrap ErrFormat: %v", err)
			}
			return
		}
		// Anything accepted re-encodes (as F32) and decodes to the same bits.
		enc, err := encode(file)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		again, err := Decode("again", enc)
		if err != nil {
			t.Fatalf("decode re-encoded: %v", err)
		}
		if len(again.Tensors) != len(file.Tensors) || len(again.Metadata) != len(file.Metadata) {
			t.Fatal("re-encoding changed the file")
		}
		for name, tn := range file.Tensors {
			if !sameBits(again.Tensors[name].Data, tn.Data) || shapeString(again.Tensors[name].Shape) != shapeString(tn.Shape) {
				t.Fatalf("tensor %q changed on re-encoding", name)
			}
		}
		for k, v := range file.Metadata {
			if again.Metadata[k] != v {
				t.Fatalf("metadata %q changed on re-encoding", k)
			}
		}
	})
}
