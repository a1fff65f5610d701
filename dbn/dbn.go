// Package dbn implements deep belief networks (Hinton, Osindero & Teh 2006):
// a stack of Bernoulli RBMs trained greedily, layer by layer, each on the
// hidden probabilities p(h|·) of the one below. The top two layers form an
// undirected RBM; the layers below are directed (top-down) generative
// connections, so a sample is drawn by block Gibbs sampling in the top RBM
// and then passed down through p(v|h) of each lower layer.
package dbn

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/nanjson"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/modelio"
	"github.com/ebm-go/ebm/rbm"
)

// FormatVersion is the version of the DBN file layout written by Save.
const FormatVersion = "1"

// DBN is a stack of RBMs; Layers[0] sees the data and Layers[k] has as many
// visible units as Layers[k−1] has hidden units.
type DBN struct {
	Layers []*rbm.RBM
}

// Sizes returns the unit counts, data first: n_visible of layer 0, then the
// hidden units of every layer.
func (d *DBN) Sizes() []int {
	if len(d.Layers) == 0 {
		return nil
	}
	s := []int{d.Layers[0].NVisible()}
	for _, l := range d.Layers {
		s = append(s, l.NHidden())
	}
	return s
}

// Validate checks that there is at least one layer, every layer is valid and
// consecutive layers fit.
func (d *DBN) Validate() error {
	if len(d.Layers) == 0 {
		return errors.New("dbn: no layers")
	}
	for k, l := range d.Layers {
		if l == nil {
			return fmt.Errorf("dbn: layer %d is nil", k)
		}
		if err := l.Validate(); err != nil {
			return fmt.Errorf("dbn: layer %d: %w", k, err)
		}
		if k > 0 && l.NVisible() != d.Layers[k-1].NHidden() {
			return fmt.Errorf("dbn: layer %d has %d visible units but layer %d has %d hidden units: %w",
				k, l.NVisible(), k-1, d.Layers[k-1].NHidden(), rbm.ErrShape)
		}
	}
	return nil
}

// LayerReport sums up the training of one layer: its shape and the figures
// of its last epoch (nil when it trained no epoch). It marshals to JSON
// with NaN as null.
type LayerReport struct {
	Layer     int             `json:"layer"`
	NVisible  int             `json:"n_visible"`
	NHidden   int             `json:"n_hidden"`
	LastEpoch *rbm.EpochStats `json:"last_epoch,omitempty"`
}

// MarshalJSON encodes r with NaN and ±Inf as null.
func (r LayerReport) MarshalJSON() ([]byte, error) {
	type plain LayerReport
	return nanjson.Marshal(plain(r))
}

// Reports returns one report per layer from the per-layer epoch figures
// that [Train] returns.
func (d *DBN) Reports(stats [][]rbm.EpochStats) []LayerReport {
	out := make([]LayerReport, len(d.Layers))
	for k, l := range d.Layers {
		out[k] = LayerReport{Layer: k, NVisible: l.NVisible(), NHidden: l.NHidden()}
		if k < len(stats) && len(stats[k]) > 0 {
			last := stats[k][len(stats[k])-1]
			out[k].LastEpoch = &last
		}
	}
	return out
}

// Metadata returns the model-file metadata that records how a DBN was
// trained on set with cfg and seed: "data", "binarize" (none, threshold or
// sample), "method", "k", "epochs", "batch_size", "learning_rate",
// "weight_decay", "seed" and, for images, "image_shape" (HxW). Pass it to
// [DBN.Save].
func Metadata(cfg rbm.Config, set *dataset.Set, seed uint64) map[string]string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	meta := map[string]string{"data": set.Name, "binarize": set.BinarizeName(), "method": string(cfg.Method),
		"k": strconv.Itoa(cfg.K), "epochs": strconv.Itoa(cfg.Epochs), "batch_size": strconv.Itoa(cfg.BatchSize),
		"learning_rate": f(cfg.LR), "weight_decay": f(cfg.WeightDecay), "seed": strconv.FormatUint(seed, 10)}
	if set.H > 0 {
		meta["image_shape"] = fmt.Sprintf("%dx%d", set.H, set.W)
	}
	return meta
}

// Summary sums up a training run: the data, the unit counts, the method
// and each layer's report. It marshals to JSON with NaN as null; ebm dbn
// train --json prints it.
type Summary struct {
	Model    string        `json:"model"` // the file written
	Data     string        `json:"data"`
	Binarize string        `json:"binarize"` // none, threshold or sample
	Sizes    []int         `json:"sizes"`
	Method   string        `json:"method"`
	Epochs   int           `json:"epochs"` // per layer
	Seconds  float64       `json:"seconds"`
	Seed     uint64        `json:"seed"`
	Layers   []LayerReport `json:"layers"`
}

// MarshalJSON encodes s with NaN and ±Inf as null.
func (s Summary) MarshalJSON() ([]byte, error) {
	type plain Summary
	return nanjson.Marshal(plain(s))
}

// Summarize sums up d, trained on set with cfg and seed; stats are the
// per-layer figures [Train] returned. Model and Seconds are left for the
// caller.
func (d *DBN) Summarize(cfg rbm.Config, set *dataset.Set, seed uint64, stats [][]rbm.EpochStats) Summary {
	return Summary{Data: set.Name, Binarize: set.BinarizeName(), Sizes: d.Sizes(),
		Method: string(cfg.Method), Epochs: cfg.Epochs, Seed: seed, Layers: d.Reports(stats)}
}

// Options configure greedy training.
type Options struct {
	// Config is the RBM training configuration used for every layer.
	Config rbm.Config
	// OnLayer, when set, is called before each layer is trained with its
	// index and trainer (to attach OnBatch / OnEpoch callbacks).
	OnLayer func(layer int, tr *rbm.Trainer)
}

// Train greedily trains a DBN on data with the given hidden-layer sizes:
// layer k is an RBM initialised by rbm.(*RBM).Init and trained by
// rbm.Trainer with opt.Config on the hidden probabilities p(h|·) of layer
// k−1 (layer 0 on data). rng drives everything, so a seed fixes the run.
func Train(ctx context.Context, data *tensor.Matrix, hidden []int, opt Options, rng *tensor.Rand) (*DBN, [][]rbm.EpochStats, error) {
	if len(hidden) == 0 {
		return nil, nil, errors.New("dbn: no hidden layer sizes")
	}
	for k, h := range hidden {
		if h < 1 {
			return nil, nil, fmt.Errorf("dbn: layer %d must have at least 1 hidden unit, got %d", k, h)
		}
	}
	d := &DBN{}
	var all [][]rbm.EpochStats
	x := data
	for k, h := range hidden {
		m := rbm.New(x.Cols, h)
		m.Init(x, 0.01, rng)
		tr, err := rbm.NewTrainer(opt.Config, m, rng)
		if err != nil {
			return nil, nil, err
		}
		if opt.OnLayer != nil {
			opt.OnLayer(k, tr)
		}
		st, err := tr.Train(ctx, x, nil)
		all = append(all, st)
		if err != nil {
			return nil, all, fmt.Errorf("dbn: layer %d: %w", k, err)
		}
		d.Layers = append(d.Layers, m)
		if k+1 < len(hidden) {
			next := tensor.New(x.Rows, h)
			m.HiddenProbs(next, x)
			x = next
		}
	}
	return d, all, nil
}

// Features returns the hidden probabilities of layer k (0-based) for the
// rows of x: p(h|v) propagated up through layers 0…k, each taking the
// probabilities of the one below as its input.
func (d *DBN) Features(x *tensor.Matrix, k int) (*tensor.Matrix, error) {
	if k < 0 || k >= len(d.Layers) {
		return nil, fmt.Errorf("dbn: layer %d does not exist (the network has layers 0…%d)", k, len(d.Layers)-1)
	}
	if err := d.Layers[0].CheckData(x); err != nil {
		return nil, err
	}
	for i := 0; i <= k; i++ {
		h := tensor.New(x.Rows, d.Layers[i].NHidden())
		d.Layers[i].HiddenProbs(h, x)
		x = h
	}
	return x, nil
}

// Sample draws n samples: steps block-Gibbs steps in the top RBM, then one
// top-down pass through the directed layers, sampling binary states at each
// intermediate layer and returning p(v|h) of the bottom layer (n × n_visible),
// which makes smoother pictures than binary states. init, when non-nil,
// gives n rows of data whose up-pass (probabilities through the lower layers)
// starts the top chains; nil starts them from uniform random states.
func (d *DBN) Sample(n, steps int, init *tensor.Matrix, rng *tensor.Rand) (*tensor.Matrix, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	top := d.Layers[len(d.Layers)-1]
	var start *tensor.Matrix
	if init != nil {
		if init.Rows != n {
			return nil, fmt.Errorf("dbn: %d initial rows for %d samples", init.Rows, n)
		}
		if len(d.Layers) == 1 {
			start = init
		} else {
			var err error
			if start, err = d.Features(init, len(d.Layers)-2); err != nil {
				return nil, err
			}
			// The top RBM was trained on binary-ish inputs: start from a sample.
			rng.BernoulliFast(start.Data, start.Data)
		}
	}
	states, probs := top.Sample(n, steps, start, rng)
	if len(d.Layers) == 1 {
		return probs, nil
	}
	v := states
	for k := len(d.Layers) - 2; k >= 0; k-- {
		l := d.Layers[k]
		p := tensor.New(n, l.NVisible())
		l.VisibleMeans(p, v)
		if k == 0 {
			return p, nil
		}
		rng.BernoulliFast(p.Data, p.Data)
		v = p
	}
	return nil, errors.New("unreachable")
}

// Save writes d to path as one safetensors file, atomically: tensors
// layerK.weights, layerK.visible_bias, layerK.hidden_bias for K = 0…L−1, and
// metadata "model": "dbn", "layers" (the number of RBM layers), "sizes" (the
// unit counts, data first, comma-separated), "format_version", plus extra.
func (d *DBN) Save(path string, extra map[string]string) error {
	if err := d.Validate(); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	meta := map[string]string{}
	maps.Copy(meta, extra)
	sizes := make([]string, 0, len(d.Layers)+1)
	for _, s := range d.Sizes() {
		sizes = append(sizes, strconv.Itoa(s))
	}
	meta["model"] = "dbn"
	meta["layers"] = strconv.Itoa(len(d.Layers))
	meta["sizes"] = strings.Join(sizes, ",")
	meta["visible"] = "bernoulli"
	meta["hidden"] = "bernoulli"
	meta["format_version"] = FormatVersion
	ts := map[string]modelio.Tensor{}
	for k, l := range d.Layers {
		p := fmt.Sprintf("layer%d.", k)
		ts[p+"weights"] = modelio.Tensor{Shape: []int{l.NVisible(), l.NHidden()}, Data: l.W.Data}
		ts[p+"visible_bias"] = modelio.Tensor{Shape: []int{l.NVisible()}, Data: l.B}
		ts[p+"hidden_bias"] = modelio.Tensor{Shape: []int{l.NHidden()}, Data: l.C}
	}
	if err := modelio.Save(path, &modelio.File{Metadata: meta, Tensors: ts}); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}

// Load reads a DBN written by Save and returns it with the file's metadata.
func Load(path string) (*DBN, map[string]string, error) {
	return modelio.LoadAs(path, FromFile)
}

// FromFile builds a DBN from a decoded model file: the layers are
// layer0.*, layer1.*, … up to the first missing index, and must agree
// with the "layers" metadata when present.
func FromFile(f *modelio.File) (*DBN, error) {
	if k := f.Kind(); k != "dbn" {
		if k == "" {
			return nil, fmt.Errorf("file has no \"model\": \"dbn\" metadata: %w", modelio.ErrFormat)
		}
		return nil, fmt.Errorf("file holds a %q model, not a dbn: %w", k, modelio.ErrFormat)
	}
	if err := f.CheckVersion(FormatVersion); err != nil {
		return nil, err
	}
	d := &DBN{}
	for k := 0; ; k++ {
		p := fmt.Sprintf("layer%d.", k)
		if _, ok := f.Tensors[p+"weights"]; !ok {
			break
		}
		sub := &modelio.File{Metadata: map[string]string{}, Tensors: map[string]modelio.Tensor{
			"weights": f.Tensors[p+"weights"], "visible_bias": f.Tensors[p+"visible_bias"], "hidden_bias": f.Tensors[p+"hidden_bias"]}}
		for _, name := range []string{"visible_bias", "hidden_bias"} {
			if _, ok := f.Tensors[p+name]; !ok {
				return nil, fmt.Errorf("no tensor named %q: %w", p+name, modelio.ErrMissing)
			}
		}
		m, err := rbm.FromFile(sub)
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", k, err)
		}
		d.Layers = append(d.Layers, m)
	}
	if len(d.Layers) == 0 {
		return nil, fmt.Errorf("no tensor named \"layer0.weights\": %w", modelio.ErrMissing)
	}
	if s, ok := f.Metadata["layers"]; ok && s != strconv.Itoa(len(d.Layers)) {
		return nil, fmt.Errorf("metadata says %s layers but the file has tensors for %d: %w", s, len(d.Layers), modelio.ErrFormat)
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return d, nil
}
