package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/rbm"
	"github.com/ebm-go/ebm/viz"
)

func newRBMCmd(io *ioStreams) *cobra.Command {
	c := &cobra.Command{
		Use:   "rbm",
		Short: "Restricted Boltzmann machines (Bernoulli or Gaussian visible units): train, eval, sample, transform, reconstruct, probe",
	}
	c.AddCommand(newCmdRBMTrain(io, nil), newCmdRBMEval(io, nil), newCmdRBMSample(io, nil),
		newCmdRBMTransform(io, nil), newCmdRBMReconstruct(io, nil), newCmdRBMProbe(io, nil))
	return c
}

// dataFlags are the flags every command that reads data shares.
type dataFlags struct {
	spec        string
	binarize    string
	binSeed     uint64
	limit       int
	real        bool  // read real values: no binarization, no [0,1] check (Gaussian visible units)
	binarizeSet bool  // --binarize was given
	maxMemory   int64 // --max-memory (0: the default)
}

func (d *dataFlags) register(c *cobra.Command, def string) {
	c.Flags().StringVar(&d.spec, "data", def, "data set: mnist, mnist:test, mnist:N, bars:NxM, or a .npy/.csv/IDX file or PNG folder")
	c.Flags().StringVar(&d.binarize, "binarize", "threshold", "binarization for Bernoulli units: threshold (x ≥ 0.5), sample (each value drawn once as Bernoulli(x), fixed seed) or none")
	c.Flags().Uint64Var(&d.binSeed, "binarize-seed", 1, "seed of --binarize sample")
	c.Flags().IntVar(&d.limit, "limit", 0, "use only the first N rows (0: all)")
	minimum(c, 0, "limit")
}

// resolve records what only the command knows: whether --binarize was given.
func (d *dataFlags) resolve(c *cobra.Command) error {
	d.binarizeSet = c.Flags().Changed("binarize")
	d.maxMemory = maxMemory(c)
	return nil
}

// forUnits prepares d to read data for visible units u: binary units read
// binarized values in [0,1]; Gaussian units real values, so an explicit
// --binarize other than none is an error.
func (d *dataFlags) forUnits(u rbm.Units) error {
	if _, binary := u.(rbm.Bernoulli); binary {
		return nil
	}
	if d.binarizeSet && d.binarize != "none" {
		return fmt.Errorf("the model has %s visible units, which read real values: --binarize must be none", u.Name())
	}
	d.real = true
	return nil
}

func (d *dataFlags) load(spec string) (*dataset.Set, error) {
	if err := specFits(d.maxMemory, "data", spec); err != nil {
		return nil, err
	}
	if d.real {
		return dataset.Load(spec, dataset.Options{Limit: d.limit})
	}
	mode := d.binarize
	switch mode {
	case "threshold", "sample":
	case "none", "":
		mode = ""
	default:
		return nil, fmt.Errorf("--binarize %q: want threshold, sample or none", d.binarize)
	}
	s, err := dataset.Load(spec, dataset.Options{Binarize: mode, BinarizeSeed: d.binSeed, Limit: d.limit})
	if err != nil {
		return nil, err
	}
	if err := s.CheckRange(0, 1); err != nil {
		return nil, fmt.Errorf("Bernoulli units need values in [0,1]: %w", err)
	}
	return s, nil
}

// metadata returns how set was loaded, under the keys model files record
// it: data, binarize, binarize_seed (sampled binarization), limit and
// image_shape. fromMetadata reads the same keys back; they are the one
// place these keys are written and read.
func (d *dataFlags) metadata(set *dataset.Set) map[string]string {
	meta := map[string]string{"data": set.Name, "binarize": set.BinarizeName()}
	if s := set.ShapeText(); s != "" {
		meta["image_shape"] = s
	}
	if set.Binarized == "sample" {
		meta["binarize_seed"] = strconv.FormatUint(d.binSeed, 10)
	}
	if d.limit > 0 {
		meta["limit"] = strconv.Itoa(d.limit)
	}
	return meta
}

// fromMetadata sets d to load the data a model file's metadata names, as
// it was loaded (binarization, seed, limit); keys not present keep d's.
func (d *dataFlags) fromMetadata(meta map[string]string) {
	d.spec = meta["data"]
	if b := meta["binarize"]; b != "" {
		d.binarize = b
	}
	if s, err := strconv.ParseUint(meta["binarize_seed"], 10, 64); err == nil {
		d.binSeed = s
	}
	d.limit, _ = strconv.Atoi(meta["limit"])
}

// loadModel reads an RBM file (any visible units) and prepares d to read
// data for it.
func loadModel(path string, d *dataFlags) (*rbm.RBM, map[string]string, error) {
	if path == "" {
		return nil, nil, errors.New("--model is required")
	}
	m, meta, err := rbm.Load(path)
	if err != nil {
		return nil, nil, err
	}
	if err := d.forUnits(m.Units()); err != nil {
		return nil, nil, err
	}
	return m, meta, nil
}

// modelInput is a model with the data set a command runs it on.
type modelInput struct {
	m    *rbm.RBM
	meta map[string]string
	set  *dataset.Set   // in data units
	x    *tensor.Matrix // the rows in the model's units
}

// openModelData reads the model file and the --data set for it.
func openModelData(path string, d *dataFlags) (*modelInput, error) {
	m, meta, err := loadModel(path, d)
	if err != nil {
		return nil, err
	}
	set, x, err := modelData(m, d, d.spec)
	if err != nil {
		return nil, err
	}
	return &modelInput{m: m, meta: meta, set: set, x: x}, nil
}

// modelData loads spec for m and returns the set (data units) and its rows
// in the model's units (standardized when the model has a standardization).
func modelData(m *rbm.RBM, d *dataFlags, spec string) (*dataset.Set, *tensor.Matrix, error) {
	set, err := d.load(spec)
	if err != nil {
		return nil, nil, err
	}
	if err := m.CheckData(set.X); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", set.Name, err)
	}
	return set, m.Standard.Applied(set.X), nil
}

// writeRows writes rows as a PNG grid or a .npy array, by extension.
func writeRows(path string, rows *tensor.Matrix, cols int, meta map[string]string, set *dataset.Set) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".npy":
		return dataset.SaveNPY(path, rows)
	case ".png":
		h, w, err := dataset.ImageShape(rows.Cols, set, meta["image_shape"])
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return viz.SaveGrid(path, rows, h, w, viz.GridOptions{Cols: cols, Scale: 2})
	default:
		return fmt.Errorf("%s: unknown output type (want .png or .npy)", path)
	}
}
