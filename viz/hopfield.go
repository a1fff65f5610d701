package viz

import (
	"fmt"
	"math"
	"slices"

	"github.com/ebm-go/ebm/hopfield"
	"github.com/ebm-go/ebm/internal/tensor"
)

// HopfieldStates draws ±1 states of h×w units side by side (−1 black,
// +1 white) into a PNG file, each scaled up to about 84 pixels.
func HopfieldStates(path string, frames []hopfield.Frame, h, w int) error {
	if len(frames) == 0 {
		return fmt.Errorf("viz: %s: no states to draw", path)
	}
	rows := tensor.New(len(frames), h*w)
	for k, f := range frames {
		if len(f.State) != h*w {
			return fmt.Errorf("viz: %s: a state of %d units is not %d×%d", path, len(f.State), h, w)
		}
		for j, v := range f.State {
			rows.Data[k*h*w+j] = (v + 1) / 2
		}
	}
	img, err := Grid(rows, h, w, GridOptions{Cols: len(frames), Scale: max(1, 84/max(h, w)), Pad: 2})
	if err != nil {
		return err
	}
	return SavePNG(path, img)
}

// HopfieldFrames draws the recorded states of a recall into a PNG file:
// at most maxTiles of them (hopfield.PickFrames), as images of the shape
// hopfield.ImageShape gives for the metadata meta of the memory's file.
func HopfieldFrames(path string, tr *hopfield.Trajectory, meta map[string]string, maxTiles int) error {
	h, w, err := hopfield.ImageShape(len(tr.Final), meta)
	if err != nil {
		return fmt.Errorf("viz: %s: %w: write the states as an array instead of a picture", path, err)
	}
	return HopfieldStates(path, hopfield.PickFrames(tr.Frames, maxTiles), h, w)
}

// HopfieldRecall draws a recall: the energy per sweep (axis label energy)
// and the overlaps with the target pattern (−1: none) and the patterns of
// largest final |m|, up to five curves.
func HopfieldRecall(path string, tr *hopfield.Trajectory, target int, energy string) error {
	x := make([]float64, len(tr.Energies))
	for i := range x {
		x[i] = float64(i)
	}
	panels := []Panel{{Title: "Energy", XLabel: "sweep", YLabel: energy, Series: []Series{{Name: "energy", X: x, Y: tr.Energies}}}}
	if final := tr.FinalOverlaps(); len(final) > 0 {
		var show []int
		if target >= 0 {
			show = append(show, target)
		}
		for len(show) < min(5, len(final)) {
			best := -1
			for mu := range final {
				if !slices.Contains(show, mu) && (best < 0 || math.Abs(final[mu]) > math.Abs(final[best])) {
					best = mu
				}
			}
			show = append(show, best)
		}
		var series []Series
		for _, mu := range show {
			s := Series{Name: fmt.Sprintf("pattern %d", mu), X: x}
			if mu == target {
				s.Name += " (cue)"
			}
			for _, m := range tr.Overlaps {
				s.Y = append(s.Y, m[mu])
			}
			series = append(series, s)
		}
		panels = append(panels, Panel{Title: "Overlap with stored patterns", XLabel: "sweep", YLabel: "m = ξ·s/N", Series: series})
	}
	return Curves(path, panels, 6, 2.6*float64(len(panels)))
}

// HopfieldCapacity draws the fixed-point, recall and overlap fractions of
// capacity reports against the load (log₁₀ when logX), one curve per
// report, with the theory marks of their kinds as vertical lines (named in
// the first panel; marks beyond the measured loads are left out).
func HopfieldCapacity(path string, reports []*hopfield.CapacityReport, logX bool) error {
	if len(reports) == 0 {
		return fmt.Errorf("viz: %s: no capacity reports to draw", path)
	}
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
	var marks []Series
	seen := map[string]bool{}
	for _, rep := range reports {
		for _, m := range rep.Marks() {
			if !seen[m.Name] && m.Load <= 1.05*maxLoad {
				seen[m.Name] = true
				marks = append(marks, Series{Name: m.Name, X: []float64{xf(m.Load), xf(m.Load)}, Y: []float64{0, 1}})
			}
		}
	}
	panel := func(title, ylabel string, named bool, f func(hopfield.CapacityResult) float64) Panel {
		p := Panel{Title: title, XLabel: xl, YLabel: ylabel}
		for _, rep := range reports {
			s := Series{Name: rep.Rule}
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
	return Curves(path, []Panel{
		panel("Stored patterns that are fixed points"+title, "fixed-point fraction", true, func(x hopfield.CapacityResult) float64 { return x.FixedPointFraction }),
		panel("Probes recalled exactly", "recall fraction", false, func(x hopfield.CapacityResult) float64 { return x.RecallFraction }),
		panel("Final overlap with the probed pattern", "mean overlap m", false, func(x hopfield.CapacityResult) float64 { return x.MeanOverlap }),
	}, 9, 10)
}
