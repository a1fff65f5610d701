package main

import (
	"fmt"
	"math"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/hopfield"
	"github.com/ebm-go/ebm/viz"
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

// plotCapacity draws the fixed-point, recall and overlap fractions of the
// reports against the load, with the theory marks of their kinds.
func plotCapacity(path string, reports []*hopfield.CapacityReport, logX bool) error {
	maxLoad := 0.0
	for _, rep := range reports {
		for _, r := range rep.Results {
			maxLoad = max(maxLoad, r.Load)
		}
	}
	xf, xl := func(a float64) float64 { return a }, "load α = p/N"
	if logX {
		xf, xl = math.Log10, "log₁₀ load α = p/N"
	}
	// Theory marks as vertical lines, named in the first panel only (same
	// colours in all panels); marks beyond the measured loads are left out.
	var marks []viz.Series
	seen := map[string]bool{}
	for _, rep := range reports {
		for _, m := range rep.Marks() {
			if !seen[m.Name] && m.Load <= 1.05*maxLoad {
				seen[m.Name] = true
				marks = append(marks, viz.Series{Name: m.Name, X: []float64{xf(m.Load), xf(m.Load)}, Y: []float64{0, 1}})
			}
		}
	}
	panel := func(title, ylabel string, named bool, f func(hopfield.CapacityResult) float64) viz.Panel {
		p := viz.Panel{Title: title, XLabel: xl, YLabel: ylabel}
		for _, rep := range reports {
			s := viz.Series{Name: rep.Rule}
			if rep.Kind == hopfield.KindContinuous {
				s.Name = fmt.Sprintf("continuous β=%g", *rep.Beta)
			}
			for _, r := range rep.Results {
				s.X, s.Y = append(s.X, xf(r.Load)), append(s.Y, f(r))
			}
			p.Series = append(p.Series, s)
		}
		for _, m := range marks {
			if !named {
				m.Name = ""
			}
			p.Series = append(p.Series, m)
		}
		return p
	}
	r := reports[0]
	title := fmt.Sprintf(" (N = %d, %d trials, noise %g)", r.Neurons, r.Trials, r.Noise)
	return viz.Curves(path, []viz.Panel{
		panel("Stored patterns that are fixed points"+title, "fixed-point fraction", true, func(x hopfield.CapacityResult) float64 { return x.FixedPointFraction }),
		panel("Probes recalled exactly", "recall fraction", false, func(x hopfield.CapacityResult) float64 { return x.RecallFraction }),
		panel("Final overlap with the probed pattern", "mean overlap m", false, func(x hopfield.CapacityResult) float64 { return x.MeanOverlap }),
	}, 9, 10)
}

// capacityCounts resolves --patterns or --load into pattern counts.
func capacityCounts(patterns, load string, n int) ([]int, error) {
	switch {
	case patterns != "" && load != "":
		return nil, fmt.Errorf("give either --patterns or --load, not both")
	case patterns != "":
		ps, err := hopfield.ParseCounts(patterns)
		if err != nil {
			return nil, fmt.Errorf("--patterns %w", err)
		}
		return ps, nil
	case load != "":
		ps, err := hopfield.ParseLoads(load, n)
		if err != nil {
			return nil, fmt.Errorf("--load %w", err)
		}
		return ps, nil
	}
	return nil, fmt.Errorf("give the pattern counts: --patterns 5,10,20 or --load 0.05:0.30:0.01")
}
