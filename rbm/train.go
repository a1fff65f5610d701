package rbm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strconv"

	"github.com/ebm-go/ebm/internal/nanjson"
	"github.com/ebm-go/ebm/internal/option"
	"github.com/ebm-go/ebm/internal/tensor"
)

// Method selects how the negative (model) statistics are estimated.
type Method string

const (
	// CD is contrastive divergence: a k-step Gibbs chain started at the data.
	CD Method = "cd"
	// PCD is persistent contrastive divergence (Tieleman 2008): the chains
	// persist across updates.
	PCD Method = "pcd"
	// PT is persistent parallel tempering (Desjardins et al. 2010; Salakhutdinov
	// 2010): persistent chains at inverse temperatures 1 = β_1 > … > β_T
	// (evenly spaced down to 1/T) take k Gibbs steps each, then neighbours swap
	// states by the Metropolis rule; the β = 1 chains give the statistics.
	PT Method = "pt"
	// Restart is non-persistent, non-equilibrium training with a matched
	// sampler (Decelle, Furtlehner & Seoane 2021, "Rdm-k"): every update
	// restarts Chains negative chains from the units' start (uniform random
	// bits for Bernoulli units, v = b for Gaussian ones) and runs k Gibbs
	// steps. The model learns to make k steps from noise reproduce the
	// data, so sampling it the same way (Sample with nil init and k steps;
	// the model file's "sampler" metadata) draws what it was trained to
	// draw, whether or not its equilibrium distribution is the data's.
	Restart Method = "restart"
)

var (
	// ErrNotFinite reports a parameter that is NaN or ±Inf.
	ErrNotFinite = errors.New("parameters are not finite")
	// ErrDiverged reports training stopped because parameters became NaN or
	// Inf; the model is restored to the last good state (the end of the
	// previous epoch).
	ErrDiverged = errors.New("training diverged")
)

// Config holds the training settings. Zero values of Method, K, BatchSize,
// LR, Chains, Temperatures, MonitorRows and PLLRows take the defaults listed
// on each field; momentum and the other costs are taken as given (0 is a
// setting), so start from Defaults to get the recommended schedule.
type Config struct {
	Method    Method  // cd (default), pcd or pt
	K         int     // Gibbs steps per update (default 1)
	Epochs    int     // passes over the data
	BatchSize int     // examples per update (default 100)
	LR        float64 // learning rate (default: Defaults(Method, units).LR)
	// LRDecay makes the rate of epoch e (0-based) LR/(1 + LRDecay·e).
	LRDecay float64
	// LRSchedule is "" or "constant" (only LRDecay), "linear" or "cosine":
	// the rate falls over the run's Epochs from LR in the first epoch to
	// LR/100 in the last, on a line or a half cosine (times LRDecay's
	// factor). The schedule spans Epochs, so a run resumed with more
	// epochs stretches it from there on.
	LRSchedule string
	// Momentum is InitialMomentum for the first MomentumEpochs epochs,
	// FinalMomentum after (defaults 0.5, 0.9, 5). Set both to 0 for plain SGD.
	InitialMomentum, FinalMomentum float64
	MomentumEpochs                 int
	WeightDecay                    float64 // L2 cost on W (default 0; 2e-4 is common)
	// SparsityTarget p > 0 adds Hinton's sparsity penalty of weight
	// SparsityCost on the running mean q of hidden probabilities (decay 0.9):
	// the hidden biases and weights move by −cost·(q−p) (times mean v for W).
	SparsityTarget, SparsityCost float64
	// Chains is the number of negative chains of PCD, PT (per temperature)
	// and Restart (default BatchSize); CD runs one chain per batch row.
	Chains int
	// RestartFrom is where Restart's chains start: "noise" (default: the
	// units' Start, uniform bits for Bernoulli units) or "base-rate"
	// (Bernoulli units: v_i ~ Bernoulli of the training data's column mean,
	// recorded in the model as RBM.StartRate so that its sampler starts
	// there too).
	RestartFrom string
	// Centered trains with centered gradients (Melchior, Fischer & Wiskott
	// 2016, "How to center deep Boltzmann machines"): the update of W is
	// ⟨(v−μ)(h−λ)ᵀ⟩_data − ⟨(v−μ)(h−λ)ᵀ⟩_model, the biases' the plain
	// ones minus ΔW λ and ΔWᵀ μ (the centered model's step, written in the
	// plain parameters the file holds), with offsets μ and λ running means
	// of the data's v and p(h|v) (rate OffsetRate, default 0.01; μ starts
	// at the training data's mean, λ at 0.5). Bernoulli units only.
	Centered   bool
	OffsetRate float64
	// Temperatures is the number of tempered chain sets for PT (default 10).
	Temperatures int
	// AdaptLadder moves PT's inverse temperatures (between β = 1 and the
	// lowest, 1/Temperatures, both fixed) toward equal swap rates between
	// all neighbouring pairs (Tempered.AdaptLadder).
	AdaptLadder bool
	// MonitorRows is how many training (and held-out) rows the per-epoch
	// figures use (default 1000); PLLRows how many of them the exact
	// pseudo-log-likelihood uses (default 200; it costs V·H softplus per row).
	MonitorRows, PLLRows int
}

// DefaultConfig returns the defaults: CD-1, batch 100, learning rate 0.05,
// momentum 0.5 then 0.9 after 5 epochs, no weight decay, no sparsity.
func DefaultConfig() Config {
	return Config{Method: CD, K: 1, Epochs: 1, BatchSize: 100, LR: 0.05,
		InitialMomentum: 0.5, FinalMomentum: 0.9, MomentumEpochs: 5,
		MonitorRows: 1000, PLLRows: 200}
}

// DefaultConfigFor returns the defaults for a method, 10 epochs unless
// said otherwise (the command line's defaults). CD keeps Hinton's
// schedule (learning rate 0.05, momentum 0.5 then 0.9 after 5 epochs).
// Persistent methods (PCD, PT) default to learning rate 0.02 and momentum
// 0.5 throughout: their chains must follow the model, and with momentum 0.9
// (an effective rate ten times the nominal one) they fall behind — measured
// on MNIST, 784×500, 10 epochs, PCD-1 (README, "Choosing the defaults"):
// momentum 0.9 gave a pseudo-log-likelihood of −0.113 to −0.122 nats per
// unit, momentum 0.5 −0.079.
//
// Restart defaults to the settings of ebm's Quick start, chosen by
// measuring the class coverage of its samples (docs/results.md, "Samples
// that cover every digit"): k = RestartK steps, RestartEpochs epochs,
// RestartBatch rows and chains per update, learning rate 0.1 on a cosine
// schedule (down to 0.001 in the last epoch) and momentum 0.5 throughout.
func DefaultConfigFor(m Method) Config {
	c := DefaultConfig()
	c.Method, c.Epochs = m, 10
	switch m {
	case PCD, PT:
		c.LR = 0.02
		c.FinalMomentum = 0.5
	case Restart:
		c.K, c.Epochs, c.BatchSize, c.Chains = RestartK, RestartEpochs, RestartBatch, RestartBatch
		c.LR, c.FinalMomentum, c.LRSchedule = 0.1, 0.5, "cosine"
	}
	return c
}

// The Quick start's restart settings (DefaultConfigFor(Restart)).
const (
	RestartK      = 5
	RestartEpochs = 10
	RestartBatch  = 500
)

// Defaults returns the defaults for a method and a type of visible units:
// DefaultConfigFor(m), with learning rate 0.001 for Gaussian units (Hinton's
// guide: one to two orders of magnitude below the binary rate, since the
// visible states are unbounded).
func Defaults(m Method, u Units) Config {
	c := DefaultConfigFor(m)
	if u != nil && u.Name() == "gaussian" {
		c.LR = defaultGaussianLR
	}
	return c
}

const defaultGaussianLR = 0.001

// defaultOffsetRate is the centering offsets' running-mean rate
// (Melchior et al. 2016 use 0.01).
const defaultOffsetRate = 0.01

// fill replaces zero settings by the defaults of the method and units:
// method CD, k 1, batch 100, the learning rate of Defaults.
func (c *Config) fill(u Units) {
	if c.Method == "" {
		c.Method = CD
	}
	if c.K == 0 {
		c.K = 1
	}
	if c.BatchSize == 0 {
		c.BatchSize = 100
	}
	if c.LR == 0 {
		c.LR = Defaults(c.Method, u).LR
	}
}

// OptionError is an invalid setting: Option names it as the command line
// spells it ("batch", "lr", "momentum-epochs"), Err says what is wrong and
// what is allowed. A command line tool finds it with errors.As and prints
// its flag.
type OptionError = option.Error

func optionErr(option, format string, a ...any) error {
	return &OptionError{Option: option, Err: fmt.Errorf(format, a...)}
}

// validate checks the settings (filled by fill) and sets the defaults that
// depend on others (chains, temperatures, monitor rows); errors are
// OptionErrors.
func (c *Config) validate() error {
	switch c.Method {
	case CD, PCD, Restart:
	case PT:
		if c.Temperatures == 0 {
			c.Temperatures = 10
		}
		if c.Temperatures < 2 {
			return optionErr("temperatures", "parallel tempering needs at least 2 temperatures, got %d", c.Temperatures)
		}
	case "":
		c.Method = CD
	default:
		return optionErr("method", "unknown method %q (want cd, pcd, pt or restart)", c.Method)
	}
	for _, x := range []struct {
		name   string
		v, min int
	}{{"k", c.K, 1}, {"epochs", c.Epochs, 0}, {"batch", c.BatchSize, 1}, {"momentum-epochs", c.MomentumEpochs, 0},
		{"chains", c.Chains, 0}, {"monitor", c.MonitorRows, 0}, {"pll-rows", c.PLLRows, 0}} {
		if x.v < x.min {
			return optionErr(x.name, "must be at least %d, got %d", x.min, x.v)
		}
	}
	if !(c.LR > 0) || math.IsInf(c.LR, 0) {
		return optionErr("lr", "the learning rate must be positive and finite, got %g", c.LR)
	}
	for _, x := range []struct {
		name string
		v    float64
	}{{"lr-decay", c.LRDecay}, {"weight-decay", c.WeightDecay}, {"sparsity-target", c.SparsityTarget}, {"sparsity-cost", c.SparsityCost}} {
		if x.v < 0 || math.IsNaN(x.v) || math.IsInf(x.v, 0) {
			return optionErr(x.name, "must be ≥ 0 and finite, got %g", x.v)
		}
	}
	if c.SparsityTarget >= 1 {
		return optionErr("sparsity-target", "must be below 1, got %g", c.SparsityTarget)
	}
	for _, mo := range []struct {
		name string
		v    float64
	}{{"initial-momentum", c.InitialMomentum}, {"momentum", c.FinalMomentum}} {
		if mo.v < 0 || mo.v >= 1 || math.IsNaN(mo.v) {
			return optionErr(mo.name, "must be in [0, 1), got %g", mo.v)
		}
	}
	if c.Chains == 0 {
		c.Chains = c.BatchSize
	}
	switch c.RestartFrom {
	case "", "noise":
	case "base-rate":
		if c.Method != Restart {
			return optionErr("restart-from", "applies to --method restart only")
		}
	default:
		return optionErr("restart-from", "%q: want noise or base-rate", c.RestartFrom)
	}
	switch c.LRSchedule {
	case "", "constant", "linear", "cosine":
	default:
		return optionErr("lr-schedule", "%q: want constant, linear or cosine", c.LRSchedule)
	}
	if c.AdaptLadder && c.Method != PT {
		return optionErr("adapt-ladder", "an adaptive temperature ladder needs --method pt")
	}
	if c.Centered && c.OffsetRate == 0 {
		c.OffsetRate = defaultOffsetRate
	}
	if c.OffsetRate < 0 || c.OffsetRate > 1 || math.IsNaN(c.OffsetRate) {
		return optionErr("offset-rate", "must be in [0, 1], got %g", c.OffsetRate)
	}
	if c.MonitorRows == 0 {
		c.MonitorRows = 1000
	}
	if c.PLLRows == 0 {
		c.PLLRows = 200
	}
	return nil
}

// EpochStats are the figures monitored after each epoch.
type EpochStats struct {
	Epoch            int     `json:"epoch"`              // 1-based
	Seconds          float64 `json:"seconds"`            // wall time of the epoch's updates
	SamplesPerSecond float64 `json:"samples_per_second"` // training examples per second of update time
	MonitorSeconds   float64 `json:"monitor_seconds"`    // wall time of computing the figures below
	LR               float64 `json:"lr"`
	Momentum         float64 `json:"momentum"`
	// ReconError is the mean squared error of a mean-field reconstruction on
	// the training monitor rows (summed over units, averaged over rows).
	ReconError float64 `json:"reconstruction_error"`
	// PLL is the exact pseudo-log-likelihood per visible unit (nats);
	// PLLTotal the same summed over units, the scale of scikit-learn's
	// BernoulliRBM.score_samples (whose expectation it is).
	PLL      float64 `json:"pseudo_log_likelihood"`
	PLLTotal float64 `json:"pseudo_log_likelihood_sklearn_scale"`
	// Mean free energies of the training and held-out monitor rows, and the
	// gap held-out − train (NaN when there is no held-out data). A growing
	// gap signals over-fitting (Hinton 2010, §6).
	FreeEnergyTrain float64 `json:"free_energy_train"`
	FreeEnergyValid float64 `json:"free_energy_valid"`
	FreeEnergyGap   float64 `json:"free_energy_gap"`
	// SwapRate is PT's mean swap acceptance over neighbouring temperature
	// pairs since this trainer was created or restored (NaN for CD and PCD).
	SwapRate float64 `json:"swap_rate"`
}

// Progress is reported after every mini-batch.
type Progress struct {
	Epoch, Epochs  int // 1-based current epoch, and the total
	Batch, Batches int // 1-based batch within the epoch, and the count
	SamplesDone    int // examples processed in this epoch so far
}

// Trainer trains an RBM — any visible units — by CD-k, PCD-k or PT with
// momentum SGD. It holds all the state a run needs to continue
// (velocities, persistent chains, sparsity averages, epoch count, random
// state) and reuses its buffers, so the update loop allocates nothing.
// Units with parameters of their own (Gaussian σ with Learn set) are
// updated beside W, b and c.
type Trainer struct {
	Config
	// OnBatch, when set, is called after every update.
	OnBatch func(Progress)
	// OnEpoch, when set, is called after every epoch with its figures; a
	// non-nil error stops training and is returned.
	OnEpoch func(EpochStats) error

	Epoch int // epochs completed

	m          *RBM
	rng        *tensor.Rand
	vW         *tensor.Matrix
	vB, vC, vS []float32 // velocities; vS of the units' own parameters
	gW         *tensor.Matrix
	gB, gC, gS []float32
	q          []float32 // running mean of hidden probabilities (sparsity)
	persistent *Chain
	restart    *Chain    // Restart's chains, started afresh every update
	pt         *Tempered // PT: the chains at PTBetas(Temperatures); pt.Chains[0] is β = 1
	cd         *Chain
	v0, ph0    *tensor.Matrix
	x0, wp     *tensor.Matrix // x(v0), and ph·Wᵀ for serial Gaussian units' gradient
	dots       []float64      // Σ_j W_ij gW_ij, the units' coupling gradient
	meanV0     []float32
	mu, lambda []float32      // centering offsets of v and h (Centered)
	cen        centering      // the centered update's scratch
	wUp        tensor.PackedB // W packed for a step's dense up passes (Gaussian units)

	// owned is the step on several cores with the weights owned by them
	// (owned.go), nil when it does not apply; forceParts sets its part
	// count (tests: any count gives the same bits, on any GOMAXPROCS).
	owned      *ownedStep
	forceParts int
	// testCuts, when set, is called after every step of the owned step
	// with the step's number and the cuts of the hidden units into parts,
	// which it may change (reporting true) instead of the balancing.
	testCuts func(step int, cuts []int) bool
}

// NewTrainer returns a trainer for m. rng drives shuffling, sampling and
// chain initialisation; the trainer keeps it. Zero settings take the
// defaults of the method and m's units (see Config).
func NewTrainer(cfg Config, m *RBM, rng *tensor.Rand) (*Trainer, error) {
	cfg.fill(m.units())
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	nv, nh := m.NVisible(), m.NHidden()
	t := &Trainer{Config: cfg, m: m, rng: rng,
		vW: tensor.New(nv, nh), vB: make([]float32, nv), vC: make([]float32, nh),
		gW: tensor.New(nv, nh), gB: make([]float32, nv), gC: make([]float32, nh),
		meanV0: make([]float32, nv),
	}
	if l, ok := m.units().(learner); ok {
		t.vS, t.gS = make([]float32, len(l.params())), make([]float32, len(l.params()))
	}
	if cfg.RestartFrom == "base-rate" && !isBernoulli(m.units()) {
		return nil, optionErr("restart-from", "base-rate starts are for Bernoulli visible units, not %s", m.units().Name())
	}
	if cfg.Centered && !isBernoulli(m.units()) {
		return nil, optionErr("centered", "centered gradients are for Bernoulli visible units, not %s", m.units().Name())
	}
	return t, nil
}

func isBernoulli(u Units) bool { _, ok := u.(Bernoulli); return ok }

// Model returns the model being trained. During Train (from OnBatch) it
// first brings the model's weights up to date: on several cores the
// trainer keeps them in blocks of its own between epochs (see Train).
func (t *Trainer) Model() *RBM {
	t.owned.flush()
	return t.m
}

// Rand returns the trainer's random source.
func (t *Trainer) Rand() *tensor.Rand { return t.rng }

// LearningRate returns the rate used in epoch e (0-based).
func (t *Trainer) LearningRate(e int) float64 { return t.learningRate(e) }

// MomentumAt returns the momentum used in epoch e (0-based).
func (t *Trainer) MomentumAt(e int) float64 { return t.momentumAt(e) }

// Train runs epochs until t.Epoch reaches t.Epochs (so a restored trainer
// continues where it stopped). valid may be nil. Cancelling ctx stops after
// the current mini-batch and returns ctx.Err() with the model intact.
//
// On several cores, RBMs trained by CD, PCD or Restart (Bernoulli or
// Gaussian visible units, with or without centering, sparsity and learned
// σ) keep the columns of W of each core's hidden units in that core's own
// memory from update to update, and write them back
// into the model at the end of every epoch, when Train returns, and when
// Model is called; read the weights between updates (OnBatch) through
// Model. The result is bit-identical to training on one core.
func (t *Trainer) Train(ctx context.Context, train, valid *tensor.Matrix) ([]EpochStats, error) {
	m := t.m
	if err := checkTrainData(m.CheckData, train, valid); err != nil {
		return nil, err
	}
	t.useOwned()
	defer t.owned.close()
	nv, nh := m.NVisible(), m.NHidden()
	if t.Method == PCD && t.persistent == nil {
		// Persistent chains start at random training examples.
		t.persistent = resizeChain(nil, t.Chains, nv, nh)
		for r := 0; r < t.Chains; r++ {
			copy(t.persistent.V.Row(r), train.Row(t.rng.IntN(train.Rows)))
		}
	}
	if t.Method == PT && t.pt == nil {
		t.initTempered(nv, nh)
		for _, c := range t.pt.Chains {
			for r := 0; r < t.Chains; r++ {
				copy(c.V.Row(r), train.Row(t.rng.IntN(train.Rows)))
			}
		}
	}
	if t.Method == Restart && t.RestartFrom == "base-rate" && m.StartRate == nil {
		m.StartRate = make([]float32, nv)
		tensor.ColumnSums(m.StartRate, train, 1/float32(train.Rows))
		for i, p := range m.StartRate {
			m.StartRate[i] = min(max(p, 0), 1)
		}
	}
	if t.Centered && t.mu == nil {
		t.mu, t.lambda = make([]float32, nv), make([]float32, nh)
		tensor.ColumnSums(t.mu, train, 1/float32(train.Rows))
		for j := range t.lambda {
			t.lambda[j] = 0.5
		}
	}
	loop := epochLoop{
		cfg: &t.Config, epoch: &t.Epoch, rng: t.rng, batch: t.v0, step: t.step,
		snapshot: func() func() {
			good := m.Clone()
			return func() { *m = *good }
		},
		batchOK: func() bool {
			return tensor.AllFinite(m.B) && tensor.AllFinite(m.C) && m.units().Validate(nv) == nil
		},
		epochOK: func() bool { return tensor.AllFinite(m.W.Data) },
		monitor: func(st *EpochStats, train, valid *tensor.Matrix) {
			t.monitor(st, train, valid)
			st.SwapRate = math.NaN()
			if rates := t.SwapRates(); len(rates) > 0 {
				st.SwapRate = 0
				for _, r := range rates {
					st.SwapRate += r / float64(len(rates))
				}
			}
		},
		onBatch: t.OnBatch, onEpoch: t.OnEpoch, flush: t.owned.flush,
	}
	if t.owned != nil {
		loop.stepRows = t.owned.stepRows
	}
	stats, err := loop.run(ctx, train, valid)
	t.v0 = loop.batch
	return stats, err
}

// Monitor computes the per-epoch figures of m on the given rows (the
// pseudo-log-likelihood is NaN for units that are not binary).
func Monitor(m *RBM, train, valid *tensor.Matrix, pllRows int) EpochStats {
	var st EpochStats
	st.ReconError = m.ReconstructionError(train)
	st.PLLTotal = m.PseudoLogLikelihood(train.SliceRows(0, min(pllRows, train.Rows)))
	st.PLL = st.PLLTotal / float64(m.NVisible())
	st.FreeEnergyTrain = m.MeanFreeEnergy(train)
	st.FreeEnergyValid, st.FreeEnergyGap = math.NaN(), math.NaN()
	if valid != nil {
		st.FreeEnergyValid = m.MeanFreeEnergy(valid)
		st.FreeEnergyGap = st.FreeEnergyValid - st.FreeEnergyTrain
	}
	return st
}

func (t *Trainer) monitor(st *EpochStats, train, valid *tensor.Matrix) {
	f := Monitor(t.m, train, valid, t.PLLRows)
	st.ReconError, st.PLL, st.PLLTotal = f.ReconError, f.PLL, f.PLLTotal
	st.FreeEnergyTrain, st.FreeEnergyValid, st.FreeEnergyGap = f.FreeEnergyTrain, f.FreeEnergyValid, f.FreeEnergyGap
}

// useOwned sets up the owned step for this run when it applies (and
// makes it copy the weights out at its first update); the caller closes
// it (t.owned.close) on the same goroutine.
func (t *Trainer) useOwned() {
	t.owned = nil
	if np := t.ownedParts(); np > 0 {
		t.owned = newOwnedStep(t, np)
	}
}

// step performs one update on the batch v0.
func (t *Trainer) step(v0 *tensor.Matrix, lr, mom float32) {
	if t.owned != nil {
		t.owned.step(v0, lr, mom)
		return
	}
	t.gradient(v0)
	m := t.m
	// Momentum SGD with L2 weight decay on W.
	tensor.MomentumStep(m.W.Data, t.vW.Data, t.gW.Data, lr, mom, float32(t.WeightDecay))
	for i, g := range t.gC {
		t.vC[i] = mom*t.vC[i] + lr*g
	}
	tensor.Axpy(1, t.vC, m.C)
	t.updateVisible(lr, mom)
}

// updateVisible takes the momentum step of the visible biases and of the
// units' own parameters (learned σ) from gB and gS: the one-core step's
// and the owned step's.
func (t *Trainer) updateVisible(lr, mom float32) {
	m := t.m
	for i, g := range t.gB {
		t.vB[i] = mom*t.vB[i] + lr*g
	}
	tensor.Axpy(1, t.vB, m.B)
	if l, ok := m.units().(learner); ok && l.learned() {
		p := l.params()
		for i, g := range t.gS {
			t.vS[i] = mom*t.vS[i] + lr*g
		}
		tensor.Axpy(1, t.vS, p)
		l.clamp()
	}
}

// gradient fills gW, gB, gC with the CD-k / PCD-k estimate of the gradient
// of the mean log-likelihood of the batch v0 (plus the sparsity term).
func (t *Trainer) gradient(v0 *tensor.Matrix) {
	m := t.m
	u := m.units()
	n := v0.Rows
	nv, nh := m.NVisible(), m.NHidden()
	t.ph0 = t.ph0.Resize(n, nh)
	x0 := u.Input(t.x0, v0)
	if x0 != v0 {
		t.x0 = x0
	}
	// Real-valued inputs (Gaussian units) take the dense products: W is
	// packed once for the batch's and the chains' up passes.
	_, dense := u.(*Gaussian)
	if dense {
		t.wUp.Pack(m.W, false)
		tensor.GemmPacked(1, x0, &t.wUp, 0, t.ph0) // MatMul's bits
	} else {
		tensor.MatMul(t.ph0, x0, m.W)
	}
	tensor.SigmoidBiasRows(t.ph0, m.C)

	var c *Chain
	switch t.Method {
	case PCD:
		c = t.persistent
		m.Gibbs(c, t.K, t.rng)
	case PT:
		t.temperedStep()
		c = t.pt.Chains[0]
	case Restart:
		t.restart = resizeChain(t.restart, t.Chains, nv, nh)
		c = t.restart
		m.start(c.V, t.rng)
		m.Gibbs(c, t.K, t.rng)
	default:
		t.cd = resizeChain(t.cd, n, nv, nh)
		c = t.cd
		t.rng.BernoulliFast(c.H.Data, t.ph0.Data)
		m.Down(c, t.rng)
		m.Gibbs(c, t.K-1, t.rng)
	}
	// Negative statistics use the hidden probabilities (at β = 1) of the final v.
	xc := m.chainInput(c)
	if dense {
		tensor.GemmPacked(1, xc, &t.wUp, 0, c.PH)
	} else {
		tensor.MatMul(c.PH, xc, m.W)
	}
	tensor.SigmoidBiasRows(c.PH, m.C)
	nc := c.V.Rows

	// Gradient of the mean log-likelihood: ⟨x hᵀ⟩_data − ⟨x hᵀ⟩_model.
	tensor.Gemm(true, false, 1/float32(n), x0, t.ph0, 0, t.gW)
	tensor.Gemm(true, false, -1/float32(nc), xc, c.PH, 1, t.gW)
	clear(t.gB)
	clear(t.gC)
	u.BiasGrad(t.gB, v0, m.B, 1/float32(n))
	u.BiasGrad(t.gB, c.V, m.B, -1/float32(nc))
	tensor.ColumnSums(t.gC, t.ph0, 1/float32(n))
	tensor.ColumnSums(t.gC, c.PH, -1/float32(nc))
	if g, ok := u.(*Gaussian); ok && g.Learn && g.serial {
		clear(t.gS)
		t.wp = t.wp.Resize(n, nv)
		tensor.MatMulTB(t.wp, t.ph0, m.W)
		g.serialParamGrad(t.gS, v0, x0, t.wp, m.B, 1/float32(n))
		t.wp = t.wp.Resize(nc, nv)
		tensor.MatMulTB(t.wp, c.PH, m.W)
		g.serialParamGrad(t.gS, c.V, xc, t.wp, m.B, -1/float32(nc))
	} else if l, ok := u.(learner); ok && l.learned() {
		clear(t.gS)
		l.paramGrad(t.gS, v0, m.B, 1/float32(n))
		l.paramGrad(t.gS, c.V, m.B, -1/float32(nc))
		t.dots = resizeFloat64s(t.dots, nv)
		tensor.RowDots(t.dots, m.W, t.gW)
		l.couplingGrad(t.gS, t.dots)
	}

	if t.Centered {
		t.center(x0)
	}
	if t.sparse() {
		t.sparsity(x0)
	}
}

// resizeFloat64s returns s with length n, reusing its storage.
func resizeFloat64s(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

// center turns the plain gradient (gW, gB, gC) into the centered update
// (Config.Centered) with the current offsets, then moves the offsets
// toward the batch's means of x0 and p(h|x0). With data and model
// statistics S = ⟨x hᵀ⟩, ⟨x⟩, ⟨h⟩,
//
//	ΔW = ⟨(x−μ)(h−λ)ᵀ⟩_d − ⟨(x−μ)(h−λ)ᵀ⟩_m = gW − μ gCᵀ − gB λᵀ
//	Δb = gB − ΔW λ,  Δc = gC − ΔWᵀ μ
//
// all three as products (centerBlock, centerBias), so that the owned
// step's parts, each with a block of the hidden units, give the same bits.
func (t *Trainer) center(x0 *tensor.Matrix) {
	nv, nh := t.gW.Rows, t.gW.Cols
	t.cen.fit(nv, nh)
	centerBlock(&t.cen, t.gW, t.gC, t.gB, t.mu, t.lambda)
	t.cen.packed.Pack(t.gW, true)
	centerBias(&t.cen, &t.cen.packed, t.gB, t.lambda)
	updateOffsets(t.mu, x0, t.OffsetRate)
	updateOffsets(t.lambda, t.ph0, t.OffsetRate)
}

// centering holds the scratch of the centered update of a block of w
// hidden units of nv visible ones: a = [μ; gB] and b = [gC; λ] as rows
// (ΔW = gW − aᵀb is one product of depth 2), one-row views of μ, gC, λ
// and gB for the products with ΔW, and ΔWᵀ packed.
type centering struct {
	a, b            *tensor.Matrix
	mu, gc, lam, gb tensor.Matrix
	packed          tensor.PackedB // ΔWᵀ (the one-core step; parts reuse theirs)
}

// fit sizes the scratch for nv visible and w hidden units.
func (c *centering) fit(nv, w int) {
	c.a = c.a.Resize(2, nv)
	c.b = c.b.Resize(2, w)
}

// row makes m a one-row view of s.
func row(m *tensor.Matrix, s []float32) *tensor.Matrix {
	*m = tensor.Matrix{Rows: 1, Cols: len(s), Data: s}
	return m
}

// centerBlock turns the plain gradient of a block of hidden units — gW
// (nv × w) and gC (w) — into ΔW = gW − μ gCᵀ − gB λᵀ and Δc = gC − ΔWᵀμ in
// place, given the whole plain gB (nv), μ (nv) and the block's λ (w). Each
// element is the same sequence of fused multiply–adds whatever the block
// (tensor's products), so blocks of the hidden units give the bits of the
// whole.
func centerBlock(c *centering, gW *tensor.Matrix, gC, gB, mu, lam []float32) {
	copy(c.a.Row(0), mu)
	copy(c.a.Row(1), gB)
	copy(c.b.Row(0), gC)
	copy(c.b.Row(1), lam)
	tensor.Gemm(true, false, -1, c.a, c.b, 1, gW)
	tensor.Gemm(false, false, -1, row(&c.mu, mu), gW, 1, row(&c.gc, gC))
}

// centerBias subtracts ΔW λ from db (nv): db_i −= Σ_j λ_j ΔW_ij over a
// block's hidden units j, with packed holding the block's ΔWᵀ
// (PackedB.Pack(ΔW, true)): one chain of fused multiply–adds per element
// in the order of j, so blocks taken one after another, each continuing
// db, give the bits of the whole. It runs on the calling goroutine.
func centerBias(c *centering, packed *tensor.PackedB, db, lam []float32) {
	tensor.GemmPacked(-1, row(&c.lam, lam), packed, 1, row(&c.gb, db))
}

// updateOffsets moves centering offsets toward the column means of x:
// off ← (1−ν)·off + ν·mean(x).
func updateOffsets(off []float32, x *tensor.Matrix, rate float64) {
	nu := float32(rate)
	tensor.Scale(off, 1-nu)
	tensor.ColumnSums(off, x, nu/float32(x.Rows))
}

// sparse reports whether Hinton's sparsity term is on.
func (t *Trainer) sparse() bool { return t.SparsityTarget > 0 && t.SparsityCost > 0 }

// sparsity adds Hinton's sparsity term for the batch with inputs x0 = x(v0).
func (t *Trainer) sparsity(v0 *tensor.Matrix) {
	n := v0.Rows
	nh := t.m.NHidden()
	first := t.q == nil
	if first {
		t.q = make([]float32, nh)
	}
	updateSparsityTarget(t.q, t.ph0, n, first)
	clear(t.meanV0)
	tensor.ColumnSums(t.meanV0, v0, 1/float32(n))
	sparsityTerms(t.gW, t.gC, t.meanV0, t.q, float32(t.SparsityCost), float32(t.SparsityTarget))
}

// updateSparsityTarget moves q, the running mean activation of the hidden
// units, toward their mean probabilities ph under a batch of n rows: q =
// mean at the first batch, then q = 0.9·q + 0.1·mean. Shared by the
// one-core step and the owned step's parts, so both give the same bits.
func updateSparsityTarget(q []float32, ph *tensor.Matrix, n int, first bool) {
	if first {
		clear(q)
		tensor.ColumnSums(q, ph, 1/float32(n))
		return
	}
	tensor.Scale(q, 0.9)
	tensor.ColumnSums(q, ph, 0.1/float32(n))
}

// sparsityTerms subtracts the sparsity penalty's gradient from gW and gC
// for the hidden units of q (gW's first len(q) columns, gC's first len(q)
// values): cost·(q_j − target) from c_j, cost·mean(v_i)·(q_j − target)
// from W_ij.
func sparsityTerms(gW *tensor.Matrix, gC, meanV, q []float32, cost, target float32) {
	for j, qj := range q {
		d := cost * (qj - target)
		gC[j] -= d
	}
	for i, mv := range meanV {
		if mv == 0 {
			continue
		}
		row := gW.Row(i)[:len(q)]
		for j, qj := range q {
			row[j] -= cost * mv * (qj - target)
		}
	}
}

// MarshalJSON encodes the figures with NaN (undefined, such as the swap rate
// of CD) as null.
func (s EpochStats) MarshalJSON() ([]byte, error) {
	type plain EpochStats
	return nanjson.Marshal(plain(s))
}

// UnmarshalJSON decodes what MarshalJSON wrote: null (or a missing key)
// becomes NaN.
func (s *EpochStats) UnmarshalJSON(b []byte) error {
	var raw map[string]*float64
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	get := func(k string) float64 {
		if v := raw[k]; v != nil {
			return *v
		}
		return math.NaN()
	}
	*s = EpochStats{Epoch: int(get("epoch")), Seconds: get("seconds"), SamplesPerSecond: get("samples_per_second"),
		MonitorSeconds: get("monitor_seconds"), LR: get("lr"), Momentum: get("momentum"),
		ReconError: get("reconstruction_error"), PLL: get("pseudo_log_likelihood"),
		PLLTotal: get("pseudo_log_likelihood_sklearn_scale"), FreeEnergyTrain: get("free_energy_train"),
		FreeEnergyValid: get("free_energy_valid"), FreeEnergyGap: get("free_energy_gap"), SwapRate: get("swap_rate")}
	return nil
}

// Metadata returns the training settings under the keys model files store
// them (method, k, batch_size, learning_rate, lr_decay, momentum,
// initial_momentum, momentum_epochs, weight_decay, sparsity_target,
// sparsity_cost, epochs — the epochs done —, chains for PCD and PT,
// temperatures for PT, and for Gaussian units learn_sigma). It is the one
// place these keys are written; the checkpoint's "cfg.…" keys hold the same
// settings for resuming.
func (t *Trainer) Metadata() map[string]string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	meta := map[string]string{
		"method": string(t.Method), "k": strconv.Itoa(t.K), "batch_size": strconv.Itoa(t.BatchSize),
		"learning_rate": f(t.LR), "lr_decay": f(t.LRDecay),
		"momentum": f(t.FinalMomentum), "initial_momentum": f(t.InitialMomentum),
		"momentum_epochs": strconv.Itoa(t.MomentumEpochs), "weight_decay": f(t.WeightDecay),
		"sparsity_target": f(t.SparsityTarget), "sparsity_cost": f(t.SparsityCost),
		"epochs": strconv.Itoa(t.Epoch),
	}
	if t.Method != CD {
		meta["chains"] = strconv.Itoa(t.Chains)
	}
	if t.Method == Restart {
		meta[SamplerKey] = Sampler{Init: "random", Steps: t.K}.String()
		if t.RestartFrom == "base-rate" {
			meta["restart_from"] = "base-rate"
		}
	}
	if t.Centered {
		meta["centered"], meta["offset_rate"] = "true", f(t.OffsetRate)
	}
	if t.LRSchedule != "" && t.LRSchedule != "constant" {
		meta["lr_schedule"] = t.LRSchedule
	}
	if t.Method == PT {
		meta["temperatures"] = strconv.Itoa(t.Temperatures)
	}
	if t.AdaptLadder && t.pt != nil {
		meta["ladder"] = formatBetas(t.pt.Betas)
	}
	return meta
}

// TrainingBytes estimates the memory, in bytes, that training an nv × nh
// model with cfg holds at once: the weights and the trainer's copies of
// them (velocity, gradient, the epoch's snapshot, the file being written,
// and on several cores the cores' own blocks of W, velocity, gradient and
// W packed twice, each block with up to a cache line of pad and
// ownedSlack columns of room; W or ΔWᵀ packed once more, and the inputs
// of Gaussian units packed), and every row of the batch, the persistent chains (per temperature for
// PT) and the monitor, each with its visible and hidden states and
// probabilities. It is an upper-end estimate for refusing work that
// cannot fit before anything is allocated; float64, so huge settings do
// not wrap around.
func TrainingBytes(nv, nh int, cfg Config) float64 {
	chains, temps := cfg.Chains, 1
	if chains == 0 {
		chains = cfg.BatchSize
	}
	if cfg.Method == PT {
		temps = max(cfg.Temperatures, 2)
	}
	rows := float64(cfg.BatchSize) + float64(chains)*float64(temps) + float64(max(cfg.MonitorRows, 1000))
	parts := float64(max(1, min(runtime.GOMAXPROCS(0), runtime.NumCPU())))
	owned := 5 * float64(nv) * (float64(nh) + parts*(ownedMinCols+ownedSlack))
	// The one-core step's packed ΔWᵀ (centering) or W (Gaussian units), and
	// the batch's and chains' packed inputs (Gaussian units).
	packed := float64(nv)*float64(nh) + 3*(float64(cfg.BatchSize)+float64(chains)*float64(temps))*float64(nv)
	return SamplingBytes(nv, nh, 0) + 4*owned + 4*packed + 4*3*rows*float64(nv+nh)
}

// SamplingBytes estimates the memory of rows chains of an nv × nh model
// (Sample, SampleTempered with rows = chains × temperatures), with the
// model itself and its copies.
func SamplingBytes(nv, nh int, rows float64) float64 {
	return 4 * (6*float64(nv)*float64(nh) + 3*rows*float64(nv+nh))
}
