package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio"
)

// runLoad runs, as subtest name, Load with opt on the spec that setup
// makes in a fresh directory, and check on what it returns.
func runLoad(t *testing.T, name string, setup func(t *testing.T, dir string) string, opt Options, check func(t *testing.T, spec string, s *Set, err error)) {
	t.Run(name, func(t *testing.T) {
		spec := setup(t, t.TempDir())
		s, err := Load(spec, opt)
		check(t, spec, s, err)
	})
}

// idxBytes builds an IDX file with the given magic, dimensions and payload.
func idxBytes(magic uint32, dims []uint32, payload []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(payload)
	return b.Bytes()
}

func gzipBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// npyBytes encodes v with npyio.
func npyBytes(t testing.TB, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := npyio.Write(&b, v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// editHeader replaces old by new in the header of an .npy file written by
// npyio, taking the difference in length out of the header's padding.
func editHeader(t testing.TB, raw []byte, old, new string) []byte {
	t.Helper()
	i := bytes.Index(raw, []byte(old))
	nl := bytes.IndexByte(raw, '\n')
	if i < 0 || nl < i {
		t.Fatalf("editHeader: %q not in the header of %q", old, raw)
	}
	grow := len(new) - len(old)
	if grow > 0 && !bytes.Equal(raw[nl-grow:nl], bytes.Repeat([]byte(" "), grow)) {
		t.Fatalf("editHeader: not enough padding for %q", new)
	}
	var out []byte
	out = append(out, raw[:i]...)
	out = append(out, new...)
	out = append(out, raw[i+len(old):nl-max(grow, 0)]...)
	out = append(out, bytes.Repeat([]byte(" "), max(-grow, 0))...)
	return append(out, raw[nl:]...)
}

func grayPNG(t testing.TB, h, w int, pix func(y, x int) uint8) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetGray(x, y, color.Gray{Y: pix(y, x)})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func rgbaPNG(t testing.TB, h, w int, c color.NRGBA) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// wantErr checks err is non-nil and its message contains every part.
func wantErr(t testing.TB, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

func approx(a, b float32) bool {
	d := a - b
	return d < 1e-6 && d > -1e-6
}

func nan() float64      { return math.NaN() }
func inf(s int) float64 { return math.Inf(s) }

// rawNPY builds a version 1.0 .npy file from a header dictionary and a
// payload, for headers npyio would not write.
func rawNPY(dict string, payload []byte) []byte {
	b := []byte("\x93NUMPY\x01\x00")
	b = binary.LittleEndian.AppendUint16(b, uint16(len(dict)+1))
	b = append(b, dict...)
	b = append(b, '\n')
	return append(b, payload...)
}
