package hopfield

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

// gaussian returns an r×c matrix of N(0, std²) entries.
func gaussian(r, c int, std float32, seed uint64) *tensor.Matrix {
	m := tensor.New(r, c)
	tensor.NewRand(seed).Normal(m.Data, 0, std)
	return m
}

// kvMemory stores m random keys of length d with values of length dv.
func kvMemory(t *testing.T, m, d, dv int, beta float64, norm Normalization) (*Continuous, *tensor.Matrix, *tensor.Matrix) {
	t.Helper()
	c, err := NewContinuous(d, beta)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetNormalization(norm); err != nil {
		t.Fatal(err)
	}
	k, v := gaussian(m, d, 1, 1), gaussian(m, dv, 2, 2)
	if err := c.StoreValues(k, v); err != nil {
		t.Fatal(err)
	}
	return c, k, v
}

// reference is an independent float64 computation of the weights
// softmax(β Kᵀq) and the read-out V p, with the keys and the query
// normalized in float64.
func reference(keys, values *tensor.Matrix, q []float32, beta float64, norm Normalization) (p, out []float64) {
	nrm := func(v []float32) []float64 {
		x := make([]float64, len(v))
		for j, a := range v {
			x[j] = float64(a)
		}
		switch norm {
		case NormL2:
			var s float64
			for _, a := range x {
				s += a * a
			}
			for j := range x {
				x[j] /= math.Sqrt(s)
			}
		case NormStandardize:
			var mean, ss float64
			for _, a := range x {
				mean += a
			}
			mean /= float64(len(x))
			for _, a := range x {
				ss += (a - mean) * (a - mean)
			}
			std := math.Sqrt(ss / float64(len(x)))
			for j := range x {
				x[j] = (x[j] - mean) / std
			}
		}
		return x
	}
	qq := nrm(q)
	p = make([]float64, keys.Rows)
	for mu := range p {
		k := nrm(keys.Row(mu))
		for j := range k {
			p[mu] += beta * k[j] * qq[j]
		}
	}
	m := slices.Max(p)
	var s float64
	for mu := range p {
		p[mu] = math.Exp(p[mu] - m)
		s += p[mu]
	}
	out = make([]float64, values.Cols)
	for mu := range p {
		p[mu] /= s
		for j, v := range values.Row(mu) {
			out[j] += p[mu] * float64(v)
		}
	}
	return p, out
}

func TestKeyValueMatchesFloat64(t *testing.T) {
	for _, norm := range []Normalization{NormNone, NormL2, NormStandardize} {
		beta := map[Normalization]float64{NormNone: 0.3, NormL2: 8, NormStandardize: 0.2}[norm]
		c, k, v := kvMemory(t, 50, 16, 5, beta, norm)
		q := gaussian(7, 16, 1.5, 3)
		res, err := c.RetrieveAll(context.Background(), q, RetrieveOptions{Weights: true, Top: 3})
		if err != nil {
			t.Fatal(err)
		}
		if res.Out.Rows != 7 || res.Out.Cols != 5 || res.Weights.Cols != 50 {
			t.Fatalf("%s: out %d×%d, weights %d×%d", norm, res.Out.Rows, res.Out.Cols, res.Weights.Rows, res.Weights.Cols)
		}
		for i := 0; i < q.Rows; i++ {
			p, out := reference(k, v, q.Row(i), beta, norm)
			for mu, w := range res.Weights.Row(i) {
				if math.Abs(float64(w)-p[mu]) > 1e-5 {
					t.Errorf("%s: query %d weight %d: %g, float64 %g", norm, i, mu, w, p[mu])
				}
			}
			for j, x := range res.Out.Row(i) {
				if math.Abs(float64(x)-out[j]) > 1e-4*(1+math.Abs(out[j])) {
					t.Errorf("%s: query %d value %d: %g, float64 %g", norm, i, j, x, out[j])
				}
			}
			rep := res.Reports[i]
			top := rep.TopWeights
			if len(top) != 3 || top[0].Index != rep.Top || top[0].Weight < top[1].Weight || top[1].Weight < top[2].Weight {
				t.Errorf("%s: query %d: top %v, top pattern %d", norm, i, top, rep.Top)
			}
			for _, tw := range top {
				if math.Abs(tw.Weight-p[tw.Index]) > 1e-5 {
					t.Errorf("%s: query %d: top %v, float64 weight %g", norm, i, tw, p[tw.Index])
				}
			}
			var sum2 float64
			for _, x := range p {
				sum2 += x * x
			}
			if math.Abs(rep.Effective-1/sum2) > 1e-4*rep.Effective || rep.Steps != 1 || rep.Converged || !math.IsNaN(rep.Change) {
				t.Errorf("%s: query %d: %+v, effective %g", norm, i, rep, 1/sum2)
			}
		}
	}
}

func TestKeyValueBetaZeroIsMean(t *testing.T) {
	c, _, v := kvMemory(t, 40, 8, 3, 1, NormNone)
	c0, err := WithBeta(c, 0)
	if err != nil {
		t.Fatal(err)
	}
	out, reps, err := c0.(*Continuous).Retrieve(context.Background(), gaussian(4, 8, 3, 9), RetrieveOptions{Steps: 3})
	if err != nil {
		t.Fatal(err)
	}
	for j := 0; j < 3; j++ {
		var mean float64
		for mu := 0; mu < v.Rows; mu++ {
			mean += float64(v.At(mu, j)) / float64(v.Rows)
		}
		for i := 0; i < 4; i++ {
			if math.Abs(float64(out.At(i, j))-mean) > 1e-5 {
				t.Errorf("query %d, entry %d: %g, mean of the values %g", i, j, out.At(i, j), mean)
			}
		}
	}
	if reps[0].Fixed != FixedGlobal || math.Abs(reps[0].Effective-40) > 1e-3 {
		t.Errorf("β = 0: %+v, want a global average of 40", reps[0])
	}
}

func TestKeyValueLargeBetaIsNearest(t *testing.T) {
	c, k, v := kvMemory(t, 30, 12, 4, 1e6, NormNone)
	q := gaussian(20, 12, 1, 11)
	out, reps, err := c.Retrieve(context.Background(), q, RetrieveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < q.Rows; i++ {
		best, bs := 0, math.Inf(-1)
		for mu := 0; mu < k.Rows; mu++ {
			if s := tensor.Dot(k.Row(mu), q.Row(i)); s > bs {
				best, bs = mu, s
			}
		}
		if !slices.Equal(out.Row(i), v.Row(best)) || reps[i].Top != best || reps[i].Fixed != FixedSingle {
			t.Errorf("query %d: %v (top %d), the nearest key %d has value %v", i, out.Row(i), reps[i].Top, best, v.Row(best))
		}
	}
}

// energy64 is E(ξ) from the formula, in float64 with a max shift.
func energy64(x *tensor.Matrix, xi []float32, beta float64) float64 {
	z := make([]float64, x.Rows)
	var maxN, half float64
	for mu := range z {
		var n float64
		for j, a := range x.Row(mu) {
			z[mu] += float64(a) * float64(xi[j])
			n += float64(a) * float64(a)
		}
		maxN = max(maxN, n)
	}
	for _, a := range xi {
		half += 0.5 * float64(a) * float64(a)
	}
	m := slices.Max(z)
	var s float64
	for _, v := range z {
		s += math.Exp(beta * (v - m))
	}
	lse := m + math.Log(s)/beta
	return -lse + half + math.Log(float64(x.Rows))/beta + 0.5*maxN
}

func TestEnergyPerUpdate(t *testing.T) {
	for _, beta := range []float64{0.05, 0.5, 4} {
		c, _, _ := kvMemory(t, 60, 10, 3, beta, NormNone)
		q := gaussian(9, 10, 2, 5)
		res, err := c.RetrieveAll(context.Background(), q, RetrieveOptions{Steps: 20, Energy: true, Tolerance: 1e-7})
		if err != nil {
			t.Fatal(err)
		}
		for i, rep := range res.Reports {
			es := rep.Energies
			if len(es) != rep.Steps+1 || *rep.Energy != es[len(es)-1] {
				t.Fatalf("β %g query %d: %d steps, energies %v, final %g", beta, i, rep.Steps, es, *rep.Energy)
			}
			if want := energy64(c.Patterns(), q.Row(i), beta); math.Abs(es[0]-want) > 1e-5*(1+math.Abs(want)) {
				t.Errorf("β %g query %d: E(ξ₀) = %g, formula %g", beta, i, es[0], want)
			}
			if want := energy64(c.Patterns(), res.States.Row(i), beta); math.Abs(es[len(es)-1]-want) > 1e-5*(1+math.Abs(want)) {
				t.Errorf("β %g query %d: final E = %g, formula %g", beta, i, es[len(es)-1], want)
			}
			for s := 1; s < len(es); s++ {
				if es[s] > es[s-1]+1e-5*(1+math.Abs(es[s-1])) {
					t.Errorf("β %g query %d: the energy rose at update %d: %v", beta, i, s, es)
				}
			}
			if e := c.Energy(res.States.Row(i)); math.Abs(e-es[len(es)-1]) > 1e-6*(1+math.Abs(e)) {
				t.Errorf("β %g query %d: Energy %g, reported %g", beta, i, e, es[len(es)-1])
			}
		}
	}
}

func TestFixedPointKinds(t *testing.T) {
	ctx := context.Background()
	// Two identical patterns far from a third: a query near them ends in
	// their average, two patterns' worth.
	x := tensor.FromSlice(3, 4, []float32{3, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 3})
	c, _ := NewContinuous(4, 2)
	if err := c.Store(x); err != nil {
		t.Fatal(err)
	}
	_, reps, err := c.Retrieve(ctx, tensor.FromSlice(1, 4, []float32{2.5, 0.3, 0, 0}), RetrieveOptions{Steps: 10})
	if err != nil {
		t.Fatal(err)
	}
	if r := reps[0]; r.Fixed != FixedMetastable || math.Abs(r.Effective-2) > 1e-3 {
		t.Errorf("two identical patterns: %+v, want metastable with 2 effective patterns", r)
	}
	// Well-separated patterns: each query ends at one.
	sep, _ := NewContinuous(16, 1)
	if err := sep.Store(gaussian(5, 16, 3, 4)); err != nil {
		t.Fatal(err)
	}
	_, reps, err = sep.Retrieve(ctx, sep.Patterns(), RetrieveOptions{Steps: 5})
	if err != nil {
		t.Fatal(err)
	}
	for mu, r := range reps {
		if r.Fixed != FixedSingle || r.Top != mu {
			t.Errorf("separated pattern %d: %+v", mu, r)
		}
	}
	// A tiny β: the global average.
	glob, _ := WithBeta(sep, 1e-6)
	_, reps, _ = glob.(*Continuous).Retrieve(ctx, sep.Patterns(), RetrieveOptions{})
	if reps[0].Fixed != FixedGlobal {
		t.Errorf("β = 1e-6: %+v, want the global average", reps[0])
	}
}

func TestKeyValueIteratedThenReadOut(t *testing.T) {
	c, _, v := kvMemory(t, 25, 8, 2, 0.7, NormNone)
	keys := *c
	keys.values = nil
	q := gaussian(6, 8, 1, 21)
	res, err := c.RetrieveAll(context.Background(), q, RetrieveOptions{Steps: 50, Weights: true})
	if err != nil {
		t.Fatal(err)
	}
	st, reps, err := keys.Retrieve(context.Background(), q, RetrieveOptions{Steps: 50})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < q.Rows; i++ {
		if !slices.Equal(res.States.Row(i), st.Row(i)) || res.Reports[i].Steps != reps[i].Steps || !reps[i].Converged {
			t.Errorf("query %d: the key iteration differs with values: %v against %v", i, res.Reports[i], reps[i])
		}
		// The read-out is V times the weights of the last update.
		for j := 0; j < v.Cols; j++ {
			var want float64
			for mu := 0; mu < v.Rows; mu++ {
				want += float64(res.Weights.At(i, mu)) * float64(v.At(mu, j))
			}
			if math.Abs(float64(res.Out.At(i, j))-want) > 1e-4*(1+math.Abs(want)) {
				t.Errorf("query %d value %d: %g, V p %g", i, j, res.Out.At(i, j), want)
			}
		}
	}
}

func TestKeyValueFile(t *testing.T) {
	c, _, v := kvMemory(t, 10, 6, 3, 0.5, NormStandardize)
	path := filepath.Join(t.TempDir(), "kv.safetensors")
	if err := c.Save(path, nil); err != nil {
		t.Fatal(err)
	}
	m, meta, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	got := m.(*Continuous)
	if meta["normalize"] != "standardize" || got.Spec() != c.Spec() || !slices.Equal(got.Values().Data, v.Data) ||
		!slices.Equal(got.Patterns().Data, c.Patterns().Data) {
		t.Fatalf("loaded %+v, meta %v", got.Spec(), meta)
	}
	q := gaussian(3, 6, 1, 7)
	a, _, _ := c.Retrieve(context.Background(), q, RetrieveOptions{})
	b, _, _ := got.Retrieve(context.Background(), q, RetrieveOptions{})
	if !slices.Equal(a.Data, b.Data) {
		t.Errorf("the loaded memory retrieves %v, the saved one %v", b.Data, a.Data)
	}
	if r, err := Rebuild(got, got.Spec()); err != nil || r.(*Continuous).Values() == nil {
		t.Errorf("rebuild: %v", err)
	}
}

func TestKeyValueErrors(t *testing.T) {
	c, _ := NewContinuous(4, 1)
	nan := tensor.FromSlice(1, 2, []float32{0, float32(math.Inf(1))})
	if err := c.StoreValues(tensor.New(1, 4), nan); !errors.Is(err, ErrValue) {
		t.Errorf("infinite value: %v", err)
	}
	if err := c.StoreValues(tensor.New(2, 4), tensor.New(1, 2)); !errors.Is(err, ErrDimension) {
		t.Errorf("2 keys, 1 value: %v", err)
	}
	if err := c.Store(tensor.New(1, 4)); err != nil {
		t.Fatal(err)
	}
	if err := c.StoreValues(tensor.New(1, 4), tensor.New(1, 2)); !errors.Is(err, ErrOption) {
		t.Errorf("values after plain patterns: %v", err)
	}
	if err := c.SetNormalization(NormL2); !errors.Is(err, ErrOption) {
		t.Errorf("normalization after storing: %v", err)
	}
	if _, err := ParseNormalization("max"); !errors.Is(err, ErrOption) {
		t.Errorf("normalization max: %v", err)
	}
	var oe *OptionError
	if _, err := (Spec{Kind: KindDense, Norm: NormL2}).Normalize(); !errors.As(err, &oe) || oe.Option != "normalize" {
		t.Errorf("dense with l2: %v", err)
	}
	q := tensor.FromSlice(1, 4, []float32{0, 0, float32(math.NaN()), 0})
	if _, err := c.RetrieveAll(context.Background(), q, RetrieveOptions{}); !errors.Is(err, ErrValue) {
		t.Errorf("NaN query: %v", err)
	}
	if _, err := c.RetrieveAll(context.Background(), tensor.New(1, 4), RetrieveOptions{Top: -1}); !errors.Is(err, ErrOption) {
		t.Errorf("top -1: %v", err)
	}
}

func TestNormalization(t *testing.T) {
	x := tensor.FromSlice(3, 4, []float32{3, 4, 0, 0, 1, 2, 3, 4, 5, 5, 5, 5})
	l2 := x.Clone()
	NormL2.Apply(l2)
	if got := l2.Row(0); got[0] != 0.6 || got[1] != 0.8 {
		t.Errorf("l2 of (3,4,0,0): %v", got)
	}
	st := x.Clone()
	NormStandardize.Apply(st)
	var mean, ss float64
	for _, v := range st.Row(1) {
		mean += float64(v) / 4
		ss += float64(v) * float64(v) / 4
	}
	if math.Abs(mean) > 1e-6 || math.Abs(ss-1) > 1e-6 || !slices.Equal(st.Row(2), []float32{0, 0, 0, 0}) {
		t.Errorf("standardized: %v", st.Data)
	}
}

func TestClassifyByRetrieval(t *testing.T) {
	// Two clusters of keys, labelled 0 and 1 (and a lone key labelled 2
	// far away): queries near a cluster get its label.
	keys := tensor.FromSlice(5, 2, []float32{1, 0, 0.9, 0.1, 0, 1, 0.1, 0.9, -1, -1})
	vals, err := OneHot([]int{0, 0, 1, 1, 2}, 3)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := NewContinuous(2, 5)
	if err := c.StoreValues(keys, vals); err != nil {
		t.Fatal(err)
	}
	got, _, err := c.Classify(context.Background(), tensor.FromSlice(3, 2, []float32{2, 0.2, 0.1, 3, -2, -1}), RetrieveOptions{})
	if err != nil || !slices.Equal(got, []int{0, 1, 2}) {
		t.Errorf("classes %v (%v), want [0 1 2]", got, err)
	}
	if _, err := OneHot([]int{0, 3}, 3); !errors.Is(err, ErrValue) {
		t.Errorf("label 3 of 3 classes: %v", err)
	}
}
