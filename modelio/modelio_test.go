package modelio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sample returns a file exercising awkward values and shapes.
func sample() *File {
	return &File{
		Metadata: map[string]string{
			"model":  "rbm",
			"epochs": "10",
			"note":   `quotes " and <html> & ünïcode, tab	newline` + "\n",
		},
		Tensors: map[string]Tensor{
			"W": {Shape: []int{2, 3}, Data: []float32{
				1, -2.5, float32(math.Inf(1)),
				float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32,
				math.Float32frombits(0x7fc01234), // NaN with a payload
			}},
			"b":     {Shape: []int{3}, Data: []float32{0.1, 0.2, 0.3}},
			"scale": {Shape: []int{}, Data: []float32{42}},
			"empty": {Shape: []int{0, 4}, Data: []float32{}},
		},
	}
}

// sameBits reports whether a and b hold the same float32 bit patterns
// (NaN payloads and signed zeros included).
func sameBits(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	in := sample()
	if err := Save(path, in); err != nil {
		t.Fatal(err)
	}
	out, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if out.Name != path {
		t.Errorf("Name = %q, want %q", out.Name, path)
	}
	if out.Kind() != "rbm" {
		t.Errorf("Kind = %q", out.Kind())
	}
	if len(out.Metadata) != len(in.Metadata) {
		t.Errorf("metadata %v, want %v", out.Metadata, in.Metadata)
	}
	for k, v := range in.Metadata {
		if out.Metadata[k] != v {
			t.Errorf("metadata[%q] = %q, want %q", k, out.Metadata[k], v)
		}
	}
	if len(out.Tensors) != len(in.Tensors) {
		t.Fatalf("%d tensors, want %d", len(out.Tensors), len(in.Tensors))
	}
	for name, ti := range in.Tensors {
		to := out.Tensors[name]
		if shapeString(to.Shape) != shapeString(ti.Shape) || to.Shape == nil {
			t.Errorf("%s: shape %v, want %v", name, to.Shape, ti.Shape)
		}
		if !sameBits(to.Data, ti.Data) {
			t.Errorf("%s: data %v, want %v", name, to.Data, ti.Data)
		}
	}

	// Determinism: saving the loaded file (fresh maps) gives the same bytes.
	first, _ := os.ReadFile(path)
	path2 := filepath.Join(dir, "m2.safetensors")
	if err := Save(path2, out); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(path2)
	if !bytes.Equal(first, second) {
		t.Error("Save is not byte-deterministic")
	}
	for i := 0; i < 5; i++ {
		again, err := encode(sample())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatal("encode is not byte-deterministic")
		}
	}
}

func TestGoldenLayout(t *testing.T) {
	f := &File{
		Metadata: map[string]string{"model": "rbm", "a": "1"},
		Tensors: map[string]Tensor{
			"z": {Shape: []int{1}, Data: []float32{2}},
			"c": {Shape: []int{1, 2}, Data: []float32{1, -1}},
		},
	}
	got, err := encode(f)
	if err != nil {
		t.Fatal(err)
	}
	hdr := `{"__metadata__":{"a":"1","model":"rbm"},` +
		`"c":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},` +
		`"z":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`
	for len(hdr)%8 != 0 {
		hdr += " "
	}
	want := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	want = append(want, hdr...)
	for _, v := range []float32{1, -1, 2} {
		want = binary.LittleEndian.AppendUint32(want, math.Float32bits(v))
	}
	if !bytes.Equal(got, want) {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}

	// No metadata: no __metadata__ key at all.
	got, err = encode(&File{Tensors: map[string]Tensor{"x": {Shape: []int{1}, Data: []float32{1}}}})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(got, []byte(metadataKey)) {
		t.Errorf("empty metadata written: %q", got)
	}
}

// build assembles a safetensors file from a header and a data buffer,
// padding the header with spaces to 8-byte alignment like the reference
// implementation.
func build(header string, buf []byte) []byte {
	for len(header)%8 != 0 {
		header += " "
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	out = append(out, header...)
	return append(out, buf...)
}

// TestPythonNumpyFile decodes bytes laid out exactly as
// safetensors.numpy.save_file({"weight": np.float64 2×2, "bias": np.float32
// [3], "hidden": np.float32 1×2}, metadata={"model": "rbm"}) writes them: the
// Rust core orders tensors by decreasing dtype alignment, then by name, and
// pads the compact JSON header with spaces to a multiple of 8.
func TestPythonNumpyFile(t *testing.T) {
	hdr := `{"__metadata__":{"model":"rbm"},` +
		`"weight":{"dtype":"F64","shape":[2,2],"data_offsets":[0,32]},` +
		`"bias":{"dtype":"F32","shape":[3],"data_offsets":[32,44]},` +
		`"hidden":{"dtype":"F32","shape":[1,2],"data_offsets":[44,52]}}`
	var buf []byte
	for _, v := range []float64{0.5, -1.25, 3, 1e-3} {
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
	}
	for _, v := range []float32{1, 2, 3, -4, 5.5} {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
	}
	data := build(hdr, buf)
	if hl := binary.LittleEndian.Uint64(data); hl%8 != 0 {
		t.Fatalf("test bug: header length %d", hl)
	}
	f, err := Decode("numpy.safetensors", data)
	if err != nil {
		t.Fatal(err)
	}
	if f.Kind() != "rbm" {
		t.Errorf("Kind = %q", f.Kind())
	}
	w, err := f.Require("weight", 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !sameBits(w, []float32{0.5, -1.25, 3, float32(1e-3)}) {
		t.Errorf("weight = %v", w)
	}
	b, err := f.Require("bias", 3)
	if err != nil || !sameBits(b, []float32{1, 2, 3}) {
		t.Errorf("bias = %v, %v", b, err)
	}
	h, err := f.Require("hidden", 1, 2)
	if err != nil || !sameBits(h, []float32{-4, 5.5}) {
		t.Errorf("hidden = %v, %v", h, err)
	}
}

func TestHalfAndDoubleDtypes(t *testing.T) {
	f16 := []uint16{0x3c00, 0xc000, 0x3555, 0x0001, 0x8400, 0x7c00, 0xfc00, 0x7bff, 0x0000, 0x8000, 0x03ff}
	f16want := []float32{1, -2, 0.333251953125, 0x1p-24, -0x1p-14, float32(math.Inf(1)), float32(math.Inf(-1)), 65504, 0, float32(math.Copysign(0, -1)), 1023 * 0x1p-24}
	bf16 := []uint16{0x3f80, 0xc040, 0x4049, 0x7f80, 0x0001}
	bf16want := []float32{1, -3, math.Float32frombits(0x40490000), float32(math.Inf(1)), math.Float32frombits(0x00010000)}
	f64 := []float64{1.5, -1e300, 1e-50, math.Pi}
	f64want := []float32{1.5, float32(math.Inf(-1)), 0, float32(math.Pi)}

	var buf []byte
	for _, v := range f64 {
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
	}
	for _, v := range f16 {
		buf = binary.LittleEndian.AppendUint16(buf, v)
	}
	for _, v := range bf16 {
		buf = binary.LittleEndian.AppendUint16(buf, v)
	}
	hdr := `{"d":{"dtype":"F64","shape":[4],"data_offsets":[0,32]},` +
		`"h":{"dtype":"F16","shape":[11],"data_offsets":[32,54]},` +
		`"bf":{"dtype":"BF16","shape":[5],"data_offsets":[54,64]}}`
	f, err := Decode("mixed", build(hdr, buf))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		want []float32
	}{{"d", f64want}, {"h", f16want}, {"bf", bf16want}} {
		got, err := f.Require(c.name, len(c.want))
		if err != nil {
			t.Fatal(err)
		}
		if !sameBits(got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, got, c.want)
		}
	}

	// F16 NaN stays NaN.
	nan := build(`{"n":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}`, []byte{0x01, 0x7e})
	g, err := Decode("nan", nan)
	if err != nil {
		t.Fatal(err)
	}
	if v := g.Tensors["n"].Data[0]; !math.IsNaN(float64(v)) {
		t.Errorf("F16 NaN decoded as %v", v)
	}
}

// TestF16Exhaustive checks every half-precision value against a direct
// computation of its value.
func TestF16Exhaustive(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		got := math.Float32frombits(f16ToF32Bits(uint16(h)))
		sign := 1.0
		if h&0x8000 != 0 {
			sign = -1
		}
		exp, mant := (h>>10)&0x1f, h&0x3ff
		var want float64
		switch {
		case exp == 0x1f && mant == 0:
			want = math.Inf(int(sign))
		case exp == 0x1f:
			if !math.IsNaN(float64(got)) {
				t.Fatalf("%#04x: got %v, want NaN", h, got)
			}
			continue
		case exp == 0:
			want = sign * float64(mant) * 0x1p-24
		default:
			want = sign * (1 + float64(mant)/1024) * math.Ldexp(1, exp-15)
		}
		if float64(got) != want || math.Signbit(float64(got)) != (sign < 0) {
			t.Fatalf("%#04x: got %v, want %v", h, got, want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	valid, err := encode(sample())
	if err != nil {
		t.Fatal(err)
	}
	hdrLen := int(binary.LittleEndian.Uint64(valid))
	f32 := func(n int) []byte { return make([]byte, 4*n) }
	absurd := binary.LittleEndian.AppendUint64(nil, 1<<40)
	corrupt := bytes.Clone(valid)
	corrupt[8+1] = '#' // {#__metadata__"...: invalid JSON

	cases := []struct {
		name string
		data []byte
		want string // substring of the error
	}{
		{"empty", nil, "too short"},
		{"short", []byte{1, 2, 3}, "too short"},
		{"absurd header length", append(absurd, "{}"...), "absurd"},
		{"header past end", valid[:hdrLen], "exceeds"},
		{"truncated data", valid[:len(valid)-3], "run past the end"},
		{"corrupted header", corrupt, "not valid JSON at byte"},
		{"not an object", build(`[1,2]`, nil), "not a JSON object"},
		{"trailing junk after header", build(`{} {}`, nil), "after the header"},
		{"unterminated", build(`{"a":{"dtype":"F32"`, nil), "JSON"},
		{"bad dtype", build(`{"x":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`, make([]byte, 8)), `"x" has dtype "I64"`},
		{"no dtype", build(`{"x":{"shape":[1],"data_offsets":[0,4]}}`, f32(1)), "no dtype"},
		{"no shape", build(`{"x":{"dtype":"F32","data_offsets":[0,4]}}`, f32(1)), "no shape"},
		{"negative dim", build(`{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, f32(1)), `"x"`},
		{"huge shape", build(`{"x":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, f32(1)), "too large"},
		{"one offset", build(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0]}}`, f32(1)), "data_offsets"},
		{"reversed offsets", build(`{"x":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}`, f32(1)), "reversed"},
		{"size mismatch", build(`{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, f32(1)), "needs 8"},
		{"offsets out of range", build(`{"x":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, f32(2)), "past the end"},
		{"overlap", build(`{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, f32(3)), "overlap"},
		{"gap", build(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32(2)), "gap"},
		{"trailing bytes", build(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32(2)), "trailing"},
		{"duplicate", build(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32(1)), "duplicate"},
		{"metadata not strings", build(`{"__metadata__":{"a":1}}`, nil), "__metadata__"},
		{"entry not an object", build(`{"x":3}`, nil), `"x"`},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".safetensors")
			if err := os.WriteFile(path, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := Load(path)
			if err == nil {
				t.Fatalf("no error; got %+v", f)
			}
			if !errors.Is(err, ErrFormat) {
				t.Errorf("error does not wrap ErrFormat: %v", err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error does not name the file: %v", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.safetensors")
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load missing file: %v", err)
	}
}

// TestLoadAs: the builder sees the decoded file, its errors are prefixed
// with the path, and Load's own errors pass through unwrapped.
func TestLoadAs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := Save(path, sample()); err != nil {
		t.Fatal(err)
	}
	scale := func(f *File) (float32, error) {
		v, err := f.Require("scale")
		if err != nil {
			return 0, err
		}
		return v[0], nil
	}
	got, meta, err := LoadAs(path, scale)
	if err != nil || got != 42 || meta["model"] != "rbm" {
		t.Fatalf("LoadAs = %v, %v, %v", got, meta, err)
	}
	bad := errors.New("no such model")
	_, meta, err = LoadAs(path, func(*File) (int, error) { return 0, bad })
	if !errors.Is(err, bad) || err.Error() != "load "+path+": no such model" || meta != nil {
		t.Errorf("builder error: %v (metadata %v)", err, meta)
	}
	missing := filepath.Join(t.TempDir(), "nope.safetensors")
	_, _, err = LoadAs(missing, scale)
	if !errors.Is(err, os.ErrNotExist) || strings.HasPrefix(err.Error(), "load ") {
		t.Errorf("missing file: %v", err)
	}
}

func TestRequire(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.safetensors")
	if err := Save(path, sample()); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Require("W", 2, 3); err != nil {
		t.Error(err)
	}
	if v, err := f.Require("scale"); err != nil || len(v) != 1 || v[0] != 42 {
		t.Errorf("scalar: %v, %v", v, err)
	}

	_, err = f.Require("hbias", 3)
	if !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `"hbias"`) {
		t.Errorf("missing tensor: %v", err)
	}
	_, err = f.Require("W", 3, 2)
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), path) ||
		!strings.Contains(err.Error(), "[2 3]") || !strings.Contains(err.Error(), "[3 2]") {
		t.Errorf("wrong shape: %v", err)
	}
	_, err = f.Require("b")
	if !errors.Is(err, ErrFormat) {
		t.Errorf("vector as scalar: %v", err)
	}

	bad := &File{Tensors: map[string]Tensor{"x": {Shape: []int{2}, Data: []float32{1}}}}
	if _, err := bad.Require("x", 2); !errors.Is(err, ErrFormat) {
		t.Errorf("inconsistent tensor: %v", err)
	}
}

func TestSaveErrors(t *testing.T) {
	dir := t.TempDir()
	missingDir := filepath.Join(dir, "no", "such", "dir")
	path := filepath.Join(missingDir, "m.safetensors")
	err := Save(path, sample())
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("Save into missing dir: %v", err)
	}

	good := filepath.Join(dir, "x.safetensors")
	for name, f := range map[string]*File{
		"nil":            nil,
		"shape mismatch": {Tensors: map[string]Tensor{"x": {Shape: []int{2, 2}, Data: []float32{1}}}},
		"negative dim":   {Tensors: map[string]Tensor{"x": {Shape: []int{-1}, Data: nil}}},
		"reserved":       {Tensors: map[string]Tensor{metadataKey: {Shape: []int{1}, Data: []float32{1}}}},
		"bad utf8":       {Tensors: map[string]Tensor{"\xff": {Shape: []int{1}, Data: []float32{1}}}},
		"bad utf8 meta":  {Metadata: map[string]string{"k": "\xfe"}},
	} {
		if err := Save(good, f); err == nil || !strings.Contains(err.Error(), good) {
			t.Errorf("%s: %v", name, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("failed saves left files: %v", entries)
	}
}

func TestSaveReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	if err := os.WriteFile(path, []byte("old junk that is not a model"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Save(path, sample()); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Kind() != "rbm" {
		t.Errorf("Kind = %q", f.Kind())
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want the replaced file's 0600", fi.Mode().Perm())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "m.safetensors" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only m.safetensors", names)
	}

	// Saving over a directory fails and leaves no temporary file.
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Save(sub, sample()); err == nil {
		t.Error("Save over a directory succeeded")
	}
	entries, _ = os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("temporary file left behind: %v", entries)
	}
}
