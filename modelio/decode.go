package modelio

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"

	"github.com/ebm-go/ebm/internal/readlimit"
)

// maxHeaderLen bounds the JSON header, as the reference implementation does.
const maxHeaderLen = 100_000_000

// metadataKey is the reserved header key holding the string metadata.
const metadataKey = "__metadata__"

// Load reads the safetensors file at path. See Decode. Only a regular file
// of at most readlimit.DefaultMax bytes is read (a FIFO, a device or a
// directory is refused at once), and its header length is checked against
// its size before the rest is read.
func Load(path string) (*File, error) {
	f, err := readlimit.Open(path, 0)
	if err != nil {
		return nil, fmt.Errorf("modelio: load: %w", err)
	}
	defer f.Close()
	d := decoder{name: path}
	var pre [8]byte
	n, _ := f.ReadAt(pre[:], 0)
	if _, err := d.headerLen(pre[:n], uint64(f.Size)); err != nil {
		return nil, err
	}
	data, err := f.ReadAll(0)
	if err != nil {
		return nil, fmt.Errorf("modelio: load: %w", err)
	}
	return d.decode(data)
}

// LoadAs reads the safetensors file at path and builds a model from it
// with from (a package's FromFile), returning the model and the file's
// metadata. Errors of from are wrapped as "load <path>: …"; those of Load
// are returned as they are.
func LoadAs[M any](path string, from func(*File) (M, error)) (M, map[string]string, error) {
	var zero M
	f, err := Load(path)
	if err != nil {
		return zero, nil, err
	}
	m, err := from(f)
	if err != nil {
		return zero, nil, fmt.Errorf("load %s: %w", path, err)
	}
	return m, f.Metadata, nil
}

// Decode parses a safetensors file held in memory; name identifies it in
// errors and becomes the File's Name. F32, F64, F16 and BF16 tensors are
// converted to float32; any other dtype is an error. The result does not
// share memory with data. Decode never panics; every error wraps ErrFormat.
func Decode(name string, data []byte) (*File, error) {
	d := decoder{name: name}
	return d.decode(data)
}

type decoder struct{ name string }

func (d *decoder) errorf(format string, args ...any) error {
	return fmt.Errorf("modelio: %s: %w: %s", d.name, ErrFormat, fmt.Sprintf(format, args...))
}

// tensorInfo is one header entry.
type tensorInfo struct {
	name   string
	dtype  string
	shape  []int
	begin  uint64
	end    uint64
	nElems uint64
}

// rawInfo is the JSON form of a header entry.
type rawInfo struct {
	DType       *string  `json:"dtype"`
	Shape       []uint64 `json:"shape"`
	DataOffsets []uint64 `json:"data_offsets"`
}

// headerLen checks the 8-byte header length at the start of a file of size
// bytes (pre holds the file's first bytes, at most 8) and returns it.
func (d *decoder) headerLen(pre []byte, size uint64) (uint64, error) {
	if size < 8 || len(pre) < 8 {
		return 0, d.errorf("file is %d bytes, too short for the 8-byte header length", size)
	}
	n := binary.LittleEndian.Uint64(pre[:8])
	if n > maxHeaderLen {
		return 0, d.errorf("header length %d is absurd (limit %d bytes); not a safetensors file?", n, maxHeaderLen)
	}
	if n > size-8 {
		return 0, d.errorf("header length %d exceeds the %d bytes after the length field (truncated file?)", n, size-8)
	}
	return n, nil
}

func (d *decoder) decode(data []byte) (*File, error) {
	n, err := d.headerLen(data[:min(len(data), 8)], uint64(len(data)))
	if err != nil {
		return nil, err
	}
	header := data[8 : 8+n]
	buf := data[8+n:]

	meta, infos, err := d.parseHeader(header)
	if err != nil {
		return nil, err
	}
	if err := d.validate(infos, uint64(len(buf))); err != nil {
		return nil, err
	}

	f := &File{
		Metadata: meta,
		Tensors:  make(map[string]Tensor, len(infos)),
		Name:     d.name,
	}
	for _, ti := range infos {
		f.Tensors[ti.name] = Tensor{
			Shape: ti.shape,
			Data:  convert(ti.dtype, buf[ti.begin:ti.end], int(ti.nElems)),
		}
	}
	return f, nil
}

// jsonErr describes a JSON decoding error with its byte offset in the header.
func jsonErr(err error, dec *json.Decoder) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("header is not valid JSON at byte %d: %v", se.Offset, err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		what := "value"
		if te.Field != "" {
			what = "field " + strconv.Quote(te.Field)
		}
		return fmt.Sprintf("header %s near byte %d is a JSON %s, want %s", what, dec.InputOffset(), te.Value, jsonType(te.Type))
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Sprintf("header JSON ends unexpectedly at byte %d", dec.InputOffset())
	}
	return fmt.Sprintf("bad header JSON near byte %d: %v", dec.InputOffset(), err)
}

func (d *decoder) parseHeader(header []byte) (map[string]string, []tensorInfo, error) {
	dec := json.NewDecoder(bytes.NewReader(header))
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, d.errorf("%s", jsonErr(err, dec))
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '{' {
		return nil, nil, d.errorf("header is not a JSON object (starts with %v)", tok)
	}

	meta := map[string]string{}
	var infos []tensorInfo
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, d.errorf("%s", jsonErr(err, dec))
		}
		key, ok := tok.(string)
		if !ok { // cannot happen: object keys are strings
			return nil, nil, d.errorf("bad header key %v", tok)
		}
		if seen[key] {
			return nil, nil, d.errorf("header has duplicate key %q near byte %d", key, dec.InputOffset())
		}
		seen[key] = true

		if key == metadataKey {
			var m map[string]string
			if err := dec.Decode(&m); err != nil {
				return nil, nil, d.errorf("__metadata__: %s (must map strings to strings)", jsonErr(err, dec))
			}
			for k, v := range m {
				meta[k] = v
			}
			continue
		}

		var ri rawInfo
		if err := dec.Decode(&ri); err != nil {
			return nil, nil, d.errorf("tensor %q: %s", key, jsonErr(err, dec))
		}
		ti, err := d.checkInfo(key, &ri)
		if err != nil {
			return nil, nil, err
		}
		infos = append(infos, ti)
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, nil, d.errorf("%s", jsonErr(err, dec))
	}
	// Only whitespace (the reference pads with spaces) may follow.
	if tok, err := dec.Token(); err != io.EOF {
		if err != nil {
			return nil, nil, d.errorf("%s", jsonErr(err, dec))
		}
		return nil, nil, d.errorf("unexpected %v after the header object near byte %d", tok, dec.InputOffset())
	}
	return meta, infos, nil
}

// jsonType names the JSON shape a Go type expects, for error messages.
func jsonType(t reflect.Type) string {
	if t == nil {
		return "different type"
	}
	switch t.Kind() {
	case reflect.Slice:
		return "array of " + jsonType(t.Elem())
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.String:
		return "string"
	case reflect.Uint64, reflect.Int, reflect.Int64:
		return "non-negative integer"
	case reflect.Pointer:
		return jsonType(t.Elem())
	}
	return t.String()
}

// dtypeSize gives the element size of the supported dtypes.
var dtypeSize = map[string]uint64{"F32": 4, "F64": 8, "F16": 2, "BF16": 2}

func (d *decoder) checkInfo(name string, ri *rawInfo) (tensorInfo, error) {
	if ri.DType == nil {
		return tensorInfo{}, d.errorf("tensor %q has no dtype", name)
	}
	dtype := *ri.DType
	size, ok := dtypeSize[dtype]
	if !ok {
		return tensorInfo{}, d.errorf("tensor %q has dtype %q; only F32, F64, F16 and BF16 are supported", name, dtype)
	}
	if ri.Shape == nil {
		return tensorInfo{}, d.errorf("tensor %q has no shape", name)
	}
	if len(ri.DataOffsets) != 2 {
		return tensorInfo{}, d.errorf("tensor %q: data_offsets must be [begin, end], have %v", name, ri.DataOffsets)
	}
	ti := tensorInfo{
		name:  name,
		dtype: dtype,
		shape: make([]int, len(ri.Shape)),
		begin: ri.DataOffsets[0],
		end:   ri.DataOffsets[1],
	}
	// The element count is at most the largest int (checked below against
	// the buffer size too, so any accepted count can be allocated).
	nElems, zero := uint64(1), slices.Contains(ri.Shape, 0)
	for i, dim := range ri.Shape {
		if dim > uint64(maxInt) {
			return tensorInfo{}, d.errorf("tensor %q: dimension %d is too large", name, dim)
		}
		ti.shape[i] = int(dim)
		if zero {
			continue
		}
		if nElems > uint64(maxInt)/size/dim {
			return tensorInfo{}, d.errorf("tensor %q: shape %v is too large", name, ri.Shape)
		}
		nElems *= dim
	}
	if zero {
		nElems = 0
	}
	ti.nElems = nElems
	if ti.begin > ti.end {
		return tensorInfo{}, d.errorf("tensor %q: data_offsets [%d, %d] are reversed", name, ti.begin, ti.end)
	}
	if want := nElems * size; ti.end-ti.begin != want {
		return tensorInfo{}, d.errorf("tensor %q: data_offsets [%d, %d] span %d bytes, but %s × shape %s needs %d",
			name, ti.begin, ti.end, ti.end-ti.begin, dtype, shapeString(ti.shape), want)
	}
	return ti, nil
}

// validate checks that the tensors tile the buffer exactly: sorted by
// offset, each starts where the previous ends, the first at 0 and the last
// ends at the end of the buffer.
func (d *decoder) validate(infos []tensorInfo, bufLen uint64) error {
	slices.SortFunc(infos, func(a, b tensorInfo) int {
		if a.begin != b.begin {
			return cmpU64(a.begin, b.begin)
		}
		if a.end != b.end {
			return cmpU64(a.end, b.end)
		}
		if a.name < b.name {
			return -1
		}
		return 1
	})
	var pos uint64
	prev := ""
	for _, ti := range infos {
		if ti.end > bufLen {
			return d.errorf("tensor %q: data_offsets [%d, %d] run past the end of the %d-byte data buffer (truncated file?)",
				ti.name, ti.begin, ti.end, bufLen)
		}
		switch {
		case ti.begin < pos:
			return d.errorf("tensor %q: data_offsets [%d, %d] overlap tensor %q, which ends at %d",
				ti.name, ti.begin, ti.end, prev, pos)
		case ti.begin > pos:
			return d.errorf("tensor %q: data_offsets [%d, %d] leave a gap: bytes [%d, %d) of the data buffer belong to no tensor",
				ti.name, ti.begin, ti.end, pos, ti.begin)
		}
		pos, prev = ti.end, ti.name
	}
	if pos != bufLen {
		return d.errorf("%d trailing bytes after the last tensor (data buffer is %d bytes, tensors cover %d)",
			bufLen-pos, bufLen, pos)
	}
	return nil
}

func cmpU64(a, b uint64) int {
	if a < b {
		return -1
	}
	return 1
}

// convert decodes n little-endian elements of dtype from b into float32.
func convert(dtype string, b []byte, n int) []float32 {
	out := make([]float32, n)
	switch dtype {
	case "F32":
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case "F64":
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
		}
	case "F16":
		for i := range out {
			out[i] = math.Float32frombits(f16ToF32Bits(binary.LittleEndian.Uint16(b[2*i:])))
		}
	case "BF16":
		for i := range out {
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[2*i:])) << 16)
		}
	}
	return out
}

// f16ToF32Bits converts IEEE 754 binary16 bits to binary32 bits exactly
// (every half value is representable; NaN payloads are kept).
func f16ToF32Bits(h uint16) uint32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return sign | 0xff<<23 | mant<<13
	case exp != 0: // normal
		return sign | (exp-15+127)<<23 | mant<<13
	case mant == 0: // ±0
		return sign
	default: // subnormal: mant × 2⁻²⁴, renormalised
		e := uint32(127 - 15 + 1)
		for mant&0x400 == 0 {
			mant <<= 1
			e--
		}
		return sign | e<<23 | (mant&0x3ff)<<13
	}
}
