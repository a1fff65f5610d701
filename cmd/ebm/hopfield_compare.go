package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/hopfield"
	"github.com/ebm-go/ebm/internal/cmdutil"
)

// newCmdHopfieldCompare is capacity with a fixed set of memories: the
// run function is hopfieldCapacityRun.
func newCmdHopfieldCompare(io *cmdutil.IOStreams, runF func(context.Context, *hopfieldCapacityOptions) error) *cobra.Command {
	opts := &hopfieldCapacityOptions{IO: io, LogX: true, Command: "hopfield compare"}
	var interactions string
	var beta float64
	c := &cobra.Command{
		Use:   "compare",
		Short: "Capacity of classical, dense and continuous memories in one plot",
		Long: `Measure, on the same random patterns and probes, the classical network with
the Hebbian and Storkey rules, dense associative memories (--interaction,
default poly:3, relu:3 and exp) and the continuous network (--beta), and
draw their recall against the load α = p/N on a logarithmic axis — the
picture of why "modern" matters: the classical rules fail near α ≈ 0.14
(Hebbian) and 0.3–0.5 (Storkey), poly:3 holds up to α ~ N/(6 ln N), exp and
continuous far beyond.

Loads: --load from:to:step or --patterns counts; by default
0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2, 4, 6, 8, 12 times N.`,
		Example: `  ebm hopfield compare --neurons 100 --trials 5 --plot capacity.png
  ebm hopfield compare --neurons 64 --load 0.1:4:0.3 --json`,
		Args: cobra.NoArgs,
	}
	counts := capacityFlags(c, opts, "pattern counts, e.g. 10,50,100,400", 5, hopfield.CompareCounts)
	c.RunE = cmdutil.RunWith(opts, func(*cobra.Command) error {
		fs, err := hopfield.ParseInteractions(interactions)
		if err != nil {
			return fmt.Errorf("--interaction: %w", err)
		}
		opts.Specs = hopfield.CompareSpecs(fs, beta)
		quiet := opts.Quiet
		err = counts()
		opts.Tables = !quiet && !opts.JSON
		return err
	}, runF, hopfieldCapacityRun)
	f := c.Flags()
	f.StringVar(&interactions, "interaction", "poly:3,relu:3,exp", "dense interactions to include (comma list)")
	f.Float64Var(&beta, "beta", 1, "continuous: inverse temperature")
	f.BoolVar(&opts.JSON, "json", false, "print JSON: an array with one object per memory")
	return c
}
