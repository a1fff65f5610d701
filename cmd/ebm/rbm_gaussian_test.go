package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/modelio"
	"github.com/ebm-go/ebm/rbm"
)

// gaussianFixture trains a small Gaussian–Bernoulli RBM on real values far
// from [0,1] (mean 20, std 3, so standardized and data units differ) and
// returns the model path, the data path and a text label file (sign of the
// first column's deviation).
func gaussianFixture(t *testing.T) (dir, model, data, labels string, x *tensor.Matrix) {
	t.Helper()
	dir = t.TempDir()
	x = tensor.New(300, 4)
	tensor.NewRand(3).Normal(x.Data, 20, 3)
	data = filepath.Join(dir, "x.npy")
	if err := dataset.SaveNPY(data, x); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for r := range x.Rows {
		fmt.Fprintln(&b, map[bool]int{true: 1, false: 0}[x.At(r, 0) > 20])
	}
	labels = filepath.Join(dir, "y.txt")
	if err := os.WriteFile(labels, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	model = filepath.Join(dir, "g.safetensors")
	mustRun(t, "rbm", "train", "--visible", "gaussian", "--data", data, "--hidden", "5", "--epochs", "3",
		"--batch", "20", "--out", model, "--checkpoint", "none", "-q")
	return dir, model, data, labels, x
}

func loadNPY(t *testing.T, path string) *tensor.Matrix {
	t.Helper()
	s, err := dataset.Load(path, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s.X
}

// The commands that use a trained model read Gaussian model files, work in
// standardized units inside and in data units outside.
func TestGaussianModelCommands(t *testing.T) {
	dir, model, data, labels, x := gaussianFixture(t)
	m, _, err := rbm.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	z := m.Standard.Applied(x)
	wantH := tensor.New(x.Rows, m.NHidden())
	m.HiddenProbs(wantH, z)

	// transform: p(h|standardized v).
	feat := filepath.Join(dir, "f.npy")
	mustRun(t, "rbm", "transform", "--model", model, "--data", data, "--out", feat)
	h := loadNPY(t, feat)
	if h.Rows != x.Rows || h.Cols != 5 {
		t.Fatalf("features %d×%d, want %d×5", h.Rows, h.Cols, x.Rows)
	}
	for i, v := range h.Data {
		if math.Abs(float64(v-wantH.Data[i])) > 1e-6 {
			t.Fatalf("feature %d = %v, want %v", i, v, wantH.Data[i])
		}
	}

	// reconstruct: E[v|p(h|v)] mapped back to data units.
	rec := filepath.Join(dir, "r.npy")
	out := mustRun(t, "rbm", "reconstruct", "--model", model, "--data", data, "--out", rec, "--json")
	sum := jsonObject(t, out)
	r := loadNPY(t, rec)
	wantR := tensor.New(x.Rows, x.Cols)
	m.VisibleMeans(wantR, wantH)
	var se float64
	for i, v := range r.Data {
		w := wantR.Data[i]*m.Standard.Std[i%x.Cols] + m.Standard.Mean[i%x.Cols]
		if math.Abs(float64(v-w)) > 1e-4 {
			t.Fatalf("reconstruction %d = %v, want %v", i, v, w)
		}
		d := float64(x.Data[i] - v)
		se += d * d
	}
	if got, want := sum["reconstruction_error"].(float64), se/float64(x.Rows); math.Abs(got-want) > 1e-6*want || sum["binarize"] != "none" {
		t.Errorf("summary %v, want reconstruction_error %v", sum, want)
	}

	// sample: from v = b and from data, by Gibbs and by parallel tempering;
	// values come back in data units.
	for _, args := range [][]string{{}, {"--init", "data", "--data", data}, {"--temperatures", "3"}} {
		s := filepath.Join(dir, "s.npy")
		mustRun(t, append([]string{"rbm", "sample", "--model", model, "--n", "50", "--steps", "20", "--out", s}, args...)...)
		v := loadNPY(t, s)
		if v.Rows != 50 || v.Cols != 4 {
			t.Fatalf("%v: samples %d×%d", args, v.Rows, v.Cols)
		}
		var mu float64
		for _, a := range v.Data {
			mu += float64(a) / float64(len(v.Data))
		}
		if math.Abs(mu-20) > 3 {
			t.Errorf("%v: sample mean %v, want ≈ 20 (data units)", args, mu)
		}
	}

	// eval: the exact log Z (5 hidden units enumerated, v integrated out)
	// and AIS from the Gaussian base model agree within AIS's interval; the
	// model file names its (file) training data for the base rate.
	var exact, ais struct {
		Method  string   `json:"method"`
		LogZ    float64  `json:"log_z"`
		Low     float64  `json:"log_z_low"`
		High    float64  `json:"log_z_high"`
		Visible string   `json:"visible"`
		PLL     *float64 `json:"pseudo_log_likelihood"`
		Base    string   `json:"base_data"`
		Raise   *struct {
			LogZ float64 `json:"log_z"`
		} `json:"raise"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "rbm", "eval", "--model", model, "--data", data, "--json")), &exact); err != nil {
		t.Fatal(err)
	}
	out = mustRun(t, "rbm", "eval", "--model", model, "--data", data, "--ais", "--raise", "--betas", "2000", "--chains", "50", "--raise-examples", "20", "--json", "-q")
	if err := json.Unmarshal([]byte(out), &ais); err != nil {
		t.Fatal(err)
	}
	if exact.Method != "exact" || exact.Visible != "gaussian" || exact.PLL != nil || ais.Method != "ais" || ais.Base != data ||
		exact.LogZ < ais.Low || exact.LogZ > ais.High || ais.Raise == nil || math.Abs(ais.Raise.LogZ-exact.LogZ) > 1 {
		t.Errorf("eval: exact %+v, AIS %s", exact, out)
	}

	// probe: real-valued inputs for the features and the raw baseline.
	out = mustRun(t, "rbm", "probe", "--model", model, "--data", data, "--labels", labels, "--test", data,
		"--test-labels", labels, "--iterations", "30", "--json", "-q")
	var pr probeResult
	if err := json.Unmarshal([]byte(out), &pr); err != nil {
		t.Fatal(err)
	}
	if pr.Binarize != "none" || pr.AccuracyRaw == nil || *pr.AccuracyRaw < 0.95 || pr.AccuracyFeatures < 0.5 || pr.NFeatures != 5 {
		t.Errorf("probe %s", out)
	}

	// Errors: binarizing for a Gaussian model, eval, --sigma misuse.
	for _, args := range [][]string{
		{"rbm", "transform", "--model", model, "--data", data, "--binarize", "threshold", "--out", feat},
		{"rbm", "train", "--data", "bars:3x3", "--sigma", "0.5", "--out", filepath.Join(dir, "b.safetensors")},
		{"rbm", "train", "--visible", "gaussian", "--data", data, "--sigma", "0", "--out", filepath.Join(dir, "c.safetensors")},
	} {
		if _, _, err := run(t, args...); err == nil {
			t.Errorf("ebm %s: no error", strings.Join(args, " "))
		} else if strings.Contains(err.Error(), "not gaussian") || strings.Contains(err.Error(), "Bernoulli units only") {
			t.Errorf("ebm %s: unhelpful error %v", strings.Join(args, " "), err)
		}
	}
}

// --sigma fixes σ; a 2-D model's .png is a density picture with the mean
// log-density of the data.
func TestGaussian2DSigmaAndDensity(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "g.safetensors")
	mustRun(t, "rbm", "train", "--visible", "gaussian", "--sigma", "0.25", "--data", "8gaussians:500", "--hidden", "8",
		"--epochs", "3", "--method", "cd", "--lr", "0.01", "--out", model, "--checkpoint", "none", "-q")
	m, _, err := rbm.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	sig := m.Visible.(*rbm.Gaussian).Sigma()
	for _, s := range sig {
		if math.Abs(float64(s)-0.25) > 1e-6 {
			t.Fatalf("σ %v, want 0.25 everywhere", sig)
		}
	}
	pic := filepath.Join(dir, "d.png")
	out := mustRun(t, "rbm", "sample", "--model", model, "--n", "200", "--steps", "10", "--grid", "20", "--out", pic)
	if !strings.Contains(out, "mean log-density of 8gaussians:500") || !strings.Contains(out, "true density") {
		t.Errorf("output %q", out)
	}
	out = mustRun(t, "rbm", "sample", "--model", model, "--n", "200", "--steps", "10", "--grid", "20", "--out", pic, "--json")
	if !strings.Contains(out, `"mean_log_density"`) || !strings.Contains(out, `"true_mean_log_density"`) {
		t.Errorf("--json output %q", out)
	}
	if st, err := os.Stat(pic); err != nil || st.Size() == 0 {
		t.Errorf("picture: %v", err)
	}
}

// Gaussian training writes a checkpoint every epoch, and --resume continues
// it bit-identically: 2 epochs + --resume to 4 write the same model file as
// 4 epochs straight (CD and PCD, σ learned), with the whole history in
// --json. --resume refuses the flags it refuses for Bernoulli units.
func TestGaussianResumeThroughCLI(t *testing.T) {
	dir := t.TempDir()
	x := tensor.New(200, 5)
	tensor.NewRand(8).Normal(x.Data, 20, 3)
	data := filepath.Join(dir, "x.npy")
	if err := dataset.SaveNPY(data, x); err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{"cd", "pcd", "pt"} {
		straight, resumed := filepath.Join(dir, method+"-s.safetensors"), filepath.Join(dir, method+"-r.safetensors")
		args := []string{"rbm", "train", "--visible", "gaussian", "--data", data, "--limit", "150", "--hidden", "4", "--batch", "10",
			"--method", method, "--learn-sigma", "--sigma", "0.5", "--lr", "0.05", "--momentum-epochs", "3", "--seed", "4", "-q"}
		mustRun(t, append(args, "--epochs", "4", "--out", straight)...)
		mustRun(t, append(args, "--epochs", "2", "--out", resumed)...)
		ck := filepath.Join(dir, method+"-r.ckpt.safetensors")
		if _, _, _, err := rbm.LoadCheckpoint(ck); err != nil {
			t.Fatalf("%s: the checkpoint next to --out: %v", method, err)
		}
		out := mustRun(t, "rbm", "train", "--resume", ck, "--visible", "gaussian", "--epochs", "4", "--json", "-q")
		var sum map[string]any
		if err := json.Unmarshal([]byte(out), &sum); err != nil || sum["epochs"] != 4.0 || len(sum["history"].([]any)) != 4 ||
			sum["visible"] != "gaussian" || sum["model"] != resumed || sum["checkpoint"] != ck || sum["n_train"] != 150.0 {
			t.Fatalf("%s: resumed summary: %v\n%s", method, err, out)
		}
		a, _ := os.ReadFile(straight)
		b, _ := os.ReadFile(resumed)
		if !bytes.Equal(a, b) {
			t.Fatalf("%s: 4 epochs straight and 2 + --resume + 2 wrote different model files", method)
		}
		m, meta, err := rbm.Load(ck)
		if err != nil || meta["epochs_done"] != "4" || m.NHidden() != 4 || math.Abs(float64(m.Standard.Mean[0])-20) > 1 {
			t.Fatalf("%s: checkpoint after the resumed run: %v, metadata %v", method, err, meta)
		}
	}
	ck := filepath.Join(dir, "pcd-r.ckpt.safetensors")
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--resume", ck, "--sigma", "0.3"}, []string{"--sigma", "cannot change"}},
		{[]string{"--resume", ck, "--k", "2", "--learn-sigma=false"}, []string{"--k", "--learn-sigma"}},
		{[]string{"--resume", ck, "--visible", "bernoulli"}, []string{"--visible", "gaussian visible units"}},
		{[]string{"--resume", filepath.Join(dir, "pcd-s.safetensors")}, []string{"not a training checkpoint"}},
	} {
		_, _, err := run(t, append([]string{"rbm", "train"}, c.args...)...)
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("ebm rbm train %s: error %v, want one mentioning %q", strings.Join(c.args, " "), err, w)
			}
		}
	}
	// --checkpoint none writes none.
	none := filepath.Join(dir, "n.safetensors")
	mustRun(t, "rbm", "train", "--visible", "gaussian", "--data", data, "--hidden", "3", "--epochs", "1", "--out", none, "--checkpoint", "none", "-q")
	if _, err := os.Stat(filepath.Join(dir, "n.ckpt.safetensors")); !os.IsNotExist(err) {
		t.Errorf("--checkpoint none wrote a checkpoint: %v", err)
	}
}

// A model file from elsewhere (tensors only, no metadata, as PyTorch
// writes them) is evaluated by AIS with the evaluation data as the
// base-rate data, and the command says so on stderr and in the JSON.
func TestEvalModelFromElsewhere(t *testing.T) {
	dir := t.TempDir()
	m := rbm.New(16, 6)
	tensor.NewRand(4).Normal(m.W.Data, 0, 0.3)
	path := filepath.Join(dir, "torch.safetensors")
	f := &modelio.File{Metadata: map[string]string{}, Tensors: map[string]modelio.Tensor{
		"weights": {Shape: []int{16, 6}, Data: m.W.Data}, "visible_bias": {Shape: []int{16}, Data: m.B},
		"hidden_bias": {Shape: []int{6}, Data: m.C}}}
	if err := modelio.Save(path, f); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := run(t, "rbm", "eval", "--model", path, "--data", "bars:4x4", "--ais", "--betas", "200", "--chains", "20", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Base   string  `json:"base_data"`
		Method string  `json:"method"`
		LogZ   float64 `json:"log_z"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Method != "ais" || !strings.Contains(rep.Base, "bars:4x4 (evaluation data") || !strings.Contains(errOut, "names no training data") {
		t.Errorf("report %+v, stderr %q", rep, errOut)
	}
}
