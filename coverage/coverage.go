package coverage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/nanjson"
	"github.com/ebm-go/ebm/internal/tensor"
)

// DefaultNearCopy is the Hamming distance below which a sample counts as a
// near-copy of a reference image (10 of MNIST's 784 pixels).
const DefaultNearCopy = 10

// ErrNoLabels is returned by [NewReference] for a data set without labels.
var ErrNoLabels = errors.New("coverage: the reference data set has no labels")

// Reference is a labelled set of threshold-binarized images that samples
// are scored against. It is safe for concurrent use once built.
type Reference struct {
	name    string
	x       *tensor.Matrix // n × d, 0/1
	norms   []float32      // ones per row
	labels  []int
	classes int
	hist    []int
}

// NewReference thresholds the rows of s at 0.5 (a copy; s is unchanged)
// and keeps labels (one class number 0, 1, … per row; nil takes s.Labels).
func NewReference(s *dataset.Set, labels []int) (*Reference, error) {
	if labels == nil {
		labels = s.Labels
	}
	if labels == nil {
		return nil, fmt.Errorf("%s: %w", s.Name, ErrNoLabels)
	}
	if len(labels) != s.Len() {
		return nil, fmt.Errorf("coverage: %s has %d rows but %d labels", s.Name, s.Len(), len(labels))
	}
	if s.Len() == 0 || s.Dim() == 0 {
		return nil, fmt.Errorf("coverage: %s: %w", s.Name, dataset.ErrEmpty)
	}
	r := &Reference{name: s.Name, x: s.X.Clone(), norms: make([]float32, s.Len()), labels: labels}
	for i, y := range labels {
		if y < 0 || y > 1<<16 {
			return nil, fmt.Errorf("coverage: label %d of row %d of %s is not a class number 0, 1, …", y, i, s.Name)
		}
		r.classes = max(r.classes, y+1)
	}
	if err := threshold(r.x, s.Name, 0); err != nil {
		return nil, err
	}
	for i := range r.x.Rows {
		for _, v := range r.x.Row(i) {
			r.norms[i] += v
		}
	}
	r.hist = make([]int, r.classes)
	for _, y := range labels {
		r.hist[y]++
	}
	return r, nil
}

// Name is the name of the reference data set.
func (r *Reference) Name() string { return r.name }

// Dim is the number of pixels per image.
func (r *Reference) Dim() int { return r.x.Cols }

// Classes is the number of classes (the largest label + 1).
func (r *Reference) Classes() int { return r.classes }

// threshold maps x ≥ 0.5 to 1 and the rest to 0, refusing NaN; row0 is
// the number of x's first row in the whole matrix, for the message.
func threshold(x *tensor.Matrix, name string, row0 int) error {
	for i, v := range x.Data {
		switch {
		case v >= 0.5:
			x.Data[i] = 1
		case v < 0.5:
			x.Data[i] = 0
		default:
			return fmt.Errorf("coverage: %s: row %d, column %d is NaN", name, row0+i/x.Cols, i%x.Cols)
		}
	}
	return nil
}

// Options adjust a score. The zero value takes the defaults.
type Options struct {
	// NearCopy is the distance below which a sample is a near-copy
	// (default DefaultNearCopy).
	NearCopy int
}

// Report is the coverage of a set of samples. Shares, entropy, total
// variation and the distances are NaN when there are no samples.
type Report struct {
	Reference string `json:"reference"`
	N         int    `json:"n"`
	// Counts[k] is the number of samples labelled k; Shares[k] = Counts[k]/N.
	Counts []int     `json:"counts"`
	Shares []float64 `json:"shares"`
	// EntropyBits is −Σ_k f_k log₂ f_k; ReferenceEntropyBits the same of
	// the reference's label histogram.
	EntropyBits          float64 `json:"entropy_bits"`
	ReferenceEntropyBits float64 `json:"reference_entropy_bits"`
	// TV is ½ Σ_k |f_k − g_k| against the reference's label shares g.
	TV float64 `json:"tv"`
	// MedianNN is the median Hamming distance (pixels) from a sample to its
	// nearest reference image.
	MedianNN float64 `json:"median_nn_distance"`
	// NearCopies is the share of samples closer than NearCopy pixels to a
	// reference image.
	NearCopies float64 `json:"near_copies"`
	NearCopy   int     `json:"near_copy_distance"`
	// Labels and Distances are per sample: the nearest reference image's
	// label and the distance to it.
	Labels    []int `json:"-"`
	Distances []int `json:"-"`
}

// Score labels each row of samples (values in any range: thresholded at
// 0.5) by its nearest reference image and summarises the labels. samples
// is not changed. It stops early with ctx's error when ctx is done.
func (r *Reference) Score(ctx context.Context, samples *tensor.Matrix, opt Options) (Report, error) {
	if opt.NearCopy == 0 {
		opt.NearCopy = DefaultNearCopy
	}
	if opt.NearCopy < 0 {
		return Report{}, fmt.Errorf("coverage: near-copy distance %d is negative", opt.NearCopy)
	}
	if samples.Cols != r.x.Cols {
		return Report{}, fmt.Errorf("coverage: samples have %d columns, the reference %s has %d", samples.Cols, r.name, r.x.Cols)
	}
	rep := Report{Reference: r.name, N: samples.Rows, NearCopy: opt.NearCopy,
		Labels: make([]int, samples.Rows), Distances: make([]int, samples.Rows)}
	const block = 128
	q := tensor.New(min(block, samples.Rows), samples.Cols)
	prod := tensor.New(q.Rows, r.x.Rows)
	for lo := 0; lo < samples.Rows; lo += block {
		if err := ctx.Err(); err != nil {
			return Report{}, err
		}
		hi := min(lo+block, samples.Rows)
		qb := q.SliceRows(0, hi-lo)
		copy(qb.Data, samples.SliceRows(lo, hi).Data)
		if err := threshold(qb, "samples", lo); err != nil {
			return Report{}, err
		}
		p := prod.SliceRows(0, hi-lo)
		tensor.MatMulTB(p, qb, r.x)
		for i := range hi - lo {
			var qn float32
			for _, v := range qb.Row(i) {
				qn += v
			}
			best, bi := float32(math.Inf(1)), 0
			for j, ab := range p.Row(i) {
				if d := qn + r.norms[j] - 2*ab; d < best {
					best, bi = d, j
				}
			}
			rep.Labels[lo+i] = r.labels[bi]
			rep.Distances[lo+i] = int(best)
		}
	}
	rep.summarize(r.hist)
	return rep, nil
}

// Summarize is the report of labels and distances already known (for
// example the true labels of test images, with nil distances), against
// the reference's label histogram.
func (r *Reference) Summarize(labels, distances []int, nearCopy int) Report {
	if nearCopy == 0 {
		nearCopy = DefaultNearCopy
	}
	rep := Report{Reference: r.name, N: len(labels), NearCopy: nearCopy, Labels: labels, Distances: distances}
	rep.summarize(r.hist)
	return rep
}

func (rep *Report) summarize(ref []int) {
	k := len(ref)
	for _, y := range rep.Labels {
		k = max(k, y+1)
	}
	rep.Counts = make([]int, k)
	for _, y := range rep.Labels {
		rep.Counts[y]++
	}
	var nref int
	for _, c := range ref {
		nref += c
	}
	rep.Shares = make([]float64, k)
	for c, n := range rep.Counts {
		f := float64(n) / float64(rep.N)
		rep.Shares[c] = f
		if f > 0 {
			rep.EntropyBits -= f * math.Log2(f)
		}
		g := 0.0
		if c < len(ref) {
			g = float64(ref[c]) / float64(nref)
		}
		rep.TV += math.Abs(f-g) / 2
	}
	for _, c := range ref {
		if g := float64(c) / float64(nref); g > 0 {
			rep.ReferenceEntropyBits -= g * math.Log2(g)
		}
	}
	rep.MedianNN, rep.NearCopies = math.NaN(), math.NaN()
	if rep.N == 0 {
		rep.EntropyBits, rep.TV = math.NaN(), math.NaN()
	}
	if len(rep.Distances) == 0 {
		return
	}
	d := slices.Clone(rep.Distances)
	slices.Sort(d)
	n := len(d)
	rep.MedianNN = float64(d[n/2])
	if n%2 == 0 {
		rep.MedianNN = float64(d[n/2-1]+d[n/2]) / 2
	}
	near := 0
	for _, v := range d {
		if v < rep.NearCopy {
			near++
		}
	}
	rep.NearCopies = float64(near) / float64(n)
}

// MarshalJSON writes NaN figures (no samples, no distances) as null.
func (rep Report) MarshalJSON() ([]byte, error) {
	type plain Report
	return nanjson.Marshal(plain(rep))
}

// WriteText writes the report as a few lines for a terminal.
func (rep Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%d samples labelled by the nearest image of %s\n", rep.N, rep.Reference)
	b.WriteString("class shares (%):")
	for k, f := range rep.Shares {
		fmt.Fprintf(&b, " %d:%.1f", k, 100*f)
	}
	fmt.Fprintf(&b, "\nentropy %.3f bits (reference %.3f), total variation to the reference %.3f\n",
		rep.EntropyBits, rep.ReferenceEntropyBits, rep.TV)
	if !math.IsNaN(rep.MedianNN) {
		fmt.Fprintf(&b, "median nearest-neighbour distance %.1f pixels, near-copies (< %d) %.1f%%\n",
			rep.MedianNN, rep.NearCopy, 100*rep.NearCopies)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Open loads the labelled images spec names (any dataset spec) as a
// reference for samples width pixels wide. The labels are the set's own
// (built-in MNIST) or, when labelsFlag names an option that can give a
// file, read from labelsFile (dataset.LabelsOf, whose messages name
// labelsFlag). Errors start with spec.
func Open(spec, labelsFile, labelsFlag string, width int) (*Reference, error) {
	set, err := dataset.Load(spec, dataset.Options{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec, err)
	}
	var labels []int
	if labelsFlag != "" {
		if labels, err = dataset.LabelsOf(set, labelsFile, labelsFlag); err != nil {
			return nil, fmt.Errorf("%s: %w", spec, err)
		}
	}
	if set.Dim() != width {
		return nil, fmt.Errorf("%s has %d columns, the samples %d", spec, set.Dim(), width)
	}
	return NewReference(set, labels)
}
