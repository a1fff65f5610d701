package main

import (
	"context"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/hopfield"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/modelio"
	"github.com/ebm-go/ebm/viz"
)

func decodePNG(t *testing.T, path string) (w, h int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img.Bounds().Dx(), img.Bounds().Dy()
}

func TestHopfieldStoreRecallJSON(t *testing.T) {
	dir := t.TempDir()
	net := filepath.Join(dir, "net.safetensors")
	out := mustRun(t, "hopfield", "store", "--patterns", "random:12", "--neurons", "100", "--rule", "storkey", "--seed", "4", "--out", net, "--json")
	st := jsonObject(t, out)
	if st["patterns"].(float64) != 12 || st["fixed_points"].(float64) != 12 || st["rule"] != "storkey" || st["neurons"].(float64) != 100 {
		t.Errorf("store summary %v", st)
	}
	f := mustLoadFile(t, net, map[string]string{"model": "hopfield", "kind": "classical", "rule": "storkey", "patterns": "12", "format_version": "1", "image_shape": "10x10"})
	if _, err := f.Require("weights", 100, 100); err != nil {
		t.Error(err)
	}
	if _, err := f.Require("thresholds", 100); err != nil {
		t.Error(err)
	}

	pic, plot, states := filepath.Join(dir, "r.png"), filepath.Join(dir, "e.png"), filepath.Join(dir, "r.npy")
	out = mustRun(t, "hopfield", "recall", "--net", net, "--pattern", "5", "--noise", "0.15", "--seed", "2", "--json", "--out", pic, "--plot", plot)
	rep := jsonObject(t, out, "converged", "sweeps", "cycle", "final_energy", "energies", "nearest_pattern", "overlap", "classification", "flips")
	if rep["converged"] != true || rep["nearest_pattern"].(float64) != 5 || rep["overlap"].(float64) != 1 || rep["flipped"].(float64) != 15 {
		t.Errorf("recall of pattern 5 at α = 0.12 with Storkey: %s", out)
	}
	if n := len(rep["energies"].([]any)); n != int(rep["sweeps"].(float64))+1 {
		t.Errorf("%d energies for %v sweeps", n, rep["sweeps"])
	}
	if w, h := decodePNG(t, pic); w <= h || h < 30 {
		t.Errorf("recall picture %d×%d", w, h)
	}
	decodePNG(t, plot)
	// The same run written as .npy: the first row is the cue, the last the
	// result (pattern 5).
	mustRun(t, "hopfield", "recall", "--net", net, "--pattern", "5", "--noise", "0.15", "--seed", "2", "--out", states)
	s, err := dataset.Load(states, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mem, _, _ := hopfield.Load(net)
	last := s.X.Row(s.Len() - 1)
	if hopfield.Overlap(mem.Patterns().Row(5), last) != 1 || hopfield.Overlap(mem.Patterns().Row(5), s.X.Row(0)) != 0.7 {
		t.Errorf("states .npy: first/last rows are not the cue and pattern 5")
	}

	// A cue from a file: a 0/1 .npy row.
	cue := tensor.New(2, 100)
	for i, v := range mem.Patterns().Row(7) {
		cue.Set(1, i, (v+1)/2)
	}
	cuePath := filepath.Join(dir, "cue.npy")
	if err := dataset.SaveNPY(cuePath, cue); err != nil {
		t.Fatal(err)
	}
	out = mustRun(t, "hopfield", "recall", "--net", net, "--input", cuePath, "--row", "1", "--mode", "sync")
	if !strings.Contains(out, "converged") || !strings.Contains(out, "stored pattern 7 (exact)") {
		t.Errorf("recall from file:\n%s", out)
	}
	out = mustRun(t, "hopfield", "recall", "--net", net, "--pattern", "0", "--mode", "glauber", "--temperature", "0.05", "--max-sweeps", "5", "--json")
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep["sweeps"].(float64) != 5 || rep["converged"] != false || rep["temperature"].(float64) != 0.05 {
		t.Errorf("glauber recall: %v %s", err, out)
	}

	// Adding patterns keeps the rule; the count grows.
	net2 := filepath.Join(dir, "net2.safetensors")
	out = mustRun(t, "hopfield", "store", "--patterns", "random:3", "--seed", "9", "--net", net, "--out", net2)
	if !strings.Contains(out, "15 patterns (storkey)") {
		t.Errorf("store --net:\n%s", out)
	}
}

func TestHopfieldTwoCycleCLI(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "cycle.safetensors")
	if err := modelio.Save(p, &modelio.File{
		Metadata: map[string]string{"model": "hopfield", "kind": "classical"},
		Tensors: map[string]modelio.Tensor{
			"weights":    {Shape: []int{2, 2}, Data: []float32{0, -1, -1, 0}},
			"thresholds": {Shape: []int{2}, Data: []float32{0, 0}},
		}}); err != nil {
		t.Fatal(err)
	}
	cue := filepath.Join(dir, "cue.npy")
	if err := dataset.SaveNPY(cue, tensor.FromSlice(1, 2, []float32{-1, -1})); err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, "hopfield", "recall", "--net", p, "--input", cue, "--mode", "sync", "--json")
	rep := jsonObject(t, out)
	if rep["cycle"] != true || rep["converged"] != false || rep["sweeps"].(float64) != 2 || rep["nearest_pattern"] != nil {
		t.Errorf("2-cycle: %s", out)
	}
}

func TestHopfieldMNISTDigits(t *testing.T) {
	dir := t.TempDir()
	net := filepath.Join(dir, "digits.safetensors")
	out := mustRun(t, "hopfield", "store", "--patterns", "mnist:20", "--rows", "1,3,5,7", "--rule", "pinv", "--zero-diagonal", "--out", net)
	if !strings.Contains(out, "4 of 4 stored patterns are fixed points") || !strings.Contains(out, "thresholded") {
		t.Errorf("store digits:\n%s", out)
	}
	pic := filepath.Join(dir, "r.png")
	out = mustRun(t, "hopfield", "recall", "--net", net, "--pattern", "2", "--noise", "0.3", "--frames", "8", "--out", pic)
	if !strings.Contains(out, "stored pattern 2 (exact)") {
		t.Errorf("digit recall:\n%s", out)
	}
	if w, h := decodePNG(t, pic); h != 28*3+4 || w < 5*h {
		t.Errorf("picture %d×%d: want one row of 84-pixel tiles", w, h)
	}
	decodePNG(t, filepath.Join(dir, "r-energy.png")) // the energy plot goes next to a .png --out
}

func TestHopfieldCapacityCLI(t *testing.T) {
	dir := t.TempDir()
	plot := filepath.Join(dir, "cap.png")
	out := mustRun(t, "hopfield", "capacity", "--neurons", "100", "--patterns", "5,10,20", "--trials", "3", "--seed", "2", "--json")
	rep := jsonObject(t, out, "kind", "rule", "neurons", "noise", "trials", "results")
	res := rep["results"].([]any)
	if len(res) != 3 {
		t.Fatalf("%d results", len(res))
	}
	first := res[0].(map[string]any)
	for _, k := range []string{"patterns", "fixed_point_fraction", "recall_fraction", "mean_overlap", "bit_error_rate"} {
		if _, ok := first[k]; !ok {
			t.Errorf("result lacks %q", k)
		}
	}
	if first["patterns"].(float64) != 5 || first["recall_fraction"].(float64) != 1 {
		t.Errorf("p = 5 of N = 100: %v", first)
	}
	// Several rules: an array, one object per rule; the plot is written.
	out = mustRun(t, "hopfield", "capacity", "--neurons", "60", "--load", "0.05:0.25:0.1", "--rule", "hebbian,storkey,pinv", "--trials", "2", "--json", "--plot", plot)
	var reps []map[string]any
	if err := json.Unmarshal([]byte(out), &reps); err != nil || len(reps) != 3 || reps[2]["rule"] != "pinv" {
		t.Fatalf("three rules: %v\n%s", err, out)
	}
	if got := len(reps[0]["results"].([]any)); got != 3 { // loads 0.05, 0.15, 0.25 → p = 3, 9, 15
		t.Errorf("%d loads", got)
	}
	decodePNG(t, plot)
	// Reproducible text output.
	a := mustRun(t, "hopfield", "capacity", "--neurons", "80", "--patterns", "8,16", "--trials", "2", "--seed", "5", "--workers", "1")
	b := mustRun(t, "hopfield", "capacity", "--neurons", "80", "--patterns", "8,16", "--trials", "2", "--seed", "5", "--workers", "2")
	strip := func(s string) string { // drop the timing in the header line
		i := strings.Index(s, "(")
		j := strings.Index(s, ")\n")
		return s[:i] + s[j:]
	}
	if strip(a) != strip(b) {
		t.Errorf("results depend on --workers:\n%s\n%s", a, b)
	}
}

func TestHopfieldCLIErrors(t *testing.T) {
	dir := t.TempDir()
	net := filepath.Join(dir, "net.safetensors")
	mustRun(t, "hopfield", "store", "--patterns", "random:4", "--neurons", "16", "--out", net)
	rbmFile := filepath.Join(dir, "rbm.safetensors")
	if err := modelio.Save(rbmFile, &modelio.File{Metadata: map[string]string{"model": "rbm"},
		Tensors: map[string]modelio.Tensor{"weights": {Shape: []int{2, 2}, Data: make([]float32, 4)}}}); err != nil {
		t.Fatal(err)
	}
	noPat := filepath.Join(dir, "nopat.safetensors")
	if err := modelio.Save(noPat, &modelio.File{Metadata: map[string]string{"model": "hopfield", "kind": "classical", "rule": "hebbian"},
		Tensors: map[string]modelio.Tensor{"weights": {Shape: []int{4, 4}, Data: make([]float32, 16)}}}); err != nil {
		t.Fatal(err)
	}
	wide := filepath.Join(dir, "wide.npy")
	if err := dataset.SaveNPY(wide, tensor.FromSlice(1, 9, []float32{1, -1, 1, -1, 1, -1, 1, -1, 1})); err != nil {
		t.Fatal(err)
	}
	badVals := filepath.Join(dir, "bad.npy")
	if err := dataset.SaveNPY(badVals, tensor.FromSlice(2, 3, []float32{1, -1, 1, 2, -1, 1})); err != nil {
		t.Fatal(err)
	}
	pngDir := filepath.Join(dir, "pngs")
	os.Mkdir(pngDir, 0o755)
	writePNG := func(name string, w, h int) {
		m := tensor.New(1, w*h)
		if err := saveGray(filepath.Join(pngDir, name), m, w, h); err != nil {
			t.Fatal(err)
		}
	}
	writePNG("a.png", 4, 4)
	writePNG("b.png", 5, 5)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"hopfield", "store", "--out", net}, "--patterns is required"},
		{[]string{"hopfield", "store", "--patterns", "random:0", "--neurons", "10"}, "pattern count of 0"},
		{[]string{"hopfield", "store", "--patterns", "random:3"}, "--neurons"},
		{[]string{"hopfield", "store", "--patterns", "random:3", "--neurons", "9", "--rule", "oja"}, "oja"},
		{[]string{"hopfield", "store", "--patterns", badVals, "--out", filepath.Join(dir, "x.safetensors")}, "row 1, column 0"},
		{[]string{"hopfield", "store", "--patterns", pngDir, "--out", filepath.Join(dir, "x.safetensors")}, "b.png"},
		{[]string{"hopfield", "store", "--patterns", wide, "--net", net, "--out", filepath.Join(dir, "x.safetensors")}, "9 values"},
		{[]string{"hopfield", "store", "--patterns", "random:2", "--neurons", "9", "--kind", "quantum"}, "--kind"},
		{[]string{"hopfield", "store", "--patterns", "random:2", "--neurons", "9", "--zero-diagonal"}, "pinv"},
		{[]string{"hopfield", "store", "--patterns", "random:2", "--neurons", "9", "--rows", "5"}, "--rows"},
		{[]string{"hopfield", "recall", "--pattern", "0"}, "--net is required"},
		{[]string{"hopfield", "recall", "--net", rbmFile, "--pattern", "0"}, `"rbm" model`},
		{[]string{"hopfield", "recall", "--net", filepath.Join(dir, "missing.safetensors"), "--pattern", "0"}, "missing.safetensors"},
		{[]string{"hopfield", "recall", "--net", net}, "give a cue"},
		{[]string{"hopfield", "recall", "--net", net, "--pattern", "4"}, "patterns 0 to 3"},
		{[]string{"hopfield", "recall", "--net", net, "--pattern", "0", "--noise", "1.5"}, "--noise"},
		{[]string{"hopfield", "recall", "--net", net, "--pattern", "0", "--mode", "chaotic"}, "chaotic"},
		{[]string{"hopfield", "recall", "--net", net, "--pattern", "0", "--mode", "glauber"}, "temperature"},
		{[]string{"hopfield", "recall", "--net", net, "--input", wide}, "9 values"},
		{[]string{"hopfield", "recall", "--net", net, "--input", wide, "--pattern", "1"}, "not both"},
		{[]string{"hopfield", "recall", "--net", noPat, "--pattern", "0"}, "--input"},
		{[]string{"hopfield", "recall", "--net", net, "--pattern", "0", "--kind", "dense"}, "classical"},
		{[]string{"hopfield", "recall", "--net", net, "--pattern", "0", "--out", filepath.Join(dir, "r.gif")}, "r.gif"},
		{[]string{"hopfield", "capacity", "--neurons", "50"}, "--patterns"},
		{[]string{"hopfield", "capacity", "--neurons", "50", "--patterns", "5,0"}, "pattern count of 0"},
		{[]string{"hopfield", "capacity", "--neurons", "50", "--load", "0.001:0.1:0.05"}, "rounds to a pattern count of 0"},
		{[]string{"hopfield", "capacity", "--neurons", "50", "--load", "0.1:0.05:0.01"}, "from ≤ to"},
		{[]string{"hopfield", "capacity", "--neurons", "50", "--patterns", "5", "--load", "0.1:0.2:0.1"}, "not both"},
		{[]string{"hopfield", "capacity", "--neurons", "50", "--patterns", "5", "--noise", "-0.5"}, "--noise"},
		{[]string{"hopfield", "capacity", "--neurons", "50", "--patterns", "5", "--rule", "hebbian,magic"}, "magic"},
		{[]string{"hopfield", "capacity", "--neurons", "50", "--patterns", "5", "--trials", "0"}, "trial"},
		{[]string{"hopfield", "capacity", "--neurons", "1", "--patterns", "5"}, "--neurons"},
	}
	for _, c := range cases {
		_, _, err := run(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ebm %s: error %v, want one mentioning %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}

// saveGray writes one w×h image (the single row of m) as a PNG.
func saveGray(path string, m *tensor.Matrix, w, h int) error {
	img, err := viz.Grid(m, h, w, viz.GridOptions{Pad: -1})
	if err != nil {
		return err
	}
	return viz.SavePNG(path, img)
}

func TestHopfieldModernCLI(t *testing.T) {
	dir := t.TempDir()
	dense := filepath.Join(dir, "dense.safetensors")
	out := mustRun(t, "hopfield", "store", "--kind", "dense", "--interaction", "poly:3", "--patterns", "random:100", "--neurons", "64",
		"--seed", "3", "--out", dense, "--json")
	st := jsonObject(t, out)
	if st["kind"] != "dense" || st["interaction"] != "poly:3" || st["patterns"].(float64) != 100 || st["fixed_points"].(float64) < 98 {
		t.Errorf("dense store summary %v", st)
	}
	f := mustLoadFile(t, dense, map[string]string{"model": "hopfield", "kind": "dense", "interaction": "poly:3", "beta": "1", "patterns": "100", "image_shape": "8x8"})
	if _, err := f.Require("patterns", 100, 64); err != nil {
		t.Error(err)
	}
	// α = 1.6, far beyond the classical network (below N²/(6 ln N) = 164
	// for poly:3), recalled from 20% noise
	// and from a masked cue.
	for _, args := range [][]string{{"--noise", "0.2"}, {"--mask", "0.3"}} {
		out = mustRun(t, append([]string{"hopfield", "recall", "--net", dense, "--pattern", "7", "--json"}, args...)...)
		rep := jsonObject(t, out)
		if rep["kind"] != "dense" || rep["nearest_pattern"].(float64) != 7 || rep["overlap"].(float64) != 1 || rep["converged"] != true {
			t.Errorf("dense recall %v: %s", args, out)
		}
		e := rep["energies"].([]any)
		for i := 1; i < len(e); i++ {
			if e[i].(float64) > e[i-1].(float64) {
				t.Errorf("energy rose: %v", e)
			}
		}
	}
	if rep := mustRun(t, "hopfield", "recall", "--net", dense, "--pattern", "7", "--mask", "0.5"); !strings.Contains(rep, "last 32 units masked") {
		t.Errorf("mask report:\n%s", rep)
	}
	more := filepath.Join(dir, "dense2.safetensors")
	if out := mustRun(t, "hopfield", "store", "--kind", "dense", "--patterns", "random:10", "--seed", "8", "--net", dense, "--out", more); !strings.Contains(out, "110 patterns") {
		t.Errorf("dense store --net:\n%s", out)
	}

	cont := filepath.Join(dir, "cont.safetensors")
	mustRun(t, "hopfield", "store", "--kind", "continuous", "--beta", "0.5", "--patterns", "random:40", "--neurons", "64", "--out", cont)
	out = mustRun(t, "hopfield", "recall", "--net", cont, "--pattern", "2", "--noise", "0.25", "--json")
	rep := jsonObject(t, out)
	r := rep["retrieval"].(map[string]any)
	if rep["nearest_pattern"].(float64) != 2 || rep["overlap"].(float64) != 1 || r["fixed_point"] != "single" || rep["beta"].(float64) != 0.5 {
		t.Errorf("continuous recall: %s", out)
	}
	out = mustRun(t, "hopfield", "recall", "--net", cont, "--pattern", "2", "--beta", "0", "--json")
	rep = nil
	json.Unmarshal([]byte(out), &rep)
	if r := rep["retrieval"].(map[string]any); r["fixed_point"] != "global" || math.Abs(r["effective_patterns"].(float64)-40) > 1e-3 || rep["sweeps"].(float64) != 1 {
		t.Errorf("β = 0: %s", out)
	}
	if out := mustRun(t, "hopfield", "recall", "--net", cont, "--pattern", "2", "--noise", "0.3", "--steps", "4"); !strings.Contains(out, "continuous retrieval") {
		t.Errorf("text report:\n%s", out)
	}

	// Batch retrieval: --query Q.npy --out R.npy equals one-by-one recall.
	mem, _, err := hopfield.Open(cont)
	if err != nil {
		t.Fatal(err)
	}
	q := mem.Patterns().Clone()
	rng := tensor.NewRand(4)
	for i := 0; i < q.Rows; i++ {
		hopfield.Corrupt(q.Row(i), 0.2, rng)
	}
	qp, rp := filepath.Join(dir, "q.npy"), filepath.Join(dir, "r.npy")
	if err := dataset.SaveNPY(qp, q); err != nil {
		t.Fatal(err)
	}
	out = mustRun(t, "hopfield", "recall", "--net", cont, "--query", qp, "--out", rp, "--steps", "3", "--json")
	br := jsonObject(t, out)
	if br["queries"].(float64) != 40 || len(br["results"].([]any)) != 40 || br["max_steps"].(float64) != 3 {
		t.Errorf("batch report: %v", br)
	}
	got, err := dataset.Load(rp, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < q.Rows; i++ {
		one, err := mem.Recall(context.Background(), q.Row(i), hopfield.RecallOptions{MaxSweeps: 3})
		if err != nil {
			t.Fatal(err)
		}
		for j, v := range one.Final {
			if math.Abs(float64(v-got.X.At(i, j))) > 1e-5 {
				t.Fatalf("query %d: batch and single retrieval differ at %d", i, j)
			}
		}
	}
	if out := mustRun(t, "hopfield", "recall", "--net", cont, "--query", qp, "--out", rp); !strings.Contains(out, "retrieved 40 queries") {
		t.Errorf("batch text:\n%s", out)
	}

	// Capacity: the same JSON fields as the classical kind.
	out = mustRun(t, "hopfield", "capacity", "--kind", "dense", "--interaction", "relu:3", "--neurons", "40", "--patterns", "20,80", "--trials", "2", "--json")
	cr := jsonObject(t, out)
	res := cr["results"].([]any)
	for _, k := range []string{"patterns", "load", "fixed_point_fraction", "recall_fraction", "mean_overlap", "bit_error_rate", "recall_fraction_se", "mean_sweeps"} {
		if _, ok := res[0].(map[string]any)[k]; !ok {
			t.Errorf("capacity JSON lacks %q", k)
		}
	}
	if cr["kind"] != "dense" || cr["interaction"] != "relu:3" || res[0].(map[string]any)["recall_fraction"].(float64) != 1 {
		t.Errorf("dense capacity: %s", out)
	}
	out = mustRun(t, "hopfield", "capacity", "--kind", "continuous", "--beta", "2", "--neurons", "40", "--patterns", "100", "--trials", "1", "--json")
	cr = nil
	json.Unmarshal([]byte(out), &cr)
	if cr["kind"] != "continuous" || cr["beta"].(float64) != 2 || cr["results"].([]any)[0].(map[string]any)["recall_fraction"].(float64) < 0.95 {
		t.Errorf("continuous capacity: %s", out)
	}

	// compare: six memories, one plot.
	plot := filepath.Join(dir, "cmp.png")
	out = mustRun(t, "hopfield", "compare", "--neurons", "16", "--patterns", "2,8", "--trials", "1", "--json", "--plot", plot)
	var all []map[string]any
	if err := json.Unmarshal([]byte(out), &all); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var names []string
	for _, r := range all {
		names = append(names, r["rule"].(string))
	}
	if strings.Join(names, ",") != "hebbian,storkey,poly:3,relu:3,exp,continuous" {
		t.Errorf("compare memories %v", names)
	}
	decodePNG(t, plot)

	classical := filepath.Join(dir, "classical.safetensors")
	mustRun(t, "hopfield", "store", "--patterns", "random:3", "--neurons", "16", "--out", classical)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"hopfield", "store", "--kind", "dense", "--interaction", "poly:1", "--patterns", "random:3", "--neurons", "9", "--out", filepath.Join(dir, "x")}, "degree"},
		{[]string{"hopfield", "store", "--kind", "dense", "--beta", "2", "--patterns", "random:3", "--neurons", "9", "--out", filepath.Join(dir, "x")}, "beta"},
		{[]string{"hopfield", "store", "--kind", "dense", "--rule", "storkey", "--patterns", "random:3", "--neurons", "9", "--out", filepath.Join(dir, "x")}, "--rule"},
		{[]string{"hopfield", "store", "--kind", "continuous", "--beta", "-1", "--patterns", "random:3", "--neurons", "9", "--out", filepath.Join(dir, "x")}, "beta"},
		{[]string{"hopfield", "store", "--kind", "continuous", "--patterns", "random:3", "--net", dense, "--out", filepath.Join(dir, "x")}, "dense memory"},
		{[]string{"hopfield", "store", "--interaction", "exp", "--patterns", "random:3", "--neurons", "9", "--out", filepath.Join(dir, "x")}, "--interaction"},
		{[]string{"hopfield", "recall", "--net", dense, "--pattern", "0", "--steps", "3"}, "--steps"},
		{[]string{"hopfield", "recall", "--net", dense, "--pattern", "0", "--beta", "3"}, "--beta"},
		{[]string{"hopfield", "recall", "--net", dense, "--pattern", "0", "--mode", "glauber", "--temperature", "1"}, "glauber"},
		{[]string{"hopfield", "recall", "--net", dense, "--query", qp, "--out", rp}, "continuous"},
		{[]string{"hopfield", "recall", "--net", cont, "--query", qp, "--out", filepath.Join(dir, "r.png")}, ".npy"},
		{[]string{"hopfield", "recall", "--net", cont, "--query", qp, "--pattern", "1", "--out", rp}, "--pattern"},
		{[]string{"hopfield", "recall", "--net", cont, "--pattern", "1", "--mask", "2"}, "--mask"},
		{[]string{"hopfield", "recall", "--net", cont, "--pattern", "1", "--steps", "0"}, "--steps"},
		{[]string{"hopfield", "recall", "--net", classical, "--query", qp, "--out", rp}, "continuous"},
		{[]string{"hopfield", "capacity", "--kind", "dense", "--interaction", "cubic", "--neurons", "10", "--patterns", "3"}, "cubic"},
		{[]string{"hopfield", "capacity", "--kind", "continuous", "--interaction", "exp", "--neurons", "10", "--patterns", "3"}, "--interaction"},
		{[]string{"hopfield", "capacity", "--kind", "dense", "--rule", "storkey", "--neurons", "10", "--patterns", "3"}, "--rule"},
		{[]string{"hopfield", "capacity", "--beta", "2", "--neurons", "10", "--patterns", "3"}, "--beta"},
		{[]string{"hopfield", "compare", "--neurons", "1"}, "--neurons"},
	}
	for _, c := range cases {
		_, _, err := run(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ebm %s: error %v, want one mentioning %q", strings.Join(c.args, " "), err, c.want)
		}
	}
	// A query file of the wrong width.
	wide := filepath.Join(dir, "wide.npy")
	dataset.SaveNPY(wide, tensor.New(2, 9))
	if _, _, err := run(t, "hopfield", "recall", "--net", cont, "--query", wide, "--out", rp); err == nil || !strings.Contains(err.Error(), "9 values") {
		t.Errorf("wide query: %v", err)
	}
}

// TestHopfieldKeyValue: real-valued keys with values (issue 15): store
// --values --normalize, recall --query returns V softmax(β Kᵀξ) with
// --weights and --top; bad input names the flag, the file and the place.
func TestHopfieldKeyValue(t *testing.T) {
	dir := t.TempDir()
	keys, vals, q := tensor.New(30, 8), tensor.New(30, 3), tensor.New(5, 8)
	rng := tensor.NewRand(3)
	rng.Normal(keys.Data, 0, 1)
	rng.Normal(vals.Data, 0, 1)
	rng.Normal(q.Data, 0, 2)
	kp, vp, qp := filepath.Join(dir, "k.npy"), filepath.Join(dir, "v.npy"), filepath.Join(dir, "q.npy")
	for p, m := range map[string]*tensor.Matrix{kp: keys, vp: vals, qp: q} {
		if err := dataset.SaveNPY(p, m); err != nil {
			t.Fatal(err)
		}
	}
	kv := filepath.Join(dir, "kv.safetensors")
	sr := jsonObject(t, mustRun(t, "hopfield", "store", "--kind", "continuous", "--normalize", "l2", "--beta", "4",
		"--patterns", kp, "--values", vp, "--out", kv, "--json"), "normalize", "value_dim")
	if sr["normalize"] != "l2" || sr["value_dim"].(float64) != 3 || sr["binarized"] != false {
		t.Errorf("store report: %v", sr)
	}
	rp, wp := filepath.Join(dir, "r.npy"), filepath.Join(dir, "w.npy")
	br := jsonObject(t, mustRun(t, "hopfield", "recall", "--net", kv, "--query", qp, "--out", rp, "--weights", wp,
		"--top", "2", "--energy", "--json"), "value_dim", "results")
	res := br["results"].([]any)[0].(map[string]any)
	if len(res["top"].([]any)) != 2 || len(res["energies"].([]any)) != 1 {
		t.Errorf("result: %v", res)
	}
	mem, _, err := hopfield.Open(kv)
	if err != nil {
		t.Fatal(err)
	}
	want, err := mem.(*hopfield.Continuous).RetrieveAll(context.Background(), q, hopfield.RetrieveOptions{Weights: true})
	if err != nil {
		t.Fatal(err)
	}
	for p, m := range map[string]*tensor.Matrix{rp: want.Out, wp: want.Weights} {
		got, err := dataset.Load(p, dataset.Options{})
		if err != nil || !slices.Equal(got.X.Data, m.Data) || got.X.Cols != m.Cols {
			t.Errorf("%s: %v, differs from the library's", p, err)
		}
	}
	bad := q.Clone()
	bad.Set(2, 6, float32(math.Inf(-1)))
	badp := filepath.Join(dir, "bad.npy")
	if err := os.WriteFile(badp, dataset.EncodeNPY(bad), 0o644); err != nil { // SaveNPY refuses -Inf
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"hopfield", "recall", "--net", kv, "--query", badp, "--out", rp}, "--query: dataset: " + badp + ": row 2, column 6"},
		{[]string{"hopfield", "store", "--kind", "continuous", "--patterns", badp, "--out", kv}, "--patterns: dataset: " + badp + ": row 2, column 6"},
		{[]string{"hopfield", "store", "--kind", "continuous", "--patterns", kp, "--values", qp, "--out", kv}, "--values"},
		{[]string{"hopfield", "store", "--kind", "continuous", "--normalize", "max", "--patterns", kp, "--out", kv}, "--normalize"},
		{[]string{"hopfield", "store", "--kind", "dense", "--normalize", "l2", "--patterns", kp, "--out", kv}, "--normalize"},
		{[]string{"hopfield", "recall", "--net", kv, "--query", qp, "--out", rp, "--top", "-1"}, "--top"},
		{[]string{"hopfield", "recall", "--net", kv, "--query", qp, "--out", rp, "--weights", "w.png"}, "--weights"},
		{[]string{"hopfield", "recall", "--net", kv, "--pattern", "1", "--top", "3"}, "--top applies to a batch"},
	} {
		if _, _, err := run(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error with %q", c.args, err, c.want)
		}
	}
}
