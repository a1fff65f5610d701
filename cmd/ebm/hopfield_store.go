package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/hopfield"
	"github.com/ebm-go/ebm/internal/cmdutil"
)

// hopfieldStoreOptions are store's flags, resolved: what to store where
// (the memory flags in Store.Spec, not normalized) and how to report it.
type hopfieldStoreOptions struct {
	IO    *cmdutil.IOStreams
	Store hopfield.StoreOptions
	JSON  bool
}

func newCmdHopfieldStore(io *cmdutil.IOStreams, runF func(context.Context, *hopfieldStoreOptions) error) *cobra.Command {
	opts := &hopfieldStoreOptions{IO: io}
	o := &opts.Store
	var sf specFlags
	var norm string
	c := &cobra.Command{
		Use:   "store",
		Short: "Store patterns in a Hopfield network and write it to a model file",
		Long: `Store patterns in a classical Hopfield network with a learning rule and write
the network (weights, thresholds and the stored patterns) to a safetensors file.

--patterns is a .npy file (one pattern per row, ±1 or 0/1), a PNG file or a
folder of PNGs, mnist:N (the first N training digits), any other data set
spec, or random:P (P random ±1 patterns of --neurons units, from --seed).
Images are thresholded at 0.5. --rows keeps only some rows (0-based: 1,3,5-7).

Rules: hebbian (W = XᵀX/N, zero diagonal), storkey (Storkey 1997, exact
incremental rule), pinv (projection onto the span of the patterns — every
pattern is a fixed point; dependent patterns are handled by the Moore–Penrose
pseudo-inverse; --zero-diagonal widens the basins).

With --net, the patterns are added to an existing network (its rule is
kept). The report says how many stored patterns are fixed points.

--kind dense stores the patterns themselves in a dense associative memory
with --interaction poly:n, relu:n or exp (--beta: F(x) = exp(βx), default
1); --kind continuous in a continuous modern Hopfield network with --beta
(default 1). Both write the tensor "patterns" [M, N] and the metadata
"kind", "interaction", "beta".

A continuous memory stores any finite real vectors (.npy float32 or
float64, CSV; NaN and ±Inf are refused with the file, row and column):
±1 and 0/1 data become ±1 and intensities in [0,1] are thresholded at 0.5
as for the other kinds unless --real (or a --normalize other than none)
keeps them as they are; other values are taken as they are. --normalize
l2 (x/‖x‖) or standardize ((x − mean)/std, per vector) rescales each key,
and every later query the same way; it is recorded in the file
("normalize"). --values V.npy (one row per pattern) makes the patterns
keys and stores their values: recall --query then returns
V softmax(β Kᵀξ) (tensor "values" [M, d_v]).`,
		Example: `  ebm hopfield store --patterns random:20 --neurons 100 --rule storkey --out net.safetensors
  ebm hopfield store --kind dense --interaction poly:3 --patterns random:200 --neurons 100 --out dense.safetensors
  ebm hopfield store --kind continuous --beta 0.5 --patterns mnist:1000 --out cont.safetensors
  ebm hopfield store --kind continuous --normalize standardize --beta 0.05 --patterns keys.npy --values labels.npy --out kv.safetensors
  ebm hopfield store --patterns mnist:10 --rows 1,3,5,7 --rule pinv --zero-diagonal --out digits.safetensors
  ebm hopfield store --patterns more.npy --net net.safetensors --out net2.safetensors --json`,
		Args: cobra.NoArgs,
		RunE: cmdutil.RunWith(opts, func(cmd *cobra.Command) error {
			specs, err := sf.specs()
			switch {
			case err != nil:
				return err
			case len(specs) > 1:
				return errors.New("--rule and --interaction take one value when storing")
			case o.Patterns == "":
				return errors.New("--patterns is required (a .npy file, a PNG file or folder, mnist:N, or random:P with --neurons)")
			}
			o.Spec, o.SetZeroDiagonal = specs[0], cmd.Flags().Changed("zero-diagonal")
			o.Spec.Norm = hopfield.Normalization(norm)
			return nil
		}, runF, hopfieldStoreRun),
	}
	f := c.Flags()
	f.StringVarP(&o.Patterns, "patterns", "p", "", "patterns: .npy, PNG file or folder, mnist:N, a data set spec, or random:P (required)")
	f.IntVar(&o.Neurons, "neurons", 0, "neurons N for random:P patterns")
	f.Uint64Var(&o.Seed, "seed", 1, "seed of random:P patterns")
	f.StringVar(&o.Rows, "rows", "", "keep only these rows of the patterns (0-based, e.g. 1,3,5-7)")
	f.StringVar(&o.Into, "net", "", "add the patterns to this existing network instead of a new one")
	f.StringVarP(&o.Out, "out", "o", "hopfield.safetensors", "model file to write")
	f.StringVar(&o.Values, "values", "", "continuous: values V (one row per pattern, .npy or CSV); the patterns become keys")
	f.StringVar(&norm, "normalize", "", "continuous: normalize keys and queries: none (default), l2 or standardize")
	f.BoolVar(&o.Real, "real", false, "continuous: keep intensities in [0,1] as they are (not thresholded)")
	f.BoolVar(&opts.JSON, "json", false, "print a JSON summary")
	sf.register(c, "")
	cmdutil.Minimum(c, 0, "neurons")
	return c
}

func hopfieldStoreRun(ctx context.Context, opts *hopfieldStoreOptions) error {
	// --out may be --net: the patterns are added to that file in place.
	if err := cmdutil.CheckFiles([]cmdutil.File{cmdutil.Path("out", opts.Store.Out)}, cmdutil.Path("patterns", opts.Store.Patterns),
		cmdutil.Path("values", opts.Store.Values)); err != nil {
		return err
	}
	opts.Store.MaxMemory = opts.IO.MaxMemory
	rep, err := hopfield.StoreFile(ctx, opts.Store)
	if err != nil {
		return err
	}
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, rep)
	}
	return rep.WriteText(opts.IO.Out)
}
