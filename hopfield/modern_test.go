package hopfield

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/internal/testutil"
	"github.com/ebm-go/ebm/modelio"
)

func mustInteraction(t *testing.T, s string) Interaction {
	t.Helper()
	f, err := ParseInteraction(s)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func newDenseWith(t *testing.T, n int, inter string, beta float64, x *tensor.Matrix) *Dense {
	t.Helper()
	m, err := NewDense(n, mustInteraction(t, inter), beta)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Store(x); err != nil {
		t.Fatal(err)
	}
	return m
}

// directEnergy is −Σ_μ F(ξ^μ·σ) evaluated from scratch; for exp it is
// −log Σ_μ exp(β ξ^μ·σ) = −log(−E), the same order as E (a log-sum-exp of
// the raw terms, so that β = 300 does not overflow).
func directEnergy(f Interaction, beta float64, x *tensor.Matrix, s []float32) float64 {
	if f.Kind == Exp {
		z := make([]float64, x.Rows)
		for mu := range z {
			z[mu] = beta * tensor.Dot(x.Row(mu), s)
		}
		return -tensor.LogSumExp(z)
	}
	var e float64
	for mu := 0; mu < x.Rows; mu++ {
		d := tensor.Dot(x.Row(mu), s)
		switch f.Kind {
		case ReLU:
			e -= math.Pow(math.Max(d, 0), float64(f.Degree))
		default:
			e -= math.Pow(d, float64(f.Degree))
		}
	}
	return e
}

// Brute force on N = 7: for every state and unit, the decision value has
// the sign of E(σ_i = −1) − E(σ_i = +1) computed by two direct energy
// evaluations (for poly and relu it equals that difference exactly), and
// Energy matches the direct energy (exp: −log(−E)/β). β = 300 spreads the
// exponents β ξ·σ over 4,200, beyond float64's range: it exercises the
// fallback with per-unit shifts.
func TestDenseEnergyDifferenceBruteForce(t *testing.T) {
	const n = 7
	rng := tensor.NewRand(3)
	x := RandomPatterns(5, n, rng)
	for _, c := range []struct {
		inter string
		beta  float64
	}{{"poly:2", 1}, {"poly:3", 1}, {"poly:4", 1}, {"relu:2", 1}, {"relu:3", 1}, {"exp", 1}, {"exp", 0.3}, {"exp", 300}} {
		m := newDenseWith(t, n, c.inter, c.beta, x)
		s := make([]float32, n)
		for code := 0; code < 1<<n; code++ {
			for i := range s {
				s[i] = float32(2*((code>>i)&1) - 1)
			}
			e := directEnergy(m.f, m.beta, x, s)
			got := m.Energy(s)
			want := e
			if m.f.Kind == Exp {
				want = e / m.beta
			}
			if math.Abs(got-want) > 1e-9*(1+math.Abs(want)) {
				t.Fatalf("%s: energy %v, direct %v", c.inter, got, want)
			}
			for i := 0; i < n; i++ {
				up, down := append([]float32(nil), s...), append([]float32(nil), s...)
				up[i], down[i] = 1, -1
				diff := directEnergy(m.f, m.beta, x, down) - directEnergy(m.f, m.beta, x, up)
				h, err := m.Field(s, i)
				if err != nil {
					t.Fatal(err)
				}
				if m.f.Kind != Exp && h != diff {
					t.Fatalf("%s state %07b unit %d: Δ = %v, direct %v", c.inter, code, i, h, diff)
				}
				if math.Abs(diff) > 1e-9*(1+math.Abs(e)) && (h > 0) != (diff > 0) {
					t.Fatalf("%s state %07b unit %d: field %v has the wrong sign (direct ΔE %v)", c.inter, code, i, h, diff)
				}
			}
		}
	}
}

// Asynchronous energy-difference dynamics never raise the energy: each flip
// lowers it by |Δ_i| > 0, so the recorded energy per sweep is strictly
// decreasing until the fixed point.
func TestDenseEnergyNeverIncreases(t *testing.T) {
	rng := tensor.NewRand(5)
	const n = 60
	x := RandomPatterns(40, n, rng)
	for _, inter := range []string{"poly:2", "poly:3", "relu:3", "relu:5", "exp"} {
		m := newDenseWith(t, n, inter, 0, x)
		for k := 0; k < 10; k++ {
			s := RandomPatterns(1, n, rng).Row(0)
			tr, err := m.Recall(context.Background(), s, RecallOptions{Rand: rng})
			if err != nil {
				t.Fatal(err)
			}
			if !tr.Converged {
				t.Fatalf("%s: no fixed point after %d sweeps", inter, tr.Sweeps)
			}
			for i := 1; i < len(tr.Energies); i++ {
				if tr.Flips[i-1] > 0 && !(tr.Energies[i] < tr.Energies[i-1]) {
					t.Fatalf("%s: energies %v", inter, tr.Energies)
				}
			}
			if ok, _ := m.IsFixedPoint(tr.Final); !ok {
				t.Fatalf("%s: final state is not a fixed point", inter)
			}
		}
	}
}

// poly:2 is the classical Hebbian network: Δ_i = Σ_μ[(u_μ+ξ_i^μ)² − (u_μ−ξ_i^μ)²]
// = 4 Σ_μ ξ_i^μ u_μ with u_μ = Σ_{j≠i} ξ_j^μ σ_j, while the Hebbian field is
// h_i = (1/N) Σ_μ ξ_i^μ u_μ (W_ij = ξ·ξ/N, W_ii = 0). So Δ_i = 4N h_i exactly,
// the same sign in every state (ties included), and the two recalls make the same decisions in the same
// order, given the same generator.
func TestDensePoly2MatchesHebbian(t *testing.T) {
	const n = 20
	rng := tensor.NewRand(9)
	// M even: N·h_i = Σ_μ ξ_i^μ u_μ is a sum of M odd numbers (u_μ sums 19
	// terms ±1), so it can be 0 only when M is even.
	x := RandomPatterns(8, n, rng)
	net, _ := NewNetwork(n, Hebbian)
	if err := net.Store(x); err != nil {
		t.Fatal(err)
	}
	m := newDenseWith(t, n, "poly:2", 1, x)
	ties := 0
	for k := 0; k < 300; k++ {
		s := RandomPatterns(1, n, rng).Row(0)
		h, _ := net.Fields(s)
		for i := range s {
			d, _ := m.Field(s, i)
			if math.Abs(d-4*n*h[i]) > 1e-4 {
				t.Fatalf("unit %d: Δ = %v, 4N·h = %v", i, d, 4*n*h[i])
			}
			if d == 0 {
				ties++
			}
		}
		for _, mode := range []Mode{Async, Sync} {
			a, err := net.Recall(context.Background(), s, RecallOptions{Mode: mode, Rand: tensor.NewRand(uint64(k))})
			if err != nil {
				t.Fatal(err)
			}
			b, err := m.Recall(context.Background(), s, RecallOptions{Mode: mode, Rand: tensor.NewRand(uint64(k))})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a.Final, b.Final) || a.Sweeps != b.Sweeps || !reflect.DeepEqual(a.Flips, b.Flips) || a.Cycle != b.Cycle {
				t.Fatalf("%s run %d: classical %v (%d sweeps), poly:2 %v (%d sweeps)", mode, k, a.Final, a.Sweeps, b.Final, b.Sweeps)
			}
		}
	}
	if ties == 0 {
		t.Error("no zero fields met: the tie convention was not exercised")
	}
}

// N = 10,000 with patterns and states that overlap almost fully: exp would
// overflow at ξ·σ ≈ 10⁴ (exp(709) is the float64 limit) and relu:32 at
// 10⁴³² — both must stay finite and recall the pattern.
func TestDenseNoOverflowAtLargeN(t *testing.T) {
	const n = 10000
	rng := tensor.NewRand(2)
	x := RandomPatterns(6, n, rng)
	copy(x.Row(1), x.Row(0)) // a near-duplicate: large overlaps between patterns too
	for j := 0; j < 100; j++ {
		x.Row(1)[j] = -x.Row(1)[j]
	}
	for _, inter := range []string{"exp", "relu:32", "poly:32", "relu:3"} {
		m := newDenseWith(t, n, inter, 1, x)
		cue := append([]float32(nil), x.Row(0)...)
		if _, err := Corrupt(cue, 0.1, rng); err != nil {
			t.Fatal(err)
		}
		tr, err := m.Recall(context.Background(), cue, RecallOptions{Rand: rng})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range tr.Energies {
			if math.IsNaN(e) || math.IsInf(e, 0) {
				t.Fatalf("%s: energies %v", inter, tr.Energies)
			}
		}
		if Overlap(x.Row(0), tr.Final) != 1 {
			t.Errorf("%s: final overlap %v", inter, Overlap(x.Row(0), tr.Final))
		}
		h, _ := m.Field(x.Row(0), 0)
		if math.IsNaN(h) || math.IsInf(h, 0) || h*float64(x.Row(0)[0]) <= 0 {
			t.Errorf("%s: field %v at the pattern", inter, h)
		}
	}
}

// Capacity from the issue. poly:3 at N = 100 with p = 200: at a stored
// pattern the signal is (u+1)³ − (u−1)³ = 6u² + 2 with u = N − 1 = 99, i.e.
// 58,808; the crosstalk of the 199 other patterns is a sum of random-sign
// terms 6u_μ² + 2 with u_μ a sum of 99 fair ±1 (E u² = 99, E u⁴ ≈ 3·99²),
// variance ≈ 199·36·3·99² ≈ 2.1·10⁸, std ≈ 14,500: 4.06 σ, so a unit is
// unstable with probability ≈ 2.5·10⁻⁵ and a pattern (100 units) with
// ≈ 0.25%. From 20% noise the basins should catch nearly all probes: we
// require ≥ 97% of 400 probes (the expected failures are ~1–4; 12 or more
// would be a > 4σ event). The Hebbian network at α = 2 is far beyond 0.138
// and recalls essentially nothing (< 5%).
// exp at N = 32 with 1,000 patterns and 10% noise: the target term
// e^{26..32} dwarfs the crosstalk Σ e^{u_μ} ≈ 1000·cosh(1)³¹ ≈ 7·10⁸ < e^{21},
// so a probe fails only when the geometry of random patterns puts another
// pattern ν' at Hamming distance 4 from the probe (3 from its own): then
// flipping a bit where ν' and the probe differ trades e^{26} for e^{26}
// and the crosstalk decides. That happens with probability
// ≈ 999·P(Bin(32, ½) ≤ 4) ≈ 1% and fails about half the time: ≈ 0.5% of
// probes (5 of 1,000 measured). We require ≥ 98.5% (15 failures would be
// a Poisson(5) tail of 3·10⁻⁴).
func TestDenseCapacity(t *testing.T) {
	ctx := context.Background()
	res, err := Capacity(ctx, CapacityOptions{Spec: Spec{Kind: KindDense, Interaction: mustInteraction(t, "poly:3")},
		Neurons: 100, Patterns: []int{200}, Noise: 0.2, Trials: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r := res[0]; r.RecallFraction < 0.97 || r.FixedPointFraction < 0.97 {
		t.Errorf("poly:3, N=100, p=200: %+v", r)
	}
	cl, err := Capacity(ctx, CapacityOptions{Neurons: 100, Patterns: []int{200}, Noise: 0.2, Trials: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if cl[0].RecallFraction > 0.05 {
		t.Errorf("Hebbian at α = 2: %+v", cl[0])
	}
	res, err = Capacity(ctx, CapacityOptions{Spec: Spec{Kind: KindDense, Interaction: mustInteraction(t, "exp")},
		Neurons: 32, Patterns: []int{1000}, Noise: 0.1, Trials: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r := res[0]; r.RecallFraction < 0.985 || r.FixedPointFraction != 1 {
		t.Errorf("exp, N=32, p=1000: %+v", r)
	}
}

// TestCapacityKindsDeterministic: every kind gives the same results
// whatever the number of workers.
func TestCapacityKindsDeterministic(t *testing.T) {
	for _, spec := range []Spec{{}, {Rule: Storkey}, {Kind: KindDense, Interaction: Interaction{Kind: ReLU, Degree: 3}}, {Kind: KindContinuous}} {
		opt := CapacityOptions{Spec: spec, Neurons: 40, Patterns: []int{10, 40}, Noise: 0.2, Trials: 3, Seed: 4, Workers: 1}
		a, err := Capacity(context.Background(), opt)
		if err != nil {
			t.Fatal(err)
		}
		opt.Workers = 3
		b, _ := Capacity(context.Background(), opt)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%+v: workers change the result:\n%+v\n%+v", spec, a, b)
		}
	}
}

func newContinuousWith(t *testing.T, beta float64, x *tensor.Matrix) *Continuous {
	t.Helper()
	c, err := NewContinuous(x.Cols, beta)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Store(x); err != nil {
		t.Fatal(err)
	}
	return c
}

func randomNormal(r, c int, rng *tensor.Rand) *tensor.Matrix {
	m := tensor.New(r, c)
	rng.Normal(m.Data, 0, 1)
	return m
}

// β = 0: softmax is uniform, one step gives the mean of the patterns, a
// fixed point, classified as the global average with M effective patterns.
// The result is Σ (1/M) x^μ in float32: |error| ≤ a few ulps of max|x| ≈ 4,
// so 1e-5.
func TestContinuousBetaZeroIsMean(t *testing.T) {
	rng := tensor.NewRand(1)
	x := randomNormal(9, 12, rng)
	c := newContinuousWith(t, 0, x)
	q := randomNormal(3, 12, rng)
	r, reps, err := c.Retrieve(context.Background(), q, RetrieveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		for j := 0; j < 12; j++ {
			var mean float64
			for mu := 0; mu < 9; mu++ {
				mean += float64(x.At(mu, j)) / 9
			}
			if math.Abs(float64(r.At(i, j))-mean) > 1e-5 {
				t.Fatalf("query %d entry %d: %v, mean %v", i, j, r.At(i, j), mean)
			}
		}
		if reps[i].Steps != 1 || reps[i].Fixed != FixedGlobal || math.Abs(reps[i].Effective-9) > 1e-4 {
			t.Errorf("report %+v", reps[i])
		}
	}
}

// Large β, well-separated ±1 patterns: the weight of any other pattern is
// exp(−β(x^ν·ξ − x^μ·ξ)) ≤ exp(−20·(d − 2·noise_bits − max overlap)) which
// underflows float32, so one step returns the stored pattern exactly.
func TestContinuousLargeBetaExact(t *testing.T) {
	rng := tensor.NewRand(2)
	x := RandomPatterns(30, 64, rng)
	c := newContinuousWith(t, 20, x)
	q := x.Clone()
	for i := 0; i < q.Rows; i++ {
		Corrupt(q.Row(i), 0.15, rng)
	}
	r, reps, err := c.Retrieve(context.Background(), q, RetrieveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < q.Rows; i++ {
		if !reflect.DeepEqual(r.Row(i), x.Row(i)) || reps[i].Fixed != FixedSingle || reps[i].Top != i || reps[i].Steps != 1 {
			t.Fatalf("query %d: %+v", i, reps[i])
		}
	}
}

// The update never increases E (Ramsauer et al. 2020, Theorem 1, via the
// concave–convex procedure). The state is rounded to float32 after each
// step and E is O(d·max|x|²) ≈ 100, so allow 1e-4·(1+|E|).
func TestContinuousEnergyNeverIncreases(t *testing.T) {
	rng := tensor.NewRand(3)
	x := randomNormal(25, 16, rng)
	for _, beta := range []float64{0, 0.05, 0.5, 2, 20} {
		c := newContinuousWith(t, beta, x)
		for k := 0; k < 20; k++ {
			q := randomNormal(1, 16, rng)
			tensor.Scale(q.Data, 3)
			tr, err := c.Recall(context.Background(), q.Data, RecallOptions{MaxSweeps: 15})
			if err != nil {
				t.Fatal(err)
			}
			for i := 1; i < len(tr.Energies); i++ {
				if tr.Energies[i] > tr.Energies[i-1]+1e-4*(1+math.Abs(tr.Energies[i-1])) {
					t.Fatalf("β=%g: energies %v", beta, tr.Energies)
				}
			}
			if e := c.Energy(tr.Final); math.Abs(e-tr.FinalEnergy()) > 1e-9*(1+math.Abs(e)) {
				t.Fatalf("final energy %v vs %v", e, tr.FinalEnergy())
			}
		}
	}
}

// Energy against the formula computed naively at moderate β (no overflow).
func TestContinuousEnergyFormula(t *testing.T) {
	rng := tensor.NewRand(4)
	x := randomNormal(5, 4, rng)
	c := newContinuousWith(t, 0.7, x)
	s := randomNormal(1, 4, rng).Data
	var sum, maxn float64
	for mu := 0; mu < 5; mu++ {
		sum += math.Exp(0.7 * tensor.Dot(x.Row(mu), s))
		maxn = math.Max(maxn, tensor.Dot(x.Row(mu), x.Row(mu)))
	}
	want := -math.Log(sum)/0.7 + 0.5*tensor.Dot(s, s) + math.Log(5)/0.7 + 0.5*maxn
	if got := c.Energy(s); math.Abs(got-want) > 1e-9*(1+math.Abs(want)) {
		t.Errorf("energy %v, formula %v", got, want)
	}
}

// A batch gives the same states as one query at a time (up to float32
// rounding of the products, which may block differently), and Recall
// agrees with Retrieve.
func TestContinuousBatchEqualsSingle(t *testing.T) {
	rng := tensor.NewRand(5)
	x := randomNormal(50, 20, rng)
	c := newContinuousWith(t, 0.8, x)
	q := randomNormal(37, 20, rng)
	r, reps, err := c.Retrieve(context.Background(), q, RetrieveOptions{Steps: 5, Energy: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < q.Rows; i++ {
		one, rep1, err := c.Retrieve(context.Background(), tensor.FromSlice(1, 20, q.Row(i)), RetrieveOptions{Steps: 5, Energy: true})
		if err != nil {
			t.Fatal(err)
		}
		tr, err := c.Recall(context.Background(), q.Row(i), RecallOptions{MaxSweeps: 5})
		if err != nil {
			t.Fatal(err)
		}
		for j := 0; j < 20; j++ {
			if math.Abs(float64(one.At(0, j)-r.At(i, j))) > 1e-5 || math.Abs(float64(tr.Final[j]-r.At(i, j))) > 1e-5 {
				t.Fatalf("query %d entry %d: batch %v, single %v, recall %v", i, j, r.At(i, j), one.At(0, j), tr.Final[j])
			}
		}
		if rep1[0].Steps != reps[i].Steps || rep1[0].Fixed != reps[i].Fixed || tr.Sweeps != reps[i].Steps {
			t.Fatalf("query %d: batch %+v, single %+v, recall %d steps", i, reps[i], rep1[0], tr.Sweeps)
		}
		if math.Abs(*rep1[0].Energy-*reps[i].Energy) > 1e-4 {
			t.Fatalf("energies %v %v", *rep1[0].Energy, *reps[i].Energy)
		}
	}
	// Blocks: a memory large enough that the queries are split.
	big := randomNormal(blockFloats/64+1, 4, rng)
	cb := newContinuousWith(t, 0.1, big)
	qb := randomNormal(70, 4, rng)
	rb, _, err := cb.Retrieve(context.Background(), qb, RetrieveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 63, 64, 69} {
		one, _, _ := cb.Retrieve(context.Background(), tensor.FromSlice(1, 4, qb.Row(i)), RetrieveOptions{})
		for j := 0; j < 4; j++ {
			if math.Abs(float64(one.At(0, j)-rb.At(i, j))) > 1e-5 {
				t.Fatalf("blocked query %d: %v vs %v", i, rb.Row(i), one.Row(0))
			}
		}
	}
}

// Metastable state: two nearly identical patterns (differing in 2 of 64
// entries) and distant others. A query at the pair's average gives both
// equal weight at β = 1, the rest exp(−β·~60)-small: effective number 2.
func TestContinuousMetastable(t *testing.T) {
	rng := tensor.NewRand(6)
	x := RandomPatterns(6, 64, rng)
	copy(x.Row(1), x.Row(0))
	x.Row(1)[0], x.Row(1)[1] = -x.Row(1)[0], -x.Row(1)[1]
	c := newContinuousWith(t, 1, x)
	q := append([]float32(nil), x.Row(0)...)
	q[0], q[1] = 0, 0
	_, reps, err := c.Retrieve(context.Background(), tensor.FromSlice(1, 64, q), RetrieveOptions{Steps: 10})
	if err != nil {
		t.Fatal(err)
	}
	if r := reps[0]; r.Fixed != FixedMetastable || math.Abs(r.Effective-2) > 0.01 || !r.Converged {
		t.Errorf("%+v", r)
	}
}

func TestModernFiles(t *testing.T) {
	dir := t.TempDir()
	rng := tensor.NewRand(7)
	x := RandomPatterns(4, 9, rng)
	d := newDenseWith(t, 9, "relu:4", 1, x)
	p := filepath.Join(dir, "d.safetensors")
	mem, meta := testutil.SaveLoad(t, p, d.Save, map[string]string{"data": "random", "rule": "x"}, Open)
	if mem.Kind() != KindDense || meta["interaction"] != "relu:4" || meta["beta"] != "1" || meta["data"] != "random" || meta["rule"] != "" {
		t.Errorf("dense file: %v %v", mem.Kind(), meta)
	}
	if !reflect.DeepEqual(mem.Patterns().Data, x.Data) || mem.(*Dense).Interaction().String() != "relu:4" {
		t.Error("dense round trip")
	}
	xc := randomNormal(3, 5, rng)
	c := newContinuousWith(t, 2.5, xc)
	p = filepath.Join(dir, "c.safetensors")
	mem, meta = testutil.SaveLoad(t, p, c.Save, nil, Open)
	if mem.Kind() != KindContinuous || mem.(*Continuous).Beta() != 2.5 || !reflect.DeepEqual(mem.Patterns().Data, xc.Data) {
		t.Fatalf("continuous round trip: %v", meta)
	}
	if _, _, err := Load(p); !errors.Is(err, ErrKind) {
		t.Errorf("Load of a continuous file as classical: %v", err)
	}

	meta2 := func(kv ...string) map[string]string {
		m := map[string]string{"model": "hopfield"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	pt := modelio.Tensor{Shape: []int{2, 3}, Data: []float32{1, -1, 1, -1, -1, 1}}
	bad := []struct {
		name string
		f    *modelio.File
		want error
		text string
	}{
		{"no interaction", &modelio.File{Metadata: meta2("kind", "dense"), Tensors: map[string]modelio.Tensor{"patterns": pt}}, modelio.ErrFormat, "interaction"},
		{"bad interaction", &modelio.File{Metadata: meta2("kind", "dense", "interaction", "poly:1"), Tensors: map[string]modelio.Tensor{"patterns": pt}}, ErrOption, "degree"},
		{"bad beta", &modelio.File{Metadata: meta2("kind", "continuous", "beta", "-1"), Tensors: map[string]modelio.Tensor{"patterns": pt}}, ErrOption, "beta"},
		{"nan beta", &modelio.File{Metadata: meta2("kind", "continuous", "beta", "NaN"), Tensors: map[string]modelio.Tensor{"patterns": pt}}, modelio.ErrFormat, "beta"},
		{"no patterns", &modelio.File{Metadata: meta2("kind", "continuous", "patterns", "3", "neurons", "3")}, modelio.ErrFormat, "patterns"},
		{"non-binary dense", &modelio.File{Metadata: meta2("kind", "dense", "interaction", "exp"), Tensors: map[string]modelio.Tensor{"patterns": {Shape: []int{1, 2}, Data: []float32{1, 0.5}}}}, ErrValue, "column 1"},
		{"nan continuous", &modelio.File{Metadata: meta2("kind", "continuous"), Tensors: map[string]modelio.Tensor{"patterns": {Shape: []int{1, 2}, Data: []float32{1, float32(math.NaN())}}}}, ErrValue, "column 1"},
		{"wrong neurons", &modelio.File{Metadata: meta2("kind", "continuous", "neurons", "4"), Tensors: map[string]modelio.Tensor{"patterns": pt}}, modelio.ErrFormat, "shape"},
	}
	for _, b := range bad {
		p := filepath.Join(dir, strings.ReplaceAll(b.name, " ", "_")+".safetensors")
		if err := modelio.Save(p, b.f); err != nil {
			t.Fatal(err)
		}
		_, _, err := Open(p)
		if !errors.Is(err, b.want) || !strings.Contains(err.Error(), b.text) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v (want %v, naming %q and the file)", b.name, err, b.want, b.text)
		}
	}
}

func TestModernBadInput(t *testing.T) {
	for _, s := range []string{"", "poly", "poly:1", "poly:x", "relu:33", "exp:2", "sigmoid"} {
		if _, err := ParseInteraction(s); !errors.Is(err, ErrOption) {
			t.Errorf("ParseInteraction(%q): %v", s, err)
		}
	}
	if f, err := ParseInteraction(" ReLU:3 "); err != nil || f.String() != "relu:3" {
		t.Errorf("relu:3: %v %v", f, err)
	}
	if _, err := NewDense(0, Interaction{Kind: Exp}, 1); !errors.Is(err, ErrOption) {
		t.Error(err)
	}
	if _, err := NewDense(5, Interaction{Kind: Poly, Degree: 3}, 2); !errors.Is(err, ErrOption) {
		t.Error("beta with poly accepted")
	}
	if _, err := NewDense(5, Interaction{Kind: Exp}, math.Inf(1)); !errors.Is(err, ErrOption) {
		t.Error("infinite beta accepted")
	}
	if _, err := NewContinuous(3, -1); !errors.Is(err, ErrOption) {
		t.Error("negative beta accepted")
	}
	m, _ := NewDense(4, Interaction{Kind: Exp}, 1)
	ctx := context.Background()
	if _, err := m.Recall(ctx, []float32{1, 1, 1, 1}, RecallOptions{Rand: tensor.NewRand(1)}); !errors.Is(err, ErrNoPatterns) {
		t.Errorf("empty recall: %v", err)
	}
	if err := m.Store(tensor.FromSlice(1, 3, []float32{1, -1, 1})); !errors.Is(err, ErrDimension) {
		t.Errorf("store dims: %v", err)
	}
	if err := m.Store(tensor.FromSlice(1, 4, []float32{1, -1, 2, 1})); !errors.Is(err, ErrValue) {
		t.Errorf("store value: %v", err)
	}
	m.Store(tensor.FromSlice(1, 4, []float32{1, -1, 1, 1}))
	if _, err := m.Recall(ctx, []float32{1, 1, 1}, RecallOptions{Rand: tensor.NewRand(1)}); !errors.Is(err, ErrDimension) {
		t.Errorf("recall dims: %v", err)
	}
	if _, err := m.Recall(ctx, []float32{1, 1, 1, 1}, RecallOptions{Mode: Glauber, Temperature: 1, Rand: tensor.NewRand(1)}); !errors.Is(err, ErrOption) {
		t.Errorf("glauber: %v", err)
	}
	if _, err := m.Recall(ctx, []float32{1, 1, 1, 1}, RecallOptions{}); !errors.Is(err, ErrOption) {
		t.Errorf("no rand: %v", err)
	}
	c, _ := NewContinuous(2, 1)
	if _, _, err := c.Retrieve(ctx, tensor.New(1, 2), RetrieveOptions{}); !errors.Is(err, ErrNoPatterns) {
		t.Errorf("empty retrieve: %v", err)
	}
	if err := c.Store(tensor.FromSlice(1, 2, []float32{1, float32(math.Inf(1))})); !errors.Is(err, ErrValue) {
		t.Errorf("store inf: %v", err)
	}
	c.Store(tensor.FromSlice(1, 2, []float32{1, 2}))
	if _, _, err := c.Retrieve(ctx, tensor.FromSlice(1, 2, []float32{float32(math.NaN()), 0}), RetrieveOptions{}); !errors.Is(err, ErrValue) {
		t.Errorf("nan query: %v", err)
	}
	if _, _, err := c.Retrieve(ctx, tensor.New(1, 3), RetrieveOptions{}); !errors.Is(err, ErrDimension) {
		t.Errorf("query dims: %v", err)
	}
	if _, _, err := c.Retrieve(ctx, tensor.New(1, 2), RetrieveOptions{Steps: -1}); !errors.Is(err, ErrOption) {
		t.Errorf("negative steps: %v", err)
	}
	if _, err := c.Recall(ctx, []float32{1}, RecallOptions{}); !errors.Is(err, ErrDimension) {
		t.Errorf("recall dims: %v", err)
	}
}
