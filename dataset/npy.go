package dataset

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"reflect"

	"codeberg.org/sbinet/npyio"

	"github.com/ebm-go/ebm/internal/readlimit"
	"github.com/ebm-go/ebm/internal/tensor"
)

// maxNPYBytes caps the payload size an .npy header may declare (1 TiB).
const maxNPYBytes = 1 << 40

// loadNPY reads a 2-D .npy file of dtype uint8, float32 or float64 (either
// byte order, C or Fortran order).
//
// A uint8 array is treated as image intensities and divided by 255 when its
// largest value is above 1; a uint8 array holding only 0 and 1 is taken to
// be binary data and kept as is. (Dividing a 0/1 array by 255 would silently
// turn binary data into near-zero intensities, and an image array whose
// pixels are all 0 or 1 is implausible.) float32 and float64 values are kept
// (float64 rounded to float32) and must be finite.
func loadNPY(path string) (*Set, error) {
	raw, err := readlimit.ReadFile(path, 0)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	x, err := parseNPY(path, raw)
	if err != nil {
		return nil, err
	}
	return newSet(path, x)
}

// npyHeader checks the preamble and parses the header of an in-memory .npy
// file; it returns a reader positioned at the payload, where the header
// starts and where the payload starts. name is used in errors.
func npyHeader(name string, raw []byte) (rd *npyio.Reader, hdrStart, dataStart int, err error) {
	if len(raw) == 0 {
		return nil, 0, 0, fmt.Errorf("dataset: %s: file is empty: %w", name, ErrEmpty)
	}
	// Check the fixed preamble ourselves: npyio trusts the header length
	// (it would allocate up to 4 GiB for a garbled one) and panics on some
	// malformed headers.
	if len(raw) < 10 || !bytes.Equal(raw[:6], npyio.Magic[:]) {
		return nil, 0, 0, fmt.Errorf("dataset: %s: not a .npy file: it starts with % x at offset 0, want 93 4e 55 4d 50 59 (\"\\x93NUMPY\") and a 4-byte version and header length: %w",
			name, raw[:min(len(raw), 10)], ErrFormat)
	}
	var hdrLen int
	switch raw[6] {
	case 1:
		hdrLen, hdrStart = int(binary.LittleEndian.Uint16(raw[8:])), 10
	case 2:
		if len(raw) < 12 {
			return nil, 0, 0, fmt.Errorf("dataset: %s: truncated .npy preamble: expected 12 bytes, file has %d: %w", name, len(raw), ErrFormat)
		}
		hdrLen, hdrStart = int(binary.LittleEndian.Uint32(raw[8:])), 12
	default:
		return nil, 0, 0, fmt.Errorf("dataset: %s: unsupported .npy format version %d.%d at offset 6 (want 1.x or 2.x): %w", name, raw[6], raw[7], ErrFormat)
	}
	if hdrLen > len(raw)-hdrStart {
		return nil, 0, 0, fmt.Errorf("dataset: %s: truncated .npy header: expected %d header bytes at offset %d, file has %d: %w",
			name, hdrLen, hdrStart, len(raw)-hdrStart, ErrFormat)
	}
	dataStart = hdrStart + hdrLen
	hdrText := string(bytes.TrimRight(raw[hdrStart:dataStart], " \n\x00"))
	if bytes.IndexByte(raw[hdrStart:dataStart], '\n') < 0 {
		return nil, 0, 0, fmt.Errorf("dataset: %s: garbled .npy header %q at offset %d: it does not end with a newline before offset %d: %w",
			name, hdrText, hdrStart, dataStart, ErrFormat)
	}
	if err := safely(func() (err error) { rd, err = npyio.NewReader(bytes.NewReader(raw)); return err }); err != nil {
		return nil, 0, 0, fmt.Errorf("dataset: %s: garbled .npy header %q at offset %d: %v: %w", name, hdrText, hdrStart, err, ErrFormat)
	}
	return rd, hdrStart, dataStart, nil
}

// parseNPY decodes an in-memory .npy file; name is used in errors.
func parseNPY(name string, raw []byte) (*tensor.Matrix, error) {
	rd, hdrStart, dataStart, err := npyHeader(name, raw)
	if err != nil {
		return nil, err
	}
	descr := rd.Header.Descr
	var rt reflect.Type
	if err := safely(func() error { rt = npyio.TypeFrom(descr.Type); return nil }); err != nil || rt == nil {
		return nil, fmt.Errorf("dataset: %s: unsupported or garbled dtype %s in the .npy header at offset %d (want uint8, float32 or float64): %w",
			name, descr.Type, hdrStart, ErrFormat)
	}
	var esize int
	switch rt.Kind() {
	case reflect.Uint8:
		esize = 1
	case reflect.Float32:
		esize = 4
	case reflect.Float64:
		esize = 8
	default:
		return nil, fmt.Errorf("dataset: %s: unsupported dtype %s (%v) in the .npy header at offset %d (want uint8, float32 or float64): %w",
			name, descr.Type, rt, hdrStart, ErrFormat)
	}
	if len(descr.Shape) != 2 {
		return nil, fmt.Errorf("dataset: %s: .npy array has shape %v (%d-D) per the header at offset %d; want a 2-D array (rows × columns): %w",
			name, shapeText(descr.Shape), len(descr.Shape), hdrStart, ErrFormat)
	}
	rows, cols := descr.Shape[0], descr.Shape[1]
	have := len(raw) - dataStart
	if rows < 0 || cols < 0 {
		return nil, fmt.Errorf("dataset: %s: negative .npy shape %v in the header at offset %d: %w", name, shapeText(descr.Shape), hdrStart, ErrFormat)
	}
	if rows == 0 || cols == 0 {
		return nil, fmt.Errorf("dataset: %s: .npy array has shape %v: %w", name, shapeText(descr.Shape), ErrEmpty)
	}
	if int64(rows) > maxNPYBytes/int64(esize)/int64(cols) {
		return nil, fmt.Errorf("dataset: %s: truncated or garbled .npy file: shape %v of %s in the header at offset %d declares more than %d bytes, the file has %d after its header (offset %d): %w",
			name, shapeText(descr.Shape), descr.Type, hdrStart, int64(maxNPYBytes), have, dataStart, ErrFormat)
	}
	if want := rows * cols * esize; want != have {
		what := "truncated .npy payload"
		if have > want {
			what = "garbled .npy file: trailing data after the array"
		}
		return nil, fmt.Errorf("dataset: %s: %s: shape %v of %s expects %d bytes from offset %d to %d, the file has %d bytes there (it ends at offset %d): %w",
			name, what, shapeText(descr.Shape), descr.Type, want, dataStart, dataStart+want, have, len(raw), ErrFormat)
	}

	x := tensor.New(rows, cols)
	readErr := safely(func() error {
		switch esize {
		case 1:
			var v []uint8
			if err := rd.Read(&v); err != nil {
				return err
			}
			var top uint8
			for _, b := range v {
				top = max(top, b)
			}
			for i, b := range v {
				if top > 1 {
					x.Data[i] = gray8[b]
				} else {
					x.Data[i] = float32(b)
				}
			}
		case 4:
			var v []float32
			if err := rd.Read(&v); err != nil {
				return err
			}
			copy(x.Data, v)
		case 8:
			var v []float64
			if err := rd.Read(&v); err != nil {
				return err
			}
			for i, f := range v {
				x.Data[i] = float32(f)
			}
		}
		return nil
	})
	if readErr != nil {
		return nil, fmt.Errorf("dataset: %s: reading the .npy payload at offset %d: %v: %w", name, dataStart, readErr, ErrFormat)
	}
	if descr.Fortran {
		// Column-major on disk: element (i, j) was read into position j*rows+i.
		t := tensor.New(rows, cols)
		for j := range cols {
			for i := range rows {
				t.Data[i*cols+j] = x.Data[j*rows+i]
			}
		}
		x = t
	}
	return x, nil
}

func shapeText(shape []int) string {
	if len(shape) == 1 {
		return fmt.Sprintf("(%d,)", shape[0])
	}
	s := "("
	for i, v := range shape {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprint(v)
	}
	return s + ")"
}

// safely runs f, turning a panic inside it (npyio panics on some malformed
// headers) into an error.
func safely(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return f()
}
