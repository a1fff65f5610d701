package cmdutil

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/coverage"
	"github.com/ebm-go/ebm/internal/tensor"
)

// ScoreFlags are the flags of commands that score image samples by their
// coverage of a labelled data set (package coverage): --score, --score-labels
// and --near-copy.
type ScoreFlags struct {
	Spec, Labels string
	NearCopy     int

	flag, labelsFlag string // the flags' names, for messages
}

// Register adds the flags --score and --score-labels to c, with --score
// defaulting to "auto": commands that sample a model then score against
// all of built-in MNIST when the model was trained on it.
func (s *ScoreFlags) Register(c *cobra.Command) {
	s.register(c, "score", "score-labels", "auto", "labelled images to score the samples against (coverage: class shares, entropy, total variation, nearest-neighbour distance); auto: all of built-in MNIST when the model was trained on it; none: no score")
}

// RegisterData adds the same flags as --data (default mnist) and --labels,
// for a command whose data is the reference.
func (s *ScoreFlags) RegisterData(c *cobra.Command) {
	s.register(c, "data", "labels", "mnist", "labelled images to score the samples against: mnist, mnist:test, or a .npy/.csv/IDX file or PNG folder")
}

func (s *ScoreFlags) register(c *cobra.Command, name, labels, def, usage string) {
	s.flag, s.labelsFlag = "--"+name, "--"+labels
	c.Flags().StringVar(&s.Spec, name, def, usage)
	c.Flags().StringVar(&s.Labels, labels, "", "labels of --"+name+": .npy (1-D integers) or text, one integer per line (built-in MNIST has its own)")
	c.Flags().IntVar(&s.NearCopy, "near-copy", coverage.DefaultNearCopy, "a sample closer than this many pixels to a reference image counts as a near-copy")
	Minimum(c, 1, "near-copy")
}

// Reference loads the reference the flags name, or nil when there is none:
// "none", or "auto" when trained (the training data's spec) is not built-in
// MNIST. A reference whose width is not the samples' is an error.
func (s *ScoreFlags) Reference(trained string, width int) (*coverage.Reference, error) {
	spec := s.Spec
	switch {
	case spec == "none" || spec == "":
		return nil, nil
	case spec == "auto" && strings.HasPrefix(trained, "mnist"):
		spec = "mnist"
	case spec == "auto":
		return nil, nil
	}
	ref, err := coverage.Open(spec, s.Labels, s.labelsFlag, width)
	if err != nil {
		return nil, fmt.Errorf("%s %w", s.flag, err)
	}
	return ref, nil
}

// Score scores samples against ref (from Reference, loaded before the
// samples are drawn so that a bad flag costs nothing); nil when ref is nil.
func (s *ScoreFlags) Score(ctx context.Context, ref *coverage.Reference, samples *tensor.Matrix) (*coverage.Report, error) {
	if ref == nil {
		return nil, nil
	}
	rep, err := ref.Score(ctx, samples, coverage.Options{NearCopy: s.NearCopy})
	if err != nil {
		return nil, err
	}
	return &rep, nil
}
