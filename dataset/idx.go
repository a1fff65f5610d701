package dataset

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/ebm-go/ebm/internal/readlimit"
	"github.com/ebm-go/ebm/internal/tensor"
)

// IDX is the format of the original MNIST files: a 4-byte big-endian magic
// number 0x0000TTNN (TT the element type, NN the number of dimensions), NN
// big-endian uint32 sizes, then the elements in row-major order. Only
// unsigned bytes (TT = 0x08) are accepted:
//
//	0x00000801  n bytes          → n × 1 (e.g. a labels file)
//	0x00000802  n × d bytes      → n × d
//	0x00000803  n × h × w bytes  → n × (h·w), H = h, W = w (images)
//
// Every byte b becomes b/255.

// maxIDXBytes caps the payload size an IDX header may declare (32 GiB).
const maxIDXBytes = 1 << 35

// readChunk is the largest buffer allocated ahead of the data actually read.
const readChunk = 1 << 26

var gzipMagic = []byte{0x1f, 0x8b}

// idxData is a parsed IDX file.
type idxData struct {
	dims []int
	data []byte
}

// gray8 maps a byte to its intensity b/255.
var gray8 = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(float64(i) / 255)
	}
	return
}()

// readIDX parses an IDX stream of srcSize bytes, gzip-compressed when
// compressed is true. name is used in error messages, which give offsets in
// the file or, for a compressed file, in the decompressed stream.
func readIDX(name string, r io.Reader, compressed bool, srcSize int64) (*idxData, error) {
	what := "file"
	if compressed {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("dataset: %s: bad gzip header at offset 0: %v: %w", name, err, ErrFormat)
		}
		defer zr.Close()
		r = zr
		what = "decompressed stream"
	}
	src := &errReader{r: r}
	// short explains why the stream ended at offset off while reading part
	// (which should end at offset want), when it did not simply end.
	short := func(part string, off, want int64) error {
		switch {
		case compressed && errors.Is(src.err, io.ErrUnexpectedEOF):
			return fmt.Errorf("dataset: %s: truncated gzip stream: it breaks off at decompressed offset %d, in the %s (expected up to offset %d): %w",
				name, off, part, want, ErrFormat)
		case compressed:
			return fmt.Errorf("dataset: %s: corrupt gzip stream at decompressed offset %d, in the %s: %v: %w", name, off, part, src.err, ErrFormat)
		default:
			return fmt.Errorf("dataset: %s: reading the %s at offset %d: %v: %w", name, part, off, src.err, ErrFormat)
		}
	}

	var hdr [4]byte
	if n, _ := io.ReadFull(src, hdr[:]); n < 4 {
		if src.err != io.EOF {
			return nil, short("IDX magic number", int64(n), 4)
		}
		if n == 0 {
			return nil, fmt.Errorf("dataset: %s: %s is empty: %w", name, what, ErrEmpty)
		}
		return nil, fmt.Errorf("dataset: %s: truncated IDX header: expected a 4-byte magic number, the %s has only %d bytes: %w",
			name, what, n, ErrFormat)
	}
	magic := binary.BigEndian.Uint32(hdr[:])
	if hdr[0] != 0 || hdr[1] != 0 || hdr[2] != 0x08 || hdr[3] < 1 || hdr[3] > 3 {
		return nil, fmt.Errorf("dataset: %s: bad IDX magic number 0x%08X at offset 0 (want 0x00000803 for uint8 images, 0x00000802 for a uint8 matrix or 0x00000801 for a uint8 vector): %w",
			name, magic, ErrFormat)
	}
	ndim := int(hdr[3])
	hdrLen := 4 + 4*ndim
	dimBuf := make([]byte, 4*ndim)
	if n, _ := io.ReadFull(src, dimBuf); n < len(dimBuf) {
		if src.err != io.EOF {
			return nil, short("IDX header", int64(4+n), int64(hdrLen))
		}
		return nil, fmt.Errorf("dataset: %s: truncated IDX header: expected %d bytes for magic 0x%08X, the %s ends at offset %d: %w",
			name, hdrLen, magic, what, 4+n, ErrFormat)
	}
	dims := make([]int, ndim)
	total := int64(1)
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(dimBuf[4*i:]))
		if dims[i] != 0 && total > maxIDXBytes/int64(dims[i]) {
			return nil, fmt.Errorf("dataset: %s: IDX header at offset 4 declares dimensions %s, more than %d bytes: %w",
				name, dimString(dimBuf, ndim), int64(maxIDXBytes), ErrFormat)
		}
		total *= int64(dims[i])
	}
	end := int64(hdrLen) + total
	// The payload cannot be longer than the source allows (deflate expands
	// at most 1032:1), so a header that lies costs no more memory than that.
	bound := srcSize
	if compressed {
		bound = srcSize * 1032
	}
	data, _ := readN(src, total, bound)
	if got := int64(len(data)); got < total {
		if src.err != io.EOF {
			return nil, short(fmt.Sprintf("IDX payload (dimensions %s)", dimString(dimBuf, ndim)), int64(hdrLen)+got, end)
		}
		return nil, fmt.Errorf("dataset: %s: truncated IDX payload: the header (dimensions %s) expects %d bytes after the %d-byte header (%d in all), the %s has %d (ends at offset %d): %w",
			name, dimString(dimBuf, ndim), total, hdrLen, end, what, got, int64(hdrLen)+got, ErrFormat)
	}
	// Look for trailing data, and let gzip verify its checksum.
	var one [1]byte
	if n, _ := io.ReadFull(src, one[:]); n > 0 {
		return nil, fmt.Errorf("dataset: %s: garbled IDX file: unexpected data after the %d-byte payload (at offset %d of the %s; dimensions %s): %w",
			name, total, end, what, dimString(dimBuf, ndim), ErrFormat)
	}
	if src.err != io.EOF {
		if compressed && errors.Is(src.err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("dataset: %s: truncated gzip stream: the IDX data is complete (%d bytes) but the gzip trailer is cut off: %w", name, end, ErrFormat)
		}
		return nil, short("gzip trailer after the IDX payload", end, end)
	}
	return &idxData{dims: dims, data: data}, nil
}

func dimString(buf []byte, ndim int) string {
	s := make([]string, ndim)
	for i := range s {
		s[i] = fmt.Sprint(binary.BigEndian.Uint32(buf[4*i:]))
	}
	return strings.Join(s, "×")
}

// errReader remembers the first error its reader returned, so a caller
// can tell a clean end of stream (io.EOF) from a cut-off gzip stream
// (io.ErrUnexpectedEOF) after io.ReadFull has merged both.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && e.err == nil {
		e.err = err
	}
	return n, err
}

// readN reads up to n bytes. It allocates min(n, prealloc) bytes up front
// (at most readChunk) and grows the buffer by doubling as more data arrives,
// so a header that declares far more than the data costs little memory.
func readN(r io.Reader, n, prealloc int64) ([]byte, error) {
	buf := make([]byte, 0, max(0, min(n, prealloc, readChunk)))
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, int(min(n-int64(len(buf)), int64(max(len(buf), 4096)))))
		}
		want := int(min(n-int64(len(buf)), int64(cap(buf)-len(buf))))
		k, err := io.ReadFull(r, buf[len(buf):len(buf)+want])
		buf = buf[:len(buf)+k]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// shape returns the rows, columns and image shape of an IDX array.
func (x *idxData) shape() (rows, cols, h, w int) {
	switch len(x.dims) {
	case 1:
		return x.dims[0], 1, 0, 0
	case 2:
		s := squareSide(x.dims[1])
		return x.dims[0], x.dims[1], s, s
	default:
		return x.dims[0], x.dims[1] * x.dims[2], x.dims[1], x.dims[2]
	}
}

// bytesToMatrix converts the first rows rows of cols bytes each to b/255,
// splitting large inputs across GOMAXPROCS goroutines.
func bytesToMatrix(data []byte, rows, cols int) *tensor.Matrix {
	m := tensor.New(rows, cols)
	n := rows * cols
	workers := min(runtime.GOMAXPROCS(0), max(1, n/(1<<20)))
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Go(func() {
			dst, src := m.Data[lo:hi], data[lo:hi]
			for i, b := range src {
				dst[i] = gray8[b]
			}
		})
	}
	wg.Wait()
	return m
}

func loadIDXFile(path string, gz bool) (*Set, error) {
	f, err := readlimit.Open(path, 0)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	if !gz {
		// Accept a compressed file without the .gz suffix too.
		if p, _ := br.Peek(2); bytes.Equal(p, gzipMagic) {
			gz = true
		}
	} else if p, _ := br.Peek(2); !bytes.Equal(p, gzipMagic) {
		return nil, fmt.Errorf("dataset: %s: not a gzip file: it starts with % x at offset 0, not 1f 8b: %w", path, p, ErrFormat)
	}
	x, err := readIDX(path, br, gz, f.Size)
	if err != nil {
		return nil, err
	}
	rows, cols, h, w := x.shape()
	if rows == 0 || cols == 0 {
		return nil, fmt.Errorf("dataset: %s: IDX dimensions %v hold no data: %w", path, x.dims, ErrEmpty)
	}
	return &Set{X: bytesToMatrix(x.data, rows, cols), H: h, W: w}, nil
}
