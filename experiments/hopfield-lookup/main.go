// Classification by retrieval from a continuous modern Hopfield network
// (issue 15): the 60,000 MNIST training digits are stored as keys with
// their one-hot labels as values, and the first 2,000 test digits are
// classified by the largest entry of V softmax(β Kᵀξ), one step (2,000 of
// the 10,000 to keep the β sweep to a minute on a shared 2-core machine;
// the standard error of an accuracy near 0.95 is then 0.005). Two kinds
// of keys: the features p(h|v) of an RBM trained with this library
// (experiments/models/cd25-e200-d0.05.safetensors, 500 hidden units,
// CD-25, 200 epochs, see docs/results.md) and the intensities themselves,
// both standardized per vector by the memory (--normalize standardize).
// Next to it, the linear probe (package probe, default settings) on the
// same features. Run from the repository root:
//
//	go run ./experiments/hopfield-lookup docs/hopfield-lookup.png
//
// It prints one line per (keys, β) with the accuracy and the time per
// query, then the probe accuracies, and draws accuracy against β.
package main

import (
	"context"
	"fmt"
	"log"
	"math"
	"os"
	"time"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/hopfield"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/probe"
	"github.com/ebm-go/ebm/rbm"
	"github.com/ebm-go/ebm/viz"
)

const model = "experiments/models/cd25-e200-d0.05.safetensors"

// betas are the inverse temperatures tried. The keys and queries are
// standardized, so a key's overlap with itself is d and β·d is the scale
// of the scores.
var betas = []float64{0.001, 0.003, 0.01, 0.03, 0.1, 0.3}

// queries is the number of test digits classified.
const queries = 2000

func main() {
	out := "hopfield-lookup.png"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	train, err := dataset.Load("mnist", dataset.Options{})
	if err != nil {
		log.Fatal(err)
	}
	all, err := dataset.Load("mnist:test", dataset.Options{})
	if err != nil {
		log.Fatal(err)
	}
	idx := make([]int, queries)
	for i := range idx {
		idx[i] = i
	}
	test := all.Subset(idx)
	m, _, err := rbm.Load(model)
	if err != nil {
		log.Fatal(err)
	}
	features := func(x *tensor.Matrix) *tensor.Matrix {
		h := tensor.New(x.Rows, m.NHidden())
		m.HiddenProbs(h, x)
		return h
	}
	labels, err := hopfield.OneHot(train.Labels, 10)
	if err != nil {
		log.Fatal(err)
	}
	type keys struct {
		name          string
		train, test   *tensor.Matrix
		probeAccuracy float64
	}
	sets := []keys{
		{name: "RBM features p(h|v)", train: features(train.X), test: features(test.X)},
		{name: "intensities", train: train.X, test: test.X},
	}
	var panel viz.Panel
	panel.Title = "MNIST: classification by one-step retrieval (60,000 keys, one-hot values; 2,000 test digits)"
	panel.XLabel, panel.YLabel = "log₁₀ β", "test accuracy"
	for k := range sets {
		s := &sets[k]
		series := viz.Series{Name: "retrieval, " + s.name}
		for _, beta := range betas {
			c, err := hopfield.NewContinuous(s.train.Cols, beta)
			if err != nil {
				log.Fatal(err)
			}
			if err := c.SetNormalization(hopfield.NormStandardize); err != nil {
				log.Fatal(err)
			}
			if err := c.StoreValues(s.train, labels); err != nil {
				log.Fatal(err)
			}
			start := time.Now()
			pred, res, err := c.Classify(context.Background(), s.test, hopfield.RetrieveOptions{})
			if err != nil {
				log.Fatal(err)
			}
			secs := time.Since(start).Seconds()
			acc := accuracy(pred, test.Labels)
			st := hopfield.Stats(res.Reports)
			fmt.Printf("%-22s β = %-6g accuracy %.4f  %.1f µs/query  mean effective patterns %.3g  fixed points %v\n",
				s.name, beta, acc, 1e6*secs/float64(test.Len()), st.MeanEffective, st.FixedPoints)
			series.X, series.Y = append(series.X, math.Log10(beta)), append(series.Y, acc)
		}
		pm, err := probe.Fit(s.train, train.Labels, 10, probe.Config{})
		if err != nil {
			log.Fatal(err)
		}
		s.probeAccuracy = pm.Accuracy(s.test, test.Labels)
		fmt.Printf("%-22s linear probe accuracy %.4f (%d L-BFGS iterations)\n", s.name, s.probeAccuracy, pm.Iterations)
		panel.Series = append(panel.Series, series)
	}
	lo, hi := math.Log10(betas[0]), math.Log10(betas[len(betas)-1])
	for _, s := range sets {
		panel.Series = append(panel.Series, viz.Series{Name: "linear probe, " + s.name, X: []float64{lo, hi}, Y: []float64{s.probeAccuracy, s.probeAccuracy}})
	}
	panel.LegendBottom = true // the curves end high
	if err := viz.Curves(out, []viz.Panel{panel}, 8, 4.5); err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote", out)
}

func accuracy(pred, labels []int) float64 {
	n := 0
	for i, p := range pred {
		if p == labels[i] {
			n++
		}
	}
	return float64(n) / float64(len(pred))
}
