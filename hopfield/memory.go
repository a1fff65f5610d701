package hopfield

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ebm-go/ebm/internal/tensor"
)

// Sentinel errors, wrapped by the errors this package returns, for use with
// errors.Is.
var (
	// ErrDimension reports a pattern or state whose length is not the
	// network's number of neurons.
	ErrDimension = errors.New("dimension mismatch")
	// ErrValue reports a pattern or state entry that is not ±1 (or 0/1), or a
	// weight that is not finite.
	ErrValue = errors.New("invalid value")
	// ErrNoPatterns reports a store or experiment with no patterns, or an
	// operation that needs the stored patterns of a network that does not
	// know them (a file written without them).
	ErrNoPatterns = errors.New("no patterns")
	// ErrOption reports an invalid option: an unknown rule or mode, a
	// non-positive temperature, a noise level outside [0, 1], a missing
	// random source.
	ErrOption = errors.New("invalid option")
	// ErrKind reports a model file that does not hold this kind of network.
	ErrKind = errors.New("wrong kind of model")
)

// Memory is an associative memory: it stores patterns and recalls them from
// a cue by running its dynamics. The classical Hopfield network (*Network),
// the dense associative memory (*Dense) and the continuous modern Hopfield
// network (*Continuous) implement it; New builds any of them from a Spec
// and Open reads any of them from a file, so that callers need not know
// the concrete types: what they would recover by a type switch, the Spec
// says (its String, Label and EnergyLabel describe the memory).
// The continuous kind takes and returns real states (any finite values)
// where the binary kinds take ±1 or 0/1.
//
// Recall, Energy and the other methods that only read may run concurrently
// on one memory (each Recall has its own random source); Store and setters
// must not run concurrently with anything.
type Memory interface {
	// Kind names the kind of memory ("classical", ...), as in model files:
	// Spec().Kind.
	Kind() string
	// Spec says how the memory was built (or loaded), defaults filled in:
	// New(Neurons(), Spec()) builds an empty memory like it.
	Spec() Spec
	// Neurons is the length N of a pattern or state.
	Neurons() int
	// Count is the number of patterns stored so far.
	Count() int
	// Patterns returns the stored patterns, one per row (±1), or nil when
	// they are not known. The matrix is the memory's own: do not modify it.
	Patterns() *tensor.Matrix
	// Store adds the rows of patterns (±1 or 0/1, N columns) to the memory.
	Store(patterns *tensor.Matrix) error
	// Recall runs the dynamics from state (±1 or 0/1, length N; not
	// modified) and returns the trajectory. On cancellation it returns the
	// trajectory so far and the context's error.
	Recall(ctx context.Context, state []float32, opt RecallOptions) (Trajectory, error)
	// Energy returns the energy of a state (±1 or 0/1, length N).
	Energy(state []float32) float64
	// FixedPoints counts the stored patterns that the dynamics leaves
	// where they are (for the continuous kind: whose signs one update
	// keeps). When the check would take more than about maxWork
	// multiply-adds (0: no bound) it returns an error wrapping
	// ErrTooLarge without checking; when the memory does not know its
	// patterns, one wrapping ErrNoPatterns.
	FixedPoints(ctx context.Context, maxWork float64) (int, error)
	// Save writes the memory to a model file, with extra metadata.
	Save(path string, extra map[string]string) error
}

// Mode selects the dynamics.
type Mode string

// The dynamics.
const (
	// Async updates one unit at a time, in a fresh random order every sweep,
	// until a sweep changes nothing (a fixed point) or the sweep limit.
	Async Mode = "async"
	// Sync updates all units at once from the same fields, until the state
	// repeats (a fixed point) or returns to the state before (a 2-cycle,
	// reported in Trajectory.Cycle), or the sweep limit.
	Sync Mode = "sync"
	// Glauber is stochastic asynchronous dynamics at temperature T:
	// P(s_i = +1) = σ(2h_i/T), in a fresh random order every sweep. It runs
	// exactly MaxSweeps sweeps: there is no fixed point to stop at.
	Glauber Mode = "glauber"
)

// ParseMode maps a name (async, sync, glauber; case-insensitive) to a Mode.
func ParseMode(s string) (Mode, error) {
	return parseName(s, "mode", "async, sync or glauber", modeNames)
}

var modeNames = map[string]Mode{"async": Async, "sync": Sync, "glauber": Glauber}

// parseName looks s up, trimmed and in any letter case, in names; an
// unknown name is an error wrapping ErrOption that says what it is and
// the names to want.
func parseName[T ~string](s, what, want string, names map[string]T) (T, error) {
	if v, ok := names[strings.ToLower(strings.TrimSpace(s))]; ok {
		return v, nil
	}
	return "", fmt.Errorf("hopfield: unknown %s %q (want %s): %w", what, s, want, ErrOption)
}

// DefaultMaxSweeps is the sweep limit when RecallOptions.MaxSweeps is 0.
const DefaultMaxSweeps = 100

// RecallOptions configure Recall.
type RecallOptions struct {
	// Mode is the dynamics; "" means Async.
	Mode Mode
	// MaxSweeps bounds the number of sweeps (0: DefaultMaxSweeps). A sweep
	// is N single-unit updates (Async, Glauber) or one update of all units
	// (Sync).
	MaxSweeps int
	// Temperature T > 0 of Glauber dynamics; ignored by the other modes.
	Temperature float64
	// Rand is the source of the sweep orders and Glauber decisions. It is
	// required for Async and Glauber and unused by Sync.
	Rand *tensor.Rand
	// Frames, if > 0, records the state Frames times per sweep (after every
	// ⌈N/Frames⌉ unit updates, and at the end of each sweep) plus the
	// initial state, in Trajectory.Frames. Sync records once per sweep.
	Frames int
	// RecordChanges records every unit change of the binary kinds, with the
	// energy after it, in Trajectory.Changes (and in each SweepReport), so
	// that a run can be replayed unit by unit. In Sync mode the units of a
	// sweep change at once: their Energy is the energy after the sweep.
	// The continuous kind has no unit changes and records none.
	RecordChanges bool
	// OnSweep, if set, is called after every sweep (every update of a
	// continuous memory) with what the sweep did, while the run goes on:
	// a caller can stream a recall as it happens. An error it returns
	// stops the run, and Recall returns the trajectory so far and that
	// error.
	OnSweep func(SweepReport) error
}

// Change is one unit change of a recall.
type Change struct {
	// Sweep is the 1-based sweep the change happened in.
	Sweep int `json:"sweep"`
	// Unit is the index of the unit and Value its new state (±1).
	Unit  int     `json:"unit"`
	Value float32 `json:"value"`
	// Energy is the energy of the state right after the change.
	Energy float64 `json:"energy"`
}

// SweepReport is what one sweep did, as passed to RecallOptions.OnSweep.
// Its slices are the run's own: valid during the call only, and not to be
// modified.
type SweepReport struct {
	// Sweep is the 1-based sweep number; Changed the number of units that
	// changed sign in it.
	Sweep   int
	Changed int
	// Energy is the energy after the sweep and Overlaps the overlaps
	// ξ^μ·s/N with the stored patterns (nil when they are not known).
	Energy   float64
	Overlaps []float64
	// Changes are the sweep's unit changes when RecallOptions.RecordChanges
	// is set.
	Changes []Change
	// State is the state after the sweep.
	State []float32
	// Weights, for the continuous kind, are the softmax weights
	// softmax(βXᵀξ) of the state the update started from: the mixture of
	// patterns that produced State. Nil for the binary kinds.
	Weights []float64
}

func (o *RecallOptions) normalize() error {
	if o.Mode == "" {
		o.Mode = Async
	}
	if _, err := ParseMode(string(o.Mode)); err != nil {
		return err
	}
	if o.MaxSweeps < 0 {
		return fmt.Errorf("hopfield: MaxSweeps %d is negative: %w", o.MaxSweeps, ErrOption)
	}
	if o.MaxSweeps == 0 {
		o.MaxSweeps = DefaultMaxSweeps
	}
	if o.Frames < 0 {
		return fmt.Errorf("hopfield: Frames %d is negative: %w", o.Frames, ErrOption)
	}
	if o.Mode == Glauber && !(o.Temperature > 0 && o.Temperature <= 1e300) {
		return fmt.Errorf("hopfield: Glauber dynamics needs a finite temperature > 0, got %g: %w", o.Temperature, ErrOption)
	}
	if o.Mode != Sync && o.Rand == nil {
		return fmt.Errorf("hopfield: %s dynamics needs a seeded random source (RecallOptions.Rand): %w", o.Mode, ErrOption)
	}
	return nil
}

// Trajectory is the record of one recall.
type Trajectory struct {
	// Final is the state the dynamics stopped at (a new slice).
	Final []float32
	// Sweeps is the number of sweeps run, counting the last one that found
	// nothing to change: a run started at a fixed point has Sweeps = 1.
	Sweeps int
	// Converged reports that Final is a fixed point of the deterministic
	// dynamics (Async and Sync stop there). Always false for Glauber.
	Converged bool
	// Cycle reports that synchronous dynamics entered a 2-cycle: Final and
	// the state before it alternate forever.
	Cycle bool
	// Energies holds the energy of the initial state and after each sweep
	// (Sweeps+1 values).
	Energies []float64
	// Overlaps[t][μ] is the overlap m_μ = ξ^μ·s/N of the state after sweep t
	// (t = 0: the initial state) with stored pattern μ; nil when the memory
	// does not know its patterns.
	Overlaps [][]float64
	// Flips[t] is the number of units that changed in sweep t+1.
	Flips []int
	// Frames are the states recorded when RecallOptions.Frames > 0.
	Frames []Frame
	// Changes are the unit changes in order, when
	// RecallOptions.RecordChanges is set.
	Changes []Change
	// Retrieval, for the continuous kind, says what the last update
	// converged to (as Continuous.Retrieve reports it); nil for the binary
	// kinds.
	Retrieval *Retrieval
}

// Frame is a recorded state.
type Frame struct {
	// Sweep is the position in the run, in sweeps: 0 is the initial state,
	// 1.5 is half-way through the second sweep.
	Sweep float64
	// State is a copy of the state at that point.
	State []float32
}

// FinalEnergy is the energy of the final state.
func (t *Trajectory) FinalEnergy() float64 {
	if len(t.Energies) == 0 {
		return 0
	}
	return t.Energies[len(t.Energies)-1]
}

// FinalOverlaps returns the overlaps of the final state with the stored
// patterns, or nil.
func (t *Trajectory) FinalOverlaps() []float64 {
	if len(t.Overlaps) == 0 {
		return nil
	}
	return t.Overlaps[len(t.Overlaps)-1]
}

// States returns the states of the recorded frames as the rows of a
// matrix (as many columns as the final state has units).
func (t *Trajectory) States() *tensor.Matrix {
	rows := tensor.New(len(t.Frames), len(t.Final))
	for k, f := range t.Frames {
		copy(rows.Row(k), f.State)
	}
	return rows
}

var _ Memory = (*Network)(nil)
