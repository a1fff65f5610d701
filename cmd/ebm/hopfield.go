package main

import (
	"fmt"
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

// memoryFlags are the flags that say what memory to build.
var memoryFlags = []string{"kind", "rule", "zero-diagonal", "interaction", "beta"}

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

// parseKind checks a --kind flag.
func parseKind(kind string) (string, error) {
	k, err := hopfield.ParseKind(kind)
	if err != nil {
		return "", fmt.Errorf("--kind %q: want classical, dense or continuous", kind)
	}
	return k, nil
}

// checkSpec normalizes s, naming the memory flags given when it is wrong.
func checkSpec(s hopfield.Spec, given []string) (hopfield.Spec, error) {
	n, err := s.Normalize()
	if err != nil {
		return s, fmt.Errorf("%s: %w", strings.Join(given, ", "), err)
	}
	return n, nil
}

// capacityCounts resolves --patterns or --load into pattern counts.
func capacityCounts(patterns, load string, n int) ([]int, error) {
	if patterns == "" && load == "" {
		return nil, fmt.Errorf("give the pattern counts: --patterns 5,10,20 or --load 0.05:0.30:0.01")
	}
	ps, err := hopfield.PatternCounts(patterns, load, n)
	if err != nil {
		return nil, fmt.Errorf("--patterns, --load: %w", err)
	}
	return ps, nil
}
