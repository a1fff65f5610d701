package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/hopfield"
)

func newHopfieldCmd(io *ioStreams) *cobra.Command {
	c := &cobra.Command{
		Use:   "hopfield",
		Short: "Associative memories: store patterns, recall them, measure capacity",
		Long: `Associative memories (Hopfield networks). One set of commands serves every
kind of memory, chosen with --kind:

  classical   ±1 neurons, weights from the Hebbian, Storkey or pseudo-inverse
              rule; E(s) = −½ sᵀWs + θᵀs
  dense       dense associative memory (Krotov & Hopfield 2016) with
              --interaction poly:n (xⁿ), relu:n (max(x,0)ⁿ) or exp (exp(βx),
              Demircigil et al. 2017); E(σ) = −Σ_μ F(ξ^μ·σ), asynchronous
              energy-difference updates; keeps its patterns
  continuous  modern Hopfield network (Ramsauer et al. 2020): real states,
              ξ ← X softmax(β Xᵀξ), one step by default; keeps its patterns

Conventions: states are ±1 (0/1 data and images thresholded at 0.5 are
converted); a unit whose field is exactly zero keeps its state (sgn(0)
convention); every random draw comes from --seed.`,
	}
	c.AddCommand(newCmdHopfieldStore(io, nil), newCmdHopfieldRecall(io, nil), newCmdHopfieldCapacity(io, nil), newCmdHopfieldCompare(io, nil))
	return c
}

// specFlags are the flags that say what memory to build.
type specFlags struct {
	kind, rules, inters string
	zeroDiag            bool
	beta                float64
}

// register adds the flags; list is the help for --rule and --interaction
// when they take comma lists.
func (sf *specFlags) register(c *cobra.Command, list string) {
	f := c.Flags()
	f.StringVar(&sf.kind, "kind", "classical", "kind of memory: classical, dense or continuous")
	f.StringVar(&sf.rules, "rule", "hebbian", "learning rule: hebbian, storkey or pinv"+list)
	f.BoolVar(&sf.zeroDiag, "zero-diagonal", false, "pinv: set the self-couplings W_ii to 0")
	f.StringVar(&sf.inters, "interaction", "poly:3", "dense: interaction F, poly:n, relu:n or exp"+list)
	f.Float64Var(&sf.beta, "beta", 0, "dense exp: F(x) = exp(βx); continuous: inverse temperature (default 1)")
}

// resolve returns the specs the flags ask for (hopfield.ParseSpecs: a
// --rule or --interaction not given is the zero value), not normalized,
// and the flags given, which name the place when one is wrong.
func (sf *specFlags) resolve(cmd *cobra.Command) ([]hopfield.Spec, []string, error) {
	given := givenFlags(cmd, "kind", "rule", "zero-diagonal", "interaction", "beta")
	rules, inters := sf.rules, sf.inters
	if !cmd.Flags().Changed("rule") {
		rules = ""
	}
	if !cmd.Flags().Changed("interaction") {
		inters = ""
	}
	specs, err := hopfield.ParseSpecs(sf.kind, rules, inters, sf.zeroDiag, sf.beta)
	if err != nil {
		return nil, nil, flagError(given, err)
	}
	return specs, given, nil
}

// givenFlags lists the flags of names that were set on the command line.
func givenFlags(cmd *cobra.Command, names ...string) []string {
	var given []string
	for _, f := range names {
		if cmd.Flags().Changed(f) {
			given = append(given, "--"+f)
		}
	}
	return given
}

// flagError names the flags an error comes from.
func flagError(flags []string, err error) error {
	return fmt.Errorf("%s: %w", strings.Join(flags, ", "), err)
}

// checkSpecs normalizes the specs, naming the memory flags given when one
// is wrong.
func checkSpecs(given []string, specs ...hopfield.Spec) ([]hopfield.Spec, error) {
	for i, s := range specs {
		var err error
		if specs[i], err = s.Normalize(); err != nil {
			return nil, flagError(given, err)
		}
	}
	return specs, nil
}

// checkFraction says when the value v of a flag is outside [0, 1].
func checkFraction(flag string, v float64) error {
	if !(v >= 0 && v <= 1) {
		return fmt.Errorf("%s %g is outside [0, 1]", flag, v)
	}
	return nil
}

// capacityCounts checks --neurons and --noise and resolves --patterns or
// --load into o.Patterns; without either, def gives the counts for
// o.Neurons, when it is not nil.
func capacityCounts(o *hopfield.CapacityOptions, patterns, load string, def func(n int) []int) error {
	if o.Neurons < 2 {
		return fmt.Errorf("--neurons must be at least 2, got %d", o.Neurons)
	}
	if err := checkFraction("--noise", o.Noise); err != nil {
		return err
	}
	if patterns == "" && load == "" {
		if def == nil {
			return errors.New("give the pattern counts: --patterns 5,10,20 or --load 0.05:0.30:0.01")
		}
		o.Patterns = def(o.Neurons)
		return nil
	}
	var err error
	if o.Patterns, err = hopfield.PatternCounts(patterns, load, o.Neurons); err != nil {
		return fmt.Errorf("--patterns, --load: %w", err)
	}
	return nil
}

// printWrote says which files were written ("" is none).
func printWrote(w io.Writer, files ...string) {
	for _, f := range files {
		if f != "" {
			fmt.Fprintf(w, "wrote %s\n", f)
		}
	}
}
