package nanjson

import (
	"encoding/json"
	"math"
	"testing"
)

type inner struct {
	X float64 `json:"x"`
}

type withMarshal struct{ V float64 }

func (w withMarshal) MarshalJSON() ([]byte, error) { return []byte(`"custom"`), nil }

type outer struct {
	inner
	A     float64            `json:"a"`
	B     float32            `json:"b,omitempty"`
	C     []float64          `json:"c"`
	D     map[string]float64 `json:"d"`
	E     *float64           `json:"e"`
	Skip  int                `json:"-"`
	M     withMarshal        `json:"m"`
	Plain string
	hid   int
}

func TestMarshalMatchesEncodingJSONAndNullsNaN(t *testing.T) {
	one := 1.5
	finite := outer{inner: inner{2}, A: 3, B: 0, C: []float64{1, 2}, D: map[string]float64{"k": 4}, E: &one, Skip: 9, M: withMarshal{1}, Plain: "p", hid: 1}
	got, err := Marshal(finite)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(finite)
	if string(got) != string(want) {
		t.Errorf("finite values:\n got %s\nwant %s", got, want)
	}
	bad := outer{inner: inner{math.NaN()}, A: math.Inf(1), B: float32(math.NaN()), C: []float64{math.Inf(-1), 1}, D: map[string]float64{"k": math.NaN()}}
	got, err = Marshal(bad)
	if err != nil {
		t.Fatal(err)
	}
	const w = `{"x":null,"a":null,"b":null,"c":[null,1],"d":{"k":null},"e":null,"m":"custom","Plain":""}`
	if string(got) != w {
		t.Errorf("non-finite values:\n got %s\nwant %s", got, w)
	}
}

func TestMerge(t *testing.T) {
	got, err := Merge(struct {
		A string `json:"a"`
	}{"x"}, inner{math.NaN()}, struct{}{}, withMarshal{})
	if err == nil {
		t.Fatalf("merging a non-object accepted: %s", got)
	}
	got, err = Merge(struct {
		A string `json:"a"`
	}{"x"}, struct{}{}, inner{math.NaN()})
	if err != nil || string(got) != `{"a":"x","x":null}` {
		t.Errorf("Merge = %s, %v", got, err)
	}
}

// TestUnmarshalRoundTrip checks that what Marshal writes comes back:
// non-finite floats as NaN (±Inf cannot be told from NaN once null),
// omitted omitempty floats as 0, nested structs alike; fields tagged "-"
// are left alone.
func TestUnmarshalRoundTrip(t *testing.T) {
	type nested struct {
		X float64 `json:"x"`
	}
	type T struct {
		A    float64 `json:"a"`
		B    float64 `json:"b,omitempty"`
		C    float64 `json:"c"`
		In   nested  `json:"in"`
		N    int     `json:"n"`
		Skip float64 `json:"-"`
	}
	in := T{A: math.NaN(), B: 0, C: 2.5, In: nested{X: math.Inf(1)}, N: 3}
	b, err := Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var got T
	if err := Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(got.A) || got.B != 0 || got.C != 2.5 || !math.IsNaN(got.In.X) || got.N != 3 || got.Skip != 0 {
		t.Errorf("round trip of %s gave %+v", b, got)
	}
}
