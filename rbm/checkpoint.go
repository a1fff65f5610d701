package rbm

import (
	"fmt"
	"strconv"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/modelio"
)

// A checkpoint is a safetensors file holding the model (the same tensors as
// a model file, so a checkpoint also loads with Load) and everything the
// trainer needs to continue bit-identically: the velocities, the persistent
// chains, the sparsity averages, the epoch count, the configuration and the
// random generator's state. Metadata "model" is "rbm" and "checkpoint" is
// "1". Besides the model file's tensors it holds
//
//	velocity.weights          [n_visible, n_hidden]
//	velocity.visible_bias     [n_visible]
//	velocity.hidden_bias      [n_hidden]
//	chains.visible            [chains, n_visible]            PCD
//	chains.tempered           [temperatures, chains, n_visible]  PT (and metadata "pt_round")
//	chains.betas              [temperatures]                 PT with an adaptive ladder (and "pt_rates")
//
// PT checkpoints also record "pt_streams" = "per-temperature": each
// temperature's Gibbs sweeps draw from their own source (Tempered); one
// without it was written before, and resumes with one shared stream.
// Likewise checkpoints of Gaussian units record "normal_stream" = "keyed"
// (tensor.NormalKey); one without it resumes with the serial draws and
// the log σ gradient of the code before (Gaussian.serial).
//	sparsity.q                [n_hidden]                     with a sparsity target
//	offset.visible            [n_visible]                    centered (and metadata "cfg.centered")
//	offset.hidden             [n_hidden]                     centered
//
// and for Gaussian units log_sigma [n_visible] (log σ exactly: sigma went
// through exp) and velocity.log_sigma [n_visible]. The training settings
// are metadata "cfg.…", with "epochs_done" and "rng_state".

// normalStreamKeyed is the "normal_stream" metadata of checkpoints of
// Gaussian units, whose normal draws are keyed (tensor.NormalKey) and
// whose log σ gradient comes from W and the weight gradient.
const normalStreamKeyed = "keyed"

// ptStreamsPerTemperature is the "pt_streams" metadata of PT checkpoints
// whose temperatures draw from a source each.
const ptStreamsPerTemperature = "per-temperature"

// SaveCheckpoint writes the model and the trainer's state to path
// atomically. extra metadata (data set, seed…) is stored alongside.
func (t *Trainer) SaveCheckpoint(path string, extra map[string]string) error {
	t.owned.flush()
	m := t.m
	if err := m.Validate(); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	meta, err := checkpointMeta(extra, t.Config, t.Epoch, t.rng)
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	f := m.file(meta)
	nv, nh := m.NVisible(), m.NHidden()
	ts := f.Tensors
	ts["velocity.weights"] = modelio.Tensor{Shape: []int{nv, nh}, Data: t.vW.Data}
	ts["velocity.visible_bias"] = modelio.Tensor{Shape: []int{nv}, Data: t.vB}
	ts["velocity.hidden_bias"] = modelio.Tensor{Shape: []int{nh}, Data: t.vC}
	if g, ok := m.units().(*Gaussian); ok {
		ts["log_sigma"] = modelio.Tensor{Shape: []int{nv}, Data: g.LogSigma}
		ts["velocity.log_sigma"] = modelio.Tensor{Shape: []int{nv}, Data: t.vS}
		if !g.serial {
			f.Metadata["normal_stream"] = normalStreamKeyed
		}
	}
	if t.persistent != nil {
		ts["chains.visible"] = modelio.Tensor{Shape: []int{t.persistent.V.Rows, nv}, Data: t.persistent.V.Data}
	}
	if t.pt != nil {
		all := make([]float32, 0, len(t.pt.Chains)*t.Chains*nv)
		for _, c := range t.pt.Chains {
			all = append(all, c.V.Data...)
		}
		ts["chains.tempered"] = modelio.Tensor{Shape: []int{len(t.pt.Chains), t.Chains, nv}, Data: all}
		f.Metadata["pt_round"] = strconv.Itoa(t.pt.round)
		if !t.pt.serial {
			f.Metadata["pt_streams"] = ptStreamsPerTemperature
		}
		if t.pt.rates != nil {
			ts["chains.betas"] = modelio.Tensor{Shape: []int{len(t.pt.Betas)}, Data: t.pt.Betas}
			f.Metadata["pt_rates"] = formatRates(t.pt.rates)
		}
	}
	if t.q != nil {
		ts["sparsity.q"] = modelio.Tensor{Shape: []int{nh}, Data: t.q}
	}
	if t.mu != nil {
		ts["offset.visible"] = modelio.Tensor{Shape: []int{nv}, Data: t.mu}
		ts["offset.hidden"] = modelio.Tensor{Shape: []int{nh}, Data: t.lambda}
	}
	if err := modelio.Save(path, f); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return nil
}

func ftoa(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// checkpointMeta returns the metadata every checkpoint carries: extra, then
// "checkpoint", the epoch count, the random state and the configuration
// (keys "cfg.…"), which override extra. The caller adds the model's kind.
func checkpointMeta(extra map[string]string, c Config, epoch int, rng *tensor.Rand) (map[string]string, error) {
	rs, err := rng.MarshalText()
	if err != nil {
		return nil, err
	}
	meta := map[string]string{}
	for k, v := range extra {
		meta[k] = v
	}
	for k, v := range map[string]string{
		"checkpoint": "1", "epochs_done": strconv.Itoa(epoch), "rng_state": string(rs),
		"cfg.method": string(c.Method), "cfg.k": strconv.Itoa(c.K), "cfg.epochs": strconv.Itoa(c.Epochs),
		"cfg.batch_size": strconv.Itoa(c.BatchSize), "cfg.lr": ftoa(c.LR), "cfg.lr_decay": ftoa(c.LRDecay),
		"cfg.initial_momentum": ftoa(c.InitialMomentum), "cfg.final_momentum": ftoa(c.FinalMomentum),
		"cfg.momentum_epochs": strconv.Itoa(c.MomentumEpochs), "cfg.weight_decay": ftoa(c.WeightDecay),
		"cfg.sparsity_target": ftoa(c.SparsityTarget), "cfg.sparsity_cost": ftoa(c.SparsityCost),
		"cfg.chains": strconv.Itoa(c.Chains), "cfg.monitor_rows": strconv.Itoa(c.MonitorRows),
		"cfg.pll_rows": strconv.Itoa(c.PLLRows), "cfg.temperatures": strconv.Itoa(c.Temperatures),
	} {
		meta[k] = v
	}
	if c.AdaptLadder {
		meta["cfg.adapt_ladder"] = "true"
	}
	if c.LRSchedule != "" && c.LRSchedule != "constant" {
		meta["cfg.lr_schedule"] = c.LRSchedule
	}
	if c.RestartFrom == "base-rate" { // the default, noise, is not written: older files keep their bytes
		meta["cfg.restart_from"] = c.RestartFrom
	}
	if c.Centered { // absent in files of uncentered runs, which keep their bytes
		meta["cfg.centered"], meta["cfg.offset_rate"] = "true", ftoa(c.OffsetRate)
	}
	return meta, nil
}

// checkpointState decodes what checkpointMeta wrote: the configuration, the
// number of epochs done and the random generator.
func checkpointState(md map[string]string) (Config, int, *tensor.Rand, error) {
	m := modelio.ReadMeta(md)
	cfg := Config{
		Method: Method(md["cfg.method"]), K: m.Int("cfg.k"), Epochs: m.Int("cfg.epochs"), BatchSize: m.Int("cfg.batch_size"),
		LR: m.Float("cfg.lr"), LRDecay: m.Float("cfg.lr_decay"), InitialMomentum: m.Float("cfg.initial_momentum"),
		FinalMomentum: m.Float("cfg.final_momentum"), MomentumEpochs: m.Int("cfg.momentum_epochs"),
		WeightDecay: m.Float("cfg.weight_decay"), SparsityTarget: m.Float("cfg.sparsity_target"),
		SparsityCost: m.Float("cfg.sparsity_cost"), Chains: m.Int("cfg.chains"), MonitorRows: m.Int("cfg.monitor_rows"),
		PLLRows: m.Int("cfg.pll_rows"),
	}
	if md["cfg.method"] == string(PT) {
		cfg.Temperatures = m.Int("cfg.temperatures")
	}
	cfg.AdaptLadder = md["cfg.adapt_ladder"] == "true"
	cfg.RestartFrom = md["cfg.restart_from"]
	cfg.LRSchedule = md["cfg.lr_schedule"]
	if md["cfg.centered"] == "true" {
		cfg.Centered, cfg.OffsetRate = true, m.Float("cfg.offset_rate")
	}
	epoch := m.Int("epochs_done")
	if err := m.Err(); err != nil {
		return Config{}, 0, nil, err
	}
	if epoch < 0 {
		return Config{}, 0, nil, fmt.Errorf("metadata \"epochs_done\" = %d is negative: %w", epoch, modelio.ErrFormat)
	}
	rng := tensor.NewRand(0)
	if err := rng.UnmarshalText([]byte(md["rng_state"])); err != nil {
		return Config{}, 0, nil, fmt.Errorf("metadata \"rng_state\": %v: %w", err, modelio.ErrFormat)
	}
	return cfg, epoch, rng, nil
}

// checkCheckpoint checks that md describes a training checkpoint of an RBM.
func checkCheckpoint(md map[string]string) error {
	if k := md["model"]; k != "" && k != "rbm" {
		return fmt.Errorf("file holds a %q model, not an rbm: %w", k, modelio.ErrFormat)
	}
	if md["checkpoint"] != "1" {
		return fmt.Errorf("not a training checkpoint (a model file has no optimizer state; train with --checkpoint): %w", modelio.ErrFormat)
	}
	return nil
}

// requireInto copies the tensor called name, which must have the given
// shape, into dst.
func requireInto(f *modelio.File, dst []float32, name string, shape ...int) error {
	d, err := f.Require(name, shape...)
	if err != nil {
		return err
	}
	copy(dst, d)
	return nil
}

// LoadCheckpoint reads a checkpoint written by SaveCheckpoint — any
// visible units — and returns the model and a trainer that continues where
// it stopped, with the file's metadata. The caller may raise t.Epochs to
// train longer.
func LoadCheckpoint(path string) (*Trainer, *RBM, map[string]string, error) {
	f, err := modelio.Load(path)
	if err != nil {
		return nil, nil, nil, err
	}
	t, m, err := trainerFromFile(f)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("resume %s: %w", path, err)
	}
	return t, m, f.Metadata, nil
}

func trainerFromFile(f *modelio.File) (*Trainer, *RBM, error) {
	md := f.Metadata
	if err := checkCheckpoint(md); err != nil {
		return nil, nil, err
	}
	m, err := FromFile(f)
	if err != nil {
		return nil, nil, err
	}
	nv, nh := m.NVisible(), m.NHidden()
	g, gaussian := m.units().(*Gaussian)
	if gaussian {
		// The exact log σ: sigma went through exp and would not give it back
		// bit for bit.
		if err := requireFinite(f, g.LogSigma, "log_sigma", nv); err != nil {
			return nil, nil, err
		}
		// A checkpoint from before the keyed normal draws (no
		// "normal_stream") resumes with that code's arithmetic.
		switch v, ok := md["normal_stream"]; {
		case !ok:
			g.serial = true
		case v != normalStreamKeyed:
			return nil, nil, fmt.Errorf("metadata \"normal_stream\" = %q: want %q: %w", v, normalStreamKeyed, modelio.ErrFormat)
		}
	}
	cfg, epoch, rng, err := checkpointState(md)
	if err != nil {
		return nil, nil, err
	}
	t, err := NewTrainer(cfg, m, rng)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint settings: %w", err)
	}
	t.Epoch = epoch
	vel := []struct {
		name  string
		dst   []float32
		shape []int
	}{
		{"velocity.weights", t.vW.Data, []int{nv, nh}},
		{"velocity.visible_bias", t.vB, []int{nv}},
		{"velocity.hidden_bias", t.vC, []int{nh}},
	}
	if gaussian {
		vel = append(vel, struct {
			name  string
			dst   []float32
			shape []int
		}{"velocity.log_sigma", t.vS, []int{nv}})
	}
	for _, x := range vel {
		if err := requireFinite(f, x.dst, x.name, x.shape...); err != nil {
			return nil, nil, err
		}
	}
	if err := t.restoreChains(f, epoch); err != nil {
		return nil, nil, err
	}
	if _, ok := f.Tensors["sparsity.q"]; ok {
		q := make([]float32, nh)
		if err := requireFinite(f, q, "sparsity.q", nh); err != nil {
			return nil, nil, err
		}
		t.q = q
	}
	if _, ok := f.Tensors["offset.visible"]; ok || (cfg.Centered && epoch > 0) {
		t.mu, t.lambda = make([]float32, nv), make([]float32, nh)
		if err := requireFinite(f, t.mu, "offset.visible", nv); err != nil {
			return nil, nil, err
		}
		if err := requireFinite(f, t.lambda, "offset.hidden", nh); err != nil {
			return nil, nil, err
		}
	}
	return t, m, nil
}

// restoreChains reads the persistent chains of PCD and PT. A checkpoint
// written before the first epoch may have none yet; Train then starts them
// as a fresh run would.
func (t *Trainer) restoreChains(f *modelio.File, epoch int) error {
	nv, nh := t.m.NVisible(), t.m.NHidden()
	switch t.Method {
	case PCD:
		if _, ok := f.Tensors["chains.visible"]; ok || epoch > 0 {
			c := resizeChain(nil, t.Chains, nv, nh)
			if err := requireFinite(f, c.V.Data, "chains.visible", t.Chains, nv); err != nil {
				return err
			}
			t.persistent = c
		}
	case PT:
		if _, ok := f.Tensors["chains.tempered"]; ok || epoch > 0 {
			d, err := f.Require("chains.tempered", t.Temperatures, t.Chains, nv)
			if err != nil {
				return err
			}
			if !tensor.AllFinite(d) {
				return fmt.Errorf("tensor \"chains.tempered\" holds NaN or ±Inf: %w", modelio.ErrFormat)
			}
			t.initTempered(nv, nh)
			for i, c := range t.pt.Chains {
				copy(c.V.Data, d[i*t.Chains*nv:(i+1)*t.Chains*nv])
			}
			if t.pt.round, err = strconv.Atoi(f.Metadata["pt_round"]); err != nil {
				return fmt.Errorf("metadata \"pt_round\" = %q: %w", f.Metadata["pt_round"], modelio.ErrFormat)
			}
			// A checkpoint from before the temperatures ran in parallel
			// (no "pt_streams") resumes with its serial streams.
			switch v, ok := f.Metadata["pt_streams"]; {
			case !ok:
				t.pt.serial = true
			case v != ptStreamsPerTemperature:
				return fmt.Errorf("metadata \"pt_streams\" = %q: want %q: %w", v, ptStreamsPerTemperature, modelio.ErrFormat)
			}
			if t.pt.rates != nil {
				if err := requireFinite(f, t.pt.Betas, "chains.betas", t.Temperatures); err != nil {
					return err
				}
				if err := checkBetas(t.pt.Betas); err != nil {
					return fmt.Errorf("tensor \"chains.betas\": %v: %w", err, modelio.ErrFormat)
				}
				if t.pt.rates, err = parseRates(f.Metadata["pt_rates"], t.Temperatures-1); err != nil {
					return fmt.Errorf("metadata \"pt_rates\": %v: %w", err, modelio.ErrFormat)
				}
			}
		}
	}
	return nil
}

// requireFinite is requireInto for tensors that must hold finite values.
func requireFinite(f *modelio.File, dst []float32, name string, shape ...int) error {
	if err := requireInto(f, dst, name, shape...); err != nil {
		return err
	}
	if !tensor.AllFinite(dst) {
		return fmt.Errorf("tensor %q holds NaN or ±Inf: %w", name, modelio.ErrFormat)
	}
	return nil
}
