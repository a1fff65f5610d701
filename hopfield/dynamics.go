package hopfield

import (
	"context"
	"math"
	"slices"

	"github.com/ebm-go/ebm/internal/tensor"
)

// tieScale is 2⁻²², the factor in the tie tolerance (see the package
// documentation).
const tieScale = 1.0 / (1 << 22)

// tieTolerance returns the field magnitude below which a field counts as
// zero: 2⁻²²·L with L = max_i Σ_j |W_ij| + max_i |θ_i|, a bound on every
// field. O(N²).
func tieTolerance(w *tensor.Matrix, theta []float32, par int) float64 {
	n := w.Rows
	rows := make([]float64, n)
	parallelRows(n, par, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			var a float64
			for _, v := range w.Row(i) {
				a += math.Abs(float64(v))
			}
			rows[i] = a
		}
	})
	var l, t float64
	for _, a := range rows {
		l = max(l, a)
	}
	for _, v := range theta {
		t = max(t, math.Abs(float64(v)))
	}
	return tieScale * (l + t)
}

// decide is the deterministic update of a unit in state s with field
// local = h − θ: sgn(local), keeping s when |local| ≤ tol.
func decide(s float32, local, tol float64) float32 {
	switch {
	case local > tol:
		return 1
	case local < -tol:
		return -1
	}
	return s
}

// fieldSet is what the dynamics need from a weight representation: the
// local field of a unit and an O(N) (or cheaper) update when a unit flips.
type fieldSet interface {
	// local returns h_i − θ_i for the current state.
	local(i int) float64
	// tolerance is the tie tolerance of unit i.
	tolerance(i int) float64
	// self returns W_ii.
	self(i int) float64
	// flip records that unit i changed by delta (±2); the state slice has
	// already been updated.
	flip(i int, delta float64)
}

// denseFields keeps h = Ws (float64) for an explicit weight matrix.
type denseFields struct {
	n     int
	w     []float32 // n×n row-major, symmetric
	theta []float32 // nil or length n
	h     []float64
	tol   float64
	par   int
}

func newDenseFields(w *tensor.Matrix, theta []float32, par int) *denseFields {
	n := w.Rows
	return &denseFields{n: n, w: w.Data, theta: theta, h: make([]float64, n), par: par}
}

// init computes the fields of s and the tie tolerance, O(N²), rows in
// parallel (each row summed in a fixed order: the result does not depend
// on par).
func (d *denseFields) init(s []float32) {
	var l float64
	rows := make([]float64, d.n)
	parallelRows(d.n, d.par, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			d.h[i], rows[i] = dotAbs(d.w[i*d.n:(i+1)*d.n], s)
		}
	})
	for _, a := range rows {
		l = max(l, a)
	}
	var t float64
	for _, v := range d.theta {
		t = max(t, math.Abs(float64(v)))
	}
	d.tol = tieScale * (l + t)
}

// dotAbs returns Σ w_j s_j and Σ |w_j| in float64, four lanes each.
func dotAbs(w, s []float32) (float64, float64) {
	s = s[:len(w)]
	var h0, h1, h2, h3, a0, a1, a2, a3 float64
	j := 0
	for ; j+4 <= len(w); j += 4 {
		ws := w[j : j+4 : j+4]
		ss := s[j : j+4 : j+4]
		w0, w1, w2, w3 := float64(ws[0]), float64(ws[1]), float64(ws[2]), float64(ws[3])
		h0 += w0 * float64(ss[0])
		h1 += w1 * float64(ss[1])
		h2 += w2 * float64(ss[2])
		h3 += w3 * float64(ss[3])
		a0 += math.Abs(w0)
		a1 += math.Abs(w1)
		a2 += math.Abs(w2)
		a3 += math.Abs(w3)
	}
	for ; j < len(w); j++ {
		f := float64(w[j])
		h0 += f * float64(s[j])
		a0 += math.Abs(f)
	}
	return (h0 + h1) + (h2 + h3), (a0 + a1) + (a2 + a3)
}

// initFrom sets the fields from precomputed (float32) values and the tie
// tolerance.
func (d *denseFields) initFrom(h []float32, tol float64) {
	for i, v := range h {
		d.h[i] = float64(v)
	}
	d.tol = tol
}

func (d *denseFields) local(i int) float64 {
	if d.theta == nil {
		return d.h[i]
	}
	return d.h[i] - float64(d.theta[i])
}

func (d *denseFields) tolerance(int) float64 { return d.tol }
func (d *denseFields) self(i int) float64    { return float64(d.w[i*d.n+i]) }

// flip adds delta·W_i to the fields: O(N), using row i (= column i).
func (d *denseFields) flip(i int, delta float64) {
	axpy64(delta, d.w[i*d.n:(i+1)*d.n], d.h)
}

// energy is −½ Σ s_i h_i + Σ θ_i s_i from the current fields, O(N).
func (d *denseFields) energy(s []float32) float64 {
	var e float64
	for i, v := range s {
		e -= 0.5 * float64(v) * d.h[i]
		if d.theta != nil {
			e += float64(d.theta[i]) * float64(v)
		}
	}
	return e
}

// observer receives the events of a run (Recall's recorder); nil for none.
type observer interface {
	flipped(i int, s []float32, delta float64)
	frame(pos float64, s []float32)
	sweepDone(sweep, flips int, s []float32) error
}

// dyn runs one of the dynamics on a fieldSet.
type dyn struct {
	mode      Mode
	maxSweeps int
	temp      float64
	rng       *tensor.Rand
	frames    int
	perm      []int
	next      []float32 // sync: scratch for the new state
	cur, prev []float32 // sync: the states one and two steps back
	nsync     int       // sync: sweeps done so far
}

type runResult struct {
	sweeps    int
	converged bool
	cycle     bool
}

// run updates s in place. ctx may be nil (no cancellation checks).
func (d *dyn) run(ctx context.Context, f fieldSet, s []float32, obs observer) (runResult, error) {
	n := len(s)
	var res runResult
	d.nsync = 0
	if d.mode != Sync {
		// Start every run from the identity, so that its sweep orders
		// depend only on the generator, not on earlier runs.
		if len(d.perm) != n {
			d.perm = make([]int, n)
		}
		for i := range d.perm {
			d.perm[i] = i
		}
	}
	if f, ok := f.(*intFields); ok && d.mode == Async && obs == nil {
		return d.asyncInt(ctx, f, s)
	}
	if obs != nil && d.frames > 0 {
		obs.frame(0, s)
	}
	every := 0
	if d.frames > 0 {
		every = (n + d.frames - 1) / d.frames
	}
	for sweep := 1; sweep <= d.maxSweeps; sweep++ {
		if ctx != nil {
			if err := ctx.Err(); err != nil {
				return res, err
			}
		}
		var flips int
		var cycle bool
		switch d.mode {
		case Sync:
			flips, cycle = d.syncSweep(f, s, obs)
		default:
			// A shuffle of any permutation is a uniform random permutation:
			// a fresh order every sweep.
			shuffle(d.perm, d.rng)
			for k, i := range d.perm {
				var v float32
				if d.mode == Glauber {
					// Heat bath: the field without the self-coupling.
					hp := f.local(i) - f.self(i)*float64(s[i])
					v = -1
					if d.rng.Float64() < tensor.Sigmoid(2*hp/d.temp) {
						v = 1
					}
				} else {
					v = decide(s[i], f.local(i), f.tolerance(i))
				}
				if setUnit(f, s, i, v, obs) {
					flips++
				}
				if obs != nil && every > 0 && (k+1)%every == 0 && k+1 < n {
					obs.frame(float64(sweep-1)+float64(k+1)/float64(n), s)
				}
			}
		}
		res.sweeps = sweep
		if obs != nil {
			if d.frames > 0 {
				obs.frame(float64(sweep), s)
			}
			if err := obs.sweepDone(sweep, flips, s); err != nil {
				return res, err
			}
		}
		if d.mode == Glauber {
			continue
		}
		if flips == 0 {
			res.converged = true
			return res, nil
		}
		if cycle {
			res.cycle = true
			return res, nil
		}
	}
	return res, nil
}

// setUnit sets unit i of s to v when it differs, updating the fields and
// telling obs (when set), and reports whether the unit changed.
func setUnit(f fieldSet, s []float32, i int, v float32, obs observer) bool {
	if v == s[i] {
		return false
	}
	delta := float64(v - s[i])
	s[i] = v
	f.flip(i, delta)
	if obs != nil {
		obs.flipped(i, s, delta)
	}
	return true
}

// syncSweep updates all units from the current fields at once and returns
// how many changed, and whether the new state equals the state two steps
// back while differing from the last one (a 2-cycle).
func (d *dyn) syncSweep(f fieldSet, s []float32, obs observer) (int, bool) {
	n := len(s)
	if len(d.next) != n {
		d.next = make([]float32, n)
		d.cur = make([]float32, n)
		d.prev = make([]float32, n)
		d.nsync = 0
	}
	for i := range s {
		d.next[i] = decide(s[i], f.local(i), f.tolerance(i))
	}
	copy(d.cur, s) // s(t)
	flips := 0
	for i, v := range d.next {
		if setUnit(f, s, i, v, obs) {
			flips++
		}
	}
	// s is now s(t+1); d.prev holds s(t−1) when t ≥ 1.
	cycle := flips > 0 && d.nsync > 0 && slices.Equal(s, d.prev)
	d.prev, d.cur = d.cur, d.prev
	d.nsync++
	return flips, cycle
}

// recorder builds a Trajectory: energies from the dense fields, overlaps
// updated in O(p) per flip from the transposed patterns. The overlaps are
// kept unnormalised (ξ·s, integers, exact in float64) and divided by N when
// recorded, so they never drift. With changes set, the energy is also kept
// after every flip, in O(1) from the updated field (and recomputed exactly
// at the end of each sweep, so it never drifts either).
type recorder struct {
	f    *denseFields
	n    int
	xt   *tensor.Matrix // N×p: row i holds unit i of every pattern
	dots []float64      // current ξ^μ·s
	traj *Trajectory
	sweepLog
}

// sweepLog is the part of a recorder shared by the binary kinds: unit
// changes and the OnSweep callback.
type sweepLog struct {
	changes bool
	sync    bool
	onSweep func(SweepReport) error
	energy  float64 // energy of the current state (when changes is set)
	first   int     // index in traj.Changes of this sweep's first change
}

// change records a unit change with the energy after it.
func (l *sweepLog) change(traj *Trajectory, sweep, i int, v float32) {
	traj.Changes = append(traj.Changes, Change{Sweep: sweep, Unit: i, Value: v, Energy: l.energy})
}

// done closes a sweep: the sweep's changes get the exact energy in sync
// mode, and OnSweep is called.
func (l *sweepLog) done(traj *Trajectory, sweep, flips int, s []float32, e float64, ov []float64) error {
	var ch []Change
	if l.changes {
		ch = traj.Changes[l.first:]
		if l.sync {
			for k := range ch {
				ch[k].Energy = e
			}
		}
		l.first = len(traj.Changes)
		l.energy = e
	}
	if l.onSweep == nil {
		return nil
	}
	return l.onSweep(SweepReport{Sweep: sweep, Changed: flips, Energy: e, Overlaps: ov, Changes: ch, State: s})
}

func newSweepLog(opt RecallOptions, e float64) sweepLog {
	return sweepLog{changes: opt.RecordChanges, sync: opt.Mode == Sync, onSweep: opt.OnSweep, energy: e}
}

// newRecorder: xt is the N×p transpose of patterns (nil when there are
// none).
func newRecorder(f *denseFields, patterns, xt *tensor.Matrix, s []float32, traj *Trajectory, opt RecallOptions) *recorder {
	r := &recorder{f: f, n: len(s), traj: traj}
	if patterns != nil && patterns.Rows > 0 {
		p := patterns.Rows
		r.xt = xt
		r.dots = make([]float64, p)
		for mu := 0; mu < p; mu++ {
			r.dots[mu] = tensor.Dot(patterns.Row(mu), s)
		}
		traj.Overlaps = [][]float64{r.overlaps()}
	}
	traj.Energies = []float64{f.energy(s)}
	r.sweepLog = newSweepLog(opt, traj.Energies[0])
	return r
}

func (r *recorder) overlaps() []float64 {
	out := make([]float64, len(r.dots))
	for mu, d := range r.dots {
		out[mu] = d / float64(r.n)
	}
	return out
}

func (r *recorder) flipped(i int, s []float32, delta float64) {
	if r.changes {
		// E = −½ sᵀWs + θᵀs; with h the field after the change,
		// ΔE = −δ·h_i + ½δ²W_ii + θ_i·δ.
		de := -delta*r.f.h[i] + 0.5*delta*delta*r.f.self(i)
		if r.f.theta != nil {
			de += float64(r.f.theta[i]) * delta
		}
		r.energy += de
		r.change(r.traj, len(r.traj.Flips)+1, i, s[i])
	}
	if r.xt == nil {
		return
	}
	for mu, v := range r.xt.Row(i) {
		r.dots[mu] += delta * float64(v)
	}
}

func (r *recorder) frame(pos float64, s []float32) {
	r.traj.Frames = append(r.traj.Frames, Frame{Sweep: pos, State: slices.Clone(s)})
}

func (r *recorder) sweepDone(sweep, flips int, s []float32) error {
	e := r.f.energy(s)
	r.traj.Energies = append(r.traj.Energies, e)
	r.traj.Flips = append(r.traj.Flips, flips)
	var ov []float64
	if r.xt != nil {
		ov = r.overlaps()
		r.traj.Overlaps = append(r.traj.Overlaps, ov)
	}
	return r.done(r.traj, sweep, flips, s, e, ov)
}

// Recall runs the dynamics from state (±1 or 0/1, not modified) with
// incremental local fields: the fields are computed once (O(N²)) and a flip
// of unit i updates all of them in O(N) from row i of W. Energies and
// overlaps are recorded after every sweep (overlaps updated in O(p) per
// flip). See RecallOptions for the modes and stopping rules.
func (net *Network) Recall(ctx context.Context, state []float32, opt RecallOptions) (Trajectory, error) {
	if err := opt.normalize(); err != nil {
		return Trajectory{}, err
	}
	s, err := net.state(state)
	if err != nil {
		return Trajectory{}, err
	}
	f := newDenseFields(net.W, net.Theta, workers())
	f.init(s)
	var traj Trajectory
	rec := newRecorder(f, net.patterns, net.transposed(), s, &traj, opt)
	d := &dyn{mode: opt.Mode, maxSweeps: opt.MaxSweeps, temp: opt.Temperature, rng: opt.Rand, frames: opt.Frames}
	res, err := d.run(ctx, f, s, rec)
	traj.Final = s
	traj.Sweeps = res.sweeps
	traj.Converged = res.converged
	traj.Cycle = res.cycle
	return traj, err
}
