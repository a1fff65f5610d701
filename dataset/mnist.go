package dataset

import (
	"bytes"
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// The original MNIST files (LeCun, Cortes and Burges), gzip-compressed.
var (
	//go:embed mnistdata/train-images-idx3-ubyte.gz
	trainImagesGz []byte
	//go:embed mnistdata/train-labels-idx1-ubyte.gz
	trainLabelsGz []byte
	//go:embed mnistdata/t10k-images-idx3-ubyte.gz
	testImagesGz []byte
	//go:embed mnistdata/t10k-labels-idx1-ubyte.gz
	testLabelsGz []byte
)

// mnistSplit is one decoded MNIST split: n images of h×w bytes and n labels.
type mnistSplit struct {
	n, h, w int
	pixels  []byte
	labels  []byte
}

// Each split is decoded once per process, on first use; images and labels
// are decompressed concurrently.
var (
	mnistTrain = sync.OnceValues(func() (*mnistSplit, error) {
		return decodeMNIST("mnist:train", "train-images-idx3-ubyte.gz", trainImagesGz, "train-labels-idx1-ubyte.gz", trainLabelsGz)
	})
	mnistTest = sync.OnceValues(func() (*mnistSplit, error) {
		return decodeMNIST("mnist:test", "t10k-images-idx3-ubyte.gz", testImagesGz, "t10k-labels-idx1-ubyte.gz", testLabelsGz)
	})
)

func decodeMNIST(split, imgName string, imgGz []byte, lblName string, lblGz []byte) (*mnistSplit, error) {
	var (
		lbl    *idxData
		lblErr error
		wg     sync.WaitGroup
	)
	wg.Go(func() {
		lbl, lblErr = readIDX("embedded "+lblName, bytes.NewReader(lblGz), true, int64(len(lblGz)))
	})
	img, err := readIDX("embedded "+imgName, bytes.NewReader(imgGz), true, int64(len(imgGz)))
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if lblErr != nil {
		return nil, lblErr
	}
	if len(img.dims) != 3 || len(lbl.dims) != 1 || img.dims[0] != lbl.dims[0] {
		return nil, fmt.Errorf("dataset: %s: embedded files disagree: images %v, labels %v: %w", split, img.dims, lbl.dims, ErrFormat)
	}
	for i, l := range lbl.data {
		if l > 9 {
			return nil, fmt.Errorf("dataset: %s: embedded %s: label %d at offset %d is not a digit: %w", split, lblName, l, 8+i, ErrFormat)
		}
	}
	return &mnistSplit{n: img.dims[0], h: img.dims[1], w: img.dims[2], pixels: img.data, labels: lbl.data}, nil
}

// parseMNISTSpec splits mnist[:train|:test][:N] into the split and the count
// (0 for all).
func parseMNISTSpec(spec string) (split string, count int, err error) {
	parts := strings.Split(spec, ":")[1:]
	split = "train"
	if len(parts) > 0 && (parts[0] == "train" || parts[0] == "test") {
		split, parts = parts[0], parts[1:]
	}
	switch len(parts) {
	case 0:
		return split, 0, nil
	case 1:
		n, err := strconv.Atoi(parts[0])
		if err != nil || n < 1 {
			return "", 0, fmt.Errorf("dataset: %s: %q is neither a split (train, test) nor a positive count: %w", spec, parts[0], ErrFormat)
		}
		return split, n, nil
	}
	return "", 0, fmt.Errorf("dataset: %s: malformed MNIST spec (want mnist, mnist:train, mnist:test, optionally followed by :N): %w", spec, ErrFormat)
}

func loadMNIST(spec string, limit int) (*Set, error) {
	split, count, err := parseMNISTSpec(spec)
	if err != nil {
		return nil, err
	}
	get := mnistTrain
	if split == "test" {
		get = mnistTest
	}
	m, err := get()
	if err != nil {
		return nil, err
	}
	if count > m.n {
		return nil, fmt.Errorf("dataset: %s: asked for %d images, the MNIST %s split has %d", spec, count, split, m.n)
	}
	n := m.n
	if count > 0 {
		n = count
	}
	if limit > 0 {
		n = min(n, limit)
	}
	d := m.h * m.w
	s := &Set{X: bytesToMatrix(m.pixels, n, d), Labels: make([]int, n), H: m.h, W: m.w}
	for i, l := range m.labels[:n] {
		s.Labels[i] = int(l)
	}
	return s, nil
}
