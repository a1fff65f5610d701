package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/hopfield"
)

// hopfieldStoreOptions are store's flags, resolved: the patterns (spec,
// rows, and Neurons and Seed for random:P), the memory to add to (Into) or
// to build (Spec, from the memory flags Given), the file to write.
type hopfieldStoreOptions struct {
	IO                        *ioStreams
	Patterns, Rows, Into, Out string
	Neurons                   int
	Seed                      uint64
	Spec                      hopfield.Spec
	Given                     []string
	JSON                      bool
}

func newCmdHopfieldStore(io *ioStreams, runF func(context.Context, *hopfieldStoreOptions) error) *cobra.Command {
	opts := &hopfieldStoreOptions{IO: io}
	var sf specFlags
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
"kind", "interaction", "beta".`,
		Example: `  ebm hopfield store --patterns random:20 --neurons 100 --rule storkey --out net.safetensors
  ebm hopfield store --kind dense --interaction poly:3 --patterns random:200 --neurons 100 --out dense.safetensors
  ebm hopfield store --kind continuous --beta 0.5 --patterns mnist:1000 --out cont.safetensors
  ebm hopfield store --patterns mnist:10 --rows 1,3,5,7 --rule pinv --zero-diagonal --out digits.safetensors
  ebm hopfield store --patterns more.npy --net net.safetensors --out net2.safetensors --json`,
		Args: cobra.NoArgs,
		RunE: runWith(opts, func(cmd *cobra.Command) error {
			specs, given, err := sf.resolve(cmd)
			switch {
			case err != nil:
				return err
			case len(specs) > 1:
				return errors.New("--rule and --interaction take one value when storing")
			case opts.Out == "":
				return errors.New("--out must name a file")
			case opts.Patterns == "":
				return errors.New("--patterns is required (a .npy file, a PNG file or folder, mnist:N, or random:P with --neurons)")
			}
			opts.Spec, opts.Given = specs[0], given
			return nil
		}, runF, hopfieldStoreRun),
	}
	f := c.Flags()
	f.StringVarP(&opts.Patterns, "patterns", "p", "", "patterns: .npy, PNG file or folder, mnist:N, a data set spec, or random:P (required)")
	f.IntVar(&opts.Neurons, "neurons", 0, "neurons N for random:P patterns")
	f.Uint64Var(&opts.Seed, "seed", 1, "seed of random:P patterns")
	f.StringVar(&opts.Rows, "rows", "", "keep only these rows of the patterns (0-based, e.g. 1,3,5-7)")
	f.StringVar(&opts.Into, "net", "", "add the patterns to this existing network instead of a new one")
	f.StringVarP(&opts.Out, "out", "o", "hopfield.safetensors", "model file to write")
	f.BoolVar(&opts.JSON, "json", false, "print a JSON summary")
	sf.register(c, "")
	return c
}

// storeTarget opens the memory to add to (--net) and returns it with its
// metadata, as hopfield.Extend makes it fit the memory flags given.
// Without --net it checks opts.Spec and returns no memory.
func storeTarget(opts *hopfieldStoreOptions) (hopfield.Memory, map[string]string, error) {
	if opts.Into == "" {
		specs, err := checkSpecs(opts.Given, opts.Spec)
		if err != nil {
			return nil, nil, err
		}
		opts.Spec = specs[0]
		return nil, map[string]string{}, nil
	}
	mem, meta, err := hopfield.Open(opts.Into)
	if err != nil {
		return nil, nil, err
	}
	setZeroDiagonal := slices.Contains(opts.Given, "--zero-diagonal")
	if mem, err = hopfield.Extend(mem, opts.Spec, setZeroDiagonal); err != nil {
		return nil, nil, flagError(append([]string{"--net " + opts.Into}, opts.Given...), err)
	}
	if opts.Neurons == 0 {
		opts.Neurons = mem.Neurons()
	}
	return mem, meta, nil
}

func hopfieldStoreRun(ctx context.Context, opts *hopfieldStoreOptions) error {
	mem, meta, err := storeTarget(opts)
	if err != nil {
		return err
	}
	if strings.HasPrefix(opts.Patterns, "random:") && opts.Neurons < 1 {
		return fmt.Errorf("--patterns %s needs --neurons N (at least 1), got %d", opts.Patterns, opts.Neurons)
	}
	ps, err := hopfield.LoadPatterns(opts.Patterns, opts.Neurons, opts.Seed)
	if err != nil {
		return fmt.Errorf("--patterns: %w", err)
	}
	if opts.Rows != "" {
		if err := ps.SelectRows(opts.Rows); err != nil {
			return fmt.Errorf("--%w", err)
		}
	}
	if mem == nil {
		if mem, err = hopfield.New(ps.X.Cols, opts.Spec); err != nil {
			return err
		}
	} else if ps.X.Cols != mem.Neurons() {
		return fmt.Errorf("%s has patterns of %d values, but the memory in %s has %d units", ps.Source, ps.X.Cols, opts.Into, mem.Neurons())
	}
	rep, err := hopfield.StorePatterns(ctx, mem, ps)
	if err != nil {
		return err
	}
	if err := mem.Save(opts.Out, ps.Metadata(meta, mem.Neurons())); err != nil {
		return err
	}
	if opts.JSON {
		return writeJSON(opts.IO.Out, struct {
			Out string `json:"out"`
			hopfield.StoreReport
		}{opts.Out, *rep})
	}
	return rep.WriteText(opts.IO.Out, opts.Out)
}
