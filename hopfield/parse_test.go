package hopfield

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
)

// TestParseSpecs: comma lists give one spec per rule and interaction, rule
// major; empty items are left out and an empty list is the zero value.
func TestParseSpecs(t *testing.T) {
	poly3, exp := Interaction{Kind: Poly, Degree: 3}, Interaction{Kind: Exp}
	cases := []struct {
		kind, rules, inters string
		zd                  bool
		beta                float64
		want                []Spec
		err                 bool
	}{
		{"", "", "", false, 0, []Spec{{Kind: KindClassical}}, false},
		{"Dense", "", "poly:3,,exp", false, 0.5, []Spec{{Kind: KindDense, Interaction: poly3, Beta: 0.5}, {Kind: KindDense, Interaction: exp, Beta: 0.5}}, false},
		{"classical", "hebbian, pinv", "", true, 0, []Spec{{Kind: KindClassical, Rule: Hebbian, ZeroDiagonal: true}, {Kind: KindClassical, Rule: PseudoInverse, ZeroDiagonal: true}}, false},
		{"continuous", ",", "", false, 2, []Spec{{Kind: KindContinuous, Beta: 2}}, false},
		{"quantum", "", "", false, 0, nil, true},
		{"", "hebbian,oja", "", false, 0, nil, true},
		{"dense", "", "poly:3,cubic", false, 0, nil, true},
	}
	for _, c := range cases {
		got, err := ParseSpecs(c.kind, c.rules, c.inters, c.zd, c.beta)
		if (err != nil) != c.err || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseSpecs(%q, %q, %q) = %+v, %v; want %+v", c.kind, c.rules, c.inters, got, err, c.want)
		}
		if err != nil && !errors.Is(err, ErrOption) {
			t.Errorf("ParseSpecs(%q, %q, %q): %v does not wrap ErrOption", c.kind, c.rules, c.inters, err)
		}
	}
	if fs, err := ParseInteractions(" "); err != nil || !reflect.DeepEqual(fs, []Interaction{{}}) {
		t.Errorf("ParseInteractions(\" \") = %v, %v; want the zero interaction", fs, err)
	}
}

// TestExtend: a memory to add to keeps its settings; zero fields of the
// asked spec take them, others must agree, and only the zero diagonal of
// a pinv network may switch (the weights rebuilt from the patterns).
func TestExtend(t *testing.T) {
	x := RandomPatterns(3, 16, tensor.NewRand(2))
	build := func(s Spec) Memory {
		m, err := New(16, s)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Store(x); err != nil {
			t.Fatal(err)
		}
		return m
	}
	pinv := Spec{Kind: KindClassical, Rule: PseudoInverse}
	dense := Spec{Kind: KindDense, Interaction: Interaction{Kind: Exp}, Beta: 0.5}
	cases := []struct {
		have, ask Spec
		setZD     bool
		want      Spec
		same, err bool
	}{
		{pinv, Spec{}, false, pinv, true, false},
		{pinv, Spec{Kind: KindClassical, Rule: PseudoInverse}, false, pinv, true, false},
		{pinv, Spec{ZeroDiagonal: true}, true, Spec{Kind: KindClassical, Rule: PseudoInverse, ZeroDiagonal: true}, false, false},
		{pinv, Spec{Rule: Storkey}, false, Spec{}, false, true},
		{dense, Spec{Kind: KindDense}, false, dense, true, false},
		{dense, Spec{Kind: KindDense, Beta: 2}, false, Spec{}, false, true},
		{dense, Spec{Kind: KindContinuous}, false, Spec{}, false, true},
		{dense, Spec{Kind: "quantum"}, false, Spec{}, false, true},
	}
	for _, c := range cases {
		m := build(c.have)
		got, err := Extend(m, c.ask, c.setZD)
		if c.err {
			if !errors.Is(err, ErrOption) {
				t.Errorf("Extend(%+v, %+v): error %v, want ErrOption", c.have, c.ask, err)
			}
			continue
		}
		if err != nil || got.Spec() != c.want || (got == m) != c.same || got.Count() != 3 {
			t.Errorf("Extend(%+v, %+v) = %+v (same %v), %v; want %+v", c.have, c.ask, got.Spec(), got == m, err, c.want)
		}
	}
}

// TestCompare: the default comparison loads leave out those that round to
// no pattern; the specs are the classical rules, the dense interactions
// and the continuous network.
func TestCompare(t *testing.T) {
	for _, c := range []struct {
		n    int
		want []int
	}{
		{10, []int{1, 2, 3, 5, 10, 20, 40, 60, 80, 120}},
		{100, []int{5, 10, 15, 20, 30, 50, 100, 200, 400, 600, 800, 1200}},
	} {
		if got := CompareCounts(c.n); !reflect.DeepEqual(got, c.want) {
			t.Errorf("CompareCounts(%d) = %v, want %v", c.n, got, c.want)
		}
	}
	specs := CompareSpecs([]Interaction{{Kind: Exp}}, 0.5)
	want := []Spec{{Rule: Hebbian}, {Rule: Storkey}, {Kind: KindDense, Interaction: Interaction{Kind: Exp}}, {Kind: KindContinuous, Beta: 0.5}}
	if !reflect.DeepEqual(specs, want) {
		t.Errorf("CompareSpecs = %+v, want %+v", specs, want)
	}
}

// TestCueInput: a cue read from a data set row names the file; one from a
// stored pattern names the pattern.
func TestCueInput(t *testing.T) {
	x := RandomPatterns(2, 4, tensor.NewRand(1))
	m, err := New(4, Spec{})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Store(x); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cue.npy")
	if err := dataset.SaveNPY(path, tensor.FromSlice(2, 4, []float32{0, 1, 0, 1, 1, 1, 0, 0})); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		o     CueOptions
		want  []float32
		input string
		err   error
	}{
		{CueOptions{Input: path, Row: 1}, []float32{1, 1, -1, -1}, path, nil},
		{CueOptions{Pattern: 1}, x.Row(1), "pattern 1", nil},
		{CueOptions{Input: path, Row: 2}, nil, "", ErrOption},
		{CueOptions{Input: path, Pattern: 9}, []float32{-1, 1, -1, 1}, path, nil},
	}
	for _, c := range cases {
		cue, rep, err := Cue(m, c.o, tensor.NewRand(1))
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("Cue(%+v): error %v, want %v", c.o, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(cue, c.want) || rep.Input != c.input {
			t.Errorf("Cue(%+v) = %v (input %q), %v; want %v (%q)", c.o, cue, rep.Input, err, c.want, c.input)
		}
	}
}

// TestTrajectoryStates: the recorded frames become the rows of a matrix.
func TestTrajectoryStates(t *testing.T) {
	for _, c := range []struct {
		tr   Trajectory
		rows int
	}{
		{Trajectory{Final: []float32{1, -1}}, 0},
		{Trajectory{Final: []float32{1, -1}, Frames: []Frame{{0, []float32{-1, -1}}, {1, []float32{1, -1}}}}, 2},
	} {
		s := c.tr.States()
		if s.Rows != c.rows || s.Cols != 2 {
			t.Fatalf("States: %d×%d, want %d×2", s.Rows, s.Cols, c.rows)
		}
		for k, f := range c.tr.Frames {
			if !reflect.DeepEqual(s.Row(k), f.State) {
				t.Errorf("row %d = %v, want %v", k, s.Row(k), f.State)
			}
		}
	}
}
