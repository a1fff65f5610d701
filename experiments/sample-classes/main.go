// Which digits does an MNIST RBM generate? This labels samples (the .npy
// files that `ebm rbm sample --out x.npy` writes: p(v|h) per pixel, or
// binary states with --binary) with a nearest-neighbour classifier and
// prints each file's class histogram, its entropy, and the distance to the
// nearest training digit, next to the same figures for the MNIST training
// set and for the test digits the chains usually start from. Run from the
// repository root:
//
//	go run ./experiments/sample-classes [-test 2000] [-probe] [-model m.safetensors] a.npy b.npy …
//
// The classifier: every sample is thresholded at 0.5 (p(v|h) ≥ 0.5 → 1, the
// same rule as the threshold-binarized training data) and gets the label
// of the nearest of the 60,000 threshold-binarized MNIST training images
// in Hamming distance (ties: the lowest index). It has no parameters to
// fit, so nothing in it favours one class, and its accuracy is measured
// on the first -test test images (printed). A sample far from every
// training digit (a blob) still gets a label, so the median nearest
// distance is printed too: compare it with that of real test digits.
// With -probe a second classifier labels the same thresholded samples: the
// probe package's softmax regression fitted on the training pixels
// (L2 1e-4, 300 L-BFGS iterations); its histograms get their own rows, with
// the share of samples on which the two classifiers agree. With -model the
// mean free energy F(v) of the test digits of each class under that RBM is
// printed too (lower F: more probable, p(v) ∝ exp(−F(v))), and the mean F
// of each file's thresholded samples.
//
// Output: one JSON object per line on stdout ("name", "n", "counts",
// "fractions", "entropy_bits", "tv_to_train", "median_nn_distance"), then
// a Markdown table on stderr.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/ebm-go/ebm/coverage"
	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/probe"
	"github.com/ebm-go/ebm/rbm"
)

type result struct {
	Name        string      `json:"name"`
	N           int         `json:"n"`
	Counts      [10]int     `json:"counts"`
	Fractions   [10]float64 `json:"fractions"`
	EntropyBits float64     `json:"entropy_bits"`
	// TVToTrain is ½ Σ_k |f_k − f_k(train)|: the share of samples that
	// would have to change class to match the training set's histogram.
	TVToTrain float64 `json:"tv_to_train"`
	// MedianNN is the median Hamming distance (pixels) to the nearest
	// training image.
	MedianNN *float64 `json:"median_nn_distance,omitempty"`
	// Accuracy is set for labelled rows (the test images).
	Accuracy *float64 `json:"accuracy,omitempty"`
	// Agreement is, for the softmax rows, the share of samples whose
	// softmax label equals the 1-NN label.
	Agreement *float64 `json:"agreement_with_1nn,omitempty"`
}

func main() {
	nTest := flag.Int("test", 2000, "test images on which to measure the classifier's accuracy")
	useProbe := flag.Bool("probe", false, "also label with a softmax regression on the pixels (probe package)")
	modelPath := flag.String("model", "", "an RBM file: print the mean free energy per class of the test digits and of the samples")
	flag.Parse()
	train, err := dataset.Load("mnist", dataset.Options{Binarize: "threshold"})
	if err != nil {
		log.Fatal(err)
	}
	test, err := dataset.Load(fmt.Sprintf("mnist:test:%d", max(*nTest, 1000)), dataset.Options{Binarize: "threshold"})
	if err != nil {
		log.Fatal(err)
	}
	nn, err := coverage.NewReference(train, nil)
	if err != nil {
		log.Fatal(err)
	}

	summarize := func(name string, labels, dist []int) result { return toResult(name, nn.Summarize(labels, dist, 0)) }
	var results []result
	results = append(results, summarize("MNIST training set (labels)", train.Labels, nil))

	// The classifier on held-out digits.
	tx := test.X.SliceRows(0, *nTest)
	pred, dist := classify(nn, tx)
	correct := 0
	for i, p := range pred {
		if p == test.Labels[i] {
			correct++
		}
	}
	acc := float64(correct) / float64(len(pred))
	r := summarize(fmt.Sprintf("first %d test digits (1-NN labels)", *nTest), pred, dist)
	r.Accuracy = &acc
	results = append(results, r)
	var soft *probe.Model
	if *useProbe {
		if soft, err = probe.Fit(train.X, train.Labels, 10, probe.Config{}); err != nil {
			log.Fatal(err)
		}
		sp := soft.Predict(tx)
		a := soft.Accuracy(tx, test.Labels[:*nTest])
		r := summarize(fmt.Sprintf("first %d test digits (softmax labels)", *nTest), sp, nil)
		r.Accuracy, r.Agreement = &a, agreement(sp, pred)
		results = append(results, r)
	}
	// The chains' usual start: the first 1,000 test digits, true labels.
	results = append(results, summarize("first 1000 test digits (labels)", test.Labels[:1000], nil))

	for _, path := range flag.Args() {
		s, err := dataset.Load(path, dataset.Options{})
		if err != nil {
			log.Fatal(err)
		}
		if s.Dim() != 784 {
			log.Fatalf("%s: %d columns, want 784 (MNIST samples)", path, s.Dim())
		}
		x := s.X.Clone()
		if err := dataset.Binarize(x, "threshold", 0); err != nil {
			log.Fatal(err)
		}
		pred, dist := classify(nn, x)
		name := strings.TrimSuffix(filepath.Base(path), ".npy")
		results = append(results, summarize(name, pred, dist))
		if soft != nil {
			sp := soft.Predict(x)
			r := summarize(name+" (softmax)", sp, nil)
			r.Agreement = agreement(sp, pred)
			results = append(results, r)
		}
	}

	var m *rbm.RBM
	if *modelPath != "" {
		if m, _, err = rbm.Load(*modelPath); err != nil {
			log.Fatal(err)
		}
		f := make([]float64, tx.Rows)
		m.FreeEnergies(f, tx)
		var sum, cnt [10]float64
		for i, y := range test.Labels[:tx.Rows] {
			sum[y] += f[i]
			cnt[y]++
		}
		fmt.Fprintf(os.Stderr, "mean F(v) of the first %d test digits by class under %s:", tx.Rows, *modelPath)
		for k := range sum {
			fmt.Fprintf(os.Stderr, " %d: %.1f", k, sum[k]/cnt[k])
		}
		fmt.Fprintln(os.Stderr)
		for _, path := range flag.Args() {
			s, _ := dataset.Load(path, dataset.Options{})
			x := s.X.Clone()
			_ = dataset.Binarize(x, "threshold", 0)
			f := make([]float64, x.Rows)
			m.FreeEnergies(f, x)
			var mean float64
			for _, v := range f {
				mean += v / float64(len(f))
			}
			fmt.Fprintf(os.Stderr, "mean F of the thresholded samples of %s: %.1f\n", filepath.Base(path), mean)
		}
	}

	enc := json.NewEncoder(os.Stdout)
	for _, r := range results {
		if err := enc.Encode(r); err != nil {
			log.Fatal(err)
		}
	}
	w := os.Stderr
	fmt.Fprintf(w, "| samples | n | 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | entropy (bits) | TV to train | median NN distance | accuracy / agreement |\n")
	fmt.Fprintf(w, "| --- | --- |%s --- | --- | --- | --- |\n", strings.Repeat(" --- |", 10))
	for _, r := range results {
		fmt.Fprintf(w, "| %s | %d |", r.Name, r.N)
		for _, f := range r.Fractions {
			fmt.Fprintf(w, " %.1f |", 100*f)
		}
		med := "—"
		if r.MedianNN != nil {
			med = fmt.Sprintf("%.0f", *r.MedianNN)
		}
		extra := ""
		if r.Accuracy != nil {
			extra = fmt.Sprintf("accuracy %.2f%%", 100**r.Accuracy)
		}
		if r.Agreement != nil {
			extra = strings.TrimPrefix(extra+fmt.Sprintf(", agrees with 1-NN on %.1f%%", 100**r.Agreement), ", ")
		}
		fmt.Fprintf(w, " %.3f | %.3f | %s | %s |\n", r.EntropyBits, r.TVToTrain, med, extra)
	}
}

func agreement(a, b []int) *float64 {
	k := 0
	for i := range a {
		if a[i] == b[i] {
			k++
		}
	}
	f := float64(k) / float64(len(a))
	return &f
}

// toResult is a coverage report as this tool prints it (ten classes).
func toResult(name string, rep coverage.Report) result {
	r := result{Name: name, N: rep.N, EntropyBits: rep.EntropyBits, TVToTrain: rep.TV}
	copy(r.Counts[:], rep.Counts)
	copy(r.Fractions[:], rep.Shares)
	if !math.IsNaN(rep.MedianNN) {
		med := rep.MedianNN
		r.MedianNN = &med
	}
	return r
}

// classify labels each row of q by its nearest training image (package
// coverage) and returns the labels and distances.
func classify(ref *coverage.Reference, q *tensor.Matrix) ([]int, []int) {
	rep, err := ref.Score(context.Background(), q, coverage.Options{})
	if err != nil {
		log.Fatal(err)
	}
	return rep.Labels, rep.Distances
}
