package coverage

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
)

// randomSet is n random 0/1 rows of d pixels (p = 0.3) with labels i mod k.
func randomSet(n, d, k int, seed uint64) *dataset.Set {
	r := tensor.NewRand(seed)
	x := tensor.New(n, d)
	for i := range x.Data {
		if r.Float32() < 0.3 {
			x.Data[i] = 1
		}
	}
	y := make([]int, n)
	for i := range y {
		y[i] = i % k
	}
	return &dataset.Set{X: x, Labels: y, Name: "random"}
}

// TestScoreMatchesBruteForce compares the labels and distances with a
// direct count of differing thresholded pixels, ties to the lowest index.
func TestScoreMatchesBruteForce(t *testing.T) {
	ref := randomSet(300, 24, 4, 1)
	r, err := NewReference(ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Samples: real values in [0,1) (thresholded at 0.5), 200 rows so the
	// blocks of 128 are crossed, and a few exact copies (distance 0).
	rng := tensor.NewRand(2)
	s := tensor.New(200, 24)
	for i := range s.Data {
		s.Data[i] = rng.Float32()
	}
	copy(s.Row(7), ref.X.Row(11))
	copy(s.Row(150), ref.X.Row(299))
	rep, err := r.Score(context.Background(), s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Rows {
		best, bl := math.MaxInt, -1
		for j := range ref.X.Rows {
			d := 0
			for c, v := range s.Row(i) {
				if (v >= 0.5) != (ref.X.At(j, c) == 1) {
					d++
				}
			}
			if d < best {
				best, bl = d, ref.Labels[j]
			}
		}
		if rep.Labels[i] != bl || rep.Distances[i] != best {
			t.Fatalf("sample %d: label %d distance %d, brute force %d %d", i, rep.Labels[i], rep.Distances[i], bl, best)
		}
	}
	if rep.Distances[7] != 0 || rep.Labels[7] != 11%4 || rep.Distances[150] != 0 {
		t.Errorf("copies: distances %d %d, label %d", rep.Distances[7], rep.Distances[150], rep.Labels[7])
	}
	if s.At(0, 0) == 0 || s.At(0, 0) == 1 {
		t.Errorf("Score changed its input")
	}
}

// TestSummaries checks the figures on hand-made label sets: one class
// (0 bits, TV = 1 − its share), the reference's own labels (TV 0), and
// the median and near-copy share.
func TestSummaries(t *testing.T) {
	ref := randomSet(40, 8, 4, 3) // 10 of each class
	r, err := NewReference(ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	one := r.Summarize([]int{2, 2, 2, 2}, []int{0, 5, 9, 30}, 10)
	if one.EntropyBits != 0 || math.Abs(one.TV-0.75) > 1e-12 {
		t.Errorf("one class: entropy %v TV %v, want 0 and 0.75", one.EntropyBits, one.TV)
	}
	if one.MedianNN != 7 || one.NearCopies != 0.75 {
		t.Errorf("median %v near-copies %v, want 7 and 0.75", one.MedianNN, one.NearCopies)
	}
	all := r.Summarize(ref.Labels, nil, 0)
	if math.Abs(all.EntropyBits-2) > 1e-12 || all.TV > 1e-12 || all.ReferenceEntropyBits != all.EntropyBits {
		t.Errorf("the reference's labels: entropy %v (ref %v) TV %v, want 2, 2, 0", all.EntropyBits, all.ReferenceEntropyBits, all.TV)
	}
	if !math.IsNaN(all.MedianNN) {
		t.Errorf("no distances: median %v, want NaN", all.MedianNN)
	}
	b, err := json.Marshal(all)
	if err != nil || !strings.Contains(string(b), `"median_nn_distance":null`) {
		t.Errorf("JSON %s, %v", b, err)
	}
	// A label the reference does not have counts against TV in full.
	extra := r.Summarize([]int{5, 5}, nil, 0)
	if math.Abs(extra.TV-1) > 1e-12 || len(extra.Shares) != 6 {
		t.Errorf("unknown class: TV %v shares %v", extra.TV, extra.Shares)
	}
	var sb strings.Builder
	if err := one.WriteText(&sb); err != nil || !strings.Contains(sb.String(), "entropy 0.000 bits") {
		t.Errorf("text %q, %v", sb.String(), err)
	}
}

func TestBadInput(t *testing.T) {
	ref := randomSet(10, 8, 2, 4)
	r, err := NewReference(ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := r.Score(ctx, tensor.New(3, 9), Options{}); err == nil || !strings.Contains(err.Error(), "9 columns") {
		t.Errorf("wrong width: %v", err)
	}
	nan := tensor.New(300, 8)
	nan.Set(200, 3, float32(math.NaN()))
	if _, err := r.Score(ctx, nan, Options{}); err == nil || !strings.Contains(err.Error(), "row 200, column 3") {
		t.Errorf("NaN: %v", err)
	}
	if _, err := r.Score(ctx, tensor.New(1, 8), Options{NearCopy: -1}); err == nil {
		t.Error("negative near-copy distance accepted")
	}
	ref.Labels = nil
	if _, err := NewReference(ref, nil); !errors.Is(err, ErrNoLabels) {
		t.Errorf("no labels: %v", err)
	}
	if _, err := NewReference(ref, []int{1}); err == nil || !strings.Contains(err.Error(), "10 rows but 1 labels") {
		t.Errorf("label count: %v", err)
	}
	if _, err := NewReference(ref, make([]int, 10)); err != nil {
		t.Errorf("labels given: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := r.Score(cctx, tensor.New(5, 8), Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	empty, err := r.Score(ctx, tensor.New(0, 8), Options{})
	if err != nil || empty.N != 0 || !math.IsNaN(empty.EntropyBits) {
		t.Errorf("no samples: %+v, %v", empty, err)
	}
}

// TestMNISTTestDigits scores the first 1,000 test digits against the
// 60,000 training images: real digits must look like real digits
// (entropy near log₂ 10, small TV, median distance about 37).
func TestMNISTTestDigits(t *testing.T) {
	if testing.Short() {
		t.Skip("loads MNIST")
	}
	train, err := dataset.Load("mnist", dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	test, err := dataset.Load("mnist:test:1000", dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReference(train, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Score(context.Background(), test.X, Options{})
	if err != nil {
		t.Fatal(err)
	}
	correct := 0
	for i, y := range rep.Labels {
		if y == test.Labels[i] {
			correct++
		}
	}
	t.Logf("1-NN accuracy %d/1000; entropy %.3f bits, TV %.3f, median %.1f, near-copies %.3f",
		correct, rep.EntropyBits, rep.TV, rep.MedianNN, rep.NearCopies)
	// 1-NN in Hamming distance on thresholded MNIST is about 95% accurate.
	if correct < 930 {
		t.Errorf("1-NN accuracy %d/1000", correct)
	}
	if rep.EntropyBits < 3.25 || rep.TV > 0.08 || rep.MedianNN < 30 || rep.MedianNN > 45 {
		t.Errorf("entropy %.3f, TV %.3f, median %.1f: not what real digits give", rep.EntropyBits, rep.TV, rep.MedianNN)
	}
	// One digit repeated: all samples one class, 0 bits.
	same := tensor.New(50, 784)
	for i := range same.Rows {
		copy(same.Row(i), test.X.Row(0))
	}
	rep1, err := r.Score(context.Background(), same, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep1.EntropyBits != 0 || rep1.Counts[test.Labels[0]] != 50 {
		t.Errorf("one repeated digit: %.3f bits, counts %v", rep1.EntropyBits, rep1.Counts)
	}
}

// BenchmarkScoreMNIST scores 1,000 test digits against the 60,000 training
// images (go test -bench Score ./coverage).
func BenchmarkScoreMNIST(b *testing.B) {
	train, err := dataset.Load("mnist", dataset.Options{})
	if err != nil {
		b.Fatal(err)
	}
	test, err := dataset.Load("mnist:test:1000", dataset.Options{})
	if err != nil {
		b.Fatal(err)
	}
	r, err := NewReference(train, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.Score(context.Background(), test.X, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(test.X.Rows)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
}
