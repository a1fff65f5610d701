package hopfield

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

// checkChanges replays traj.Changes from start and checks that every
// recorded energy is the energy of the replayed state (for sync, of the
// state after the whole sweep), that the replay ends at Final, and that the
// OnSweep reports agree with the trajectory.
func checkChanges(t *testing.T, mem Memory, start []float32, traj Trajectory, reps []SweepReport, sync bool) {
	t.Helper()
	s := slices.Clone(start)
	for i, v := range s {
		if v == 0 {
			s[i] = -1 // 0/1 input
		}
	}
	if len(traj.Changes) == 0 {
		t.Fatal("no changes recorded: the test cue should need some")
	}
	total := 0
	for _, f := range traj.Flips {
		total += f
	}
	if len(traj.Changes) != total {
		t.Fatalf("%d changes recorded, Flips sums to %d", len(traj.Changes), total)
	}
	for k, c := range traj.Changes {
		if s[c.Unit] == c.Value {
			t.Fatalf("change %d sets unit %d to the value it has", k, c.Unit)
		}
		s[c.Unit] = c.Value
		want := mem.Energy(s)
		if sync {
			want = traj.Energies[c.Sweep]
		}
		if math.Abs(c.Energy-want) > 1e-9*(1+math.Abs(want)) {
			t.Fatalf("change %d (sweep %d): energy %.12g, replayed state has %.12g", k, c.Sweep, c.Energy, want)
		}
		if c.Sweep < 1 || c.Sweep > traj.Sweeps {
			t.Fatalf("change %d: sweep %d outside 1..%d", k, c.Sweep, traj.Sweeps)
		}
	}
	if !slices.Equal(s, traj.Final) {
		t.Fatal("replaying the changes does not give Final")
	}
	if len(reps) != traj.Sweeps {
		t.Fatalf("OnSweep called %d times for %d sweeps", len(reps), traj.Sweeps)
	}
	n := 0
	for k, r := range reps {
		if r.Sweep != k+1 || r.Changed != traj.Flips[k] || r.Energy != traj.Energies[k+1] || len(r.Changes) != r.Changed {
			t.Fatalf("report %d = sweep %d, %d changed (%d listed), E %g; trajectory: %d changed, E %g",
				k, r.Sweep, r.Changed, len(r.Changes), r.Energy, traj.Flips[k], traj.Energies[k+1])
		}
		if !slices.Equal(r.Overlaps, traj.Overlaps[k+1]) {
			t.Fatalf("report %d overlaps differ from the trajectory's", k)
		}
		n += len(r.Changes)
	}
	if n != len(traj.Changes) {
		t.Fatalf("reports list %d changes, trajectory %d", n, len(traj.Changes))
	}
}

// collect returns an OnSweep that keeps deep copies of the reports.
func collect(reps *[]SweepReport) func(SweepReport) error {
	return func(r SweepReport) error {
		r.Changes = slices.Clone(r.Changes)
		r.Overlaps = slices.Clone(r.Overlaps)
		r.State = slices.Clone(r.State)
		r.Weights = slices.Clone(r.Weights)
		*reps = append(*reps, r)
		return nil
	}
}

func TestRecordChangesClassical(t *testing.T) {
	const n, p = 120, 6
	rng := tensor.NewRand(11)
	x := RandomPatterns(p, n, rng)
	for _, rule := range []Rule{Hebbian, Storkey, PseudoInverse} {
		for _, mode := range []Mode{Async, Sync, Glauber} {
			net, err := NewNetwork(n, rule)
			if err != nil {
				t.Fatal(err)
			}
			if err := net.Store(x); err != nil {
				t.Fatal(err)
			}
			// Thresholds and (for pinv) a non-zero diagonal exercise every
			// term of the O(1) energy update.
			for i := range net.Theta {
				net.Theta[i] = float32(rng.Float64()-0.5) * 0.05
			}
			cue := slices.Clone(x.Row(2))
			if _, err := Corrupt(cue, 0.3, rng); err != nil {
				t.Fatal(err)
			}
			var reps []SweepReport
			opt := RecallOptions{Mode: mode, Rand: tensor.NewRand(5), RecordChanges: true, OnSweep: collect(&reps), MaxSweeps: 20, Temperature: 0.3}
			traj, err := net.Recall(context.Background(), cue, opt)
			if err != nil {
				t.Fatal(err)
			}
			t.Run(string(rule)+"/"+string(mode), func(t *testing.T) {
				checkChanges(t, net, cue, traj, reps, mode == Sync)
			})
			// Recording must not change the run.
			plain, err := net.Recall(context.Background(), cue, RecallOptions{Mode: mode, Rand: tensor.NewRand(5), MaxSweeps: 20, Temperature: 0.3})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(plain.Final, traj.Final) || !slices.Equal(plain.Energies, traj.Energies) {
				t.Fatalf("%s/%s: recording changes changed the run", rule, mode)
			}
		}
	}
}

func TestRecordChangesDense(t *testing.T) {
	const n, p = 100, 12
	rng := tensor.NewRand(3)
	x := RandomPatterns(p, n, rng)
	for _, spec := range []string{"poly:3", "relu:4", "exp"} {
		for _, mode := range []Mode{Async, Sync} {
			f, err := ParseInteraction(spec)
			if err != nil {
				t.Fatal(err)
			}
			beta := 0.0
			if f.Kind == Exp {
				beta = 0.2
			}
			m, err := NewDense(n, f, beta)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Store(x); err != nil {
				t.Fatal(err)
			}
			cue := slices.Clone(x.Row(5))
			if _, err := Corrupt(cue, 0.25, rng); err != nil {
				t.Fatal(err)
			}
			var reps []SweepReport
			traj, err := m.Recall(context.Background(), cue, RecallOptions{Mode: mode, Rand: tensor.NewRand(2), RecordChanges: true, OnSweep: collect(&reps)})
			if err != nil {
				t.Fatal(err)
			}
			t.Run(spec+"/"+string(mode), func(t *testing.T) {
				checkChanges(t, m, cue, traj, reps, mode == Sync)
			})
		}
	}
}

func TestOnSweepContinuous(t *testing.T) {
	const d, p = 50, 8
	rng := tensor.NewRand(4)
	x := RandomPatterns(p, d, rng)
	c, err := NewContinuous(d, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Store(x); err != nil {
		t.Fatal(err)
	}
	q := slices.Clone(x.Row(1))
	for j := d / 2; j < d; j++ {
		q[j] = 0
	}
	var reps []SweepReport
	traj, err := c.Recall(context.Background(), q, RecallOptions{MaxSweeps: 5, OnSweep: collect(&reps), RecordChanges: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != traj.Sweeps || len(traj.Changes) != 0 {
		t.Fatalf("%d reports for %d steps, %d changes (want none)", len(reps), traj.Sweeps, len(traj.Changes))
	}
	prev := q
	for k, r := range reps {
		want, err := c.Weights(prev)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Weights, want) {
			t.Fatalf("step %d: weights are not softmax(βXᵀξ) of the state before", k+1)
		}
		if r.Energy != traj.Energies[k+1] || math.Abs(r.Energy-c.Energy(r.State)) > 1e-9 {
			t.Fatalf("step %d: energy %g, trajectory %g, state's %g", k+1, r.Energy, traj.Energies[k+1], c.Energy(r.State))
		}
		prev = r.State
	}
	if !slices.Equal(prev, traj.Final) {
		t.Fatal("last report's state is not Final")
	}
}

func TestOnSweepErrorStops(t *testing.T) {
	const n = 100
	rng := tensor.NewRand(8)
	x := RandomPatterns(3, n, rng)
	net, err := NewNetwork(n, Hebbian)
	if err != nil {
		t.Fatal(err)
	}
	if err := net.Store(x); err != nil {
		t.Fatal(err)
	}
	dense, err := NewDense(n, Interaction{Kind: Poly, Degree: 3}, 0)
	if err != nil {
		t.Fatal(err)
	}
	cont, err := NewContinuous(n, 0.001) // β small: many steps before convergence
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []Memory{dense, cont} {
		if err := m.Store(x); err != nil {
			t.Fatal(err)
		}
	}
	stop := errors.New("client went away")
	cases := []struct {
		mem  Memory
		mode Mode
	}{{net, Glauber}, {net, Async}, {dense, Async}, {cont, Sync}}
	for _, c := range cases {
		calls := 0
		traj, err := c.mem.Recall(context.Background(), RandomPatterns(1, n, rng).Row(0), RecallOptions{
			Mode: c.mode, Temperature: 1, Rand: tensor.NewRand(1), MaxSweeps: 10,
			OnSweep: func(SweepReport) error { calls++; return stop },
		})
		if !errors.Is(err, stop) || calls != 1 || traj.Sweeps != 1 || traj.Final == nil {
			t.Fatalf("%s/%s: err %v after %d calls, %d sweeps: want the callback's error after one sweep", c.mem.Kind(), c.mode, err, calls, traj.Sweeps)
		}
	}
}
