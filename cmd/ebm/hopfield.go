package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/hopfield"
	"github.com/ebm-go/ebm/internal/tensor"
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
	c.AddCommand(newHopfieldStoreCmd(), newHopfieldRecallCmd(), newHopfieldCapacityCmd(), newHopfieldCompareCmd())
	return c
}

// hopfieldKind checks a --kind flag for store and capacity and returns the
// kind's canonical name.
func hopfieldKind(kind string) (string, error) {
	switch k := strings.ToLower(strings.TrimSpace(kind)); k {
	case hopfield.KindClassical, hopfield.KindDense, hopfield.KindContinuous:
		return k, nil
	}
	return "", fmt.Errorf("--kind %q: want classical, dense or continuous", kind)
}

// newModern returns an empty dense or continuous memory of n units.
func newModern(kind string, n int, interaction string, beta float64) (hopfield.Memory, error) {
	if kind == hopfield.KindDense {
		f, err := hopfield.ParseInteraction(interaction)
		if err != nil {
			return nil, fmt.Errorf("--interaction: %w", err)
		}
		m, err := hopfield.NewDense(n, f, beta)
		if err != nil {
			return nil, fmt.Errorf("--beta: %w", err)
		}
		return m, nil
	}
	if beta == 0 {
		beta = 1
	}
	c, err := hopfield.NewContinuous(n, beta)
	if err != nil {
		return nil, fmt.Errorf("--beta: %w", err)
	}
	return c, nil
}

// fixedCheckLimit bounds the work of modernFixed, M²·N (≈ 10,000 patterns
// of 784 units): beyond it the check is skipped.
const fixedCheckLimit = 1e11

// modernFixed counts the stored patterns that are fixed points: for dense
// memories exactly, for continuous ones when one update keeps the signs.
// It returns −1 when the memory is too large to check quickly.
func modernFixed(ctx context.Context, mem hopfield.Memory) (int, error) {
	pats := mem.Patterns()
	if pats == nil {
		return 0, nil
	}
	if float64(pats.Rows)*float64(pats.Rows)*float64(pats.Cols) > fixedCheckLimit {
		return -1, nil
	}
	fixed := 0
	switch m := mem.(type) {
	case *hopfield.Dense:
		for mu := 0; mu < pats.Rows; mu++ {
			if ok, _ := m.IsFixedPoint(pats.Row(mu)); ok {
				fixed++
			}
		}
	case *hopfield.Continuous:
		r, _, err := m.Retrieve(ctx, pats, hopfield.RetrieveOptions{})
		if err != nil {
			return 0, err
		}
		for mu := 0; mu < pats.Rows; mu++ {
			if slices.Equal(hopfield.Sign(r.Row(mu)), hopfield.Sign(pats.Row(mu))) {
				fixed++
			}
		}
	}
	return fixed, nil
}

// modernDescription is "dense, relu:3" or "continuous, β = 1".
func modernDescription(mem hopfield.Memory) string {
	switch m := mem.(type) {
	case *hopfield.Dense:
		if m.Interaction().Kind == hopfield.Exp {
			return fmt.Sprintf("dense associative memory, F(x) = exp(%gx)", m.Beta())
		}
		return fmt.Sprintf("dense associative memory, interaction %s", m.Interaction())
	case *hopfield.Continuous:
		return fmt.Sprintf("continuous modern Hopfield network, β = %g", m.Beta())
	}
	return mem.Kind()
}

// storeModern is `hopfield store` for the dense and continuous kinds.
func storeModern(cmd *cobra.Command, kind, patterns, rowSpec, into, out, interaction string, beta float64, neurons int, seed uint64, jsonOut bool) error {
	fl := cmd.Flags()
	for _, f := range []string{"rule", "zero-diagonal"} {
		if fl.Changed(f) {
			return fmt.Errorf("--%s applies to the classical kind; a %s memory keeps its patterns and has no learning rule", f, kind)
		}
	}
	var (
		mem  hopfield.Memory
		meta = map[string]string{}
		err  error
	)
	if into != "" {
		if mem, meta, err = hopfield.Open(into); err != nil {
			return err
		}
		if mem.Kind() != kind {
			return fmt.Errorf("--net %s holds a %s memory, not a %s one", into, mem.Kind(), kind)
		}
		if fl.Changed("interaction") || fl.Changed("beta") {
			return fmt.Errorf("--interaction and --beta: %s keeps the settings it was stored with (%s)", into, modernDescription(mem))
		}
		if neurons == 0 {
			neurons = mem.Neurons()
		}
	} else if kind == hopfield.KindContinuous && fl.Changed("interaction") {
		return errors.New("--interaction applies to the dense kind")
	}
	ps, err := loadPatterns(patterns, neurons, seed)
	if err != nil {
		return err
	}
	if rowSpec != "" {
		rows, err := parseRows(rowSpec, ps.x.Rows)
		if err != nil {
			return err
		}
		ps.x = selectRows(ps.x, rows)
	}
	if mem == nil {
		if mem, err = newModern(kind, ps.x.Cols, interaction, beta); err != nil {
			return err
		}
	} else if ps.x.Cols != mem.Neurons() {
		return fmt.Errorf("%s has patterns of %d values, but the memory in %s has %d units", ps.source, ps.x.Cols, into, mem.Neurons())
	}
	start := time.Now()
	if err := mem.Store(ps.x); err != nil {
		return fmt.Errorf("%s: %w", ps.source, err)
	}
	secs := time.Since(start).Seconds()
	fixed, err := modernFixed(cmd.Context(), mem)
	if err != nil {
		return err
	}
	if err := mem.Save(out, storeMeta(meta, ps, mem.Neurons())); err != nil {
		return err
	}
	sum := map[string]any{
		"out": out, "kind": mem.Kind(), "neurons": mem.Neurons(), "patterns": mem.Count(), "added": ps.x.Rows,
		"source": ps.source, "binarized": ps.binarized, "fixed_points": fixed, "seconds": secs,
	}
	if fixed < 0 {
		sum["fixed_points"] = nil
	}
	switch m := mem.(type) {
	case *hopfield.Dense:
		sum["interaction"], sum["beta"] = m.Interaction().String(), m.Beta()
	case *hopfield.Continuous:
		sum["beta"] = m.Beta()
	}
	if jsonOut {
		return writeJSON(cmd.OutOrStdout(), sum)
	}
	bin := ""
	if ps.binarized {
		bin = " (thresholded at 0.5)"
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "wrote %s: %s of %d units, %d patterns from %s%s\n", out, modernDescription(mem), mem.Neurons(), mem.Count(), ps.source, bin)
	what := "fixed points"
	if kind == hopfield.KindContinuous {
		what = "kept (signs unchanged by one update)"
	}
	if fixed < 0 {
		fmt.Fprintf(w, "(fixed points not checked: %d patterns of %d units is too many to check quickly)\n", mem.Count(), mem.Neurons())
		return nil
	}
	fmt.Fprintf(w, "%d of %d stored patterns are %s (load p/N = %.3f)\n", fixed, mem.Count(), what, float64(mem.Count())/float64(mem.Neurons()))
	return nil
}

// patternSet is a set of ±1 patterns and where they came from.
type patternSet struct {
	x         *tensor.Matrix
	h, w      int    // image shape, 0 when the rows are not images
	source    string // the spec
	binarized bool   // intensities thresholded at 0.5
}

// loadPatterns reads ±1 patterns: random:P (with neurons and seed), or a
// data spec (.npy, PNG file or folder, mnist:N, ...) whose values are ±1,
// 0/1, or intensities in [0, 1] (thresholded at 0.5).
func loadPatterns(spec string, neurons int, seed uint64) (*patternSet, error) {
	if spec == "" {
		return nil, errors.New("--patterns is required (a .npy file, a PNG file or folder, mnist:N, or random:P with --neurons)")
	}
	if rest, ok := strings.CutPrefix(spec, "random:"); ok {
		p, err := strconv.Atoi(rest)
		if err != nil {
			return nil, fmt.Errorf("--patterns %s: %q is not a pattern count", spec, rest)
		}
		if p < 1 {
			return nil, fmt.Errorf("--patterns %s: a pattern count of %d (want at least 1)", spec, p)
		}
		if neurons < 1 {
			return nil, fmt.Errorf("--patterns %s needs --neurons N (at least 1), got %d", spec, neurons)
		}
		ps := &patternSet{x: hopfield.RandomPatterns(p, neurons, tensor.NewRand(seed)), source: spec}
		if r := intSqrt(neurons); r > 1 {
			ps.h, ps.w = r, r
		}
		return ps, nil
	}
	set, err := dataset.Load(spec, dataset.Options{})
	if err != nil {
		return nil, err
	}
	ps := &patternSet{h: set.H, w: set.W, source: spec}
	if ps.x, ps.binarized, err = toBipolar(set); err != nil {
		return nil, err
	}
	return ps, nil
}

// toBipolar converts a data set to ±1: ±1 and 0/1 data as they are,
// intensities in [0, 1] thresholded at 0.5, anything else an error naming
// the place.
func toBipolar(set *dataset.Set) (*tensor.Matrix, bool, error) {
	x, berr := hopfield.BipolarMatrix(set.X)
	if berr == nil {
		return x, false, nil
	}
	if slices.ContainsFunc(set.X.Data, func(v float32) bool { return v < 0 }) {
		// Negative values: meant as ±1 data, so say which entry is not ±1.
		return nil, false, fmt.Errorf("%s: patterns must be ±1, 0/1 or intensities in [0,1]: %w", set.Name, berr)
	}
	if err := set.CheckRange(0, 1); err != nil {
		return nil, false, fmt.Errorf("patterns must be ±1, 0/1 or intensities in [0,1]: %w", err)
	}
	t := set.X.Clone()
	if err := dataset.Binarize(t, "threshold", 0); err != nil {
		return nil, false, err
	}
	b, err := hopfield.BipolarMatrix(t)
	return b, true, err
}

func intSqrt(n int) int {
	r := int(math.Sqrt(float64(n)))
	for r*r > n {
		r--
	}
	for (r+1)*(r+1) <= n {
		r++
	}
	if r*r == n {
		return r
	}
	return 0
}

// parseRows parses "0,3,5" or "0-4,9" into row indices.
func parseRows(s string, n int) ([]int, error) {
	var rows []int
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("--rows %q: %q is not a row number", s, part)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("--rows %q: %q is not a range a-b with a ≤ b", s, part)
			}
		}
		for r := a; r <= b; r++ {
			if r < 0 || r >= n {
				return nil, fmt.Errorf("--rows %q: row %d is outside [0, %d)", s, r, n)
			}
			rows = append(rows, r)
		}
	}
	return rows, nil
}

func selectRows(x *tensor.Matrix, rows []int) *tensor.Matrix {
	out := tensor.New(len(rows), x.Cols)
	for k, r := range rows {
		copy(out.Row(k), x.Row(r))
	}
	return out
}

// hopfieldImageShape returns the picture shape of N-unit states: the
// patterns' shape, the file's image_shape, or a square.
func hopfieldImageShape(n int, meta map[string]string) (int, int, error) {
	if s, ok := meta["image_shape"]; ok {
		var a, b int
		if _, err := fmt.Sscanf(s, "%dx%d", &a, &b); err == nil && a*b == n && a > 0 {
			return a, b, nil
		}
	}
	if r := intSqrt(n); r > 0 {
		return r, r, nil
	}
	return 0, 0, fmt.Errorf("states of %d units have no image shape: write .npy instead of a picture", n)
}

func newHopfieldStoreCmd() *cobra.Command {
	var (
		patterns, rule, out, into, kind, rowSpec, interaction string
		neurons                                               int
		seed                                                  uint64
		beta                                                  float64
		zeroDiag, jsonOut                                     bool
	)
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := hopfieldKind(kind)
			if err != nil {
				return err
			}
			if out == "" {
				return errors.New("--out must name a file")
			}
			if k != hopfield.KindClassical {
				return storeModern(cmd, k, patterns, rowSpec, into, out, interaction, beta, neurons, seed, jsonOut)
			}
			for _, f := range []string{"interaction", "beta"} {
				if cmd.Flags().Changed(f) {
					return fmt.Errorf("--%s applies to the dense and continuous kinds", f)
				}
			}
			var (
				net  *hopfield.Network
				meta = map[string]string{}
			)
			if into != "" {
				if net, meta, err = hopfield.Load(into); err != nil {
					return err
				}
				if cmd.Flags().Changed("rule") {
					if r, err := hopfield.ParseRule(rule); err != nil || r != net.Rule() {
						return fmt.Errorf("--rule %s: %s learns with the %q rule; adding patterns keeps it", rule, into, net.Rule())
					}
				}
				if neurons == 0 {
					neurons = net.Neurons()
				}
			}
			ps, err := loadPatterns(patterns, neurons, seed)
			if err != nil {
				return err
			}
			if rowSpec != "" {
				rows, err := parseRows(rowSpec, ps.x.Rows)
				if err != nil {
					return err
				}
				ps.x = selectRows(ps.x, rows)
			}
			if net == nil {
				r, err := hopfield.ParseRule(rule)
				if err != nil {
					return err
				}
				if net, err = hopfield.New(ps.x.Cols, r); err != nil {
					return err
				}
				net.ZeroDiagonal = zeroDiag
			} else {
				if ps.x.Cols != net.Neurons() {
					return fmt.Errorf("%s has patterns of %d values, but the network in %s has %d neurons", ps.source, ps.x.Cols, into, net.Neurons())
				}
				if cmd.Flags().Changed("zero-diagonal") {
					net.ZeroDiagonal = zeroDiag
				}
			}
			if zeroDiag && net.Rule() != hopfield.PseudoInverse {
				return fmt.Errorf("--zero-diagonal applies to the pinv rule; %s weights always have a zero diagonal", net.Rule())
			}
			start := time.Now()
			if err := net.Store(ps.x); err != nil {
				return fmt.Errorf("%s: %w", ps.source, err)
			}
			secs := time.Since(start).Seconds()
			fixed := 0
			for mu := 0; mu < net.Count(); mu++ {
				if net.Patterns() == nil {
					break
				}
				if ok, _ := net.IsFixedPoint(net.Patterns().Row(mu)); ok {
					fixed++
				}
			}
			if err := net.Save(out, storeMeta(meta, ps, net.Neurons())); err != nil {
				return err
			}
			sum := map[string]any{
				"out": out, "kind": net.Kind(), "rule": string(net.Rule()), "neurons": net.Neurons(),
				"patterns": net.Count(), "added": ps.x.Rows, "source": ps.source, "binarized": ps.binarized,
				"fixed_points": fixed, "seconds": secs,
			}
			if net.Patterns() == nil {
				sum["fixed_points"] = nil
			}
			if net.Rule() == hopfield.PseudoInverse {
				sum["rank"] = net.Rank()
				sum["zero_diagonal"] = net.ZeroDiagonal
			}
			if jsonOut {
				return writeJSON(cmd.OutOrStdout(), sum)
			}
			how := string(net.Rule())
			if net.Rule() == hopfield.PseudoInverse {
				how += fmt.Sprintf(", rank %d", net.Rank())
				if net.ZeroDiagonal {
					how += ", zero diagonal"
				}
			}
			bin := ""
			if ps.binarized {
				bin = " (thresholded at 0.5)"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: classical Hopfield network of %d neurons, %d patterns (%s) from %s%s\n",
				out, net.Neurons(), net.Count(), how, ps.source, bin)
			if net.Patterns() != nil {
				fmt.Fprintf(cmd.OutOrStdout(), "%d of %d stored patterns are fixed points (load α = p/N = %.3f)\n",
					fixed, net.Count(), float64(net.Count())/float64(net.Neurons()))
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&patterns, "patterns", "p", "", "patterns: .npy, PNG file or folder, mnist:N, a data set spec, or random:P (required)")
	f.StringVar(&rule, "rule", "hebbian", "learning rule: hebbian, storkey or pinv")
	f.BoolVar(&zeroDiag, "zero-diagonal", false, "pinv: set the self-couplings W_ii to 0")
	f.IntVar(&neurons, "neurons", 0, "neurons N for random:P patterns")
	f.Uint64Var(&seed, "seed", 1, "seed of random:P patterns")
	f.StringVar(&rowSpec, "rows", "", "keep only these rows of the patterns (0-based, e.g. 1,3,5-7)")
	f.StringVar(&into, "net", "", "add the patterns to this existing network instead of a new one")
	f.StringVarP(&out, "out", "o", "hopfield.safetensors", "model file to write")
	f.StringVar(&kind, "kind", "classical", "kind of memory: classical, dense or continuous")
	f.StringVar(&interaction, "interaction", "poly:3", "dense: interaction F, poly:n, relu:n or exp")
	f.Float64Var(&beta, "beta", 0, "dense exp: F(x) = exp(βx); continuous: inverse temperature (default 1)")
	f.BoolVar(&jsonOut, "json", false, "print a JSON summary")
	return c
}

// recallReport is what recall --json prints.
type recallReport struct {
	Net            string                   `json:"net"`
	Kind           string                   `json:"kind"`
	Mode           string                   `json:"mode"`
	Temperature    *float64                 `json:"temperature,omitempty"`
	Seed           uint64                   `json:"seed"`
	Input          string                   `json:"input"`
	TargetPattern  *int                     `json:"target_pattern"`
	Noise          float64                  `json:"noise"`
	Flipped        int                      `json:"flipped"`
	Converged      bool                     `json:"converged"`
	Sweeps         int                      `json:"sweeps"`
	Cycle          bool                     `json:"cycle"`
	FinalEnergy    *float64                 `json:"final_energy"`
	Energies       []*float64               `json:"energies"`
	Flips          []int                    `json:"flips"`
	NearestPattern *int                     `json:"nearest_pattern"`
	Overlap        *float64                 `json:"overlap"`
	InitialOverlap *float64                 `json:"initial_overlap,omitempty"`
	FinalOverlap   *float64                 `json:"target_overlap,omitempty"`
	Classification *hopfield.Classification `json:"classification"`
	Masked         int                      `json:"masked,omitempty"`
	Beta           *float64                 `json:"beta,omitempty"`
	Interaction    string                   `json:"interaction,omitempty"`
	// Continuous kind: the fixed point reached (from the weights of the
	// last update); nearest_pattern and classification are of the signs.
	Retrieval *hopfield.Retrieval `json:"retrieval,omitempty"`
	Out       string              `json:"out,omitempty"`
	Plot      string              `json:"plot,omitempty"`
}

func newHopfieldRecallCmd() *cobra.Command {
	var (
		netPath, input, mode, out, plot, kind, query string
		pattern, row, maxSweeps, frames, tile, steps int
		noise, temp, mask, beta                      float64
		seed                                         uint64
		jsonOut                                      bool
	)
	c := &cobra.Command{
		Use:   "recall",
		Short: "Recall a stored pattern from a cue and show the trajectory",
		Long: `Run the network's dynamics from a cue until a fixed point (or a 2-cycle in
synchronous mode, or --max-sweeps) and report the result: whether it
converged, the sweeps, the energy after each sweep, the nearest stored
pattern and its overlap m = ξ·s/N, and what the final state is (a stored
pattern, a reversed pattern, a mixture of an odd number of patterns, or
other).

The cue is --input (a PNG or .npy file; --row picks a row of a .npy) or
--pattern K, stored pattern K (0-based); --noise flips that fraction of its
units (exactly round(noise·N), chosen from --seed).

Modes: async (one unit at a time, a fresh random order each sweep), sync
(all units at once; a 2-cycle is detected and reported), glauber
(stochastic at --temperature T: P(s_i=+1) = σ(2h_i/T), runs --max-sweeps).
Dense memories run async or sync energy-difference updates. Continuous
memories run ξ ← X softmax(β Xᵀξ) for at most --steps updates (default 1),
stopping when no entry changes by more than 1e-6, and report the fixed
point: a single pattern, a metastable average of a few (with the effective
number 1/Σp²) or the global average; --beta overrides the stored β (also
for a dense exp memory).

--mask F hides the last round(F·N) units of the cue (the lower part of an
image): they are set to −1 for binary kinds and to 0 (unknown) for the
continuous kind.

--query Q.npy --out R.npy retrieves a whole batch with a continuous memory
(rows are queries, any real values): two matrix products per update.

--out writes the states as a picture (.png: input, --frames states per
sweep, result, left to right, at most --tiles tiles; states a sweep left
unchanged are shown once) or an array (.npy, one state per row); --plot
writes the energy and the overlaps per sweep (.png, .svg or .pdf). With a
.png --out, the plot goes by default next to it as NAME-energy.png
(--plot none: no plot).`,
		Example: `  ebm hopfield recall --net net.safetensors --pattern 3 --noise 0.2 --json
  ebm hopfield recall --net digits.safetensors --pattern 1 --noise 0.25 --seed 7 --out recall.png --plot energy.png
  ebm hopfield recall --net net.safetensors --input cue.npy --mode sync
  ebm hopfield recall --net net.safetensors --pattern 0 --noise 0.1 --mode glauber --temperature 0.3 --max-sweeps 50
  ebm hopfield recall --net dense.safetensors --pattern 4 --mask 0.5 --json
  ebm hopfield recall --net cont.safetensors --pattern 2 --noise 0.3 --beta 0.1 --steps 5
  ebm hopfield recall --net cont.safetensors --query queries.npy --out retrieved.npy --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if netPath == "" {
				return errors.New("--net is required")
			}
			mem, meta, err := hopfield.Open(netPath)
			if err != nil {
				return err
			}
			if kind != "" && !strings.EqualFold(kind, mem.Kind()) {
				return fmt.Errorf("--kind %s: %s holds a %s memory", kind, netPath, mem.Kind())
			}
			fl := cmd.Flags()
			cont, isCont := mem.(*hopfield.Continuous)
			if fl.Changed("beta") {
				if mem, err = withBeta(mem, beta); err != nil {
					return err
				}
				cont, isCont = mem.(*hopfield.Continuous)
			}
			if fl.Changed("steps") && !isCont {
				return fmt.Errorf("--steps applies to continuous memories; %s holds a %s one (use --max-sweeps)", netPath, mem.Kind())
			}
			if steps < 1 {
				return fmt.Errorf("--steps %d: want at least 1", steps)
			}
			if !(mask >= 0 && mask <= 1) {
				return fmt.Errorf("--mask %g is outside [0, 1]", mask)
			}
			if query != "" {
				if !isCont {
					return fmt.Errorf("--query retrieves a batch with a continuous memory; %s holds a %s one", netPath, mem.Kind())
				}
				for _, f := range []string{"input", "pattern", "noise", "mask"} {
					if fl.Changed(f) {
						return fmt.Errorf("--query and --%s: give one or the other", f)
					}
				}
				return recallBatch(cmd, cont, netPath, query, out, steps, jsonOut)
			}
			m, err := hopfield.ParseMode(mode)
			if err != nil {
				return fmt.Errorf("--mode: %w", err)
			}
			if !(noise >= 0 && noise <= 1) {
				return fmt.Errorf("--noise %g is outside [0, 1]", noise)
			}
			n := mem.Neurons()
			rng := tensor.NewRand(seed)
			rep := recallReport{Net: netPath, Kind: mem.Kind(), Mode: string(m), Seed: seed, Noise: noise}
			var cue []float32
			var target []float32
			switch {
			case input != "" && cmd.Flags().Changed("pattern"):
				return errors.New("give either --input or --pattern, not both")
			case input != "":
				set, err := dataset.Load(input, dataset.Options{})
				if err != nil {
					return err
				}
				if row < 0 || row >= set.Len() {
					return fmt.Errorf("--row %d: %s has %d rows", row, input, set.Len())
				}
				one := set.Subset([]int{row})
				x, _, err := toBipolar(one)
				if err != nil {
					return fmt.Errorf("%s: %w", input, err)
				}
				if x.Cols != n {
					return fmt.Errorf("%s has %d values, but the network in %s has %d neurons", input, x.Cols, netPath, n)
				}
				cue = x.Row(0)
				rep.Input = input
			case cmd.Flags().Changed("pattern"):
				pats := mem.Patterns()
				if pats == nil {
					return fmt.Errorf("%s does not hold its stored patterns: give a cue with --input", netPath)
				}
				if pattern < 0 || pattern >= pats.Rows {
					return fmt.Errorf("--pattern %d: %s holds patterns 0 to %d", pattern, netPath, pats.Rows-1)
				}
				target = pats.Row(pattern)
				cue = append([]float32(nil), target...)
				rep.Input = fmt.Sprintf("pattern %d", pattern)
				rep.TargetPattern = &pattern
			default:
				return errors.New("give a cue: --input FILE or --pattern K")
			}
			if noise > 0 {
				if rep.Flipped, err = hopfield.Corrupt(cue, noise, rng); err != nil {
					return err
				}
			}
			if mask > 0 {
				rep.Masked = hopfield.NoiseFlips(mask, n)
				fill := float32(-1)
				if isCont {
					fill = 0
				}
				for j := n - rep.Masked; j < n; j++ {
					cue[j] = fill
				}
			}
			switch mm := mem.(type) {
			case *hopfield.Dense:
				b := mm.Beta()
				rep.Beta, rep.Interaction = &b, mm.Interaction().String()
			case *hopfield.Continuous:
				b := mm.Beta()
				rep.Beta, rep.Mode, maxSweeps = &b, "continuous", steps
			}
			opt := hopfield.RecallOptions{Mode: m, MaxSweeps: maxSweeps, Temperature: temp, Rand: rng, Frames: frames}
			if m == hopfield.Glauber {
				rep.Temperature = &temp
			}
			if out != "" && frames < 1 {
				opt.Frames = 1
			}
			tr, err := mem.Recall(cmd.Context(), cue, opt)
			if err != nil {
				return err
			}
			rep.Converged, rep.Sweeps, rep.Cycle = tr.Converged, tr.Sweeps, tr.Cycle
			rep.FinalEnergy = finite(tr.FinalEnergy())
			for _, e := range tr.Energies {
				rep.Energies = append(rep.Energies, finite(e))
			}
			rep.Flips = tr.Flips
			final := tr.Final
			if isCont {
				_, reps, err := cont.Retrieve(cmd.Context(), tensor.FromSlice(1, n, cue), hopfield.RetrieveOptions{Steps: steps})
				if err != nil {
					return err
				}
				rep.Retrieval = &reps[0]
				final = hopfield.Sign(tr.Final)
			}
			if pats := mem.Patterns(); pats != nil && pats.Rows > 0 {
				k, ov := hopfield.Nearest(pats, final)
				rep.NearestPattern, rep.Overlap = &k, &ov
				cl := hopfield.Classify(pats, final, 0)
				rep.Classification = &cl
			}
			if target != nil {
				i0 := tr.Overlaps[0][pattern]
				f := tr.FinalOverlaps()[pattern]
				rep.InitialOverlap, rep.FinalOverlap = &i0, &f
			}
			if out != "" {
				if err := writeRecallStates(out, tr, n, meta, tile); err != nil {
					return err
				}
				rep.Out = out
			}
			if plot == "" && strings.EqualFold(filepath.Ext(out), ".png") {
				plot = strings.TrimSuffix(out, filepath.Ext(out)) + "-energy.png"
			}
			if plot != "" && plot != "none" {
				if err := plotRecall(plot, tr, target != nil, pattern, energyLabel(mem)); err != nil {
					return err
				}
				rep.Plot = plot
			}
			if jsonOut {
				return writeJSON(cmd.OutOrStdout(), rep)
			}
			printRecall(cmd.OutOrStdout(), &rep, &tr)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&netPath, "net", "", "network file (required)")
	f.StringVar(&input, "input", "", "cue: a PNG or .npy file (±1, 0/1, or intensities thresholded at 0.5)")
	f.IntVar(&row, "row", 0, "row of a multi-row --input to use")
	f.IntVar(&pattern, "pattern", 0, "cue: stored pattern K (0-based)")
	f.Float64Var(&noise, "noise", 0, "fraction of the cue's units to flip, in [0, 1]")
	f.StringVar(&mode, "mode", "async", "dynamics: async, sync or glauber")
	f.Float64Var(&temp, "temperature", 0, "temperature T > 0 of glauber dynamics")
	f.IntVar(&maxSweeps, "max-sweeps", hopfield.DefaultMaxSweeps, "sweep limit (glauber runs exactly this many)")
	f.Uint64Var(&seed, "seed", 1, "random seed (noise, sweep orders, glauber decisions)")
	f.IntVar(&frames, "frames", 4, "states recorded per sweep for --out")
	f.IntVar(&tile, "tiles", 12, "at most this many states in a --out picture (first and last always shown)")
	f.StringVarP(&out, "out", "o", "", "write the states: .png picture or .npy array (one state per row)")
	f.StringVar(&plot, "plot", "", "write energy and overlaps per sweep (.png, .svg, .pdf; default with a .png --out: NAME-energy.png; none: no plot)")
	f.StringVar(&kind, "kind", "", "kind of memory expected in --net (default: whatever the file holds)")
	f.Float64Var(&mask, "mask", 0, "hide the last fraction of the cue's units (−1, or 0 for continuous), in [0, 1]")
	f.Float64Var(&beta, "beta", 0, "continuous or dense exp: use this β instead of the stored one")
	f.IntVar(&steps, "steps", 1, "continuous: most updates (stops earlier at a fixed point)")
	f.StringVar(&query, "query", "", "continuous: a .npy of queries (one per row) to retrieve as a batch into --out R.npy")
	f.BoolVar(&jsonOut, "json", false, "print a JSON report")
	return c
}

// withBeta returns mem with another β: a continuous memory's is set, a
// dense exp memory is rebuilt.
func withBeta(mem hopfield.Memory, beta float64) (hopfield.Memory, error) {
	switch m := mem.(type) {
	case *hopfield.Continuous:
		if err := m.SetBeta(beta); err != nil {
			return nil, fmt.Errorf("--beta: %w", err)
		}
		return m, nil
	case *hopfield.Dense:
		if m.Interaction().Kind == hopfield.Exp {
			d, err := hopfield.NewDense(m.Neurons(), m.Interaction(), beta)
			if err != nil {
				return nil, fmt.Errorf("--beta: %w", err)
			}
			if m.Count() > 0 {
				if err := d.Store(m.Patterns()); err != nil {
					return nil, err
				}
			}
			return d, nil
		}
	}
	return nil, fmt.Errorf("--beta applies to continuous memories and dense ones with the exp interaction, not to this %s", modernDescription(mem))
}

func energyLabel(mem hopfield.Memory) string {
	switch m := mem.(type) {
	case *hopfield.Dense:
		if m.Interaction().Kind == hopfield.Exp {
			return "−β⁻¹ log Σ exp(β ξ·σ)"
		}
		return "E(σ) = −Σ F(ξ·σ)"
	case *hopfield.Continuous:
		return "E(ξ) = −lse(β, Xᵀξ) + ½ξᵀξ + …"
	}
	return "E(s) = −½sᵀWs + θᵀs"
}

// batchReport is what recall --query --json prints.
type batchReport struct {
	Net              string               `json:"net"`
	Kind             string               `json:"kind"`
	Beta             float64              `json:"beta"`
	Query            string               `json:"query"`
	Queries          int                  `json:"queries"`
	Patterns         int                  `json:"patterns"`
	Dimension        int                  `json:"dimension"`
	Steps            int                  `json:"max_steps"`
	Seconds          float64              `json:"seconds"`
	QueriesPerSecond float64              `json:"queries_per_second"`
	Converged        int                  `json:"converged"`
	FixedPoints      map[string]int       `json:"fixed_points"`
	MeanEffective    float64              `json:"mean_effective_patterns"`
	Out              string               `json:"out"`
	Results          []hopfield.Retrieval `json:"results"`
}

// recallBatch is recall --query: one batched retrieval.
func recallBatch(cmd *cobra.Command, c *hopfield.Continuous, netPath, query, out string, steps int, jsonOut bool) error {
	if !strings.EqualFold(filepath.Ext(out), ".npy") {
		return fmt.Errorf("--query needs --out R.npy for the retrieved states, got %q", out)
	}
	set, err := dataset.Load(query, dataset.Options{})
	if err != nil {
		return err
	}
	if set.X.Cols != c.Neurons() {
		return fmt.Errorf("%s has queries of %d values, but the memory in %s has dimension %d", query, set.X.Cols, netPath, c.Neurons())
	}
	start := time.Now()
	r, reps, err := c.Retrieve(cmd.Context(), set.X, hopfield.RetrieveOptions{Steps: steps})
	if err != nil {
		return fmt.Errorf("%s: %w", query, err)
	}
	secs := time.Since(start).Seconds()
	if err := dataset.SaveNPY(out, r); err != nil {
		return err
	}
	rep := batchReport{Net: netPath, Kind: c.Kind(), Beta: c.Beta(), Query: query, Queries: r.Rows, Patterns: c.Count(),
		Dimension: c.Neurons(), Steps: steps, Seconds: secs, FixedPoints: map[string]int{}, Out: out}
	if secs > 0 {
		rep.QueriesPerSecond = float64(r.Rows) / secs
	}
	for _, x := range reps {
		rep.FixedPoints[string(x.Fixed)]++
		rep.MeanEffective += x.Effective / float64(len(reps))
		if x.Converged {
			rep.Converged++
		}
	}
	if jsonOut {
		rep.Results = reps
		return writeJSON(cmd.OutOrStdout(), rep)
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "retrieved %d queries from %s (β = %g, at most %d steps) in %.3fs (%.0f queries/s); wrote %s\n",
		r.Rows, netPath, c.Beta(), steps, secs, rep.QueriesPerSecond, out)
	fmt.Fprintf(w, "fixed points: %d single pattern, %d metastable, %d global average; %d converged; mean effective patterns %.3g\n",
		rep.FixedPoints[string(hopfield.FixedSingle)], rep.FixedPoints[string(hopfield.FixedMetastable)],
		rep.FixedPoints[string(hopfield.FixedGlobal)], rep.Converged, rep.MeanEffective)
	return nil
}

func printRecall(w io.Writer, rep *recallReport, tr *hopfield.Trajectory) {
	cue := rep.Input
	if rep.Flipped > 0 {
		cue += fmt.Sprintf(" with %d units flipped (noise %g)", rep.Flipped, rep.Noise)
	}
	status := "stopped at the sweep limit"
	switch {
	case rep.Converged:
		status = "converged to a fixed point"
	case rep.Cycle:
		status = "entered a 2-cycle"
	case rep.Mode == string(hopfield.Glauber):
		status = fmt.Sprintf("ran at temperature %g", *rep.Temperature)
	}
	if rep.Masked > 0 {
		cue += fmt.Sprintf(", last %d units masked", rep.Masked)
	}
	if r := rep.Retrieval; r != nil {
		status = "stopped at the step limit"
		if r.Converged {
			status = "converged"
		}
		what := fmt.Sprintf("a single pattern (%d, weight %.4f)", r.Top, r.TopWeight)
		switch r.Fixed {
		case hopfield.FixedMetastable:
			what = fmt.Sprintf("a metastable average of %.2f effective patterns (largest weight %.4f on pattern %d)", r.Effective, r.TopWeight, r.Top)
		case hopfield.FixedGlobal:
			what = fmt.Sprintf("the global average (%.1f effective patterns)", r.Effective)
		}
		fmt.Fprintf(w, "continuous retrieval (β = %g) from %s: %s after %d step(s); energy %.4g → %.4g; state: %s\n",
			*rep.Beta, cue, status, rep.Sweeps, tr.Energies[0], tr.FinalEnergy(), what)
	} else {
		fmt.Fprintf(w, "%s recall from %s: %s after %d sweeps; energy %.4g → %.4g\n",
			rep.Mode, cue, status, rep.Sweeps, tr.Energies[0], tr.FinalEnergy())
	}
	if rep.InitialOverlap != nil {
		fmt.Fprintf(w, "overlap with pattern %d: %.4f → %.4f\n", *rep.TargetPattern, *rep.InitialOverlap, *rep.FinalOverlap)
	}
	if rep.NearestPattern != nil {
		c := rep.Classification
		what := string(c.Class)
		switch c.Class {
		case hopfield.ClassStored, hopfield.ClassReversed:
			what = fmt.Sprintf("%s pattern %d", c.Class, c.Patterns[0])
		case hopfield.ClassMixture:
			what = fmt.Sprintf("mixture of patterns %v with signs %v", c.Patterns, c.Signs)
		}
		if c.Class != hopfield.ClassOther {
			if c.Exact {
				what += " (exact)"
			} else {
				what += fmt.Sprintf(" (overlap %.4f)", c.Overlap)
			}
		}
		fmt.Fprintf(w, "nearest stored pattern %d (overlap %.4f); final state: %s\n", *rep.NearestPattern, *rep.Overlap, what)
	}
	for _, f := range []string{rep.Out, rep.Plot} {
		if f != "" {
			fmt.Fprintf(w, "wrote %s\n", f)
		}
	}
}

// pickFrames drops frames equal to the one before (a sweep that changed
// nothing), keeping the last, and returns at most k of the rest, evenly
// spread, always the first and the last.
func pickFrames(fr []hopfield.Frame, k int) []hopfield.Frame {
	var distinct []hopfield.Frame
	for i, f := range fr {
		if i > 0 && i < len(fr)-1 && slices.Equal(f.State, fr[i-1].State) {
			continue
		}
		if i == len(fr)-1 && len(distinct) > 0 && len(fr) > 1 && slices.Equal(f.State, distinct[len(distinct)-1].State) {
			distinct[len(distinct)-1] = f
			continue
		}
		distinct = append(distinct, f)
	}
	if k < 2 {
		k = 2
	}
	if len(distinct) <= k {
		return distinct
	}
	out := make([]hopfield.Frame, 0, k)
	for i := 0; i < k; i++ {
		out = append(out, distinct[int(math.Round(float64(i)*float64(len(distinct)-1)/float64(k-1)))])
	}
	return out
}

func writeRecallStates(path string, tr hopfield.Trajectory, n int, meta map[string]string, maxTiles int) error {
	ext := strings.ToLower(filepath.Ext(path))
	frames := tr.Frames
	if ext == ".png" {
		frames = pickFrames(frames, maxTiles)
	}
	rows := tensor.New(len(frames), n)
	for k, f := range frames {
		copy(rows.Row(k), f.State)
	}
	switch ext {
	case ".npy":
		return dataset.SaveNPY(path, rows)
	case ".png":
		h, w, err := hopfieldImageShape(n, meta)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for k, v := range rows.Data { // ±1 → black/white
			rows.Data[k] = (v + 1) / 2
		}
		scale := max(1, 84/max(h, w))
		img, err := viz.Grid(rows, h, w, viz.GridOptions{Cols: len(frames), Scale: scale, Pad: 2})
		if err != nil {
			return err
		}
		return viz.SavePNG(path, img)
	}
	return fmt.Errorf("%s: unknown output type (want .png or .npy)", path)
}

func plotRecall(path string, tr hopfield.Trajectory, hasTarget bool, target int, energy string) error {
	x := make([]float64, len(tr.Energies))
	for i := range x {
		x[i] = float64(i)
	}
	panels := []viz.Panel{{Title: "Energy", XLabel: "sweep", YLabel: energy,
		Series: []viz.Series{{Name: "energy", X: x, Y: tr.Energies}}}}
	if len(tr.Overlaps) > 0 {
		p := len(tr.Overlaps[0])
		// Show the target and the patterns with the largest final |m|, up
		// to five curves.
		final := tr.FinalOverlaps()
		var show []int
		if hasTarget {
			show = append(show, target)
		}
		for len(show) < min(5, p) {
			best := -1
			for mu := 0; mu < p; mu++ {
				taken := false
				for _, s := range show {
					taken = taken || s == mu
				}
				if !taken && (best < 0 || math.Abs(final[mu]) > math.Abs(final[best])) {
					best = mu
				}
			}
			show = append(show, best)
		}
		var series []viz.Series
		for _, mu := range show {
			y := make([]float64, len(tr.Overlaps))
			for t, m := range tr.Overlaps {
				y[t] = m[mu]
			}
			name := fmt.Sprintf("pattern %d", mu)
			if hasTarget && mu == target {
				name += " (cue)"
			}
			series = append(series, viz.Series{Name: name, X: x, Y: y})
		}
		panels = append(panels, viz.Panel{Title: "Overlap with stored patterns", XLabel: "sweep", YLabel: "m = ξ·s/N", Series: series})
	}
	return viz.Curves(path, panels, 6, 2.6*float64(len(panels)))
}

// capacityReport is the JSON of one rule's capacity sweep.
type capacityReport struct {
	Kind string `json:"kind"`
	// Rule is the learning rule (classical), the interaction (dense) or
	// "continuous"; Interaction and Beta are set for the modern kinds.
	Rule        string                    `json:"rule"`
	Interaction string                    `json:"interaction,omitempty"`
	Beta        *float64                  `json:"beta,omitempty"`
	Neurons     int                       `json:"neurons"`
	Noise       float64                   `json:"noise"`
	Trials      int                       `json:"trials"`
	Mode        string                    `json:"mode"`
	Temperature *float64                  `json:"temperature,omitempty"`
	Seed        uint64                    `json:"seed"`
	Seconds     float64                   `json:"seconds"`
	Theory      map[string]float64        `json:"theory"`
	Results     []hopfield.CapacityResult `json:"results"`
}

// parseCounts parses --patterns 5,10,20 or --load a:b:step into pattern
// counts (p = round(α·N) for loads; repeated counts are kept once).
func parseCounts(patterns, load string, n int) ([]int, error) {
	switch {
	case patterns != "" && load != "":
		return nil, errors.New("give either --patterns or --load, not both")
	case patterns != "":
		var ps []int
		for _, f := range strings.Split(patterns, ",") {
			p, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				return nil, fmt.Errorf("--patterns %q: %q is not a count", patterns, f)
			}
			if p < 1 {
				return nil, fmt.Errorf("--patterns %q: a pattern count of %d (each must be at least 1)", patterns, p)
			}
			ps = append(ps, p)
		}
		return ps, nil
	case load != "":
		parts := strings.Split(load, ":")
		var v [3]float64
		if len(parts) != 3 {
			return nil, fmt.Errorf("--load %q: want from:to:step, e.g. 0.05:0.30:0.01", load)
		}
		for i, s := range parts {
			x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("--load %q: %q is not a number", load, s)
			}
			v[i] = x
		}
		if v[0] <= 0 || v[1] < v[0] || v[2] <= 0 {
			return nil, fmt.Errorf("--load %q: want 0 < from ≤ to and step > 0", load)
		}
		if (v[1]-v[0])/v[2] > 10000 {
			return nil, fmt.Errorf("--load %q: more than 10,000 loads", load)
		}
		var ps []int
		for k := 0; ; k++ {
			a := v[0] + float64(k)*v[2]
			if a > v[1]+1e-9*v[2] {
				break
			}
			p := int(math.Round(a * float64(n)))
			if p < 1 {
				return nil, fmt.Errorf("--load %q: load %g × %d neurons rounds to a pattern count of 0", load, a, n)
			}
			if len(ps) == 0 || ps[len(ps)-1] != p {
				ps = append(ps, p)
			}
		}
		return ps, nil
	}
	return nil, errors.New("give the pattern counts: --patterns 5,10,20 or --load 0.05:0.30:0.01")
}

func theoryMarks(n int) map[string]float64 {
	return map[string]float64{
		"hebbian_ags_load":           hopfield.AGSCapacity,
		"hebbian_most_stable_count":  hopfield.MostStableCapacity(n),
		"hebbian_all_stable_count":   hopfield.AllStableCapacity(n),
		"storkey_count":              hopfield.StorkeyCapacity(n),
		"pseudo_inverse_count_limit": float64(n),
	}
}

func newHopfieldCapacityCmd() *cobra.Command {
	var (
		patterns, load, rules, mode, plot, kind, interactions string
		neurons, trials, maxSweeps, workersN                  int
		noise, temp, beta                                     float64
		seed                                                  uint64
		zeroDiag, jsonOut, quiet                              bool
	)
	c := &cobra.Command{
		Use:   "capacity",
		Short: "Measure how many random patterns a network stores and recalls",
		Long: `For each pattern count p, --trials networks of --neurons units store p random
±1 patterns with --rule; every stored pattern is checked for stability and
probed with --noise of its units flipped. Reported per count:

  fixed_point_fraction  stored patterns left unchanged by one sweep
  recall_fraction       probes whose recall ends exactly on their pattern
  mean_overlap          mean final overlap m = ξ·s/N with the pattern
  bit_error_rate        mean fraction of wrong bits, (1 − m)/2

with standard errors from the spread between trials, the mean sweeps and the
fractions of probes that converged or cycled. --rule takes a comma list to
compare rules on the same patterns (the seed, not the rule, determines the
patterns). Trials run in parallel on all cores (--workers); the results do
not depend on the number of cores.

--plot draws the three fractions against the load α = p/N, one curve per
rule, with the theory: α_c ≈ 0.138 (Hebbian, Amit–Gutfreund–Sompolinsky),
N/(2 ln N) and N/(4 ln N) (most / all Hebbian patterns exactly stable,
McEliece et al.), N/√(2 ln N) (Storkey).

--kind dense measures dense associative memories with --interaction (a
comma list compares several on the same patterns; theory: error-free up to
N^{n−1}/(2(2n−3)!! ln N) patterns for poly:n and relu:n, ~2^{N/2} for exp);
--kind continuous the continuous network at --beta, where a probe counts as
recalled when the signs of the retrieved state equal the pattern and
--max-sweeps is the step limit (default there: 1).`,
		Example: `  ebm hopfield capacity --neurons 100 --patterns 5,10,15,20 --trials 20
  ebm hopfield capacity --kind dense --interaction poly:3,relu:3,exp --neurons 100 --patterns 100,200,400 --noise 0.2
  ebm hopfield capacity --kind continuous --beta 0.5 --neurons 64 --load 1:20:1
  ebm hopfield capacity --neurons 1000 --load 0.05:0.20:0.01 --trials 100 --json
  ebm hopfield capacity --neurons 500 --load 0.02:0.40:0.02 --rule hebbian,storkey,pinv --trials 10 --plot capacity.png`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := hopfieldKind(kind)
			if err != nil {
				return err
			}
			if neurons < 2 {
				return fmt.Errorf("--neurons must be at least 2, got %d", neurons)
			}
			if !(noise >= 0 && noise <= 1) {
				return fmt.Errorf("--noise %g is outside [0, 1]", noise)
			}
			ps, err := parseCounts(patterns, load, neurons)
			if err != nil {
				return err
			}
			fl := cmd.Flags()
			if k != hopfield.KindClassical {
				if fl.Changed("rule") || fl.Changed("zero-diagonal") {
					return fmt.Errorf("--rule and --zero-diagonal apply to the classical kind, not %s", k)
				}
				if k == hopfield.KindContinuous && fl.Changed("interaction") {
					return errors.New("--interaction applies to the dense kind")
				}
				m, err := hopfield.ParseMode(mode)
				if err != nil {
					return fmt.Errorf("--mode: %w", err)
				}
				if !fl.Changed("max-sweeps") {
					maxSweeps = 0
				}
				var specs []capacitySpec
				if k == hopfield.KindDense {
					for _, in := range strings.Split(interactions, ",") {
						specs = append(specs, capacitySpec{kind: k, interaction: strings.TrimSpace(in), beta: beta})
					}
				} else {
					specs = append(specs, capacitySpec{kind: k, beta: beta})
				}
				reports, err := runCapacities(cmd, specs, capacityCommon{neurons: neurons, counts: ps, noise: noise, trials: trials,
					seed: seed, mode: m, maxSweeps: maxSweeps, workers: workersN, quiet: quiet || jsonOut, noTables: jsonOut})
				if err != nil {
					return err
				}
				return finishCapacity(cmd, reports, plot, jsonOut, false)
			}
			for _, f := range []string{"interaction", "beta"} {
				if fl.Changed(f) {
					return fmt.Errorf("--%s applies to the dense and continuous kinds", f)
				}
			}
			var rs []hopfield.Rule
			for _, r := range strings.Split(rules, ",") {
				rule, err := hopfield.ParseRule(r)
				if err != nil {
					return fmt.Errorf("--rule: %w", err)
				}
				rs = append(rs, rule)
			}
			m, err := hopfield.ParseMode(mode)
			if err != nil {
				return fmt.Errorf("--mode: %w", err)
			}
			stderr := cmd.ErrOrStderr()
			var reports []capacityReport
			for _, rule := range rs {
				var bar interface{ Add(int) error }
				if !quiet && !jsonOut {
					if b := newBar(stderr, len(ps)*trials, string(rule), "trials"); b != nil {
						bar = b
					}
				}
				opt := hopfield.CapacityOptions{Neurons: neurons, Patterns: ps, Rule: rule, ZeroDiagonal: zeroDiag,
					Noise: noise, Trials: trials, Seed: seed, Mode: m, Temperature: temp, MaxSweeps: maxSweeps, Workers: workersN}
				if bar != nil {
					opt.OnTrial = func(int, int) { _ = bar.Add(1) }
				}
				start := time.Now()
				res, err := hopfield.Capacity(cmd.Context(), opt)
				if err != nil {
					return err
				}
				rep := capacityReport{Kind: hopfield.KindClassical, Rule: string(rule), Neurons: neurons, Noise: noise,
					Trials: trials, Mode: string(m), Seed: seed, Seconds: time.Since(start).Seconds(),
					Theory: theoryMarks(neurons), Results: res}
				if m == hopfield.Glauber {
					rep.Temperature = &temp
				}
				reports = append(reports, rep)
				if !jsonOut {
					printCapacity(cmd.OutOrStdout(), &rep)
				}
			}
			return finishCapacity(cmd, reports, plot, jsonOut, false)
		},
	}
	f := c.Flags()
	f.IntVar(&neurons, "neurons", 100, "neurons N")
	f.StringVar(&patterns, "patterns", "", "pattern counts, e.g. 5,10,20")
	f.StringVar(&load, "load", "", "loads α = p/N as from:to:step, e.g. 0.05:0.30:0.01 (p = round(α·N))")
	f.StringVar(&rules, "rule", "hebbian", "learning rule(s): hebbian, storkey, pinv, or a comma list")
	f.BoolVar(&zeroDiag, "zero-diagonal", false, "pinv: zero the self-couplings")
	f.Float64Var(&noise, "noise", 0.1, "fraction of each probe's units flipped, in [0, 1]")
	f.IntVar(&trials, "trials", 10, "networks per pattern count")
	f.Uint64Var(&seed, "seed", 1, "random seed (patterns, noise, sweep orders)")
	f.StringVar(&mode, "mode", "async", "recall dynamics: async, sync or glauber")
	f.Float64Var(&temp, "temperature", 0, "temperature of glauber dynamics")
	f.IntVar(&maxSweeps, "max-sweeps", hopfield.DefaultMaxSweeps, "sweep limit per probe")
	f.IntVar(&workersN, "workers", 0, "trials run in parallel (0: all cores)")
	f.StringVar(&plot, "plot", "", "write the curves with the theory marks (.png, .svg, .pdf)")
	f.StringVar(&kind, "kind", "classical", "kind of memory: classical, dense or continuous")
	f.StringVar(&interactions, "interaction", "poly:3", "dense: interaction(s) poly:n, relu:n, exp, or a comma list")
	f.Float64Var(&beta, "beta", 0, "dense exp: F(x) = exp(βx); continuous: inverse temperature (default 1)")
	f.BoolVar(&jsonOut, "json", false, "print JSON: one object per rule (an array for several rules)")
	f.BoolVarP(&quiet, "quiet", "q", false, "no progress bar")
	return c
}

func printCapacity(w io.Writer, r *capacityReport) {
	n := r.Neurons
	switch r.Kind {
	case hopfield.KindDense:
		fmt.Fprintf(w, "dense memory, interaction %s, N = %d, noise %g, %d trials, %s recall (%.1fs)\n", r.Rule, n, r.Noise, r.Trials, r.Mode, r.Seconds)
	case hopfield.KindContinuous:
		fmt.Fprintf(w, "continuous memory, β = %g, N = %d, noise %g, %d trials, recall = signs equal the pattern (%.1fs)\n", *r.Beta, n, r.Noise, r.Trials, r.Seconds)
	default:
		fmt.Fprintf(w, "%s rule, N = %d, noise %g, %d trials, %s recall (%.1fs)\n", r.Rule, n, r.Noise, r.Trials, r.Mode, r.Seconds)
	}
	fmt.Fprintf(w, "%8s %7s %10s %10s %10s %10s %8s\n", "patterns", "load", "fixed", "recall", "overlap", "bit_err", "sweeps")
	for _, x := range r.Results {
		fmt.Fprintf(w, "%8d %7.3f %10.4f %10.4f %10.4f %10.4f %8.2f\n",
			x.Patterns, x.Load, x.FixedPointFraction, x.RecallFraction, x.MeanOverlap, x.BitErrorRate, x.MeanSweeps)
	}
	switch hopfield.Rule(r.Rule) {
	case hopfield.Hebbian:
		fmt.Fprintf(w, "theory: α_c ≈ 0.138 (p ≈ %.0f); exactly stable: most patterns up to N/(2 ln N) = %.1f, all up to N/(4 ln N) = %.1f\n",
			0.138*float64(n), hopfield.MostStableCapacity(n), hopfield.AllStableCapacity(n))
	case hopfield.Storkey:
		fmt.Fprintf(w, "theory: Storkey capacity N/√(2 ln N) = %.1f patterns (α = %.3f)\n", hopfield.StorkeyCapacity(n), hopfield.StorkeyCapacity(n)/float64(n))
	case hopfield.PseudoInverse:
		fmt.Fprintf(w, "theory: every pattern is a fixed point up to p = N = %d\n", n)
	}
	if v, ok := r.Theory["dense_error_free_count"]; ok {
		fmt.Fprintf(w, "theory: error-free up to N^{n−1}/(2(2n−3)!! ln N) = %.0f patterns (α = %.2f)\n", v, v/float64(n))
	}
	if v, ok := r.Theory["exp_count"]; ok {
		fmt.Fprintf(w, "theory: exponential capacity ~2^{N/2} = %.3g patterns\n", v)
	}
}

// capacitySpec is one curve of a modern capacity run.
type capacitySpec struct {
	kind, interaction string
	beta              float64
	rule              hopfield.Rule // classical
}

type capacityCommon struct {
	neurons   int
	counts    []int
	noise     float64
	trials    int
	seed      uint64
	mode      hopfield.Mode
	maxSweeps int
	workers   int
	quiet     bool // no progress bars
	noTables  bool
}

// runCapacities measures each spec on the same patterns and probes (the
// seed decides them) and prints a table per spec unless quiet.
func runCapacities(cmd *cobra.Command, specs []capacitySpec, c capacityCommon) ([]capacityReport, error) {
	var reports []capacityReport
	for _, sp := range specs {
		label := sp.interaction
		switch sp.kind {
		case hopfield.KindClassical:
			label = string(sp.rule)
		case hopfield.KindContinuous:
			label = "continuous"
		}
		var bar interface{ Add(int) error }
		if !c.quiet {
			if b := newBar(cmd.ErrOrStderr(), len(c.counts)*c.trials, label, "trials"); b != nil {
				bar = b
			}
		}
		onTrial := func(int, int) {}
		if bar != nil {
			onTrial = func(int, int) { _ = bar.Add(1) }
		}
		start := time.Now()
		rep := capacityReport{Kind: sp.kind, Rule: label, Neurons: c.neurons, Noise: c.noise, Trials: c.trials,
			Mode: string(c.mode), Seed: c.seed, Theory: map[string]float64{}}
		var res []hopfield.CapacityResult
		var err error
		if sp.kind == hopfield.KindClassical {
			rep.Theory = theoryMarks(c.neurons)
			res, err = hopfield.Capacity(cmd.Context(), hopfield.CapacityOptions{Neurons: c.neurons, Patterns: c.counts, Rule: sp.rule,
				Noise: c.noise, Trials: c.trials, Seed: c.seed, Mode: c.mode, MaxSweeps: c.maxSweeps, Workers: c.workers, OnTrial: onTrial})
		} else {
			opt := hopfield.ModernCapacityOptions{Kind: sp.kind, Beta: sp.beta, Neurons: c.neurons, Patterns: c.counts,
				Noise: c.noise, Trials: c.trials, Seed: c.seed, Mode: c.mode, MaxSweeps: c.maxSweeps, Workers: c.workers, OnTrial: onTrial}
			b := sp.beta
			if b == 0 {
				b = 1
			}
			if sp.kind == hopfield.KindDense {
				f, perr := hopfield.ParseInteraction(sp.interaction)
				if perr != nil {
					return nil, fmt.Errorf("--interaction: %w", perr)
				}
				opt.Interaction, rep.Interaction = f, f.String()
				rep.Rule = f.String()
				if f.Kind == hopfield.Exp {
					rep.Beta = &b
					rep.Theory["exp_count"] = hopfield.ExpCapacity(c.neurons)
				} else {
					rep.Theory["dense_error_free_count"] = hopfield.DenseCapacity(c.neurons, f.Degree)
				}
			} else {
				rep.Beta = &b
				rep.Mode = "continuous"
			}
			res, err = hopfield.ModernCapacity(cmd.Context(), opt)
		}
		if err != nil {
			return nil, err
		}
		rep.Seconds, rep.Results = time.Since(start).Seconds(), res
		reports = append(reports, rep)
		if !c.noTables {
			printCapacity(cmd.OutOrStdout(), &rep)
		}
	}
	return reports, nil
}

// finishCapacity writes the plot and the JSON.
func finishCapacity(cmd *cobra.Command, reports []capacityReport, plot string, jsonOut, logX bool) error {
	if plot != "" {
		if err := plotCapacity(plot, reports, logX); err != nil {
			return err
		}
		if !jsonOut {
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", plot)
		}
	}
	if jsonOut {
		if len(reports) == 1 {
			return writeJSON(cmd.OutOrStdout(), reports[0])
		}
		return writeJSON(cmd.OutOrStdout(), reports)
	}
	return nil
}

// defaultCompareLoads spans the classical collapse (α ≈ 0.14) to the loads
// where poly:3 gives way at N = 100 (α ≈ 4–10).
var defaultCompareLoads = []float64{0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2, 4, 6, 8, 12}

func newHopfieldCompareCmd() *cobra.Command {
	var (
		patterns, load, interactions, plot string
		neurons, trials, workersN          int
		noise, beta                        float64
		seed                               uint64
		jsonOut, quiet                     bool
	)
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			if neurons < 2 {
				return fmt.Errorf("--neurons must be at least 2, got %d", neurons)
			}
			if !(noise >= 0 && noise <= 1) {
				return fmt.Errorf("--noise %g is outside [0, 1]", noise)
			}
			var ps []int
			if patterns == "" && load == "" {
				for _, a := range defaultCompareLoads {
					if p := int(math.Round(a * float64(neurons))); p >= 1 && (len(ps) == 0 || p != ps[len(ps)-1]) {
						ps = append(ps, p)
					}
				}
			} else {
				var err error
				if ps, err = parseCounts(patterns, load, neurons); err != nil {
					return err
				}
			}
			specs := []capacitySpec{{kind: hopfield.KindClassical, rule: hopfield.Hebbian}, {kind: hopfield.KindClassical, rule: hopfield.Storkey}}
			for _, in := range strings.Split(interactions, ",") {
				if in = strings.TrimSpace(in); in != "" {
					specs = append(specs, capacitySpec{kind: hopfield.KindDense, interaction: in})
				}
			}
			specs = append(specs, capacitySpec{kind: hopfield.KindContinuous, beta: beta})
			reports, err := runCapacities(cmd, specs, capacityCommon{neurons: neurons, counts: ps, noise: noise, trials: trials,
				seed: seed, mode: hopfield.Async, workers: workersN, quiet: quiet || jsonOut, noTables: jsonOut || quiet})
			if err != nil {
				return err
			}
			return finishCapacity(cmd, reports, plot, jsonOut, true)
		},
	}
	f := c.Flags()
	f.IntVar(&neurons, "neurons", 100, "neurons N")
	f.StringVar(&patterns, "patterns", "", "pattern counts, e.g. 10,50,100,400")
	f.StringVar(&load, "load", "", "loads α = p/N as from:to:step")
	f.StringVar(&interactions, "interaction", "poly:3,relu:3,exp", "dense interactions to include (comma list)")
	f.Float64Var(&beta, "beta", 1, "continuous: inverse temperature")
	f.Float64Var(&noise, "noise", 0.1, "fraction of each probe's units flipped, in [0, 1]")
	f.IntVar(&trials, "trials", 5, "memories per pattern count")
	f.Uint64Var(&seed, "seed", 1, "random seed (patterns, noise, sweep orders)")
	f.IntVar(&workersN, "workers", 0, "trials run in parallel (0: all cores)")
	f.StringVar(&plot, "plot", "", "write the recall curves (.png, .svg, .pdf)")
	f.BoolVar(&jsonOut, "json", false, "print JSON: an array with one object per memory")
	f.BoolVarP(&quiet, "quiet", "q", false, "no progress bars or tables")
	return c
}

func plotCapacity(path string, reports []capacityReport, logX bool) error {
	n := reports[0].Neurons
	maxLoad := 0.0
	for _, rep := range reports {
		for _, r := range rep.Results {
			maxLoad = max(maxLoad, r.Load)
		}
	}
	xf := func(a float64) float64 {
		if logX {
			return math.Log10(a)
		}
		return a
	}
	get := func(rep capacityReport, f func(hopfield.CapacityResult) float64) viz.Series {
		s := viz.Series{Name: rep.Rule}
		if rep.Kind == hopfield.KindContinuous {
			s.Name = fmt.Sprintf("continuous β=%g", *rep.Beta)
		}
		for _, r := range rep.Results {
			s.X = append(s.X, xf(r.Load))
			s.Y = append(s.Y, f(r))
		}
		return s
	}
	// Theory marks as vertical lines, named in the first panel only (same
	// colours in all panels) to keep the legends small; marks beyond the
	// measured loads are left out.
	var all []viz.Series
	seen := map[string]bool{}
	add := func(name string, count float64) {
		if a := count / float64(n); !seen[name] && a <= 1.05*maxLoad {
			seen[name] = true
			all = append(all, vline(name, xf(a)))
		}
	}
	for _, rep := range reports {
		switch rep.Kind {
		case hopfield.KindClassical:
			add("α_c ≈ 0.138", hopfield.AGSCapacity*float64(n))
			add("N/(2 ln N)", hopfield.MostStableCapacity(n))
			add("N/(4 ln N)", hopfield.AllStableCapacity(n))
			add("N/√(2 ln N)", hopfield.StorkeyCapacity(n))
		case hopfield.KindDense:
			if v, ok := rep.Theory["dense_error_free_count"]; ok {
				add(fmt.Sprintf("n=%s: N^{n−1}/(2(2n−3)!! ln N)", rep.Rule[strings.Index(rep.Rule, ":")+1:]), v)
			}
			if v, ok := rep.Theory["exp_count"]; ok {
				add("exp: 2^{N/2}", v)
			}
		}
	}
	marks := func(named bool) []viz.Series {
		m := slices.Clone(all)
		if !named {
			for i := range m {
				m[i].Name = ""
			}
		}
		return m
	}
	xl := "load α = p/N"
	if logX {
		xl = "log₁₀ load α = p/N"
	}
	mk := func(title, ylabel string, named bool, f func(hopfield.CapacityResult) float64) viz.Panel {
		p := viz.Panel{Title: title, XLabel: xl, YLabel: ylabel}
		for _, rep := range reports {
			p.Series = append(p.Series, get(rep, f))
		}
		p.Series = append(p.Series, marks(named)...)
		return p
	}
	r := reports[0]
	title := fmt.Sprintf(" (N = %d, %d trials, noise %g)", n, r.Trials, r.Noise)
	panels := []viz.Panel{
		mk("Stored patterns that are fixed points"+title, "fixed-point fraction", true, func(x hopfield.CapacityResult) float64 { return x.FixedPointFraction }),
		mk("Probes recalled exactly", "recall fraction", false, func(x hopfield.CapacityResult) float64 { return x.RecallFraction }),
		mk("Final overlap with the probed pattern", "mean overlap m", false, func(x hopfield.CapacityResult) float64 { return x.MeanOverlap }),
	}
	return viz.Curves(path, panels, 9, 10)
}

func vline(name string, x float64) viz.Series {
	return viz.Series{Name: name, X: []float64{x, x}, Y: []float64{0, 1}}
}

// storeMeta is the metadata `hopfield store` writes: the data (appended to
// the network's earlier data when adding patterns), the image shape and the
// binarization.
func storeMeta(meta map[string]string, ps *patternSet, neurons int) map[string]string {
	src := ps.source
	if prev := meta["data"]; prev != "" {
		src = prev + " + " + src
	}
	extra := map[string]string{"data": src}
	if v, ok := meta["image_shape"]; ok {
		extra["image_shape"] = v
	} else if ps.h > 0 && ps.h*ps.w == neurons {
		extra["image_shape"] = fmt.Sprintf("%dx%d", ps.h, ps.w)
	}
	if ps.binarized {
		extra["binarize"] = "threshold"
	}
	return extra
}
