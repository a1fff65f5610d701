package viz

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/hopfield"
)

// TestHopfieldFrames: the frames are drawn in the shape the metadata
// gives (or a square), at most maxTiles of them; states with no picture
// shape are an error that names the file.
func TestHopfieldFrames(t *testing.T) {
	dir := t.TempDir()
	frames := func(n, k int) *hopfield.Trajectory {
		tr := &hopfield.Trajectory{Final: make([]float32, n)}
		for i := range k {
			s := make([]float32, n)
			for j := range s {
				s[j] = float32(1 - 2*((i+j)%2))
			}
			tr.Frames = append(tr.Frames, hopfield.Frame{Sweep: float64(i), State: s})
		}
		return tr
	}
	cases := []struct {
		name   string
		tr     *hopfield.Trajectory
		meta   map[string]string
		tiles  int
		wantOK bool
	}{
		{"square.png", frames(16, 5), nil, 3, true},
		{"shaped.png", frames(6, 2), map[string]string{"image_shape": "2x3"}, 12, true},
		{"prime.png", frames(7, 2), nil, 12, false},
	}
	for _, c := range cases {
		path := filepath.Join(dir, c.name)
		err := HopfieldFrames(path, c.tr, c.meta, c.tiles)
		if !c.wantOK {
			if err == nil || !strings.Contains(err.Error(), c.name) {
				t.Errorf("%s: error %v, want one naming the file", c.name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil || img.Bounds().Dx() <= img.Bounds().Dy() {
			t.Errorf("%s: %v, bounds %v: want a row of tiles", c.name, err, img.Bounds())
		}
	}
}
