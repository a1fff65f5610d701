package dataset

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"codeberg.org/sbinet/npyio/npy"
)

// ReadLabels reads integer labels from a .npy file (any integer dtype, or
// floats holding integers) or a text file with one integer per line.
func ReadLabels(path string) ([]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	defer f.Close()
	if strings.EqualFold(filepath.Ext(path), ".npy") {
		var arr npy.Array
		if err := npy.Read(f, &arr); err != nil {
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
