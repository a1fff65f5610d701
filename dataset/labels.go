package dataset

import (
	"bufio"
	"bytes"
	"fmt"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"codeberg.org/sbinet/npyio"
	"codeberg.org/sbinet/npyio/npy"

	"github.com/ebm-go/ebm/internal/readlimit"
)

// maxLabelsBytes caps a labels file (1 GiB: 128 million int64 labels).
const maxLabelsBytes = 1 << 30

// checkNPYSize checks that the payload of the .npy file raw is exactly as
// long as its header's shape and dtype say, before anything is allocated
// for it.
func checkNPYSize(name string, raw []byte) error {
	rd, hdrStart, dataStart, err := npyHeader(name, raw)
	if err != nil {
		return err
	}
	descr := rd.Header.Descr
	var rt reflect.Type
	if err := safely(func() error { rt = npyio.TypeFrom(descr.Type); return nil }); err != nil || rt == nil {
		return fmt.Errorf("unsupported or garbled dtype %s in the .npy header at offset %d: %w", descr.Type, hdrStart, ErrFormat)
	}
	n, have := int64(rt.Size()), int64(len(raw)-dataStart)
	for _, d := range descr.Shape {
		if d < 0 || (d > 0 && n > (1<<62)/int64(d)) {
			return fmt.Errorf("shape %v of %s in the .npy header at offset %d does not fit the %d bytes after it: %w",
				shapeText(descr.Shape), descr.Type, hdrStart, have, ErrFormat)
		}
		n *= int64(d)
	}
	if n != have {
		return fmt.Errorf("shape %v of %s in the .npy header at offset %d needs %d bytes after offset %d, the file has %d: %w",
			shapeText(descr.Shape), descr.Type, hdrStart, n, dataStart, have, ErrFormat)
	}
	return nil
}

// ReadLabels reads integer labels from a .npy file (any integer dtype, or
// floats holding integers) or a text file with one integer per line.
func ReadLabels(path string) ([]int, error) {
	f, err := readlimit.Open(path, maxLabelsBytes)
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	defer f.Close()
	if strings.EqualFold(filepath.Ext(path), ".npy") {
		raw, err := f.ReadAll(maxLabelsBytes)
		if err != nil {
			return nil, fmt.Errorf("labels: %w", err)
		}
		if err := checkNPYSize(path, raw); err != nil {
			return nil, fmt.Errorf("labels %s: %w", path, err)
		}
		var arr npy.Array
		if err := safely(func() error { return npy.Read(bytes.NewReader(raw), &arr) }); err != nil {
			return nil, fmt.Errorf("labels %s: %w", path, err)
		}
		if sh := arr.Shape(); len(sh) != 1 && !(len(sh) == 2 && (sh[0] == 1 || sh[1] == 1)) {
			return nil, fmt.Errorf("labels %s: array has shape %v, want a 1-D array", path, sh)
		}
		v := reflect.ValueOf(arr.Data())
		if v.Kind() != reflect.Slice {
			return nil, fmt.Errorf("labels %s: unsupported array type %T", path, arr.Data())
		}
		y := make([]int, v.Len())
		for i := range y {
			e := v.Index(i)
			switch e.Kind() {
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				y[i] = int(e.Int())
			case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
				y[i] = int(e.Uint())
			case reflect.Float32, reflect.Float64:
				x := e.Float()
				if x != float64(int(x)) {
					return nil, fmt.Errorf("labels %s: element %d is %v, not an integer", path, i, x)
				}
				y[i] = int(x)
			default:
				return nil, fmt.Errorf("labels %s: elements of type %s are not integers", path, e.Type())
			}
		}
		return y, nil
	}
	var y []int
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		c, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("labels %s, line %d: %q is not an integer", path, line, s)
		}
		y = append(y, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("labels %s: %w", path, err)
	}
	if len(y) == 0 {
		return nil, fmt.Errorf("labels %s: no labels", path)
	}
	return y, nil
}

// LabelsOf returns the labels of s: read from file when it is given (its
// count must match s's rows), else s's own (built-in MNIST). flag names
// the option that gives the file, for the messages. Labels must be class
// numbers 0, 1, … (below 65,537).
func LabelsOf(s *Set, file, flag string) ([]int, error) {
	var y []int
	switch {
	case file != "":
		var err error
		if y, err = ReadLabels(file); err != nil {
			return nil, err
		}
		if len(y) != s.Len() {
			return nil, fmt.Errorf("%s %s has %d labels but %s has %d rows", flag, file, len(y), s.Name, s.Len())
		}
	case s.Labels != nil:
		y = s.Labels
	default:
		return nil, fmt.Errorf("%s has no labels: give %s FILE (.npy or one integer per line)", s.Name, flag)
	}
	for i, c := range y {
		if c < 0 || c > 1<<16 {
			return nil, fmt.Errorf("label %d of row %d (0-based) of %s is out of range: labels must be class numbers 0, 1, …", c, i, s.Name)
		}
	}
	return y, nil
}
