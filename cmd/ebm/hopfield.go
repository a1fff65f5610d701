package main

import (
	"fmt"
	"io"
	"math"
	"slices"
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

// resolve returns the specs the flags ask for, one per rule and interaction
// of their lists, not normalized (zero: flag not given), and the flags given.
func (sf *specFlags) resolve(cmd *cobra.Command) ([]hopfield.Spec, []string, error) {
	kind, err := hopfield.ParseKind(sf.kind)
	if err != nil {
		return nil, nil, fmt.Errorf("--kind %q: want classical, dense or continuous", sf.kind)
	}
	rs, fs := []string{""}, []string{""}
	if cmd.Flags().Changed("rule") {
		rs = strings.Split(sf.rules, ",")
	}
	if cmd.Flags().Changed("interaction") {
		fs = strings.Split(sf.inters, ",")
	}
	inters, err := parseInteractions(fs)
	if err != nil {
		return nil, nil, err
	}
	var specs []hopfield.Spec
	for _, r := range rs {
		for _, in := range inters {
			s := hopfield.Spec{Kind: kind, ZeroDiagonal: sf.zeroDiag, Beta: sf.beta, Interaction: in}
			if r != "" {
				if s.Rule, err = hopfield.ParseRule(r); err != nil {
					return nil, nil, fmt.Errorf("--rule: %w", err)
				}
			}
			specs = append(specs, s)
		}
	}
	return specs, givenFlags(cmd, "kind", "rule", "zero-diagonal", "interaction", "beta"), nil
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

// parseInteractions parses an --interaction list; an empty item is left
// out, or is the zero Interaction (the default) when it is the only one.
func parseInteractions(items []string) ([]hopfield.Interaction, error) {
	var fs []hopfield.Interaction
	for _, in := range items {
		f, err := hopfield.ParseInteraction(in)
		if in = strings.TrimSpace(in); in != "" && err != nil {
			return nil, fmt.Errorf("--interaction: %w", err)
		} else if in != "" || len(items) == 1 {
			fs = append(fs, f)
		}
	}
	return fs, nil
}

// checkSpecs normalizes the specs, naming the memory flags given when one
// is wrong.
func checkSpecs(given []string, specs ...hopfield.Spec) ([]hopfield.Spec, error) {
	for i, s := range specs {
		var err error
		if specs[i], err = s.Normalize(); err != nil {
			return nil, fmt.Errorf("%s: %w", strings.Join(given, ", "), err)
		}
	}
	return specs, nil
}

// capacityCounts checks --neurons and --noise and resolves --patterns or
// --load into pattern counts; without either, the loads def (those that
// give at least one pattern), when there are any.
func capacityCounts(o *hopfield.CapacityOptions, patterns, load string, def []float64) ([]int, error) {
	if o.Neurons < 2 {
		return nil, fmt.Errorf("--neurons must be at least 2, got %d", o.Neurons)
	}
	if !(o.Noise >= 0 && o.Noise <= 1) {
		return nil, fmt.Errorf("--noise %g is outside [0, 1]", o.Noise)
	}
	switch {
	case patterns == "" && load == "" && def != nil:
		return hopfield.LoadCounts(slices.DeleteFunc(slices.Clone(def), func(a float64) bool { return math.Round(a*float64(o.Neurons)) < 1 }), o.Neurons)
	case patterns == "" && load == "":
		return nil, fmt.Errorf("give the pattern counts: --patterns 5,10,20 or --load 0.05:0.30:0.01")
	}
	ps, err := hopfield.PatternCounts(patterns, load, o.Neurons)
	if err != nil {
		return nil, fmt.Errorf("--patterns, --load: %w", err)
	}
	return ps, nil
}

// printWrote says which files were written ("" is none).
func printWrote(w io.Writer, files ...string) {
	for _, f := range files {
		if f != "" {
			fmt.Fprintf(w, "wrote %s\n", f)
		}
	}
}
