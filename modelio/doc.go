// Package modelio reads and writes ebm model files in the safetensors format.
//
// A safetensors file is an 8-byte little-endian header length N, N bytes of
// JSON header, and a flat byte buffer:
//
//	{"__metadata__": {"model": "rbm", ...},
//	 "W": {"dtype": "F32", "shape": [784, 500], "data_offsets": [0, 1568000]}, ...}
//
// Each tensor's data_offsets are relative to the start of the buffer. The
// format is shared with Python (safetensors.numpy, safetensors.torch), so a
// model trained here can be inspected with numpy and a matrix exported from
// PyTorch can be loaded here.
//
// Save always writes F32 tensors, sorted by name, with sorted metadata and the
// header padded with spaces to a multiple of 8 bytes (as the reference
// implementation does), so the same content always gives identical bytes. The
// write is atomic: a temporary file in the destination directory is written,
// synced and renamed over the destination, so a crash never leaves a partial
// model at the path.
//
// Load and Decode accept F32, F64, F16 and BF16 tensors, converting them to
// float32; any other dtype is an error naming the tensor and the dtype. The
// header is validated as strictly as the reference implementation does: the
// tensors must tile the buffer exactly (no gaps, overlaps, trailing or missing
// bytes) and each tensor's byte length must equal its element count times its
// dtype size. Non-finite values are not an error here; models decide what to
// do with them. Decode never panics, whatever its input.
//
// Errors name the file and what is wrong, and wrap ErrFormat (the bytes are
// not a valid or supported safetensors file, or a tensor has the wrong shape)
// or ErrMissing (a required tensor is absent), so callers can use errors.Is.
//
// By convention Metadata["model"] names the kind of model ("rbm", "hopfield",
// ...); see File.Kind.
package modelio
