package dataset

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

func TestBars(t *testing.T) {
	for _, tc := range []struct {
		spec  string
		h, w  int
		count int
	}{
		{"bars:4x4", 4, 4, 30},
		{"bars:2x3", 2, 3, 10},
		{"bars:3x2", 3, 2, 10},
		{"bars:1x1", 1, 1, 2},
		{"bars:1x5", 1, 5, 32},
		{"bars:5x1", 5, 1, 32},
		{"bars:20x1", 20, 1, 1 << 20},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			s, err := Load(tc.spec, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if s.Len() != tc.count || s.Dim() != tc.h*tc.w || s.H != tc.h || s.W != tc.w {
				t.Fatalf("got %d×%d, H×W %d×%d; want %d×%d, %d×%d", s.Len(), s.Dim(), s.H, s.W, tc.count, tc.h*tc.w, tc.h, tc.w)
			}
			if s.Name != tc.spec || s.Labels != nil || s.Binarized != "" {
				t.Errorf("Name %q Labels %v Binarized %q", s.Name, s.Labels, s.Binarized)
			}
			if tc.count > 1000 {
				return
			}
			seen := map[string]bool{}
			for i := range s.Len() {
				row := s.X.Row(i)
				key := fmt.Sprint(row)
				if seen[key] {
					t.Errorf("row %d duplicates an earlier row: %v", i, row)
				}
				seen[key] = true
				if !isBarsPattern(row, tc.h, tc.w) {
					t.Errorf("row %d is not a bars-and-stripes pattern: %v", i, row)
				}
			}
			// All 2^N + 2^M − 2 valid patterns are present: count them by brute force.
			valid := 0
			for mask := 0; mask < 1<<(tc.h*tc.w); mask++ {
				row := make([]float32, tc.h*tc.w)
				for k := range row {
					row[k] = float32(mask >> k & 1)
				}
				if isBarsPattern(row, tc.h, tc.w) {
					valid++
					if !seen[fmt.Sprint(row)] {
						t.Errorf("missing pattern %v", row)
					}
				}
			}
			if valid != tc.count {
				t.Errorf("brute force finds %d patterns, want %d", valid, tc.count)
			}
		})
	}
}

func isBarsPattern(row []float32, h, w int) bool {
	vertical, horizontal := true, true
	for i := range h {
		for j := range w {
			v := row[i*w+j]
			if v != 0 && v != 1 {
				return false
			}
			if v != row[j] { // differs from the top of its column
				vertical = false
			}
			if v != row[i*w] { // differs from the start of its row
				horizontal = false
			}
		}
	}
	return vertical || horizontal
}

func TestBarsOrder(t *testing.T) {
	s, err := Load("bars:2x3", Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float32{
		{0, 0, 0, 0, 0, 0}, // column mask 0: all off
		{1, 0, 0, 1, 0, 0}, // column 0
		{0, 1, 0, 0, 1, 0},
		{1, 1, 0, 1, 1, 0},
		{0, 0, 1, 0, 0, 1},
		{1, 0, 1, 1, 0, 1},
		{0, 1, 1, 0, 1, 1},
		{1, 1, 1, 1, 1, 1}, // all on
		{1, 1, 1, 0, 0, 0}, // row mask 1: top row
		{0, 0, 0, 1, 1, 1}, // row mask 2: bottom row
	}
	for i, w := range want {
		if got := s.X.Row(i); fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("row %d = %v, want %v", i, got, w)
		}
	}
}

func TestMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes the embedded MNIST files")
	}
	for _, tc := range []struct {
		spec      string
		n         int
		lim       int
		wantN     int
		label0    int
		lastLabel int // label of row wantN-1, -1 to skip
	}{
		{"mnist", 60000, 0, 60000, 5, 8},
		{"mnist:train", 60000, 0, 60000, 5, 8},
		{"mnist:test", 10000, 0, 10000, 7, 6},
		{"mnist:100", 100, 0, 100, 5, -1},
		{"mnist:train:3", 3, 0, 3, 5, 4},
		{"mnist:test:2", 2, 0, 2, 7, 2},
		{"mnist:test", 10000, 5, 5, 7, 4},
		{"mnist:test:3", 3, 10, 3, 7, 1},
	} {
		t.Run(fmt.Sprintf("%s/limit%d", tc.spec, tc.lim), func(t *testing.T) {
			s, err := Load(tc.spec, Options{Limit: tc.lim})
			if err != nil {
				t.Fatal(err)
			}
			if s.Len() != tc.wantN || s.Dim() != 784 || s.H != 28 || s.W != 28 || len(s.Labels) != tc.wantN {
				t.Fatalf("got %d×%d H×W %d×%d %d labels", s.Len(), s.Dim(), s.H, s.W, len(s.Labels))
			}
			if s.Name != tc.spec {
				t.Errorf("Name = %q", s.Name)
			}
			if s.Labels[0] != tc.label0 {
				t.Errorf("first label %d, want %d", s.Labels[0], tc.label0)
			}
			if tc.lastLabel >= 0 && s.Labels[tc.wantN-1] != tc.lastLabel {
				t.Errorf("label %d is %d, want %d", tc.wantN-1, s.Labels[tc.wantN-1], tc.lastLabel)
			}
			if err := s.CheckRange(0, 1); err != nil {
				t.Error(err)
			}
			counts := make([]int, 10)
			for _, l := range s.Labels {
				counts[l]++
			}
			if tc.wantN >= 10000 {
				for d, c := range counts {
					if c < tc.wantN/20 {
						t.Errorf("digit %d appears %d times", d, c)
					}
				}
			}
			// Pixels are byte/255: some are exactly 0 and exactly 1, and
			// every value is a multiple of 1/255.
			var zeros, ones int
			for _, v := range s.X.Row(0) {
				switch v {
				case 0:
					zeros++
				case 1:
					ones++
				}
				if b := math.Round(float64(v) * 255); !approx(v, float32(b/255)) {
					t.Fatalf("pixel %v is not a multiple of 1/255", v)
				}
			}
			if zeros < 400 || ones == 0 {
				t.Errorf("row 0 has %d zeros and %d ones", zeros, ones)
			}
		})
	}
	// The first train image, a 5, has its ink in the middle of the frame.
	s, _ := Load("mnist:1", Options{})
	var ink float32
	for i := 2; i < 26; i++ {
		for j := 2; j < 26; j++ {
			ink += s.X.At(0, i*28+j)
		}
	}
	var total float32
	for _, v := range s.X.Data {
		total += v
	}
	if ink < 0.98*total || total < 50 {
		t.Errorf("ink %v of %v in the centre", ink, total)
	}
	// Same data from a second load (decoded once, converted again).
	a, _ := Load("mnist:test:50", Options{})
	b, _ := Load("mnist:test", Options{Limit: 50})
	if fmt.Sprint(a.X.Data) != fmt.Sprint(b.X.Data) || fmt.Sprint(a.Labels) != fmt.Sprint(b.Labels) {
		t.Error("mnist:test:50 and mnist:test with Limit 50 differ")
	}
}

func TestMNISTBinarized(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes the embedded MNIST files")
	}
	raw, err := Load("mnist:test:1000", Options{})
	if err != nil {
		t.Fatal(err)
	}
	thr, err := Load("mnist:test:1000", Options{Binarize: "threshold"})
	if err != nil {
		t.Fatal(err)
	}
	if thr.Binarized != "threshold" {
		t.Errorf("Binarized = %q", thr.Binarized)
	}
	for i, v := range raw.X.Data {
		want := float32(0)
		if v >= 0.5 {
			want = 1
		}
		if thr.X.Data[i] != want {
			t.Fatalf("value %d: %v thresholds to %v", i, v, thr.X.Data[i])
		}
	}
	checkSampleMean(t, raw.X, "mnist:test:1000", 0)
}

// checkSampleMean loads spec with sample binarization and checks the mean
// of the 0/1 values against the mean intensity of x: the sum of independent
// Bernoulli(p_i) draws has variance Σ p_i(1−p_i), and the test allows 5σ.
func checkSampleMean(t *testing.T, x *tensor.Matrix, spec string, seed uint64) {
	t.Helper()
	s, err := Load(spec, Options{Binarize: "sample", BinarizeSeed: seed})
	if err != nil {
		t.Fatal(err)
	}
	if s.Binarized != "sample" {
		t.Errorf("Binarized = %q", s.Binarized)
	}
	var sumP, varSum, sumB float64
	for i, p := range x.Data {
		sumP += float64(p)
		varSum += float64(p) * (1 - float64(p))
		b := s.X.Data[i]
		if b != 0 && b != 1 {
			t.Fatalf("value %d is %v after sampling", i, b)
		}
		if (p == 0 && b != 0) || (p == 1 && b != 1) {
			t.Fatalf("value %d: p = %v sampled as %v", i, p, b)
		}
		sumB += float64(b)
	}
	if tol := 5 * math.Sqrt(varSum); math.Abs(sumB-sumP) > tol {
		t.Errorf("%s: %v ones sampled, expected %v ± %v (5σ)", spec, sumB, sumP, tol)
	}
	again, _ := Load(spec, Options{Binarize: "sample", BinarizeSeed: seed})
	if fmt.Sprint(again.X.Data) != fmt.Sprint(s.X.Data) {
		t.Errorf("%s: same seed %d gave different samples", spec, seed)
	}
}

func TestBinarize(t *testing.T) {
	in := []float32{0, 0.2, 0.49999, 0.5, 0.7, 1, float32(math.NaN()), 2, -1}
	for _, tc := range []struct {
		mode string
		want []float32
	}{
		{"", in},
		{"none", in},
		{"threshold", []float32{0, 0, 0, 1, 1, 1, 0, 1, 0}},
	} {
		x := tensor.FromSlice(1, len(in), append([]float32(nil), in...))
		if err := Binarize(x, tc.mode, 0); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(x.Data) != fmt.Sprint(tc.want) {
			t.Errorf("%q: %v, want %v", tc.mode, x.Data, tc.want)
		}
	}

	// Unknown mode: error, x untouched.
	x := tensor.FromSlice(1, 2, []float32{0.3, 0.7})
	wantErr(t, Binarize(x, "round", 0), "round", "threshold", "sample")
	if x.Data[0] != 0.3 || x.Data[1] != 0.7 {
		t.Error("unknown mode changed x")
	}
	_, err := Load("bars:2x2", Options{Binarize: "Threshold"})
	wantErr(t, err, "bars:2x2", `"Threshold"`)

	// Sample: deterministic per seed, seed 0 is seed 1, different seeds
	// differ, clamps out-of-range values, keeps 0 and 1.
	p := tensor.New(200, 51)
	r := tensor.NewRand(99)
	for i := range p.Data {
		p.Data[i] = float32(r.Float64())
	}
	p.Data[0], p.Data[1], p.Data[2], p.Data[3] = 0, 1, -0.5, 1.5
	sample := func(seed uint64) *tensor.Matrix {
		y := p.Clone()
		if err := Binarize(y, "sample", seed); err != nil {
			t.Fatal(err)
		}
		return y
	}
	a, b, c, d := sample(7), sample(7), sample(8), sample(0)
	if fmt.Sprint(a.Data) != fmt.Sprint(b.Data) {
		t.Error("same seed, different samples")
	}
	if fmt.Sprint(a.Data) == fmt.Sprint(c.Data) {
		t.Error("seeds 7 and 8 gave identical samples")
	}
	if fmt.Sprint(d.Data) != fmt.Sprint(sample(DefaultBinarizeSeed).Data) {
		t.Error("seed 0 is not the default seed")
	}
	if a.Data[0] != 0 || a.Data[1] != 1 || a.Data[2] != 0 || a.Data[3] != 1 {
		t.Errorf("fixed points sampled as %v", a.Data[:4])
	}
	var sumP, varSum, sumB float64
	for i, v := range p.Data {
		q := math.Min(1, math.Max(0, float64(v)))
		sumP += q
		varSum += q * (1 - q)
		sumB += float64(a.Data[i])
	}
	if tol := 5 * math.Sqrt(varSum); math.Abs(sumB-sumP) > tol {
		t.Errorf("%v ones, expected %v ± %v", sumB, sumP, tol)
	}
	// The first rows do not depend on how many rows follow.
	head := p.SliceRows(0, 7).Clone()
	if err := Binarize(head, "sample", 7); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(head.Data) != fmt.Sprint(a.SliceRows(0, 7).Data) {
		t.Error("sampling the first 7 rows alone differs")
	}
	if err := Binarize(nil, "sample", 1); err != nil {
		t.Error(err)
	}
}

func TestSampleMeanSynthetic(t *testing.T) {
	// Fast version of the MNIST check on a CSV of graded intensities.
	dir := t.TempDir()
	var csv []byte
	x := tensor.New(300, 40)
	for i := range 300 {
		for j := range 40 {
			v := float32((i*40+j)%101) / 100
			x.Set(i, j, v)
			if j > 0 {
				csv = append(csv, ',')
			}
			csv = fmt.Append(csv, v)
		}
		csv = append(csv, '\n')
	}
	p := writeFile(t, dir, "grades.csv", csv)
	checkSampleMean(t, x, p, 0)
	checkSampleMean(t, x, p, 12345)
}

func TestSetMethods(t *testing.T) {
	x := tensor.FromSlice(4, 2, []float32{0, 1, 2, 3, 4, 5, 6, 7})
	s := &Set{X: x, Labels: []int{10, 11, 12, 13}, Name: "toy", H: 1, W: 2, Binarized: "threshold"}
	if s.Len() != 4 || s.Dim() != 2 {
		t.Fatal(s.Len(), s.Dim())
	}
	var empty *Set
	if empty.Len() != 0 || empty.Dim() != 0 || (&Set{}).Len() != 0 {
		t.Error("empty set has rows")
	}

	sub := s.Subset([]int{3, 0, 3})
	if fmt.Sprint(sub.X.Data) != "[6 7 0 1 6 7]" || fmt.Sprint(sub.Labels) != "[13 10 13]" {
		t.Errorf("Subset: %v %v", sub.X.Data, sub.Labels)
	}
	if sub.H != 1 || sub.W != 2 || sub.Name != "toy" || sub.Binarized != "threshold" {
		t.Errorf("Subset metadata %+v", sub)
	}
	sub.X.Data[0] = 100
	sub.Labels[0] = 100
	if x.Data[6] != 6 || s.Labels[3] != 13 {
		t.Error("Subset shares memory")
	}
	if e := s.Subset(nil); e.Len() != 0 || e.Dim() != 2 {
		t.Errorf("empty subset %d×%d", e.Len(), e.Dim())
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Subset with a bad index did not panic")
			}
		}()
		s.Subset([]int{4})
	}()

	for _, tc := range []struct{ n, a, b int }{{1, 1, 3}, {0, 0, 4}, {4, 4, 0}, {-2, 0, 4}, {9, 4, 0}} {
		a, b := s.Split(tc.n)
		if a.Len() != tc.a || b.Len() != tc.b || len(a.Labels) != tc.a || len(b.Labels) != tc.b || a.Dim() != 2 || b.Dim() != 2 {
			t.Errorf("Split(%d): %d+%d rows, %d+%d labels", tc.n, a.Len(), b.Len(), len(a.Labels), len(b.Labels))
		}
	}
	a, b := s.Split(1)
	if fmt.Sprint(a.X.Data) != "[0 1]" || fmt.Sprint(b.X.Data) != "[2 3 4 5 6 7]" || b.Labels[0] != 11 {
		t.Errorf("Split(1): %v %v %v", a.X.Data, b.X.Data, b.Labels)
	}
	b.X.Data[0] = 42 // views: writes show in s
	if x.Data[2] != 42 {
		t.Error("Split does not return views")
	}
	if a.Labels = append(a.Labels, 99); s.Labels[1] != 11 {
		t.Error("appending to the first part's labels overwrote the rest")
	}
	x.Data[2] = 2

	if err := s.CheckRange(0, 7); err != nil {
		t.Error(err)
	}
	err := s.CheckRange(0, 1)
	wantErr(t, err, "toy", "row 1, column 0", "value 2", "[0, 1]")
	if !errors.Is(err, ErrRange) {
		t.Error("CheckRange error is not ErrRange")
	}
	x.Data[5] = float32(math.NaN())
	wantErr(t, s.CheckRange(-100, 100), "row 2, column 1", "NaN")
}

func TestSquareSide(t *testing.T) {
	for d, want := range map[int]int{0: 0, 1: 0, 2: 0, 3: 0, 4: 2, 9: 3, 10: 0, 784: 28, 783: 0, 785: 0, 1 << 40: 1 << 20} {
		if got := squareSide(d); got != want {
			t.Errorf("squareSide(%d) = %d, want %d", d, got, want)
		}
	}
}

// BenchmarkDecodeMNISTTrain measures the one-time cost of decompressing
// and checking the embedded training images.
func BenchmarkDecodeMNISTTrain(b *testing.B) {
	for b.Loop() {
		if _, err := readIDX("train", bytes.NewReader(trainImagesGz), true, int64(len(trainImagesGz))); err != nil {
			b.Fatal(err)
		}
	}
}
