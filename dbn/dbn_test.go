package dbn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/internal/testutil"
	"github.com/ebm-go/ebm/modelio"
	"github.com/ebm-go/ebm/rbm"
)

// isBars reports whether the 0/1 row is a bars-and-stripes pattern on 4×4:
// all rows equal (vertical bars) or all columns equal (horizontal stripes).
func isBars(v []float32) bool {
	rowsEqual, colsEqual := true, true
	for i := range 4 {
		for j := range 4 {
			if v[i*4+j] != v[j] {
				rowsEqual = false
			}
			if v[i*4+j] != v[i*4] {
				colsEqual = false
			}
		}
	}
	return rowsEqual || colsEqual
}

func trainBars(t *testing.T) (*DBN, [][]rbm.EpochStats) {
	t.Helper()
	x := testutil.Bars(t)
	cfg := rbm.DefaultConfig()
	cfg.Method, cfg.K, cfg.Epochs, cfg.BatchSize, cfg.LR, cfg.Chains = rbm.PCD, 5, 2000, 10, 0.1, 100
	cfg.InitialMomentum, cfg.FinalMomentum = 0, 0
	d, stats, err := Train(context.Background(), x, []int{16, 16}, Options{Config: cfg}, tensor.NewRand(7))
	if err != nil {
		t.Fatal(err)
	}
	return d, stats
}

// TestTrainBarsEndToEnd trains a 16–16–16 DBN greedily on the 30
// bars-and-stripes patterns and samples from it. Only 30 of the 2^16 binary
// images are valid patterns, so a model that had learned nothing would
// produce a valid one (after thresholding p(v|h) at 0.5) with probability
// about 30/65536 ≈ 5e-4 — an expected 0.1 of 256 samples. Requiring half
// of them to be valid is far beyond chance (the binomial tail
// probability is below 1e-100); with this seed training reaches 247 of 256,
// so requiring half leaves room for other platforms' rounding.
func TestTrainBarsEndToEnd(t *testing.T) {
	d, stats := trainBars(t)
	if got := d.Sizes(); len(got) != 3 || got[0] != 16 || got[1] != 16 || got[2] != 16 {
		t.Fatalf("sizes %v, want [16 16 16]", got)
	}
	for k, st := range stats {
		first, last := st[0], st[len(st)-1]
		t.Logf("layer %d: reconstruction error %.3f → %.3f, PLL/unit %.3f → %.3f", k, first.ReconError, last.ReconError, first.PLL, last.PLL)
		if !(last.ReconError < first.ReconError) || !(last.PLL > first.PLL) {
			t.Errorf("layer %d did not learn: first %+v, last %+v", k, first, last)
		}
	}
	const n = 256
	p, err := d.Sample(n, 200, nil, tensor.NewRand(11))
	if err != nil {
		t.Fatal(err)
	}
	valid := 0
	v := make([]float32, 16)
	for r := range n {
		for i, x := range p.Row(r) {
			v[i] = 0
			if x >= 0.5 {
				v[i] = 1
			}
		}
		if isBars(v) {
			valid++
		}
	}
	t.Logf("%d of %d DBN samples are bars-and-stripes patterns", valid, n)
	if valid < n/2 {
		t.Errorf("only %d of %d samples are valid patterns, want ≥ %d", valid, n, n/2)
	}
	// Features of the top layer are probabilities of the right shape.
	f, err := d.Features(testutil.Bars(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	if f.Rows != 30 || f.Cols != 16 {
		t.Errorf("features %d×%d, want 30×16", f.Rows, f.Cols)
	}
	for _, x := range f.Data {
		if !(x >= 0 && x <= 1) {
			t.Fatalf("feature %v outside [0,1]", x)
		}
	}
}

// TestSaveLoadBitIdentical: every parameter survives save → load with the
// same bits, the metadata says what the issue specifies, and a file with
// a missing tensor or wrong kind is refused.
func TestSaveLoadBitIdentical(t *testing.T) {
	rng := tensor.NewRand(5)
	d := &DBN{Layers: []*rbm.RBM{rbm.New(16, 8), rbm.New(8, 4)}}
	for _, l := range d.Layers {
		rng.Normal(l.W.Data, 0, 1)
		rng.Normal(l.B, 0, 1)
		rng.Normal(l.C, 0, 1)
	}
	p := filepath.Join(t.TempDir(), "dbn.safetensors")
	e, meta := testutil.SaveLoad(t, p, d.Save, map[string]string{"data": "bars:4x4"}, Load)
	if meta["model"] != "dbn" || meta["layers"] != "2" || meta["sizes"] != "16,8,4" || meta["data"] != "bars:4x4" {
		t.Errorf("metadata %v", meta)
	}
	same := func(a, b []float32) bool {
		return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
	}
	for k := range d.Layers {
		a, b := d.Layers[k], e.Layers[k]
		if !same(a.W.Data, b.W.Data) || !same(a.B, b.B) || !same(a.C, b.C) {
			t.Errorf("layer %d differs after save → load", k)
		}
	}
	f, err := modelio.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"layer0.weights", "layer0.visible_bias", "layer0.hidden_bias", "layer1.weights", "layer1.visible_bias", "layer1.hidden_bias"} {
		if _, ok := f.Tensors[name]; !ok {
			t.Errorf("file lacks tensor %s", name)
		}
	}
	delete(f.Tensors, "layer1.hidden_bias")
	if _, err := FromFile(f); !errors.Is(err, modelio.ErrMissing) {
		t.Errorf("missing tensor: got %v", err)
	}
	f.Metadata["model"] = "rbm"
	if _, err := FromFile(f); !errors.Is(err, modelio.ErrFormat) {
		t.Errorf("wrong kind: got %v", err)
	}
	bad := &DBN{Layers: []*rbm.RBM{rbm.New(16, 8), rbm.New(7, 4)}}
	if err := bad.Save(filepath.Join(t.TempDir(), "x.safetensors"), nil); !errors.Is(err, rbm.ErrShape) {
		t.Errorf("mismatched layers: got %v", err)
	}
}

func TestReportsAndMetadata(t *testing.T) {
	set, err := dataset.Load("bars:4x4", dataset.Options{Binarize: "threshold"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := rbm.DefaultConfigFor(rbm.PCD)
	cfg.Epochs, cfg.BatchSize = 2, 10
	d, stats, err := Train(context.Background(), set.X, []int{6, 3}, Options{Config: cfg}, tensor.NewRand(1))
	if err != nil {
		t.Fatal(err)
	}
	r := d.Reports(stats)
	if len(r) != 2 || r[1].NVisible != 6 || r[1].NHidden != 3 || r[1].LastEpoch == nil || r[1].LastEpoch.Epoch != 2 {
		t.Fatalf("reports %+v", r)
	}
	if d.Reports(nil)[0].LastEpoch != nil {
		t.Error("a layer without epochs has a last epoch")
	}
	// PCD has no swap rate and there is no held-out data: NaN must print as null.
	b, err := json.Marshal(r[0])
	if err != nil || !strings.Contains(string(b), `"swap_rate":null`) || !strings.HasPrefix(string(b), `{"layer":0,"n_visible":16,"n_hidden":6,"last_epoch":{`) {
		t.Errorf("JSON %s: %v", b, err)
	}
	meta := Metadata(cfg, set, 9)
	testutil.CheckMetadata(t, meta, map[string]string{"data": "bars:4x4", "binarize": "threshold", "method": "pcd", "epochs": "2",
		"batch_size": "10", "learning_rate": "0.02", "seed": "9", "image_shape": "4x4"})
	sum := d.Summarize(cfg, set, 9, stats)
	if sum.Data != "bars:4x4" || sum.Binarize != "threshold" || sum.Method != "pcd" || sum.Epochs != 2 ||
		sum.Seed != 9 || len(sum.Layers) != 2 || fmt.Sprint(sum.Sizes) != "[16 6 3]" {
		t.Errorf("summary %+v", sum)
	}
	if b, err := json.Marshal(sum); err != nil || !strings.Contains(string(b), `"layers":[{"layer":0`) {
		t.Errorf("summary JSON %s: %v", b, err)
	}
	set.Binarized, set.H = "", 0
	if meta := Metadata(cfg, set, 9); meta["binarize"] != "none" || meta["image_shape"] != "" {
		t.Errorf("metadata %v", meta)
	}
	if sum := d.Summarize(cfg, set, 9, nil); sum.Binarize != "none" || sum.Layers[0].LastEpoch != nil {
		t.Errorf("summary without stats %+v", sum)
	}
}
