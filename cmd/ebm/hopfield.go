package main

import (
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

func newHopfieldCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "hopfield",
		Short: "Associative memories: store patterns, recall them, measure capacity",
		Long: `Associative memories (Hopfield networks). One set of commands serves every
kind of memory, chosen with --kind; this build has the classical network of
±1 neurons with the Hebbian, Storkey and pseudo-inverse learning rules.

Conventions: states are ±1 (0/1 data and images thresholded at 0.5 are
converted); E(s) = −½ sᵀWs + θᵀs; a unit whose field is exactly zero keeps
its state (sgn(0) convention); every random draw comes from --seed.`,
	}
	c.AddCommand(newHopfieldStoreCmd(), newHopfieldRecallCmd(), newHopfieldCapacityCmd())
	return c
}

// hopfieldKind checks a --kind flag for store and capacity.
func hopfieldKind(kind string) error {
	if k := strings.ToLower(kind); k != hopfield.KindClassical {
		return fmt.Errorf("--kind %q: this build has only the classical kind of Hopfield memory", kind)
	}
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
		patterns, rule, out, into, kind, rowSpec string
		neurons                                  int
		seed                                     uint64
		zeroDiag, jsonOut                        bool
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
kept). The report says how many stored patterns are fixed points.`,
		Example: `  ebm hopfield store --patterns random:20 --neurons 100 --rule storkey --out net.safetensors
  ebm hopfield store --patterns mnist:10 --rows 1,3,5,7 --rule pinv --zero-diagonal --out digits.safetensors
  ebm hopfield store --patterns more.npy --net net.safetensors --out net2.safetensors --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := hopfieldKind(kind); err != nil {
				return err
			}
			if out == "" {
				return errors.New("--out must name a file")
			}
			var (
				net  *hopfield.Network
				meta = map[string]string{}
				err  error
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
			src := ps.source
			if prev := meta["data"]; prev != "" {
				src = prev + " + " + src
			}
			extra := map[string]string{"data": src}
			if v, ok := meta["image_shape"]; ok {
				extra["image_shape"] = v
			} else if ps.h > 0 && ps.h*ps.w == net.Neurons() {
				extra["image_shape"] = fmt.Sprintf("%dx%d", ps.h, ps.w)
			}
			if ps.binarized {
				extra["binarize"] = "threshold"
			}
			if err := net.Save(out, extra); err != nil {
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
	f.StringVar(&kind, "kind", "classical", "kind of memory (this build: classical)")
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
	Out            string                   `json:"out,omitempty"`
	Plot           string                   `json:"plot,omitempty"`
}

func newHopfieldRecallCmd() *cobra.Command {
	var (
		netPath, input, mode, out, plot, kind string
		pattern, row, maxSweeps, frames, tile int
		noise, temp                           float64
		seed                                  uint64
		jsonOut                               bool
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

--out writes the states as a picture (.png: input, --frames states per
sweep, result, left to right, at most --tiles tiles; states a sweep left
unchanged are shown once) or an array (.npy, one state per row); --plot
writes the energy and the overlaps per sweep (.png, .svg or .pdf). With a
.png --out, the plot goes by default next to it as NAME-energy.png
(--plot none: no plot).`,
		Example: `  ebm hopfield recall --net net.safetensors --pattern 3 --noise 0.2 --json
  ebm hopfield recall --net digits.safetensors --pattern 1 --noise 0.25 --seed 7 --out recall.png --plot energy.png
  ebm hopfield recall --net net.safetensors --input cue.npy --mode sync
  ebm hopfield recall --net net.safetensors --pattern 0 --noise 0.1 --mode glauber --temperature 0.3 --max-sweeps 50`,
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
			if pats := mem.Patterns(); pats != nil && pats.Rows > 0 {
				k, ov := hopfield.Nearest(pats, tr.Final)
				rep.NearestPattern, rep.Overlap = &k, &ov
				cl := hopfield.Classify(pats, tr.Final, 0)
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
				if err := plotRecall(plot, tr, target != nil, pattern); err != nil {
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
	f.BoolVar(&jsonOut, "json", false, "print a JSON report")
	return c
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
	fmt.Fprintf(w, "%s recall from %s: %s after %d sweeps; energy %.4g → %.4g\n",
		rep.Mode, cue, status, rep.Sweeps, tr.Energies[0], tr.FinalEnergy())
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

func plotRecall(path string, tr hopfield.Trajectory, hasTarget bool, target int) error {
	x := make([]float64, len(tr.Energies))
	for i := range x {
		x[i] = float64(i)
	}
	panels := []viz.Panel{{Title: "Energy", XLabel: "sweep", YLabel: "E(s) = −½sᵀWs + θᵀs",
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
	Kind        string                    `json:"kind"`
	Rule        string                    `json:"rule"`
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
		patterns, load, rules, mode, plot, kind string
		neurons, trials, maxSweeps, workersN    int
		noise, temp                             float64
		seed                                    uint64
		zeroDiag, jsonOut, quiet                bool
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
McEliece et al.), N/√(2 ln N) (Storkey).`,
		Example: `  ebm hopfield capacity --neurons 100 --patterns 5,10,15,20 --trials 20
  ebm hopfield capacity --neurons 1000 --load 0.05:0.20:0.01 --trials 100 --json
  ebm hopfield capacity --neurons 500 --load 0.02:0.40:0.02 --rule hebbian,storkey,pinv --trials 10 --plot capacity.png`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := hopfieldKind(kind); err != nil {
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
			if plot != "" {
				if err := plotCapacity(plot, reports); err != nil {
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
	f.StringVar(&kind, "kind", "classical", "kind of memory (this build: classical)")
	f.BoolVar(&jsonOut, "json", false, "print JSON: one object per rule (an array for several rules)")
	f.BoolVarP(&quiet, "quiet", "q", false, "no progress bar")
	return c
}

func printCapacity(w io.Writer, r *capacityReport) {
	n := r.Neurons
	fmt.Fprintf(w, "%s rule, N = %d, noise %g, %d trials, %s recall (%.1fs)\n", r.Rule, n, r.Noise, r.Trials, r.Mode, r.Seconds)
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
}

func plotCapacity(path string, reports []capacityReport) error {
	n := reports[0].Neurons
	get := func(rep capacityReport, f func(hopfield.CapacityResult) float64) viz.Series {
		s := viz.Series{Name: rep.Rule}
		for _, r := range rep.Results {
			s.X = append(s.X, r.Load)
			s.Y = append(s.Y, f(r))
		}
		return s
	}
	// Theory marks as vertical lines, named in the first panel only (same
	// colours in all panels) to keep the legends small.
	marks := func(named bool) []viz.Series {
		m := []viz.Series{
			vline("α_c ≈ 0.138", hopfield.AGSCapacity),
			vline("N/(2 ln N)", hopfield.MostStableCapacity(n)/float64(n)),
			vline("N/(4 ln N)", hopfield.AllStableCapacity(n)/float64(n)),
			vline("N/√(2 ln N)", hopfield.StorkeyCapacity(n)/float64(n)),
		}
		if !named {
			for i := range m {
				m[i].Name = ""
			}
		}
		return m
	}
	mk := func(title, ylabel string, named bool, f func(hopfield.CapacityResult) float64) viz.Panel {
		p := viz.Panel{Title: title, XLabel: "load α = p/N", YLabel: ylabel}
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
