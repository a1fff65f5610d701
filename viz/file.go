package viz

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	"github.com/ebm-go/ebm/internal/atomicfile"
	"github.com/ebm-go/ebm/internal/tensor"
)

// SavePNG writes img to path as a PNG, atomically (temporary file in the same
// directory, synced, then renamed over path).
func SavePNG(path string, img image.Image) error {
	if img == nil {
		return fmt.Errorf("viz: save %s: nil image", path)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return fmt.Errorf("viz: save %s: %w", path, err)
	}
	if err := atomicfile.WriteFile(path, buf.Bytes()); err != nil {
		return fmt.Errorf("viz: %w", err)
	}
	return nil
}

// SaveGrid writes the rows of m as a PNG grid of h×w tiles (Grid, then
// SavePNG).
func SaveGrid(path string, m *tensor.Matrix, h, w int, opt GridOptions) error {
	img, err := Grid(m, h, w, opt)
	if err != nil {
		return err
	}
	return SavePNG(path, img)
}
