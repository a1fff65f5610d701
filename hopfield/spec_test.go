package hopfield

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

// TestSpecRoundTrip: every kind, rule and interaction goes through New,
// Store, Save and Open and comes back with the same Spec, patterns and
// energies; zero fields come back as the documented defaults.
func TestSpecRoundTrip(t *testing.T) {
	x := RandomPatterns(3, 16, tensor.NewRand(5))
	cases := []struct {
		in, want Spec
	}{
		{Spec{}, Spec{Kind: KindClassical, Rule: Hebbian}},
		{Spec{Rule: Storkey}, Spec{Kind: KindClassical, Rule: Storkey}},
		{Spec{Kind: "Classical", Rule: "projection"}, Spec{Kind: KindClassical, Rule: PseudoInverse}},
		{Spec{Rule: PseudoInverse, ZeroDiagonal: true}, Spec{Kind: KindClassical, Rule: PseudoInverse, ZeroDiagonal: true}},
		{Spec{Kind: KindDense}, Spec{Kind: KindDense, Interaction: DefaultInteraction, Beta: 1}},
		{Spec{Kind: KindDense, Interaction: Interaction{Kind: ReLU, Degree: 4}, Beta: 1}, Spec{Kind: KindDense, Interaction: Interaction{Kind: ReLU, Degree: 4}, Beta: 1}},
		{Spec{Kind: KindDense, Interaction: Interaction{Kind: Poly, Degree: 2}}, Spec{Kind: KindDense, Interaction: Interaction{Kind: Poly, Degree: 2}, Beta: 1}},
		{Spec{Kind: KindDense, Interaction: Interaction{Kind: Exp}}, Spec{Kind: KindDense, Interaction: Interaction{Kind: Exp}, Beta: 1}},
		{Spec{Kind: KindDense, Interaction: Interaction{Kind: Exp}, Beta: 0.25}, Spec{Kind: KindDense, Interaction: Interaction{Kind: Exp}, Beta: 0.25}},
		{Spec{Kind: KindContinuous}, Spec{Kind: KindContinuous, Beta: 1}},
		{Spec{Kind: KindContinuous, Beta: 8}, Spec{Kind: KindContinuous, Beta: 8}},
	}
	dir := t.TempDir()
	for _, c := range cases {
		if got, err := c.in.Normalize(); err != nil || got != c.want {
			t.Errorf("%+v.Normalize() = %+v, %v; want %+v", c.in, got, err, c.want)
		}
		m, err := New(16, c.in)
		if err != nil {
			t.Fatalf("New(%+v): %v", c.in, err)
		}
		if m.Spec() != c.want || m.Kind() != c.want.Kind || m.Neurons() != 16 {
			t.Errorf("New(%+v): spec %+v kind %s, want %+v", c.in, m.Spec(), m.Kind(), c.want)
		}
		if err := m.Store(x); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, c.want.String()+".safetensors")
		if err := m.Save(p, map[string]string{"data": "random:3", "beta": "ignored", "rule": "ignored"}); err != nil {
			t.Fatal(err)
		}
		got, meta, err := Open(p)
		if err != nil {
			t.Fatalf("%+v: %v", c.want, err)
		}
		if got.Spec() != c.want || meta["data"] != "random:3" || !reflect.DeepEqual(got.Patterns(), m.Patterns()) {
			t.Errorf("%+v: loaded %+v, meta %v", c.want, got.Spec(), meta)
		}
		for mu := 0; mu < x.Rows; mu++ {
			if a, b := m.Energy(x.Row(mu)), got.Energy(x.Row(mu)); a != b {
				t.Errorf("%+v: energy of pattern %d %v, loaded %v", c.want, mu, a, b)
			}
		}
		// A rebuilt memory is the same memory.
		r, err := Rebuild(got, got.Spec())
		if err != nil || r.Spec() != c.want || r.Count() != x.Rows {
			t.Errorf("Rebuild %+v: %+v %v", c.want, r, err)
		}
		// JSON names only the settings of the kind and reads back.
		b, err := json.Marshal(c.want)
		if err != nil {
			t.Fatal(err)
		}
		var back Spec
		if err := json.Unmarshal(b, &back); err != nil || back != c.want {
			t.Errorf("JSON %s reads back as %+v, %v", b, back, err)
		}
	}
}

func TestSpecErrors(t *testing.T) {
	exp := Interaction{Kind: Exp}
	for _, c := range []struct {
		name string
		s    Spec
		n    int
	}{
		{"kind", Spec{Kind: "quantum"}, 4},
		{"rule", Spec{Rule: "oja"}, 4},
		{"zero diagonal without pinv", Spec{ZeroDiagonal: true}, 4},
		{"classical beta", Spec{Beta: 2}, 4},
		{"classical interaction", Spec{Interaction: exp}, 4},
		{"dense rule", Spec{Kind: KindDense, Rule: Hebbian}, 4},
		{"dense zero diagonal", Spec{Kind: KindDense, ZeroDiagonal: true}, 4},
		{"dense poly beta", Spec{Kind: KindDense, Beta: 2}, 4},
		{"dense degree", Spec{Kind: KindDense, Interaction: Interaction{Kind: Poly, Degree: 1}}, 4},
		{"dense beta overflow", Spec{Kind: KindDense, Interaction: exp, Beta: 1e308}, 4},
		{"negative beta", Spec{Kind: KindContinuous, Beta: -1}, 4},
		{"continuous interaction", Spec{Kind: KindContinuous, Interaction: exp}, 4},
		{"no neurons", Spec{}, 0},
		{"no dense neurons", Spec{Kind: KindDense}, 0},
		{"no dimension", Spec{Kind: KindContinuous}, 0},
	} {
		if m, err := New(c.n, c.s); !errors.Is(err, ErrOption) || m != nil {
			t.Errorf("%s: New = %v, %v; want nil and ErrOption", c.name, m, err)
		}
	}
}

// TestOldFiles: the files in testdata were written by the code before Spec
// (commit 934e267); each still loads with the Spec it was saved with and
// is the memory that its Spec builds from its patterns.
func TestOldFiles(t *testing.T) {
	exp := Interaction{Kind: Exp}
	for name, want := range map[string]Spec{
		"classical-hebbian":            {Kind: KindClassical, Rule: Hebbian},
		"classical-storkey":            {Kind: KindClassical, Rule: Storkey},
		"classical-pinv":               {Kind: KindClassical, Rule: PseudoInverse},
		"classical-pinv-zero-diagonal": {Kind: KindClassical, Rule: PseudoInverse, ZeroDiagonal: true},
		"dense-poly":                   {Kind: KindDense, Interaction: Interaction{Kind: Poly, Degree: 3}, Beta: 1},
		"dense-relu":                   {Kind: KindDense, Interaction: Interaction{Kind: ReLU, Degree: 2}, Beta: 1},
		"dense-exp":                    {Kind: KindDense, Interaction: exp, Beta: 0.5},
		"continuous":                   {Kind: KindContinuous, Beta: 0.25},
	} {
		m, meta, err := Open(filepath.Join("testdata", name+".safetensors"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if m.Spec() != want || m.Count() != 3 || m.Neurons() != 16 || meta["image_shape"] != "4x4" {
			t.Errorf("%s: %+v, %d patterns of %d, meta %v", name, m.Spec(), m.Count(), m.Neurons(), meta)
		}
		fresh, err := Rebuild(m, m.Spec())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		a, err1 := m.FixedPoints(context.Background(), 0)
		b, err2 := fresh.FixedPoints(context.Background(), 0)
		if err1 != nil || err2 != nil || a != b {
			t.Errorf("%s: %d stored patterns fixed (%v), %d when rebuilt (%v)", name, a, err1, b, err2)
		}
		for mu := 0; mu < 3; mu++ {
			s := m.Patterns().Row(mu)
			if e, f := m.Energy(s), fresh.Energy(s); math.Abs(e-f) > 1e-5*math.Abs(e) {
				t.Errorf("%s: energy of pattern %d: %v, rebuilt %v", name, mu, e, f)
			}
		}
	}
}

func TestFixedPointsBound(t *testing.T) {
	x := RandomPatterns(4, 10, tensor.NewRand(1))
	for _, s := range []Spec{{}, {Kind: KindDense}, {Kind: KindContinuous}} {
		m, _ := New(10, s)
		if err := m.Store(x); err != nil {
			t.Fatal(err)
		}
		if _, err := m.FixedPoints(context.Background(), 10); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: bound 10: %v", s.Kind, err)
		}
		if n, err := m.FixedPoints(context.Background(), 1e9); err != nil || n < 0 || n > 4 {
			t.Errorf("%s: %d, %v", s.Kind, n, err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := m.FixedPoints(ctx, 0); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: cancelled: %v", s.Kind, err)
		}
	}
	bare := &Network{W: tensor.New(2, 2), Theta: make([]float32, 2), count: 1}
	if _, err := bare.FixedPoints(context.Background(), 0); !errors.Is(err, ErrNoPatterns) {
		t.Errorf("unknown patterns: %v", err)
	}
}

// TestContinuousRecallRetrieval: Recall reports the same fixed point as a
// one-row Retrieve.
func TestContinuousRecallRetrieval(t *testing.T) {
	x := RandomPatterns(6, 20, tensor.NewRand(2))
	c, _ := NewContinuous(20, 0.3)
	if err := c.Store(x); err != nil {
		t.Fatal(err)
	}
	cue := append([]float32(nil), x.Row(1)...)
	cue[0], cue[5] = -cue[0], -cue[5]
	for _, steps := range []int{1, 3} {
		tr, err := c.Recall(context.Background(), cue, RecallOptions{MaxSweeps: steps})
		if err != nil {
			t.Fatal(err)
		}
		_, reps, err := c.Retrieve(context.Background(), tensor.FromSlice(1, 20, cue), RetrieveOptions{Steps: steps})
		if err != nil {
			t.Fatal(err)
		}
		if tr.Retrieval == nil || !reflect.DeepEqual(*tr.Retrieval, reps[0]) {
			t.Errorf("steps %d: Recall %+v, Retrieve %+v", steps, tr.Retrieval, reps[0])
		}
	}
}
