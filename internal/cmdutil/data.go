package cmdutil

import (
	"cmp"
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

// DataFlags are the flags every command that reads a data set shares
// (--data, --binarize, --binarize-seed, --limit), resolved.
type DataFlags struct {
	Spec        string
	Binarize    string
	BinSeed     uint64
	Limit       int
	Real        bool  // read real values: no binarization, no [0,1] check (Gaussian visible units)
	BinarizeSet bool  // --binarize was given
	MaxMemory   int64 // --max-memory (0: the default)
}

// Register adds the flags to c, --data defaulting to def.
func (d *DataFlags) Register(c *cobra.Command, def string) {
	c.Flags().StringVar(&d.Spec, "data", def, "data set: mnist, mnist:test, mnist:N, bars:NxM, or a .npy/.csv/IDX file or PNG folder")
	c.Flags().StringVar(&d.Binarize, "binarize", "threshold", "binarization for Bernoulli units: threshold (x ≥ 0.5), sample (each value drawn once as Bernoulli(x), fixed seed) or none")
	c.Flags().Uint64Var(&d.BinSeed, "binarize-seed", 1, "seed of --binarize sample")
	c.Flags().IntVar(&d.Limit, "limit", 0, "use only the first N rows (0: all)")
	Minimum(c, 0, "limit")
}

// Resolve records what only the command knows: whether --binarize was given.
func (d *DataFlags) Resolve(c *cobra.Command) error {
	d.BinarizeSet = c.Flags().Changed("binarize")
	d.MaxMemory = MaxMemory(c)
	return nil
}

// ForUnits prepares d to read data for visible units u: binary units read
// binarized values in [0,1]; Gaussian units real values, so an explicit
// --binarize other than none is an error.
func (d *DataFlags) ForUnits(u rbm.Units) error {
	if _, binary := u.(rbm.Bernoulli); binary {
		return nil
	}
	if d.BinarizeSet && d.Binarize != "none" {
		return fmt.Errorf("the model has %s visible units, which read real values: --binarize must be none", u.Name())
	}
	d.Real = true
	return nil
}

// Load reads spec as the flags say: binarized and checked to [0,1] for
// binary units, real values (ForUnits) as they are; a generated set too
// large for the memory limit is refused first.
func (d *DataFlags) Load(spec string) (*dataset.Set, error) {
	if err := SpecFits(d.MaxMemory, "data", spec); err != nil {
		return nil, err
	}
	if d.Real {
		return dataset.Load(spec, dataset.Options{Limit: d.Limit})
	}
	mode := d.Binarize
	switch mode {
	case "threshold", "sample":
	case "none", "":
		mode = ""
	default:
		return nil, fmt.Errorf("--binarize %q: want threshold, sample or none", d.Binarize)
	}
	s, err := dataset.Load(spec, dataset.Options{Binarize: mode, BinarizeSeed: d.BinSeed, Limit: d.Limit})
	if err != nil {
		return nil, err
	}
	if err := s.CheckRange(0, 1); err != nil {
		return nil, fmt.Errorf("Bernoulli units need values in [0,1]: %w", err)
	}
	return s, nil
}

// Metadata returns how set was loaded, under the keys model files record
// it: data, binarize, binarize_seed (sampled binarization), limit and
// image_shape. FromMetadata reads the same keys back; they are the one
// place these keys are written and read.
func (d *DataFlags) Metadata(set *dataset.Set) map[string]string {
	meta := map[string]string{"data": set.Name, "binarize": set.BinarizeName()}
	if s := set.ShapeText(); s != "" {
		meta["image_shape"] = s
	}
	if set.Binarized == "sample" {
		meta["binarize_seed"] = strconv.FormatUint(d.BinSeed, 10)
	}
	if d.Limit > 0 {
		meta["limit"] = strconv.Itoa(d.Limit)
	}
	return meta
}

// FromMetadata sets d to load the data a model file's metadata names, as
// it was loaded (binarization, seed, limit); keys not present keep d's.
func (d *DataFlags) FromMetadata(meta map[string]string) {
	d.Spec = meta["data"]
	if b := meta["binarize"]; b != "" {
		d.Binarize = b
	}
	if s, err := strconv.ParseUint(meta["binarize_seed"], 10, 64); err == nil {
		d.BinSeed = s
	}
	d.Limit, _ = strconv.Atoi(meta["limit"])
}

// Start returns the starting states of n sampling chains for --init
// initMode: nil for random, or for data the first n rows of --data
// (default: the model's training data, from its metadata), checked by
// check, with their set.
func (data *DataFlags) Start(initMode string, meta map[string]string, n int, check func(*tensor.Matrix) error) (*tensor.Matrix, *dataset.Set, error) {
	switch initMode {
	case "random":
		return nil, nil, nil
	case "data":
	default:
		return nil, nil, fmt.Errorf("--init %q: want random or data", initMode)
	}
	spec := cmp.Or(data.Spec, meta["data"])
	if spec == "" {
		return nil, nil, errors.New("--init data needs --data")
	}
	set, err := data.Load(spec)
	if err != nil {
		return nil, nil, err
	}
	if err := check(set.X); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", set.Name, err)
	}
	if set.Len() < n {
		return nil, nil, fmt.Errorf("--init data needs %d rows, %s has %d", n, set.Name, set.Len())
	}
	return set.X.SliceRows(0, n), set, nil
}

// WriteRows writes rows as a PNG grid or a .npy array, by extension.
func WriteRows(path string, rows *tensor.Matrix, cols int, meta map[string]string, set *dataset.Set) error {
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
