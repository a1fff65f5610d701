package viz

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/ebm-go/ebm/internal/atomicfile"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Series is one curve. X nil means 0, 1, 2, ...; otherwise X and Y must have
// the same length.
type Series struct {
	Name string
	X, Y []float64
}

// Panel is one sub-plot.
type Panel struct {
	Title, XLabel, YLabel string
	Series                []Series
	// LegendBottom puts the legend in the lower right corner instead of
	// the upper right, for curves that end high.
	LegendBottom bool
}

// Defaults and limits for Curves.
const (
	// PNGDPI is the resolution of PNG output.
	PNGDPI = 96
	// MaxMarkedPoints is the largest series whose points get markers;
	// longer series are drawn as plain lines, which stay readable.
	MaxMarkedPoints = 200

	defaultWidthInches       = 7
	defaultPanelHeightInches = 2.5
	maxInches                = 100
)

// Curves draws panels as sub-plots and writes them to path, atomically; the
// format follows the extension: .png, .svg or .pdf. Up to three panels are
// stacked vertically; more go in a grid two panels wide, filled row by row.
//
// Each series is a line in its own colour, with its points marked by a
// glyph when it has at most MaxMarkedPoints points; a panel gets a legend if
// any of its series is named. Points with a non-finite X or Y (NaN, ±Inf) are
// skipped and break the line, so a curve with gaps shows them. Empty series
// and panels are drawn as empty axes.
//
// widthInches and heightInches give the size of the whole figure; <= 0
// picks 7 inches wide and 2.5 inches per row of panels.
func Curves(path string, panels []Panel, widthInches, heightInches float64) (err error) {
	defer func() { // gonum/plot panics on some inputs; report them as errors
		if r := recover(); r != nil {
			err = fmt.Errorf("viz: curves %s: plotting failed: %v", path, r)
		}
	}()
	if len(panels) == 0 {
		return fmt.Errorf("viz: curves %s: no panels", path)
	}
	cols := 1
	if len(panels) > 3 {
		cols = 2
	}
	rows := (len(panels) + cols - 1) / cols
	if !(widthInches > 0) {
		widthInches = defaultWidthInches
	}
	if !(heightInches > 0) {
		heightInches = defaultPanelHeightInches * float64(rows)
	}
	if widthInches > maxInches || heightInches > maxInches {
		return fmt.Errorf("viz: curves %s: figure %gx%g inches is larger than %d inches", path, widthInches, heightInches, maxInches)
	}

	ext := strings.ToLower(filepath.Ext(path))
	w, h := vg.Length(widthInches)*vg.Inch, vg.Length(heightInches)*vg.Inch
	var canvas interface {
		vg.CanvasSizer
		io.WriterTo
	}
	switch ext {
	case ".png":
		canvas = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(PNGDPI))}
	case ".svg":
		canvas = vgsvg.New(w, h)
	case ".pdf":
		canvas = vgpdf.New(w, h)
	default:
		return fmt.Errorf("viz: curves %s: unsupported extension %q (want .png, .svg or .pdf)", path, ext)
	}

	grid := make([][]*plot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*plot.Plot, cols)
	}
	for i, pn := range panels {
		p, err := panelPlot(pn)
		if err != nil {
			return fmt.Errorf("viz: curves %s: panel %d (%q): %w", path, i, pn.Title, err)
		}
		grid[i/cols][i%cols] = p
	}

	dc := draw.New(canvas)
	pad := vg.Points(6)
	tiles := draw.Tiles{
		Rows: rows, Cols: cols,
		PadTop: pad, PadBottom: pad, PadLeft: pad, PadRight: pad,
		PadX: 2 * pad, PadY: 2 * pad,
	}
	cells := plot.Align(grid, tiles, dc)
	for r := range grid {
		for c, p := range grid[r] {
			if p != nil {
				p.Draw(cells[r][c])
			}
		}
	}

	var buf bytes.Buffer
	if _, err := canvas.WriteTo(&buf); err != nil {
		return fmt.Errorf("viz: curves %s: %w", path, err)
	}
	if err := atomicfile.WriteFile(path, buf.Bytes()); err != nil {
		return fmt.Errorf("viz: %w", err)
	}
	return nil
}

// panelPlot builds the plot of one panel.
func panelPlot(pn Panel) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = pn.Title
	p.X.Label.Text = pn.XLabel
	p.Y.Label.Text = pn.YLabel
	p.Add(plotter.NewGrid())
	p.Legend.Top = !pn.LegendBottom

	for i, s := range pn.Series {
		if s.X != nil && len(s.X) != len(s.Y) {
			return nil, fmt.Errorf("series %d (%q): %d X values but %d Y values", i, s.Name, len(s.X), len(s.Y))
		}
		ls := draw.LineStyle{Color: plotutil.Color(i), Width: vg.Points(1.25), Dashes: plotutil.Dashes(i / len(plotutil.DefaultColors))}
		gs := draw.GlyphStyle{Color: plotutil.Color(i), Radius: vg.Points(2), Shape: plotutil.Shape(i)}
		marked := len(s.Y) <= MaxMarkedPoints

		for _, run := range finiteRuns(s) {
			if len(run) >= 2 {
				p.Add(&plotter.Line{XYs: run, LineStyle: ls})
			}
			if marked || len(run) == 1 {
				p.Add(&plotter.Scatter{XYs: run, GlyphStyle: gs})
			}
		}
		if s.Name != "" {
			thumbs := []plot.Thumbnailer{&plotter.Line{LineStyle: ls}}
			if marked {
				thumbs = append(thumbs, &plotter.Scatter{GlyphStyle: gs})
			}
			p.Legend.Add(s.Name, thumbs...)
		}
	}
	return p, nil
}

// finiteRuns splits a series into maximal runs of points with finite X and Y.
func finiteRuns(s Series) []plotter.XYs {
	var runs []plotter.XYs
	var cur plotter.XYs
	for i, y := range s.Y {
		x := float64(i)
		if s.X != nil {
			x = s.X[i]
		}
		if finite(x) && finite(y) {
			cur = append(cur, plotter.XY{X: x, Y: y})
			continue
		}
		if len(cur) > 0 {
			runs = append(runs, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	return runs
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
