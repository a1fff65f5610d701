// Package nanjson encodes values as JSON the way encoding/json does, except
// that NaN and ±Inf — which JSON cannot hold and encoding/json refuses —
// become null. It is the one mechanism behind the MarshalJSON methods of the
// library's result types (rbm.EpochStats, estimate.Estimate, hopfield
// reports…), so a caller can hand any result to encoding/json.
//
// It follows encoding/json's struct tags (name, omitempty, "-"), flattens
// untagged embedded structs, and calls the MarshalJSON of nested values that
// have one. A type's own MarshalJSON calls Marshal on a conversion of the
// value to a type without methods (type plain T; Marshal(plain(v))).
package nanjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
)

// Marshal returns the JSON encoding of v with every NaN or ±Inf float as null.
func Marshal(v any) ([]byte, error) {
	return json.Marshal(convert(reflect.ValueOf(v)))
}

var marshalerType = reflect.TypeFor[json.Marshaler]()

// object is a JSON object whose keys keep the order of the struct's fields.
type object struct {
	keys []string
	vals []any
}

func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(o.vals[i])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// convert returns a value that encoding/json encodes as v, but with
// non-finite floats replaced by nil.
func convert(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	if v.Type().Implements(marshalerType) && (v.Kind() != reflect.Pointer || !v.IsNil()) {
		return v.Interface()
	}
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil
		}
		return v.Interface()
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return convert(v.Elem())
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return v.Interface()
		}
		fallthrough
	case reflect.Array:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = convert(v.Index(i))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		out := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			kb, err := json.Marshal(it.Key().Interface())
			if err != nil {
				continue
			}
			k := strings.Trim(string(kb), `"`)
			out[k] = convert(it.Value())
		}
		return out
	case reflect.Struct:
		var o object
		addFields(&o, v)
		return o
	}
	return v.Interface()
}

func addFields(o *object, v reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		fv := v.Field(i)
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				if fv.IsNil() {
					continue
				}
				fv, ft = fv.Elem(), ft.Elem()
			}
			if ft.Kind() == reflect.Struct && !ft.Implements(marshalerType) {
				addFields(o, fv)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if strings.Contains(","+opts+",", ",omitempty,") && empty(fv) {
			continue
		}
		o.keys = append(o.keys, name)
		o.vals = append(o.vals, convert(fv))
	}
}

// empty is encoding/json's omitempty test.
func empty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

// Merge returns one JSON object holding the members of the objects that
// Marshal makes of each value, in order (a key given twice keeps both, so
// callers keep keys apart). It joins a result from the library with the
// fields a command adds (files, timings) without embedding, whose promoted
// MarshalJSON would hide the added fields.
func Merge(values ...any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for _, v := range values {
		o, err := Marshal(v)
		if err != nil {
			return nil, err
		}
		o = bytes.TrimSpace(o)
		if len(o) < 2 || o[0] != '{' || o[len(o)-1] != '}' {
			return nil, fmt.Errorf("nanjson: Merge of %T, which is not a JSON object", v)
		}
		if inner := bytes.TrimSpace(o[1 : len(o)-1]); len(inner) > 0 {
			if b.Len() > 1 {
				b.WriteByte(',')
			}
			b.Write(inner)
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Unmarshal decodes what Marshal wrote into v, a pointer to a struct: a
// null float field (a NaN or ±Inf, written as null) becomes NaN. Float
// fields tagged omitempty, whose absence means 0, are left at 0. Nested
// structs are handled the same way; floats in slices and maps are not.
func Unmarshal(data []byte, v any) error {
	nanFields(reflect.ValueOf(v).Elem())
	return json.Unmarshal(data, v)
}

// nanFields sets the float fields of the struct s without omitempty to NaN,
// so that json.Unmarshal, which leaves a field alone for null, keeps NaN.
func nanFields(s reflect.Value) {
	if s.Kind() != reflect.Struct {
		return
	}
	for i := 0; i < s.NumField(); i++ {
		f, sf := s.Field(i), s.Type().Field(i)
		if tag := sf.Tag.Get("json"); !sf.IsExported() || tag == "-" || strings.Contains(tag, "omitempty") {
			continue
		}
		switch f.Kind() {
		case reflect.Float64, reflect.Float32:
			f.SetFloat(math.NaN())
		case reflect.Struct:
			nanFields(f)
		}
	}
}
