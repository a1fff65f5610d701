package rbm

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/internal/testutil"
)

// ownedCases are the settings the owned step covers, with batches that do
// not divide the 300 rows (a short last batch) and chain counts that are
// not multiples of the pipeline's blocks.
var ownedCases = []ownedCase{
	{"cd1", func(c *Config) { c.Method = CD }, ""},
	{"cd3-decay-cosine", func(c *Config) { c.Method, c.K, c.WeightDecay, c.LRSchedule = CD, 3, 2e-4, "cosine" }, ""},
	{"pcd2", func(c *Config) { c.Method, c.K, c.Chains = PCD, 2, 45 }, ""},
	{"restart2", func(c *Config) { c.Method, c.K, c.Chains = Restart, 2, 40 }, ""},
	{"restart1-base-rate", func(c *Config) { c.Method, c.K, c.Chains, c.RestartFrom = Restart, 1, 31, "base-rate" }, ""},
	{"cd2-sparsity", func(c *Config) { c.Method, c.K, c.SparsityTarget, c.SparsityCost = CD, 2, 0.1, 0.1 }, ""},
	{"pcd1-sparsity-decay", func(c *Config) {
		c.Method, c.Chains, c.SparsityTarget, c.SparsityCost, c.WeightDecay = PCD, 50, 0.05, 0.3, 1e-3
	}, ""},
	{"cd1-centered", func(c *Config) { c.Method, c.Centered = CD, true }, ""},
	{"pcd2-centered-sparsity", func(c *Config) {
		c.Method, c.K, c.Chains, c.Centered, c.OffsetRate, c.SparsityTarget, c.SparsityCost = PCD, 2, 45, true, 0.1, 0.1, 0.1
	}, ""},
	{"restart1-centered-base-rate", func(c *Config) {
		c.Method, c.Chains, c.Centered, c.RestartFrom = Restart, 31, true, "base-rate"
	}, ""},
	{name: "gaussian-cd2", cfg: func(c *Config) { c.Method, c.K = CD, 2 }, units: "gaussian"},
	{name: "gaussian-learned-cd1-sparsity", cfg: func(c *Config) {
		c.Method, c.SparsityTarget, c.SparsityCost = CD, 0.1, 0.1
	}, units: "gaussian-learned"},
	{name: "gaussian-learned-pcd2-decay", cfg: func(c *Config) { c.Method, c.K, c.Chains, c.WeightDecay = PCD, 2, 45, 1e-3 }, units: "gaussian-learned"},
	{name: "gaussian-learned-restart1", cfg: func(c *Config) { c.Method, c.Chains = Restart, 31 }, units: "gaussian-learned"},
}

// ownedCase is a training setting for the owned step's tests: the
// configuration and the visible units ("": Bernoulli on binarized MNIST;
// "gaussian", "gaussian-learned": σ fixed or learned, on its grey levels).
type ownedCase struct {
	name  string
	cfg   func(*Config)
	units string
}

// trainOwned trains a 784×nh model on x with the case's settings and the
// given part count (1: the one-core step), and returns the sha256 of its
// checkpoint (weights, biases, velocities, chains, random state) and
// whether the owned step ran. touch calls Model from OnBatch (the weights
// written back after every update and copied out again).
func trainOwned(t *testing.T, x *tensor.Matrix, nh int, tc ownedCase, parts int, touch bool) (string, int) {
	t.Helper()
	h, tr := trainOwnedTrainer(t, x, nh, tc, parts, ownedRun{touch: touch})
	ran := 0
	if tr.owned != nil {
		ran = len(tr.owned.parts)
	}
	return h, ran
}

// ownedRun: touch calls Model from OnBatch; recut moves the cuts of the
// hidden units into parts after every second step, to cuts that vary
// from step to step (every part a line at least).
type ownedRun struct{ touch, recut bool }

// recutTo sets cuts to a spread of whole cache lines that varies with the
// step.
func recutTo(step int, cuts []int) bool {
	np := len(cuts) - 1
	nh := cuts[np]
	lines := nh / ownedMinCols
	if step%2 == 1 || lines < np {
		return false
	}
	// Every part one line, and the spare lines handed out by the step.
	spare := lines - np
	for p := 1; p < np; p++ {
		e := (step/2 + p) % (spare + 1)
		cuts[p] = cuts[p-1] + (1+e)*ownedMinCols
		spare -= e
	}
	return true
}

// trainOwnedTrainer is trainOwned returning the trainer.
func trainOwnedTrainer(t *testing.T, x *tensor.Matrix, nh int, tc ownedCase, parts int, run ownedRun) (string, *Trainer) {
	t.Helper()
	rng := tensor.NewRand(5)
	m := New(784, nh)
	c := DefaultConfigFor(CD)
	if tc.units != "" {
		x = ownedGrey(t)
		m = NewUnits(NewGaussianUnits(784, 0.5, tc.units == "gaussian-learned"), 784, nh)
		c = Defaults(CD, m.Units())
	}
	m.Init(x, 0.01, rng)
	c.Epochs, c.BatchSize, c.MomentumEpochs, c.MonitorRows, c.PLLRows = 2, 70, 1, 50, 10
	tc.cfg(&c)
	tr, err := NewTrainer(c, m, rng)
	if err != nil {
		t.Fatal(err)
	}
	tr.forceParts = parts
	if run.touch {
		tr.OnBatch = func(Progress) { _ = tr.Model() }
	}
	if run.recut {
		tr.testCuts = recutTo
	}
	if _, err := tr.Train(context.Background(), x, nil); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "c.safetensors")
	if err := tr.SaveCheckpoint(p, nil); err != nil {
		t.Fatal(err)
	}
	return testutil.FileHash(t, p), tr
}

// ownedGrey is the first 300 MNIST images' grey levels, for Gaussian units.
func ownedGrey(t *testing.T) *tensor.Matrix {
	t.Helper()
	set, err := dataset.Load("mnist:300", dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return set.X
}

// TestOwnedStepBitIdentical: the owned step gives the one-core step's
// model, velocities, chains and random state bit for bit, for every
// method it covers, any part count and any GOMAXPROCS, also when the
// weights are written back and copied out after every update.
func TestOwnedStepBitIdentical(t *testing.T) {
	set, err := dataset.Load("mnist:300", dataset.Options{Binarize: "threshold"})
	if err != nil {
		t.Fatal(err)
	}
	procs := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(procs)
	for _, tc := range ownedCases {
		for _, nh := range []int{56, 100} {
			runtime.GOMAXPROCS(1)
			want, ran := trainOwned(t, set.X, nh, tc, 1, false)
			if ran != 0 {
				t.Fatalf("%s: the one-core reference ran the owned step", tc.name)
			}
			for _, v := range []struct {
				parts, procs int
				run          ownedRun
			}{{2, 1, ownedRun{}}, {2, 2, ownedRun{recut: true}}, {3, 2, ownedRun{touch: true}}, {5, 4, ownedRun{recut: true}}, {0, 2, ownedRun{}}} {
				runtime.GOMAXPROCS(v.procs)
				name := fmt.Sprintf("%s h=%d parts=%d procs=%d %+v", tc.name, nh, v.parts, v.procs, v.run)
				got, tr := trainOwnedTrainer(t, set.X, nh, tc, v.parts, v.run)
				ran := 0
				if tr.owned != nil {
					ran = len(tr.owned.parts)
					if v.run.recut && tr.owned.moves == 0 {
						t.Fatalf("%s: the cuts never moved", name)
					}
				}
				wantRan := v.parts
				if wantRan == 0 {
					wantRan = min(v.procs, runtime.NumCPU())
				}
				if wantRan = min(wantRan, nh/ownedMinCols); wantRan < 2 {
					wantRan = 0
				}
				if ran != wantRan {
					t.Fatalf("%s: owned step ran with %d parts, want %d", name, ran, wantRan)
				}
				if got != want {
					t.Errorf("%s: checkpoint %s, one core %s", name, got, want)
				}
			}
		}
	}
}

// TestOwnedStepDenseChains: with data mostly ones the chains are too
// dense for the gather kernel, and the up passes after the first multiply
// by the part's weights packed once a step; the bits stay the one-core
// step's.
func TestOwnedStepDenseChains(t *testing.T) {
	set, err := dataset.Load("mnist:300", dataset.Options{Binarize: "threshold"})
	if err != nil {
		t.Fatal(err)
	}
	x := set.X.Clone()
	for i, v := range x.Data {
		x.Data[i] = 1 - v
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for _, tc := range ownedCases[:3] {
		runtime.GOMAXPROCS(1)
		want, _ := trainOwned(t, x, 64, tc, 1, false)
		runtime.GOMAXPROCS(2)
		got, tr := trainOwnedTrainer(t, x, 64, tc, 3, ownedRun{})
		if tr.owned == nil || !tr.owned.parts[0].upPacked {
			t.Fatalf("%s: the owned step did not take the dense up passes", tc.name)
		}
		if got != want {
			t.Errorf("%s: checkpoint %s, one core %s", tc.name, got, want)
		}
	}
}

// TestOwnedStepResumes: a run stopped after an epoch and resumed from its
// checkpoint on the owned step ends where the uninterrupted run ends.
func TestOwnedStepResumes(t *testing.T) {
	set, err := dataset.Load("mnist:300", dataset.Options{Binarize: "threshold"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range ownedCases[:3] {
		want, _ := trainOwned(t, set.X, 64, tc, 1, false)
		rng := tensor.NewRand(5)
		m := New(784, 64)
		m.Init(set.X, 0.01, rng)
		c := DefaultConfigFor(CD)
		c.Epochs, c.BatchSize, c.MomentumEpochs, c.MonitorRows, c.PLLRows = 1, 70, 1, 50, 10
		tc.cfg(&c)
		tr, err := NewTrainer(c, m, rng)
		if err != nil {
			t.Fatal(err)
		}
		tr.forceParts = 2
		if _, err := tr.Train(context.Background(), set.X, nil); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "c.safetensors")
		if err := tr.SaveCheckpoint(p, nil); err != nil {
			t.Fatal(err)
		}
		tr2, _, _, err := LoadCheckpoint(p)
		if err != nil {
			t.Fatal(err)
		}
		tr2.Epochs, tr2.forceParts = 2, 3
		if _, err := tr2.Train(context.Background(), set.X, nil); err != nil {
			t.Fatal(err)
		}
		if tr2.owned == nil {
			t.Fatalf("%s: the resumed run did not use the owned step", tc.name)
		}
		q := filepath.Join(t.TempDir(), "c.safetensors")
		if err := tr2.SaveCheckpoint(q, nil); err != nil {
			t.Fatal(err)
		}
		if got := testutil.FileHash(t, q); got != want {
			t.Errorf("%s: resumed %s, uninterrupted %s", tc.name, got, want)
		}
	}
}

// TestOwnedStepSideBySide: trainings run at once in one process (ebm
// sweep -j) share the cores — the first takes the free ones, a later one
// finds none left and runs the one-core step — and all give the one-core
// bits.
func TestOwnedStepSideBySide(t *testing.T) {
	set, err := dataset.Load("mnist:300", dataset.Options{Binarize: "threshold"})
	if err != nil {
		t.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	want, _ := trainOwned(t, set.X, 64, ownedCases[0], 1, false)
	runtime.GOMAXPROCS(2)
	got := make([]string, 3)
	parts := make([]int, 3)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() { got[i], parts[i] = trainOwned(t, set.X, 64, ownedCases[0], 0, false) })
	}
	wg.Wait()
	for i := range got {
		if got[i] != want {
			t.Errorf("training %d (owned step with %d parts): %s, one core %s", i, parts[i], got[i], want)
		}
	}
	if f, want := tensor.FreeCores(), min(2, runtime.NumCPU()); f != want {
		t.Errorf("FreeCores = %d after the trainings, want %d", f, want)
	}
}

// TestGibbsRowsBitIdentical: Gibbs sampling with the chains split across
// cores (any count, any GOMAXPROCS) gives Gibbs's states and means bit for
// bit, from random and from given starts, for Bernoulli and Gaussian
// units.
func TestGibbsRowsBitIdentical(t *testing.T) {
	for _, gauss := range []bool{false, true} {
		testGibbsRows(t, gauss)
	}
}

func testGibbsRows(t *testing.T, gauss bool) {
	opt := dataset.Options{Binarize: "threshold"}
	if gauss {
		opt.Binarize = ""
	}
	set, err := dataset.Load("mnist:200", opt)
	if err != nil {
		t.Fatal(err)
	}
	rng := tensor.NewRand(3)
	m := New(784, 60)
	if gauss {
		m = NewUnits(NewGaussianUnits(784, 0.4, false), 784, 60)
		rng.Normal(gu(m).LogSigma, -1, 0.3)
	}
	m.Init(set.X, 0.1, rng)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for _, steps := range []int{1, 7, gibbsRound + 3} {
		for _, start := range []*tensor.Matrix{nil, set.X.SliceRows(0, 53)} {
			want := m.NewChain(start, 53)
			r := tensor.NewRand(9)
			if start == nil {
				m.start(want.V, r)
			}
			m.Gibbs(want, steps, r)
			wantNext := r.Uint64()
			for _, np := range []int{2, 3, 5} {
				got := m.NewChain(start, 53)
				r := tensor.NewRand(9)
				if start == nil {
					m.start(got.V, r)
				}
				m.gibbsRows(got, steps, np, r)
				for _, x := range [][2]*tensor.Matrix{{got.V, want.V}, {got.PV, want.PV}} {
					for i := range x[1].Data {
						if math.Float32bits(x[0].Data[i]) != math.Float32bits(x[1].Data[i]) {
							t.Fatalf("gaussian %v, steps %d, %d cores: element %d is %v, Gibbs %v", gauss, steps, np, i, x[0].Data[i], x[1].Data[i])
						}
					}
				}
				if r.Uint64() != wantNext {
					t.Fatalf("steps %d, %d cores: the random source moved differently", steps, np)
				}
			}
		}
	}
	// Sample picks it on two free cores.
	if want := map[bool]int{true: 2, false: 0}[runtime.NumCPU() >= 2]; m.gibbsCores(53) != want {
		t.Errorf("gibbsCores(53) = %d with GOMAXPROCS 2 on %d CPUs, want %d", m.gibbsCores(53), runtime.NumCPU(), want)
	}
}

// TestBalancedCuts: on simulated parts whose busy time is a per-unit cost
// times their units plus fixed work (cores of different speeds, the last
// part sampling the visible units), repeated balancing reaches cuts whose
// longest busy time is within one cache line's work of the best cuts of
// whole lines (found by trying them all), and then stays there.
func TestBalancedCuts(t *testing.T) {
	for _, tc := range []struct {
		nh          int
		cost, fixed []float64 // per part: time per unit, fixed time
	}{
		{500, []float64{1, 1}, []float64{0, 0}},
		{500, []float64{1, 1}, []float64{0, 150}},
		{500, []float64{1.2, 1}, []float64{0, 150}},
		{500, []float64{1, 1.25}, []float64{30, 0}},
		{4000, []float64{1, 1, 1, 1}, []float64{0, 0, 0, 500}},
		{4000, []float64{1, 2, 1, 1.5}, []float64{0, 0, 0, 500}},
		{100, []float64{1, 1, 1}, []float64{0, 0, 60}},
		{48, []float64{1, 3, 1}, []float64{0, 0, 0}},
	} {
		np := len(tc.cost)
		busy := func(cuts []int) []time.Duration {
			b := make([]time.Duration, np)
			for p := range b {
				b[p] = time.Duration(1000 * (tc.cost[p]*float64(cuts[p+1]-cuts[p]) + tc.fixed[p]))
			}
			return b
		}
		longest := func(cuts []int) time.Duration { return slices.Max(busy(cuts)) }
		// The best cuts of whole lines, by trying them all.
		best := time.Duration(math.MaxInt64)
		var try func(p int, cuts []int)
		try = func(p int, cuts []int) {
			if p == np {
				best = min(best, longest(cuts))
				return
			}
			for c := cuts[p-1] + ownedMinCols; c <= tc.nh-ownedMinCols*(np-1-p)-1; c += ownedMinCols {
				cuts[p] = c
				try(p+1, cuts)
			}
		}
		cuts := make([]int, np+1)
		cuts[np] = tc.nh
		try(1, cuts)
		// Start from an even split.
		for p := range np {
			cuts[p] = p * (tc.nh / ownedMinCols) / np * ownedMinCols
		}
		next := make([]int, np+1)
		moves := 0
		for range 200 {
			if !balancedCuts(next, cuts, busy(cuts)) {
				break
			}
			copy(cuts, next)
			moves++
		}
		name := fmt.Sprintf("nh %d cost %v fixed %v", tc.nh, tc.cost, tc.fixed)
		if moves == 200 {
			t.Errorf("%s: still moving after 200 windows (cuts %v)", name, cuts)
		}
		for p := range np {
			if cuts[p+1]-cuts[p] < min(ownedMinCols, tc.nh-cuts[p]) || (p < np-1 && cuts[p+1]%ownedMinCols != 0) {
				t.Errorf("%s: cuts %v are not whole lines of at least one line a part", name, cuts)
			}
		}
		// One line's work of the slowest part per unit.
		slack := time.Duration(1000 * slices.Max(tc.cost) * ownedMinCols)
		if got := longest(cuts); got > best+slack {
			t.Errorf("%s: cuts %v after %d moves: longest busy %v, best %v", name, cuts, moves, got, best)
		}
	}
	// No time measured (a part with no work yet): the cuts stay.
	cuts, next := []int{0, 256, 500}, make([]int, 3)
	if balancedCuts(next, cuts, []time.Duration{0, 5}) || !slices.Equal(next, cuts) {
		t.Errorf("with a zero busy time the cuts moved to %v", next)
	}
}
