package main

import (
	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/hopfield"
	"github.com/ebm-go/ebm/internal/cmdutil"
)

func newHopfieldCmd(io *cmdutil.IOStreams) *cobra.Command {
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
              ξ ← X softmax(β Xᵀξ), one step by default; keeps its patterns;
              stores any finite real vectors, optionally normalized
              (--normalize), and key/value pairs (--values): recall
              --query returns V softmax(β Kᵀξ)

Conventions: states are ±1 (0/1 data and images thresholded at 0.5 are
converted; continuous memories also take real values); a unit whose field is exactly zero keeps its state (sgn(0)
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
// when they take comma lists. Their defaults are empty: a spec field not
// asked for is the zero value, which the library fills in (and Extend
// takes from the memory).
func (sf *specFlags) register(c *cobra.Command, list string) {
	f := c.Flags()
	f.StringVar(&sf.kind, "kind", "classical", "kind of memory: classical, dense or continuous")
	f.StringVar(&sf.rules, "rule", "", "learning rule: hebbian (default), storkey or pinv"+list)
	f.BoolVar(&sf.zeroDiag, "zero-diagonal", false, "pinv: set the self-couplings W_ii to 0")
	f.StringVar(&sf.inters, "interaction", "", "dense: interaction F, poly:n (default poly:3), relu:n or exp"+list)
	f.Float64Var(&sf.beta, "beta", 0, "dense exp: F(x) = exp(βx); continuous: inverse temperature (default 1)")
}

// specs returns the specs the flags ask for (hopfield.ParseSpecs), not
// normalized.
func (sf *specFlags) specs() ([]hopfield.Spec, error) {
	return hopfield.ParseSpecs(sf.kind, sf.rules, sf.inters, sf.zeroDiag, sf.beta)
}
