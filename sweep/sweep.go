// Package sweep trains and measures a grid or list of RBM configurations,
// one configuration per call, so that the configurations of a sweep can be
// the tasks of a Kubernetes Indexed Job or a Slurm array (ebm sweep) and
// their results joined into a leaderboard (ebm merge).
//
// A Plan (a JSON or YAML file) names the data, the AIS evaluation and the
// configurations: a base Config, then either a Grid — every combination of
// the listed values, keys in sorted order, the last key varying fastest —
// or a List of overrides of the base, or both (grid first). Configuration
// k of the plan is always the same training run: Run trains it from its
// own seed, writing the model and a checkpoint after every epoch, so a run
// that is stopped resumes from the checkpoint and ends with the same model
// as an uninterrupted one; then it measures the model on the evaluation
// data by AIS. Results depend only on the plan and k.
package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ebm-go/ebm/coverage"
	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/rbm"
	"github.com/ebm-go/ebm/rbm/estimate"
)

// Config is one training configuration of a Bernoulli RBM. Zero values
// take rbm's defaults for the method (Momentum nil: the method's).
type Config struct {
	Hidden      int      `json:"hidden"`
	Method      string   `json:"method,omitempty"` // cd (default), pcd, pt or restart
	K           int      `json:"k,omitempty"`
	Epochs      int      `json:"epochs"`
	Batch       int      `json:"batch,omitempty"`
	LR          float64  `json:"lr,omitempty"`
	Momentum    *float64 `json:"momentum,omitempty"`
	WeightDecay float64  `json:"weight_decay,omitempty"`
	Seed        uint64   `json:"seed,omitempty"` // default 1
}

// Label is the configuration in one short line.
func (c Config) Label() string {
	var b strings.Builder
	fmt.Fprintf(&b, "h=%d %s", c.Hidden, cmpOr(c.Method, "cd"))
	if c.K > 1 {
		fmt.Fprintf(&b, "-%d", c.K)
	}
	fmt.Fprintf(&b, " ep=%d", c.Epochs)
	if c.Batch > 0 {
		fmt.Fprintf(&b, " b=%d", c.Batch)
	}
	if c.LR > 0 {
		fmt.Fprintf(&b, " lr=%g", c.LR)
	}
	if c.Momentum != nil {
		fmt.Fprintf(&b, " mom=%g", *c.Momentum)
	}
	if c.WeightDecay > 0 {
		fmt.Fprintf(&b, " wd=%g", c.WeightDecay)
	}
	if c.Seed > 1 {
		fmt.Fprintf(&b, " seed=%d", c.Seed)
	}
	return b.String()
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Plan is a sweep file.
type Plan struct {
	Data     string `json:"data"`               // training data (a dataset spec, e.g. bars:4x4 or mnist:1000)
	Binarize string `json:"binarize,omitempty"` // threshold (default), sample or none
	Limit    int    `json:"limit,omitempty"`    // first rows only (0: all)
	EvalData string `json:"eval_data,omitempty"`
	Chains   int    `json:"chains,omitempty"`    // AIS chains (default 100)
	Betas    int    `json:"betas,omitempty"`     // evenly spaced βs (0: the paper's 14,501)
	EvalSeed uint64 `json:"eval_seed,omitempty"` // AIS seed (default 1)
	// Score, a labelled data set (e.g. mnist), adds the coverage score of
	// Samples samples (default 1,000) to each result: drawn with the
	// model's recorded sampler (restart models), else SampleSteps Gibbs
	// steps (default 1,000) from noise, seed EvalSeed.
	Score       string `json:"score,omitempty"`
	Samples     int    `json:"samples,omitempty"`
	SampleSteps int    `json:"sample_steps,omitempty"`
	Base        Config `json:"base"`
	// Grid maps Config keys to the values to combine.
	Grid map[string][]json.RawMessage `json:"grid,omitempty"`
	// List holds overrides of Base, one configuration each.
	List []json.RawMessage `json:"list,omitempty"`
}

// ErrPlan reports a sweep file that cannot be run.
var ErrPlan = errors.New("invalid sweep plan")

// Load reads and checks the plan at path, JSON or — for a .yaml or .yml
// file — YAML with the same keys; errors name it.
func Load(path string) (*Plan, []Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if ext := strings.ToLower(filepath.Ext(path)); ext == ".yaml" || ext == ".yml" {
		if b, err = yamlToJSON(b); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	p, cs, err := Parse(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, cs, nil
}

// Parse decodes a plan (unknown keys are errors) and expands its
// configurations.
func Parse(b []byte) (*Plan, []Config, error) {
	var p Plan
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&p); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrPlan, err)
	}
	if p.Data == "" {
		return nil, nil, fmt.Errorf("no \"data\": %w", ErrPlan)
	}
	if p.Samples < 0 || p.SampleSteps < 0 {
		return nil, nil, fmt.Errorf("\"samples\" %d and \"sample_steps\" %d must not be negative: %w", p.Samples, p.SampleSteps, ErrPlan)
	}
	cs, err := p.Configs()
	if err != nil {
		return nil, nil, err
	}
	return &p, cs, nil
}

// yamlToJSON re-encodes a YAML document as JSON, so that one decoder
// (with its checks) reads both.
func yamlToJSON(b []byte) ([]byte, error) {
	var v any
	if err := yaml.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPlan, err)
	}
	j, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPlan, err)
	}
	return j, nil
}

// Configs expands the plan: the grid's combinations over Base, then the
// list's overrides of Base.
func (p *Plan) Configs() ([]Config, error) {
	var out []Config
	if len(p.Grid) > 0 {
		keys := make([]string, 0, len(p.Grid))
		for k := range p.Grid {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		idx := make([]int, len(keys))
		for {
			c := p.Base
			for i, k := range keys {
				if len(p.Grid[k]) == 0 {
					return nil, fmt.Errorf("grid %q lists no values: %w", k, ErrPlan)
				}
				if err := override(&c, fmt.Appendf(nil, "{%q:%s}", k, p.Grid[k][idx[i]])); err != nil {
					return nil, fmt.Errorf("grid %q: %w", k, err)
				}
			}
			out = append(out, c)
			i := len(keys) - 1
			for ; i >= 0; i-- {
				if idx[i]++; idx[i] < len(p.Grid[keys[i]]) {
					break
				}
				idx[i] = 0
			}
			if i < 0 {
				break
			}
		}
	}
	for i, o := range p.List {
		c := p.Base
		if err := override(&c, o); err != nil {
			return nil, fmt.Errorf("list[%d]: %w", i, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		out = []Config{p.Base}
	}
	for i, c := range out {
		if c.Hidden < 1 || c.Epochs < 1 {
			return nil, fmt.Errorf("configuration %d (%s): hidden and epochs must be at least 1: %w", i, c.Label(), ErrPlan)
		}
	}
	return out, nil
}

// override decodes the JSON object b over c; unknown keys are errors.
func override(c *Config, b []byte) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(c); err != nil {
		return fmt.Errorf("%w: %w", ErrPlan, err)
	}
	return nil
}

// Result is what one configuration measured.
type Result struct {
	Index        int     `json:"index"`
	Label        string  `json:"label"`
	Config       Config  `json:"config"`
	Model        string  `json:"model"`
	Epochs       int     `json:"epochs"`
	TrainSeconds float64 `json:"train_seconds"`
	// Resumed is the number of epochs read back from a checkpoint.
	Resumed int                  `json:"resumed"`
	Eval    *estimate.Evaluation `json:"eval"`
	// Coverage scores the model's samples when the plan names Score.
	Coverage *coverage.Report `json:"coverage,omitempty"`
}

// Paths are the files configuration k writes in dir.
func Paths(dir string, k int) (model, checkpoint, result string) {
	base := filepath.Join(dir, fmt.Sprintf("config-%04d", k))
	return base + ".safetensors", base + ".ckpt.safetensors", base + ".json"
}

// Run trains configuration k of the plan (resuming from its checkpoint in
// dir when one is there) and measures it by AIS on the evaluation data.
func Run(ctx context.Context, p *Plan, cs []Config, k int, dir string) (*Result, error) {
	if k < 0 || k >= len(cs) {
		return nil, fmt.Errorf("configuration %d: the plan has %d (0…%d): %w", k, len(cs), len(cs)-1, ErrPlan)
	}
	c := cs[k]
	train, err := p.load(p.Data)
	if err != nil {
		return nil, err
	}
	var ref *coverage.Reference
	if p.Score != "" { // checked before training
		if ref, err = p.reference(train.Dim()); err != nil {
			return nil, err
		}
	}
	modelPath, ckpt, _ := Paths(dir, k)
	s, resumed, err := session(c, train, modelPath, ckpt)
	if err != nil {
		return nil, fmt.Errorf("configuration %d (%s): %w", k, c.Label(), err)
	}
	start := time.Now()
	if _, err := s.Run(ctx, train.X, nil); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("configuration %d (%s) stopped after epoch %d; run it again to resume from %s: %w", k, c.Label(), s.Epoch, ckpt, err)
		}
		return nil, fmt.Errorf("configuration %d (%s): %w", k, c.Label(), err)
	}
	res := &Result{Index: k, Label: c.Label(), Config: c, Model: modelPath, Epochs: s.Epoch,
		TrainSeconds: time.Since(start).Seconds(), Resumed: resumed}
	if res.Eval, err = p.measure(ctx, s.Model(), train); err != nil {
		return nil, fmt.Errorf("configuration %d (%s): evaluation: %w", k, c.Label(), err)
	}
	if res.Coverage, err = p.score(ctx, s, ref); err != nil {
		return nil, fmt.Errorf("configuration %d (%s): coverage: %w", k, c.Label(), err)
	}
	return res, nil
}

// score draws the plan's samples from the session's model, with its
// recorded sampler if it has one, and scores them against ref (nil when
// the plan names no Score).
func (p *Plan) score(ctx context.Context, s *rbm.Session, ref *coverage.Reference) (*coverage.Report, error) {
	if ref == nil {
		return nil, nil
	}
	steps := p.SampleSteps
	if steps == 0 {
		steps = 1000
	}
	if sm, ok, err := rbm.SamplerOf(s.Trainer.Metadata()); err != nil {
		return nil, err
	} else if ok {
		steps = sm.Steps
	}
	n := p.Samples
	if n == 0 {
		n = 1000
	}
	d, err := s.Model().Draw(rbm.DrawOptions{N: n, Steps: steps, Seed: cmpSeed(p.EvalSeed)})
	if err != nil {
		return nil, err
	}
	rep, err := ref.Score(ctx, d.Means, coverage.Options{})
	if err != nil {
		return nil, err
	}
	return &rep, nil
}

// reference loads the labelled data p.Score names, nv pixels wide.
func (p *Plan) reference(nv int) (*coverage.Reference, error) {
	ref, err := coverage.Open(p.Score, "", "", nv)
	if err != nil {
		return nil, fmt.Errorf("score %w: %w", err, ErrPlan)
	}
	return ref, nil
}

// session is configuration c's training session writing modelPath and
// ckpt: resumed from ckpt when it exists (and is of this configuration),
// else new; resumed is the number of epochs already done.
func session(c Config, train *dataset.Set, modelPath, ckpt string) (s *rbm.Session, resumed int, err error) {
	key := c
	key.Epochs = 0
	kb, _ := json.Marshal(key) // the configuration apart from its length
	if _, err := os.Stat(ckpt); err == nil {
		if s, err = rbm.ResumeSession(ckpt); err != nil {
			return nil, 0, err
		}
		if got := s.Meta["sweep_config"]; got != string(kb) {
			return nil, 0, fmt.Errorf("checkpoint %s is of another configuration (%s, not %s): remove it to start again: %w", ckpt, got, kb, ErrPlan)
		}
		if s.Epoch > c.Epochs {
			return nil, 0, fmt.Errorf("checkpoint %s has %d epochs done, more than the configuration's %d: remove it to start again: %w", ckpt, s.Epoch, c.Epochs, ErrPlan)
		}
		resumed, s.Epochs = s.Epoch, c.Epochs
	} else if s, err = newSession(c, train.X); err != nil {
		return nil, 0, err
	}
	s.ModelPath, s.CheckpointPath = modelPath, ckpt
	s.Meta = map[string]string{"data": train.Name, "binarize": train.BinarizeName(), "seed": fmt.Sprint(cmpSeed(c.Seed)), "sweep_config": string(kb)}
	return s, resumed, nil
}

// measure evaluates m by AIS, from the training data's base rate, on the
// plan's evaluation data (default: the training data).
func (p *Plan) measure(ctx context.Context, m *rbm.RBM, train *dataset.Set) (*estimate.Evaluation, error) {
	eval := train
	if p.EvalData != "" {
		var err error
		if eval, err = p.load(p.EvalData); err != nil {
			return nil, err
		}
	}
	opt := estimate.EvalOptions{Method: "ais", AIS: estimate.Options{Chains: p.Chains, Seed: cmpSeed(p.EvalSeed), BaseBias: estimate.BaseRate(m, train.X)}}
	if p.Betas > 0 {
		opt.AIS.Betas = estimate.LinearSchedule(p.Betas)
	}
	return estimate.Evaluate(ctx, m, eval.X, opt)
}

func cmpSeed(s uint64) uint64 {
	if s == 0 {
		return 1
	}
	return s
}

func (p *Plan) load(spec string) (*dataset.Set, error) {
	bin := cmpOr(p.Binarize, "threshold")
	if bin == "none" {
		bin = ""
	}
	s, err := dataset.Load(spec, dataset.Options{Binarize: bin, Limit: p.Limit})
	if err != nil {
		return nil, fmt.Errorf("data %s: %w", spec, err)
	}
	if err := s.CheckRange(0, 1); err != nil {
		return nil, fmt.Errorf("data %s: %w", spec, err)
	}
	return s, nil
}

// rbmConfig is c over rbm's defaults for its method.
func (c Config) rbmConfig() rbm.Config {
	cfg := rbm.DefaultConfigFor(rbm.Method(cmpOr(c.Method, "cd")))
	cfg.Epochs, cfg.WeightDecay = c.Epochs, c.WeightDecay
	if c.K > 0 {
		cfg.K = c.K
	}
	if c.Batch > 0 {
		cfg.BatchSize = c.Batch
	}
	if c.LR > 0 {
		cfg.LR = c.LR
	}
	if c.Momentum != nil {
		cfg.FinalMomentum = *c.Momentum
	}
	return cfg
}

// Bytes estimates the memory Run holds for configuration c of plan p on
// rows × nv data: the data, training (rbm.TrainingBytes) and AIS's chains.
func (p *Plan) Bytes(c Config, rows, nv int) float64 {
	chains := p.Chains
	if chains == 0 {
		chains = 100
	}
	return 4*float64(rows)*float64(nv) + rbm.TrainingBytes(nv, c.Hidden, c.rbmConfig()) + rbm.SamplingBytes(nv, c.Hidden, float64(chains))
}

// Shape loads the plan's training data and returns its rows and columns.
func (p *Plan) Shape() (rows, cols int, err error) {
	s, err := p.load(p.Data)
	if err != nil {
		return 0, 0, err
	}
	return s.Len(), s.Dim(), nil
}

// newSession makes configuration c's model, initialised from the data and
// its seed, and its trainer.
func newSession(c Config, x *tensor.Matrix) (*rbm.Session, error) {
	m := rbm.New(x.Cols, c.Hidden)
	rng := tensor.NewRand(cmpSeed(c.Seed))
	m.Init(x, 0.01, rng)
	tr, err := rbm.NewTrainer(c.rbmConfig(), m, rng)
	if err != nil {
		return nil, err
	}
	return &rbm.Session{Trainer: tr}, nil
}

// Rank orders results best first: by mean log-likelihood, higher first,
// then by index; results whose figure is not a number come last.
func Rank(rs []*Result) {
	ll := func(r *Result) float64 {
		if r.Eval == nil || math.IsNaN(r.Eval.MeanLogLikelihood) {
			return math.Inf(-1)
		}
		return r.Eval.MeanLogLikelihood
	}
	slices.SortStableFunc(rs, func(a, b *Result) int {
		if la, lb := ll(a), ll(b); la != lb {
			if la > lb {
				return -1
			}
			return 1
		}
		return a.Index - b.Index
	})
}
