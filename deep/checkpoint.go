package deep

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/modelio"
)

// A checkpoint is a safetensors file holding the model (the tensors of a
// model file, so a checkpoint also loads with Load) and everything the
// trainer needs to continue bit-identically, as rbm's checkpoints do:
// metadata "checkpoint" is "1", and besides the model's tensors it holds
//
//	adam.m.<k>, adam.v.<k>   [len of parameter k]   Adam's moments, k in Net.Params order (then NCE's log Z)
//	buffer                   [buffer size, dim]     the replay buffer (persistent chains)
//
// with metadata "iters_done" (also Adam's step count), "rng_state", the run
// ("data", "test", "seed", "iters", "grid", "out"), the training settings
// ([Config.Metadata] and "cfg.…"), and the training data's column means and
// standard deviations ("data_mean", "data_std") so that a resumed run can
// tell that its data are the same.

// SaveCheckpoint writes the model and the trainer's state to path
// atomically.
func (f *Fitted) SaveCheckpoint(path string) error {
	t := f.Trainer
	rs, err := t.rng.MarshalText()
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	meta := f.runMetadata()
	c := t.Cfg
	if f.dataMoments[0] == "" {
		mean, std := columnMoments(f.Data.Train.X)
		f.dataMoments = [2]string{float64List(mean), float64List(std)}
	}
	for k, v := range map[string]string{
		"checkpoint": "1", "iters_done": strconv.Itoa(t.Iter), "rng_state": string(rs),
		"test": f.Data.TestSpec, "grid": strconv.Itoa(f.Options.Grid), "out": f.Options.Out,
		"cfg.batch": strconv.Itoa(c.Batch), "cfg.lr": formatFloat(c.LR), "cfg.beta1": formatFloat(c.Beta1),
		"cfg.beta2": formatFloat(c.Beta2), "cfg.clip": formatFloat(c.Clip), "cfg.buffer": strconv.Itoa(c.BufferSize),
		"cfg.reinit": formatFloat(c.Reinit), "data_mean": f.dataMoments[0], "data_std": f.dataMoments[1],
	} {
		meta[k] = v
	}
	file := modelFile(t.Net, f.logZ(), meta)
	for k := range t.params {
		file.Tensors[fmt.Sprintf("adam.m.%d", k)] = modelio.Tensor{Shape: []int{len(t.m[k])}, Data: t.m[k]}
		file.Tensors[fmt.Sprintf("adam.v.%d", k)] = modelio.Tensor{Shape: []int{len(t.v[k])}, Data: t.v[k]}
	}
	if t.buf != nil {
		file.Tensors["buffer"] = modelio.Tensor{Shape: []int{t.buf.X.Rows, t.buf.X.Cols}, Data: t.buf.X.Data}
	}
	if err := modelio.Save(path, file); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return nil
}

func float64List(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = formatFloat(x)
	}
	return strings.Join(s, ",")
}

// Checkpoint is a checkpoint read by [LoadCheckpoint], ready to resume on
// its data ([Checkpoint.Resume]).
type Checkpoint struct {
	Path string
	// Options are the run's: Checkpoint is Path, Out the model file the run
	// was writing; the caller may raise Iters (at least Done) and change
	// Out, Checkpoint, CheckpointEvery and OnIter.
	Options    FitOptions
	Data, Test string // the specs to give LoadData
	Done       int    // iterations done

	file *modelio.File
	net  *Net
	logZ *float32
	rng  *tensor.Rand
}

// LoadCheckpoint reads a checkpoint written by [Fitted.SaveCheckpoint].
// Errors name the file; a model file, another model's checkpoint or a
// damaged one are refused.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	f, err := modelio.Load(path)
	if err != nil {
		return nil, err
	}
	c, err := checkpointFromFile(path, f)
	if err != nil {
		return nil, fmt.Errorf("resume %s: %w", path, err)
	}
	return c, nil
}

func checkpointFromFile(path string, f *modelio.File) (*Checkpoint, error) {
	md := f.Metadata
	if k := f.Kind(); k != "deep" {
		return nil, fmt.Errorf("file holds a %q model, not a deep EBM: %w", k, modelio.ErrFormat)
	}
	if md["checkpoint"] != "1" {
		return nil, fmt.Errorf("not a training checkpoint (a model file has no optimizer state; train with --checkpoint): %w", modelio.ErrFormat)
	}
	if err := f.CheckVersion(FormatVersion); err != nil {
		return nil, err
	}
	net, logZ, err := netFromFile(path, f)
	if err != nil {
		return nil, err
	}
	m := modelio.ReadMeta(md)
	seed, err := strconv.ParseUint(md["seed"], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("metadata \"seed\" = %q is not a seed: %w", md["seed"], modelio.ErrFormat)
	}
	cfg := Config{Batch: m.Count("cfg.batch"), LR: m.Float("cfg.lr"), Beta1: m.Float("cfg.beta1"), Beta2: m.Float("cfg.beta2"),
		Clip: m.Float("cfg.clip"), BufferSize: m.Count("cfg.buffer"), Reinit: m.Float("cfg.reinit"), Alpha: m.Float("alpha")}
	c := &Checkpoint{Path: path, Data: md["data"], Test: md["test"], Done: m.Count("iters_done"), file: f, net: net, logZ: logZ}
	c.Options = FitOptions{Activation: net.Act, Quadratic: float64(net.Quad), Iters: m.Count("iters"), Seed: seed, Grid: m.Count("grid"),
		Checkpoint: path, Out: md["out"]}
	if err := m.Err(); err != nil {
		return nil, err
	}
	for _, w := range net.W[:len(net.W)-1] {
		c.Options.Hidden = append(c.Options.Hidden, w.Cols)
	}
	if cfg.Objective, err = ParseObjective(md["objective"]); err != nil {
		return nil, fmt.Errorf("metadata \"objective\": %v: %w", err, modelio.ErrFormat)
	}
	if cfg.Persistent, err = strconv.ParseBool(md["persistent"]); err != nil {
		return nil, fmt.Errorf("metadata \"persistent\" = %q: %w", md["persistent"], modelio.ErrFormat)
	}
	if cfg.Sampler, cfg.Init, err = RecordedSampler(md, net.Dim(), Sampler{}); err != nil {
		return nil, fmt.Errorf("%v: %w", err, modelio.ErrFormat)
	}
	if cfg.Objective == NCE && logZ == nil {
		return nil, fmt.Errorf("an NCE checkpoint without tensor \"log_z\": %w", modelio.ErrFormat)
	}
	if err := scoreSettings(md, &cfg); err != nil {
		return nil, err
	}
	c.Options.Config = cfg
	if c.Done > c.Options.Iters {
		return nil, fmt.Errorf("metadata \"iters_done\" = %d is past \"iters\" = %d: %w", c.Done, c.Options.Iters, modelio.ErrFormat)
	}
	c.rng = tensor.NewRand(0)
	if err := c.rng.UnmarshalText([]byte(md["rng_state"])); err != nil {
		return nil, fmt.Errorf("metadata \"rng_state\": %v: %w", err, modelio.ErrFormat)
	}
	return c, nil
}

// Resume returns the run of the checkpoint on data (loaded from the specs
// c.Data and c.Test, which must give the rows the run trained on), ready to
// continue with [Fitted.Run]. A checkpoint resumes once.
func (c *Checkpoint) Resume(data *Data) (*Fitted, error) {
	if c.net == nil {
		return nil, fmt.Errorf("resume %s: already resumed", c.Path)
	}
	f, err := c.resume(data)
	if err != nil {
		return nil, fmt.Errorf("resume %s: %w", c.Path, err)
	}
	c.net = nil
	return f, nil
}

func (c *Checkpoint) resume(data *Data) (*Fitted, error) {
	md, file := c.file.Metadata, c.file
	if d := data.Train.Dim(); d != c.net.Dim() {
		return nil, fmt.Errorf("data %s has %d columns, the network %d", data.Spec, d, c.net.Dim())
	}
	mean, std := columnMoments(data.Train.X)
	moments := [2]string{float64List(mean), float64List(std)}
	if moments != [2]string{md["data_mean"], md["data_std"]} {
		return nil, fmt.Errorf("data %s are not the rows the run trained on (their column means or standard deviations differ)", data.Spec)
	}
	tr, err := NewTrainer(c.net, data.Train.X, c.Options.Config, tensor.NewRand(0))
	if err != nil {
		return nil, fmt.Errorf("checkpoint settings: %w", err)
	}
	tr.rng, tr.Iter = c.rng, c.Done
	if c.logZ != nil && c.Options.Config.Objective == NCE {
		tr.LogZ[0] = *c.logZ
	}
	for k := range tr.params {
		for _, x := range []struct {
			name string
			dst  []float32
		}{{fmt.Sprintf("adam.m.%d", k), tr.m[k]}, {fmt.Sprintf("adam.v.%d", k), tr.v[k]}} {
			if err := requireFinite(file, x.dst, x.name, len(x.dst)); err != nil {
				return nil, err
			}
		}
	}
	if tr.buf != nil {
		if err := requireFinite(file, tr.buf.X.Data, "buffer", tr.buf.X.Rows, tr.buf.X.Cols); err != nil {
			return nil, err
		}
	}
	return &Fitted{Trainer: tr, Data: data, Options: c.Options, dataMoments: moments}, nil
}

// requireFinite copies the tensor called name, which must have the given
// shape and finite values, into dst.
func requireFinite(f *modelio.File, dst []float32, name string, shape ...int) error {
	d, err := f.Require(name, shape...)
	if err != nil {
		return err
	}
	if !tensor.AllFinite(d) {
		return fmt.Errorf("tensor %q holds NaN or ±Inf: %w", name, modelio.ErrFormat)
	}
	copy(dst, d)
	return nil
}

// scoreSettings reads the settings [Config.Metadata] records only for some
// runs — "lr_decay", DSM's "sigma" and "sigma_end", SSM's "projection" and "ssm_plain" —
// into cfg; a key the file lacks keeps cfg's zero value (files older than
// these settings trained without them).
func scoreSettings(md map[string]string, cfg *Config) error {
	var err error
	if v, ok := md["lr_decay"]; ok {
		if cfg.Decay, err = strconv.Atoi(v); err != nil || cfg.Decay < 0 {
			return fmt.Errorf("metadata \"lr_decay\" = %q is not a count: %w", v, modelio.ErrFormat)
		}
	}
	if v, ok := md["sigma"]; ok {
		if cfg.Sigma, err = strconv.ParseFloat(v, 64); err != nil || !(cfg.Sigma > 0) || math.IsInf(cfg.Sigma, 0) {
			return fmt.Errorf("metadata \"sigma\" = %q is not a noise level > 0: %w", v, modelio.ErrFormat)
		}
	}
	if v, ok := md["sigma_end"]; ok {
		if cfg.SigmaEnd, err = strconv.ParseFloat(v, 64); err != nil || !(cfg.SigmaEnd > 0) || math.IsInf(cfg.SigmaEnd, 0) {
			return fmt.Errorf("metadata \"sigma_end\" = %q is not a noise level > 0: %w", v, modelio.ErrFormat)
		}
	}
	if v, ok := md["projection"]; ok {
		if cfg.Projection, err = ParseProjection(v); err != nil {
			return fmt.Errorf("metadata \"projection\": %v: %w", err, modelio.ErrFormat)
		}
	}
	if v, ok := md["ssm_plain"]; ok {
		if cfg.SSMPlain, err = strconv.ParseBool(v); err != nil {
			return fmt.Errorf("metadata \"ssm_plain\" = %q: %w", v, modelio.ErrFormat)
		}
	}
	return nil
}
