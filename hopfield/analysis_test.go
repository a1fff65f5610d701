package hopfield

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

func TestBipolar(t *testing.T) {
	for _, c := range []struct {
		in, want []float32
		err      string
	}{
		{[]float32{1, -1, 1}, []float32{1, -1, 1}, ""},
		{[]float32{0, 1, 0}, []float32{-1, 1, -1}, ""},
		{[]float32{1, 1}, []float32{1, 1}, ""},
		{[]float32{0, 0}, []float32{-1, -1}, ""},
		{[]float32{}, []float32{}, ""},
		{[]float32{1, 0, -1}, nil, "position 1"},
		{[]float32{1, 0.5}, nil, "value 0.5"},
		{[]float32{2}, nil, "value 2"},
		{[]float32{float32(math.NaN())}, nil, "NaN"},
	} {
		got, err := Bipolar(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || !errors.Is(err, ErrValue) {
				t.Errorf("Bipolar(%v): error %v, want one containing %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("Bipolar(%v) = %v, %v", c.in, got, err)
		}
	}
	// Matrices decide the encoding once: a 0/1 matrix may have an all-ones
	// row; a ±1 matrix may not hold a 0. Errors name row and column.
	m := tensor.FromSlice(2, 2, []float32{1, 1, 0, 1})
	b, err := BipolarMatrix(m)
	if err != nil || !slices.Equal(b.Data, []float32{1, 1, -1, 1}) {
		t.Fatalf("BipolarMatrix: %v %v", b, err)
	}
	_, err = BipolarMatrix(tensor.FromSlice(2, 2, []float32{1, -1, 0, 1}))
	if err == nil || !strings.Contains(err.Error(), "row 1, column 0") {
		t.Fatalf("mixed matrix: %v", err)
	}
}

func TestOverlapNearest(t *testing.T) {
	x := tensor.FromSlice(3, 4, []float32{
		1, 1, 1, 1,
		1, -1, 1, -1,
		1, 1, -1, -1,
	})
	s := []float32{-1, 1, -1, 1} // = −ξ²
	if m := Overlap(x.Row(1), s); m != -1 {
		t.Fatalf("overlap %v", m)
	}
	if k, m := Nearest(x, s); k != 1 || m != -1 {
		t.Fatalf("nearest %d %v", k, m)
	}
	if k, m := Nearest(x, []float32{1, 1, 1, -1}); k != 0 || m != 0.5 {
		t.Fatalf("nearest %d %v (ties go to the lowest index)", k, m)
	}
	if k, _ := Nearest(nil, s); k != -1 {
		t.Fatal("nearest of no patterns")
	}
}

func TestClassify(t *testing.T) {
	rng := tensor.NewRand(12)
	const n, p = 201, 10
	x := RandomPatterns(p, n, rng)
	neg := func(v []float32) []float32 {
		o := slices.Clone(v)
		for i := range o {
			o[i] = -o[i]
		}
		return o
	}
	mixture := func(signs map[int]float32) []float32 {
		o := make([]float32, n)
		for i := range o {
			var s float32
			for mu, e := range signs {
				s += e * x.At(mu, i)
			}
			o[i] = 1
			if s < 0 {
				o[i] = -1
			}
		}
		return o
	}
	c := Classify(x, x.Row(4), 0)
	if c.Class != ClassStored || c.Patterns[0] != 4 || !c.Exact || c.Overlap != 1 {
		t.Fatalf("stored: %+v", c)
	}
	c = Classify(x, neg(x.Row(7)), 0)
	if c.Class != ClassReversed || c.Patterns[0] != 7 || !c.Exact || c.Signs[0] != -1 {
		t.Fatalf("reversed: %+v", c)
	}
	near := slices.Clone(x.Row(2))
	near[0], near[1], near[2] = -near[0], -near[1], -near[2]
	c = Classify(x, near, 0)
	if c.Class != ClassStored || c.Exact || c.Patterns[0] != 2 {
		t.Fatalf("near-stored: %+v", c)
	}
	mix := mixture(map[int]float32{1: 1, 3: -1, 8: 1})
	c = Classify(x, mix, 0)
	if c.Class != ClassMixture || !c.Exact || !slices.Equal(c.Patterns, []int{1, 3, 8}) || !slices.Equal(c.Signs, []int{1, -1, 1}) {
		t.Fatalf("3-mixture: %+v", c)
	}
	mix5 := mixture(map[int]float32{0: 1, 2: 1, 5: -1, 6: 1, 9: -1})
	c = Classify(x, mix5, 0)
	if c.Class != ClassMixture || !c.Exact || len(c.Patterns) != 5 {
		t.Fatalf("5-mixture: %+v", c)
	}
	random := make([]float32, n)
	fillRandomSigns(random, rng)
	if c = Classify(x, random, 0); c.Class != ClassOther {
		t.Fatalf("random state: %+v", c)
	}
	if c = Classify(nil, random, 0); c.Class != ClassOther {
		t.Fatal("no patterns")
	}
}

func TestCorrupt(t *testing.T) {
	rng := tensor.NewRand(1)
	s := make([]float32, 100)
	for i := range s {
		s[i] = 1
	}
	k, err := Corrupt(s, 0.234, rng)
	if err != nil || k != 23 {
		t.Fatalf("k %d %v", k, err)
	}
	var neg int
	for _, v := range s {
		if v == -1 {
			neg++
		}
	}
	if neg != 23 {
		t.Fatalf("%d units flipped, want exactly 23 distinct", neg)
	}
	for _, bad := range []float64{-0.01, 1.01, math.NaN()} {
		if _, err := Corrupt(s, bad, rng); !errors.Is(err, ErrOption) {
			t.Errorf("noise %v: %v", bad, err)
		}
	}
	if k, _ := Corrupt(s, 1, rng); k != 100 {
		t.Fatal("noise 1 flips every unit")
	}
}
