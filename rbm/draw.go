package rbm

import (
	"math"
	"strconv"

	"github.com/ebm-go/ebm/internal/nanjson"
	"github.com/ebm-go/ebm/internal/tensor"
)

// DrawOptions configure Draw.
type DrawOptions struct {
	N, Steps int // chains, and Gibbs steps (or tempering rounds) per chain
	// Temperatures T > 1 samples by parallel tempering at PTBetas(T); 0 or
	// 1 is plain block Gibbs sampling.
	Temperatures int
	// Init holds the N starting states in the data's units (nil: the
	// units' start).
	Init *tensor.Matrix
	Seed uint64
}

// Draws are samples with how they were drawn; the JSON form (NaN as null)
// describes the sampler.
type Draws struct {
	// States and Means (E[v|h] of the last half-step) are in the data's
	// units.
	States, Means *tensor.Matrix `json:"-"`
	Sampler       string         `json:"sampler"` // gibbs or parallel-tempering
	Temperatures  int            `json:"temperatures"`
	Betas         []float64      `json:"betas"` // the inverse temperatures, as their float32 values' shortest decimals
	// SwapRates[i] is the acceptance rate of swaps between Betas[i] and
	// Betas[i+1] over all rounds (empty for Gibbs); a rate near 0 cuts the
	// ladder.
	SwapRates    []float64 `json:"swap_rates"`
	MeanSwapRate *float64  `json:"mean_swap_rate"`
	MinSwapRate  *float64  `json:"min_swap_rate"`
}

// MarshalJSON encodes NaN as null.
func (d Draws) MarshalJSON() ([]byte, error) {
	type plain Draws
	return nanjson.Marshal(plain(d))
}

// Draw samples N chains from m in the data's units: Sample (SampleData) or,
// with Temperatures > 1, SampleTempered, every draw from a source seeded
// with Seed.
func (m *RBM) Draw(opt DrawOptions) (*Draws, error) {
	rng := tensor.NewRand(opt.Seed)
	d := &Draws{Sampler: "gibbs", Temperatures: max(opt.Temperatures, 1), Betas: []float64{1}, SwapRates: []float64{}}
	if d.Temperatures == 1 {
		d.States, d.Means = m.SampleData(opt.N, opt.Steps, opt.Init, rng)
		return d, nil
	}
	init := opt.Init
	if init != nil {
		init = m.Standard.Applied(init)
	}
	betas := PTBetas(d.Temperatures)
	states, means, rates, err := m.SampleTempered(opt.N, opt.Steps, betas, init, rng)
	if err != nil {
		return nil, err
	}
	m.Standard.Undo(states)
	m.Standard.Undo(means)
	d.States, d.Means, d.Sampler, d.SwapRates = states, means, "parallel-tempering", rates
	d.Betas = make([]float64, len(betas))
	for i, b := range betas {
		d.Betas[i], _ = strconv.ParseFloat(strconv.FormatFloat(float64(b), 'g', -1, 32), 64)
	}
	mean, lo := 0.0, 1.0
	for _, r := range rates {
		mean += r / float64(len(rates))
		lo = math.Min(lo, r)
	}
	d.MeanSwapRate, d.MinSwapRate = &mean, &lo
	return d, nil
}
