package rbm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ebm-go/ebm/internal/tensor"
)

// epochLoop is the part of training that every trainer shares: the epoch
// schedule (learning rate, momentum), a fresh shuffle of the rows per
// epoch, the mini-batches, the divergence checks with roll-back to the
// model of the last good epoch, the progress callbacks and the per-epoch
// figures. A trainer supplies its update step and its model-specific
// checks and figures.
type epochLoop struct {
	cfg   *Config
	epoch *int // epochs completed, advanced by run
	rng   *tensor.Rand
	batch *tensor.Matrix // reused mini-batch buffer

	// step performs one update on a mini-batch.
	step func(v0 *tensor.Matrix, lr, mom float32)
	// stepRows, when set, performs the update on the mini-batch of the
	// given rows of the training data itself, copying them in on its
	// cores (the owned step), instead of the loop copying them into batch
	// for step.
	stepRows func(src *tensor.Matrix, rows []int, lr, mom float32)
	// snapshot saves the model; the function it returns puts it back.
	snapshot func() (restore func())
	// batchOK is the cheap check after every update, epochOK the complete
	// one at the end of an epoch (nil: nothing to check).
	batchOK, epochOK func() bool
	// monitor fills in the per-epoch figures of the model.
	monitor func(st *EpochStats, train, valid *tensor.Matrix)

	onBatch func(Progress)
	onEpoch func(EpochStats) error
	// flush, when set, writes back into the model what a trainer keeps
	// elsewhere during a run of updates (owned weights); run calls it
	// after an epoch's updates and before it returns or rolls back.
	flush func()
}

// run trains until the epoch count reaches cfg.Epochs (so a restored
// trainer continues where it stopped). Cancelling ctx stops after the
// current mini-batch with ctx.Err() and the model intact.
func (l *epochLoop) run(ctx context.Context, train, valid *tensor.Matrix) ([]EpochStats, error) {
	cfg := l.cfg
	monTrain := train.SliceRows(0, min(cfg.MonitorRows, train.Rows))
	var monValid *tensor.Matrix
	if valid != nil && valid.Rows > 0 {
		monValid = valid.SliceRows(0, min(cfg.MonitorRows, valid.Rows))
	}
	var stats []EpochStats
	perm := make([]int, train.Rows)
	nBatches := (train.Rows + cfg.BatchSize - 1) / cfg.BatchSize
	for *l.epoch < cfg.Epochs {
		e := *l.epoch
		restore := l.snapshot()
		lr, mom := float32(cfg.learningRate(e)), float32(cfg.momentumAt(e))
		for i := range perm {
			perm[i] = i
		}
		l.rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		start := time.Now()
		for b := 0; b < nBatches; b++ {
			if err := ctx.Err(); err != nil {
				l.doFlush()
				return stats, err
			}
			lo, hi := b*cfg.BatchSize, min((b+1)*cfg.BatchSize, train.Rows)
			if l.stepRows != nil {
				l.stepRows(train, perm[lo:hi], lr, mom)
			} else {
				l.batch = l.batch.Resize(hi-lo, train.Cols)
				for r := lo; r < hi; r++ {
					copy(l.batch.Row(r-lo), train.Row(perm[r]))
				}
				l.step(l.batch, lr, mom)
			}
			if l.batchOK != nil && !l.batchOK() {
				l.doFlush()
				restore()
				return stats, fmt.Errorf("epoch %d, batch %d: %w (parameters became NaN or Inf; the model is the one from the end of epoch %d — try a smaller learning rate)", e+1, b+1, ErrDiverged, e)
			}
			if l.onBatch != nil {
				l.onBatch(Progress{Epoch: e + 1, Epochs: cfg.Epochs, Batch: b + 1, Batches: nBatches, SamplesDone: hi})
			}
		}
		secs := time.Since(start).Seconds()
		l.doFlush()
		if l.epochOK != nil && !l.epochOK() {
			restore()
			return stats, fmt.Errorf("epoch %d: %w (weights became NaN or Inf; the model is the one from the end of epoch %d — try a smaller learning rate)", e+1, ErrDiverged, e)
		}
		*l.epoch++
		mstart := time.Now()
		st := EpochStats{Epoch: *l.epoch, Seconds: secs, SamplesPerSecond: float64(train.Rows) / secs,
			LR: float64(lr), Momentum: float64(mom)}
		l.monitor(&st, monTrain, monValid)
		st.MonitorSeconds = time.Since(mstart).Seconds()
		stats = append(stats, st)
		if l.onEpoch != nil {
			if err := l.onEpoch(st); err != nil {
				return stats, err
			}
		}
	}
	return stats, nil
}

func (l *epochLoop) doFlush() {
	if l.flush != nil {
		l.flush()
	}
}

// checkTrainData checks the training rows (non-empty) and the held-out rows
// (nil allowed) against a model with its CheckData.
func checkTrainData(check func(*tensor.Matrix) error, train, valid *tensor.Matrix) error {
	if err := check(train); err != nil {
		return fmt.Errorf("training data: %w", err)
	}
	if valid != nil {
		if err := check(valid); err != nil {
			return fmt.Errorf("held-out data: %w", err)
		}
	}
	if train.Rows == 0 {
		return errors.New("training data is empty")
	}
	return nil
}

// learningRate is the rate of epoch e (0-based): LR/(1 + LRDecay·e),
// times the schedule's factor (LRSchedule).
func (c *Config) learningRate(e int) float64 {
	lr := c.LR / (1 + c.LRDecay*float64(e))
	if c.Epochs <= 1 {
		return lr
	}
	x := float64(e) / float64(c.Epochs-1) // 0 in the first epoch, 1 in the last
	switch c.LRSchedule {
	case "linear":
		return lr * (1 - (1-finalLRFraction)*x)
	case "cosine":
		return lr * (finalLRFraction + (1-finalLRFraction)*(1+math.Cos(math.Pi*x))/2)
	}
	return lr
}

// finalLRFraction is where the linear and cosine schedules end: the last
// epoch runs at a hundredth of the rate.
const finalLRFraction = 0.01

// momentumAt is the momentum of epoch e (0-based).
func (c *Config) momentumAt(e int) float64 {
	if e < c.MomentumEpochs {
		return c.InitialMomentum
	}
	return c.FinalMomentum
}
