package rbm

import (
	"fmt"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/modelio"
)

// A Gaussian–Bernoulli checkpoint holds the tensors of a Gaussian model
// file (weights, visible_bias, hidden_bias, sigma and, when the trainer has
// them, data_mean and data_std), so it also loads with LoadGaussian, plus
//
//	log_sigma                 [n_visible]            log σ exactly (sigma is rounded through exp)
//	velocity.weights          [n_visible, n_hidden]
//	velocity.visible_bias     [n_visible]
//	velocity.hidden_bias      [n_hidden]
//	velocity.log_sigma        [n_visible]
//	chains.visible            [chains, n_visible]    PCD only
//
// and the metadata of a Bernoulli checkpoint ("checkpoint": "1",
// "epochs_done", "rng_state", "cfg.…") with "visible": "gaussian" and
// "learn_sigma".

// SaveCheckpoint writes the model and the trainer's state to path
// atomically, with t.DataMean and t.DataStd when set. extra metadata (data
// set, seed…) is stored alongside.
func (t *GaussianTrainer) SaveCheckpoint(path string, extra map[string]string) error {
	m := t.m
	if err := m.Validate(); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	nv, nh := m.NVisible(), m.NHidden()
	if (t.DataMean == nil) != (t.DataStd == nil) || t.DataMean != nil && (len(t.DataMean) != nv || len(t.DataStd) != nv) {
		return fmt.Errorf("checkpoint %s: DataMean and DataStd must both be nil or both hold %d values (have %d and %d): %w",
			path, nv, len(t.DataMean), len(t.DataStd), ErrShape)
	}
	meta, err := checkpointMeta(extra, t.Config, t.Epoch, t.rng)
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	f := m.file(meta, t.DataMean, t.DataStd)
	for name, x := range map[string]modelio.Tensor{
		"log_sigma":             {Shape: []int{nv}, Data: m.LogSigma},
		"velocity.weights":      {Shape: []int{nv, nh}, Data: t.vel.W.Data},
		"velocity.visible_bias": {Shape: []int{nv}, Data: t.vel.B},
		"velocity.hidden_bias":  {Shape: []int{nh}, Data: t.vel.C},
		"velocity.log_sigma":    {Shape: []int{nv}, Data: t.vel.S},
	} {
		f.Tensors[name] = x
	}
	if t.persistent != nil {
		f.Tensors["chains.visible"] = modelio.Tensor{Shape: []int{t.persistent.V.Rows, nv}, Data: t.persistent.V.Data}
	}
	if err := modelio.Save(path, f); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return nil
}

// LoadGaussianCheckpoint reads a checkpoint written by
// GaussianTrainer.SaveCheckpoint and returns the model and a trainer that
// continues where it stopped (with DataMean and DataStd restored), with the
// file's metadata. The caller may raise t.Epochs to train longer. A
// Bernoulli checkpoint is refused (see LoadCheckpoint).
func LoadGaussianCheckpoint(path string) (*GaussianTrainer, *GaussianRBM, map[string]string, error) {
	f, err := modelio.Load(path)
	if err != nil {
		return nil, nil, nil, err
	}
	t, m, err := gaussianTrainerFromFile(f)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("resume %s: %w", path, err)
	}
	return t, m, f.Metadata, nil
}

func gaussianTrainerFromFile(f *modelio.File) (*GaussianTrainer, *GaussianRBM, error) {
	md := f.Metadata
	if err := checkCheckpoint(md, "gaussian"); err != nil {
		return nil, nil, err
	}
	m, mean, std, err := GaussianFromFile(f)
	if err != nil {
		return nil, nil, err
	}
	nv, nh := m.NVisible(), m.NHidden()
	// The exact log σ: sigma went through exp and would not give it back
	// bit for bit.
	if err := requireFinite(f, m.LogSigma, "log_sigma", nv); err != nil {
		return nil, nil, err
	}
	cfg, epoch, rng, err := checkpointState(md)
	if err != nil {
		return nil, nil, err
	}
	t, err := NewGaussianTrainer(cfg, m, rng)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint settings: %w", err)
	}
	t.Epoch = epoch
	t.DataMean, t.DataStd = mean, std
	for _, x := range []struct {
		name  string
		dst   []float32
		shape []int
	}{
		{"velocity.weights", t.vel.W.Data, []int{nv, nh}},
		{"velocity.visible_bias", t.vel.B, []int{nv}},
		{"velocity.hidden_bias", t.vel.C, []int{nh}},
		{"velocity.log_sigma", t.vel.S, []int{nv}},
	} {
		if err := requireFinite(f, x.dst, x.name, x.shape...); err != nil {
			return nil, nil, err
		}
	}
	if cfg.Method == PCD {
		// A checkpoint written before the first epoch may have no chains
		// yet; Train then starts them as a fresh run would.
		if _, ok := f.Tensors["chains.visible"]; ok || epoch > 0 {
			c := m.NewChain(nil, t.Chains)
			if err := requireFinite(f, c.V.Data, "chains.visible", t.Chains, nv); err != nil {
				return nil, nil, err
			}
			t.persistent = c
		}
	}
	return t, m, nil
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
