package dataset

import (
	"fmt"
	"math"
	"strings"
)

// ImageShape returns the picture shape (height, width) of rows of n values:
// the shape of set when it has one that fits, else hint when it is an
// "HxW" that fits (model files record their data's shape so in
// "image_shape"), else a square; an error when none fits. set may be nil
// and hint empty.
func ImageShape(n int, set *Set, hint string) (h, w int, err error) {
	if set != nil && set.H > 0 && set.H*set.W == n {
		return set.H, set.W, nil
	}
	if hint != "" {
		var a, b int
		if _, err := fmt.Sscanf(hint, "%dx%d", &a, &b); err == nil && a > 0 && a*b == n {
			return a, b, nil
		}
	}
	r := int(math.Sqrt(float64(n)))
	for r*r < n {
		r++
	}
	if n > 0 && r*r == n {
		return r, r, nil
	}
	return 0, 0, fmt.Errorf("rows of %d values have no image shape: write .npy instead of a picture", n)
}

// ShapeText returns "HxW" for a set with an image shape, "" otherwise: the
// form ImageShape reads back as a hint.
func (s *Set) ShapeText() string {
	if s.H > 0 {
		return fmt.Sprintf("%dx%d", s.H, s.W)
	}
	return ""
}

// HeldOut returns the spec of the held-out set that goes with training data
// loaded from spec: "mnist:test" for the built-in MNIST training images
// (mnist, mnist:N), "" for everything else (no natural held-out set).
func HeldOut(spec string) string {
	if strings.HasPrefix(spec, "mnist") && !strings.HasPrefix(spec, "mnist:test") {
		return "mnist:test"
	}
	return ""
}

// BinarizeName names how s was binarized, as model files record it:
// "none", "threshold" or "sample".
func (s *Set) BinarizeName() string {
	if s.Binarized == "" {
		return "none"
	}
	return s.Binarized
}
