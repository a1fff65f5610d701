package dataset

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// badCase is an input Load must reject with an error naming the file and
// the place. "{}" in want stands for the spec setup returned.
type badCase struct {
	name  string
	setup func(t *testing.T, dir string) string
	opt   Options
	want  []string
	is    error // sentinel the error must wrap, or nil
}

func runBadCases(t *testing.T, cases []badCase) {
	t.Helper()
	for _, tc := range cases {
		runLoad(t, tc.name, tc.setup, tc.opt, func(t *testing.T, spec string, s *Set, err error) {
			if s != nil {
				t.Errorf("got a set with %d rows along with the error", s.Len())
			}
			want := make([]string, len(tc.want))
			for i, w := range tc.want {
				want[i] = strings.ReplaceAll(w, "{}", spec)
			}
			wantErr(t, err, want...)
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q does not wrap %v", err, tc.is)
			}
			t.Log(err)
		})
	}
}

func specOf(s string) func(*testing.T, string) string {
	return func(*testing.T, string) string { return s }
}

func file(name string, data []byte) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string { return writeFile(t, dir, name, data) }
}

func TestBadSpecs(t *testing.T) {
	runBadCases(t, []badCase{
		{name: "empty spec", setup: specOf(""), want: []string{"empty spec"}},
		{name: "unknown scheme", setup: specOf("cifar:10"), want: []string{`"cifar:10"`, "neither a known data set", "bars:NxM"}, is: fs.ErrNotExist},
		{name: "nonexistent path", setup: func(t *testing.T, dir string) string { return filepath.Join(dir, "nope.npy") },
			want: []string{"{}", "nor an existing file"}, is: fs.ErrNotExist},
		{name: "unsupported extension", setup: file("x.txt", []byte("1,2\n")), want: []string{"{}", "unsupported file type", ".txt"}},
		{name: "gz of a csv", setup: file("x.csv.gz", []byte("1,2\n")), want: []string{"{}", "only IDX files"}},
		{name: "bars 0x3", setup: specOf("bars:0x3"), want: []string{"bars:0x3", "malformed bars spec"}, is: ErrFormat},
		{name: "bars ax4", setup: specOf("bars:ax4"), want: []string{"bars:ax4", "malformed bars spec"}, is: ErrFormat},
		{name: "bars 4", setup: specOf("bars:4"), want: []string{"bars:4", "malformed"}, is: ErrFormat},
		{name: "bars 4x", setup: specOf("bars:4x"), want: []string{"bars:4x", "malformed"}, is: ErrFormat},
		{name: "bars -2x3", setup: specOf("bars:-2x3"), want: []string{"bars:-2x3", "malformed"}, is: ErrFormat},
		{name: "bars 4x4x4", setup: specOf("bars:4x4x4"), want: []string{"bars:4x4x4", "malformed"}, is: ErrFormat},
		{name: "bars too large", setup: specOf("bars:20x20"), want: []string{"bars:20x20", "too large", "1048576"}},
		{name: "bars huge", setup: specOf("bars:64x64"), want: []string{"bars:64x64", "too large"}},
		{name: "bars overflowing int", setup: specOf("bars:99999999999999999999x2"), want: []string{"malformed"}},
		{name: "mnist split", setup: specOf("mnist:validation"), want: []string{"mnist:validation", `"validation"`, "train, test"}, is: ErrFormat},
		{name: "mnist zero", setup: specOf("mnist:0"), want: []string{"mnist:0", "positive count"}, is: ErrFormat},
		{name: "mnist empty part", setup: specOf("mnist:"), want: []string{"mnist:"}, is: ErrFormat},
		{name: "mnist too many parts", setup: specOf("mnist:test:1:2"), want: []string{"mnist:test:1:2", "malformed"}, is: ErrFormat},
		{name: "mnist test too many", setup: specOf("mnist:test:10001"), want: []string{"mnist:test:10001", "10001", "has 10000"}},
		{name: "bad binarize mode", setup: specOf("bars:2x2"), opt: Options{Binarize: "bernoulli"}, want: []string{"bars:2x2", `"bernoulli"`}},
	})
}

func TestBadIDX(t *testing.T) {
	good := idxBytes(0x803, []uint32{2, 2, 3}, bytes.Repeat([]byte{7}, 12))
	cut := func(b []byte, n int) []byte { return b[:len(b)-n] }
	gz := gzipBytes(t, good)
	big := make([]byte, 3*28*28)
	for i := range big {
		big[i] = byte(i * i * 7919 >> 3)
	}
	bigGz := gzipBytes(t, idxBytes(0x803, []uint32{3, 28, 28}, big))
	runBadCases(t, []badCase{
		{name: "wrong magic", setup: file("a.idx", idxBytes(0x804, []uint32{1, 1, 1, 1}, []byte{1})),
			want: []string{"{}", "magic number 0x00000804", "offset 0"}, is: ErrFormat},
		{name: "float IDX", setup: file("a.idx", idxBytes(0xD03, []uint32{1, 1, 1}, make([]byte, 4))),
			want: []string{"{}", "0x00000D03"}, is: ErrFormat},
		{name: "not IDX at all", setup: file("a-ubyte", []byte("hello, world")),
			want: []string{"{}", "0x68656C6C"}, is: ErrFormat},
		{name: "truncated payload", setup: file("a-images-idx3-ubyte", cut(good, 5)),
			want: []string{"{}", "truncated IDX payload", "2×2×3", "expects 12 bytes", "has 7", "offset 23"}, is: ErrFormat},
		{name: "truncated header", setup: file("a.idx", good[:9]),
			want: []string{"{}", "truncated IDX header", "expected 16 bytes", "offset 9"}, is: ErrFormat},
		{name: "truncated magic", setup: file("a.idx", good[:3]),
			want: []string{"{}", "truncated IDX header", "3 bytes"}, is: ErrFormat},
		{name: "trailing data", setup: file("a.idx", append(bytes.Clone(good), 0)),
			want: []string{"{}", "garbled", "offset 28"}, is: ErrFormat},
		{name: "truncated gzip", setup: file("a.idx3-ubyte.gz", gz[:len(gz)/2]),
			want: []string{"{}", "truncated gzip stream", "decompressed offset 7", "IDX header"}, is: ErrFormat},
		{name: "truncated gzip in payload", setup: file("b.idx.gz", bigGz[:len(bigGz)/2]),
			want: []string{"{}", "truncated gzip stream", "IDX payload (dimensions 3×28×28)", "expected up to offset 2368"}, is: ErrFormat},
		{name: "gzip missing trailer", setup: file("a.idx.gz", cut(gz, 8)),
			want: []string{"{}", "truncated gzip stream", "trailer", "28 bytes"}, is: ErrFormat},
		{name: "gzip bad checksum", setup: func(t *testing.T, dir string) string {
			b := bytes.Clone(gz)
			b[len(b)-8] ^= 0xff
			return writeFile(t, dir, "a.idx.gz", b)
		}, want: []string{"{}", "gzip", "checksum"}, is: ErrFormat},
		{name: "complete gzip of a truncated IDX", setup: file("a.idx.gz", gzipBytes(t, cut(good, 2))),
			want: []string{"{}", "truncated IDX payload", "expects 12 bytes", "has 10", "decompressed stream"}, is: ErrFormat},
		{name: ".gz that is not gzip", setup: file("a.idx.gz", good),
			want: []string{"{}", "not a gzip file", "offset 0"}, is: ErrFormat},
		{name: "garbled gzip header", setup: file("a.idx.gz", append([]byte{0x1f, 0x8b, 99}, good...)),
			want: []string{"{}", "gzip"}, is: ErrFormat},
		{name: "no images", setup: file("a.idx", idxBytes(0x803, []uint32{0, 28, 28}, nil)),
			want: []string{"{}", "no data"}, is: ErrEmpty},
		{name: "empty file", setup: file("a.idx", nil), want: []string{"{}", "empty"}, is: ErrEmpty},
		{name: "absurd dimensions", setup: file("a.idx", idxBytes(0x803, []uint32{1 << 31, 1 << 31, 1 << 31}, nil)),
			want: []string{"{}", "2147483648×2147483648×2147483648", "more than"}, is: ErrFormat},
		{name: "large declared, little data", setup: file("a.idx", idxBytes(0x803, []uint32{1 << 20, 64, 64}, []byte{1, 2})),
			want: []string{"{}", "truncated IDX payload", "has 2"}, is: ErrFormat},
	})
}

func TestBadNPY(t *testing.T) {
	good := npyBytes(t, [][]float32{{1, 2, 3}, {4, 5, 6}})
	runBadCases(t, []badCase{
		{name: "unsupported dtype", setup: file("x.npy", npyBytes(t, [][]int64{{1, 2}})),
			want: []string{"{}", "unsupported dtype '<i8'", "offset 12"}, is: ErrFormat},
		{name: "bool dtype", setup: file("x.npy", npyBytes(t, [][]bool{{true}})),
			want: []string{"{}", "'|b1'"}, is: ErrFormat},
		{name: "1-D", setup: file("x.npy", npyBytes(t, []float32{1, 2})),
			want: []string{"{}", "shape (2,)", "1-D", "want a 2-D array"}, is: ErrFormat},
		{name: "3-D", setup: file("x.npy", npyBytes(t, [][][]float64{{{1}, {2}}})),
			want: []string{"{}", "shape (1, 2, 1)", "3-D"}, is: ErrFormat},
		{name: "truncated payload", setup: file("x.npy", good[:len(good)-5]),
			want: []string{"{}", "truncated", "expects 24 bytes", "has 19"}, is: ErrFormat},
		{name: "trailing data", setup: file("x.npy", append(bytes.Clone(good), 1, 2, 3, 4)),
			want: []string{"{}", "trailing data", "expects 24 bytes", "has 28", "offset 108"}, is: ErrFormat},
		{name: "bad magic", setup: file("x.npy", append([]byte("NUMPY!"), good[6:]...)),
			want: []string{"{}", "not a .npy file", "offset 0"}, is: ErrFormat},
		{name: "truncated preamble", setup: file("x.npy", good[:8]),
			want: []string{"{}", "not a .npy file"}, is: ErrFormat},
		{name: "truncated header", setup: file("x.npy", good[:40]),
			want: []string{"{}", "truncated .npy header", "offset 12"}, is: ErrFormat},
		{name: "bad version", setup: func(t *testing.T, dir string) string {
			b := bytes.Clone(good)
			b[6] = 9
			return writeFile(t, dir, "x.npy", b)
		}, want: []string{"{}", "version 9.0", "offset 6"}, is: ErrFormat},
		{name: "garbled header dict", setup: file("x.npy", editHeader(t, good, "'shape'", "'shapX'")),
			want: []string{"{}", "garbled .npy header", "offset 12"}, is: ErrFormat},
		{name: "header without newline (npyio panics)", setup: func(t *testing.T, dir string) string {
			return writeFile(t, dir, "x.npy", bytes.ReplaceAll(good, []byte("\n"), []byte(" ")))
		}, want: []string{"{}", "garbled .npy header"}, is: ErrFormat},
		{name: "garbled dtype", setup: file("x.npy", editHeader(t, good, "'<f4'", "'<q?'")),
			want: []string{"{}", "dtype '<q?'"}, is: ErrFormat},
		{name: "shape not numbers", setup: file("x.npy", editHeader(t, good, "(2, 3)", "(2, a)")),
			want: []string{"{}", "garbled .npy header"}, is: ErrFormat},
		{name: "negative shape", setup: file("x.npy", editHeader(t, good, "(2, 3)", "(-2,3)")),
			want: []string{"{}", "negative"}, is: ErrFormat},
		{name: "huge shape", setup: file("x.npy", editHeader(t, good, "(2, 3)", "(999999999, 9)")),
			want: []string{"{}", "truncated", "(999999999, 9)", "expects 35999999964 bytes", "has 24"}, is: ErrFormat},
		{name: "overflowing shape", setup: file("x.npy", rawNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (9223372036854775807, 9223372036854775807), }", nil)),
			want: []string{"{}", "declares more than", "(9223372036854775807, 9223372036854775807)"}, is: ErrFormat},
		{name: "v1 header too long for the file", setup: file("x.npy", rawNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), }", nil)[:30]),
			want: []string{"{}", "truncated .npy header", "offset 10"}, is: ErrFormat},
		{name: "NaN", setup: file("x.npy", npyBytes(t, [][]float32{{1, 2}, {3, float32(nan())}})),
			want: []string{"{}", "row 1, column 1", "NaN"}, is: ErrFormat},
		{name: "Inf", setup: file("x.npy", npyBytes(t, [][]float64{{1, inf(-1)}})),
			want: []string{"{}", "row 0, column 1", "-Inf"}, is: ErrFormat},
		{name: "float64 overflowing float32", setup: file("x.npy", npyBytes(t, [][]float64{{1}, {1e300}})),
			want: []string{"{}", "row 1, column 0", "+Inf"}, is: ErrFormat},
		{name: "zero columns", setup: file("x.npy", editHeader(t, good[:len(good)-24], "(2, 3)", "(2, 0)")),
			want: []string{"{}", "(2, 0)"}, is: ErrEmpty},
		{name: "zero rows", setup: file("x.npy", editHeader(t, good[:len(good)-24], "(2, 3)", "(0, 3)")),
			want: []string{"{}", "(0, 3)"}, is: ErrEmpty},
		{name: "empty file", setup: file("x.npy", nil), want: []string{"{}", "empty"}, is: ErrEmpty},
	})
}

func TestBadCSV(t *testing.T) {
	csv := func(text string) func(*testing.T, string) string { return file("x.csv", []byte(text)) }
	runBadCases(t, []badCase{
		{name: "ragged short", setup: csv("1,2,3\n4,5,6\n7,8\n"),
			want: []string{"{}", "line 3", "data row 3", "2 fields, want 3"}, is: ErrFormat},
		{name: "ragged long after header", setup: csv("a,b\n1,2\n3,4,5\n"),
			want: []string{"{}", "line 3", "data row 2", "3 fields, want 2", "(line 2)"}, is: ErrFormat},
		{name: "non-numeric", setup: csv("1,2\n3,abc\n"),
			want: []string{"{}", "line 2, field 2", `"abc"`}, is: ErrFormat},
		{name: "empty field", setup: csv("1,2\n3,\n"),
			want: []string{"{}", "line 2, field 2", `""`}, is: ErrFormat},
		{name: "mixed first row", setup: csv("1,x\n3,4\n"),
			want: []string{"{}", "line 1, field 2", `"x"`}, is: ErrFormat},
		{name: "NaN", setup: csv("1,2\n3,4\nNaN,5\n"),
			want: []string{"{}", "line 3, field 1", "NaN"}, is: ErrFormat},
		{name: "Inf", setup: csv("1,2\n3,-inf\n"),
			want: []string{"{}", "line 2, field 2", "infinite"}, is: ErrFormat},
		{name: "out of float32 range", setup: csv("1,2\n1e39,4\n"),
			want: []string{"{}", "line 2, field 1", "float32 range"}, is: ErrFormat},
		{name: "line numbers count comments and blanks", setup: csv("# c\n\n1,2\n\n3,x\n"),
			want: []string{"{}", "line 5, field 2"}, is: ErrFormat},
		{name: "bad quote", setup: csv("1,2\n3,\"4\n"),
			want: []string{"{}", "line 2", "malformed CSV"}, is: ErrFormat},
		{name: "header only", setup: csv("a,b,c\n"), want: []string{"{}", "no data rows"}, is: ErrEmpty},
		{name: "empty file", setup: csv(""), want: []string{"{}", "no data rows"}, is: ErrEmpty},
		{name: "only comments", setup: csv("# nothing\n\n"), want: []string{"{}"}, is: ErrEmpty},
	})
}

func TestBadPNG(t *testing.T) {
	img := func(h, w int) []byte { return grayPNG(t, h, w, func(y, x int) uint8 { return uint8(x + y) }) }
	runBadCases(t, []badCase{
		{name: "different sizes", setup: func(t *testing.T, dir string) string {
			writeFile(t, dir, "a.png", img(4, 5))
			writeFile(t, dir, "b.png", img(4, 5))
			writeFile(t, dir, "c.png", img(5, 4))
			return dir
		}, want: []string{"c.png", "is 5×4", "a.png", "is 4×5"}, is: ErrFormat},
		{name: "garbled file", setup: func(t *testing.T, dir string) string {
			writeFile(t, dir, "a.png", img(2, 2))
			writeFile(t, dir, "b.png", []byte("definitely not a PNG"))
			return dir
		}, want: []string{"b.png", "bad PNG header"}, is: ErrFormat},
		{name: "truncated file", setup: func(t *testing.T, dir string) string {
			b := img(8, 8)
			writeFile(t, dir, "a.png", b)
			writeFile(t, dir, "b.png", b[:len(b)-20])
			return dir
		}, want: []string{"b.png"}, is: ErrFormat},
		{name: "empty directory", setup: func(t *testing.T, dir string) string { return dir },
			want: []string{"{}", "no .png files"}, is: ErrEmpty},
		{name: "directory without PNGs", setup: func(t *testing.T, dir string) string {
			writeFile(t, dir, "notes.txt", []byte("hi"))
			os.Mkdir(filepath.Join(dir, "x.png"), 0o755)
			return dir
		}, want: []string{"{}", "no .png files", "2 other entries"}, is: ErrEmpty},
		{name: "single garbled file", setup: file("x.png", []byte("\x89PNG\r\n\x1a\nxx")),
			want: []string{"{}", "PNG"}, is: ErrFormat},
	})
}
