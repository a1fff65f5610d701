package dataset

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ebm-go/ebm/internal/readlimit"
	"github.com/ebm-go/ebm/internal/tensor"
)

// maxPNGPixels caps the size a PNG header may declare (per image).
const maxPNGPixels = 1 << 26

// maxPNGBytes caps a PNG file: 1 GiB, far more than maxPNGPixels takes.
const maxPNGBytes = 1 << 30

// loadPNGDir reads every *.png file (any letter case) directly inside dir,
// sorted by file name (byte order), one image per row. Other files and
// subdirectories are ignored. All images must have the same size.
func loadPNGDir(dir string) (*Set, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	var names []string
	for _, e := range ents {
		if e.Type().IsRegular() && strings.EqualFold(filepath.Ext(e.Name()), ".png") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("dataset: %s: directory has no .png files (%d other entries): %w", dir, len(ents), ErrEmpty)
	}
	slices.Sort(names)
	var (
		x         *tensor.Matrix
		h, w      int
		firstPath string
	)
	for i, n := range names {
		path := filepath.Join(dir, n)
		raw, cfg, err := readPNG(path)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			h, w, firstPath = cfg.Height, cfg.Width, path
			if err := checkPNGSize(path, h, w); err != nil {
				return nil, err
			}
			if len(names) > maxPNGPixels/(h*w) {
				return nil, fmt.Errorf("dataset: %s: %d images of %d×%d pixels are more than %d pixels in all", dir, len(names), h, w, maxPNGPixels)
			}
			x = tensor.New(len(names), h*w)
		} else if cfg.Height != h || cfg.Width != w {
			return nil, fmt.Errorf("dataset: %s: image is %d×%d (H×W) but %s, the first file, is %d×%d; all images in a directory must have the same size: %w",
				path, cfg.Height, cfg.Width, firstPath, h, w, ErrFormat)
		}
		if err := decodeGray(path, raw, x.Row(i)); err != nil {
			return nil, err
		}
	}
	return &Set{X: x, H: h, W: w}, nil
}

// loadPNGFile reads one PNG image as a single row.
func loadPNGFile(path string) (*Set, error) {
	raw, cfg, err := readPNG(path)
	if err != nil {
		return nil, err
	}
	if err := checkPNGSize(path, cfg.Height, cfg.Width); err != nil {
		return nil, err
	}
	x := tensor.New(1, cfg.Height*cfg.Width)
	if err := decodeGray(path, raw, x.Data); err != nil {
		return nil, err
	}
	return &Set{X: x, H: cfg.Height, W: cfg.Width}, nil
}

// readPNG reads the file at path and decodes its PNG header.
func readPNG(path string) ([]byte, image.Config, error) {
	raw, err := readlimit.ReadFile(path, maxPNGBytes)
	if err != nil {
		return nil, image.Config{}, fmt.Errorf("dataset: %w", err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(raw))
	if err != nil {
		return nil, image.Config{}, fmt.Errorf("dataset: %s: bad PNG header: %v: %w", path, err, ErrFormat)
	}
	return raw, cfg, nil
}

func checkPNGSize(path string, h, w int) error {
	if h <= 0 || w <= 0 {
		return fmt.Errorf("dataset: %s: image is %d×%d: %w", path, h, w, ErrEmpty)
	}
	if h > maxPNGPixels/w {
		return fmt.Errorf("dataset: %s: image is %d×%d, more than %d pixels: %w", path, h, w, maxPNGPixels, ErrFormat)
	}
	return nil
}

// decodeGray decodes a PNG into dst (len H*W) as gray intensities in [0,1].
func decodeGray(path string, raw []byte, dst []float32) error {
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("dataset: %s: decoding PNG: %v: %w", path, err, ErrFormat)
	}
	b := img.Bounds()
	if b.Dx()*b.Dy() != len(dst) {
		return fmt.Errorf("dataset: %s: decoded image is %d×%d, its header said %d pixels: %w", path, b.Dy(), b.Dx(), len(dst), ErrFormat)
	}
	w := b.Dx()
	switch im := img.(type) {
	case *image.Gray:
		for y := range b.Dy() {
			row := im.Pix[y*im.Stride : y*im.Stride+w]
			for x, p := range row {
				dst[y*w+x] = gray8[p]
			}
		}
	default:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				g := color.Gray16Model.Convert(img.At(x, y)).(color.Gray16)
				dst[(y-b.Min.Y)*w+x-b.Min.X] = float32(float64(g.Y) / 65535)
			}
		}
	}
	return nil
}
