package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ebm-go/ebm/hopfield"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/rbm"
)

// testRBM is a small random RBM: the handlers' arithmetic is checked
// against the rbm package, not the model's quality.
func testRBM(t testing.TB) *rbm.RBM {
	m := rbm.New(784, 16)
	rng := tensor.NewRand(1)
	rng.Normal(m.W.Data, 0, 0.1)
	rng.Normal(m.B, 0, 0.1)
	return m
}

var (
	srvOnce sync.Once
	srvVal  *Server
	srvErr  error
)

// testServer is shared by the tests that need no special configuration.
func testServer(t testing.TB) *Server {
	srvOnce.Do(func() { srvVal, srvErr = New(Config{RBM: testRBM(t), RBMSource: "test"}) })
	if srvErr != nil {
		t.Fatal(srvErr)
	}
	return srvVal
}

// do sends a request to h and returns the response recorder.
func do(t testing.TB, h http.Handler, method, path string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func decodeBody[T any](t testing.TB, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %q: %v", rec.Body.String(), err)
	}
	return v
}

// lines splits an NDJSON stream.
func lines(t testing.TB, rec *httptest.ResponseRecorder) []map[string]any {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/x-ndjson" {
		t.Fatalf("stream Content-Type %q, body %s", ct, rec.Body.String())
	}
	var out []map[string]any
	sc := bufio.NewScanner(rec.Body)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// digitPatterns returns the default shelf: ten MNIST digits as ±1 rows.
func digitPatterns(t testing.TB, h http.Handler) [][]float32 {
	t.Helper()
	idx := make([]string, len(DefaultPatterns))
	for i, v := range DefaultPatterns {
		idx[i] = fmt.Sprint(v)
	}
	rec := do(t, h, "GET", "/api/digits?split=train&index="+strings.Join(idx, ","), nil)
	if rec.Code != 200 {
		t.Fatalf("digits: %d %s", rec.Code, rec.Body.String())
	}
	d := decodeBody[struct {
		Digits []struct {
			Label  int
			Pixels []float32
		}
	}](t, rec)
	var out [][]float32
	for k, x := range d.Digits {
		if x.Label != k {
			t.Fatalf("default pattern %d is a %d: the shelf should hold 0–9 in order", k, x.Label)
		}
		p := make([]float32, len(x.Pixels))
		for i, v := range x.Pixels {
			p[i] = 2*v - 1
		}
		out = append(out, p)
	}
	return out
}

func TestInfoAndPage(t *testing.T) {
	s := testServer(t)
	rec := do(t, s, "GET", "/api/info", nil)
	info := decodeBody[map[string]any](t, rec)
	if info["height"] != 28.0 || info["rbm"].(map[string]any)["n_hidden"] != 16.0 || info["hopfield"] != nil {
		t.Fatalf("info: %v", info)
	}
	for _, p := range []string{"/", "/app.js", "/style.css"} {
		rec := do(t, s, "GET", p, nil)
		if rec.Code != 200 || rec.Body.Len() < 100 {
			t.Fatalf("GET %s: %d, %d bytes", p, rec.Code, rec.Body.Len())
		}
	}
	if rec := do(t, s, "GET", "/healthz", nil); rec.Body.String() != "ok\n" {
		t.Fatalf("healthz: %q", rec.Body.String())
	}
}

func TestDigits(t *testing.T) {
	s := testServer(t)
	rec := do(t, s, "GET", "/api/digits?label=7&count=3&skip=2", nil)
	d := decodeBody[struct {
		Height, Width int
		Digits        []struct {
			Index, Label int
			Pixels       []int
		}
	}](t, rec)
	if d.Height != 28 || len(d.Digits) != 3 {
		t.Fatalf("%+v", d)
	}
	for _, x := range d.Digits {
		if x.Label != 7 || len(x.Pixels) != 784 {
			t.Fatalf("digit %d: label %d, %d pixels", x.Index, x.Label, len(x.Pixels))
		}
		for _, p := range x.Pixels {
			if p != 0 && p != 1 {
				t.Fatalf("pixel %d", p)
			}
		}
	}
	// skip wraps around past the last match.
	rec = do(t, s, "GET", "/api/digits?label=7&skip=10000", nil)
	if d := decodeBody[struct{ Digits []struct{ Label int } }](t, rec); len(d.Digits) != 1 || d.Digits[0].Label != 7 {
		t.Fatalf("wrapped skip: %s", rec.Body.String())
	}
}

func TestCorrupt(t *testing.T) {
	s := testServer(t)
	pats := digitPatterns(t, s)
	req := map[string]any{"state": pats[3], "noise": 0.2, "seed": 5, "height": 28, "width": 28, "mask": "bottom", "mask_fraction": 0.25}
	a := decodeBody[struct {
		State           []float32
		Flipped, Masked int
	}](t, do(t, s, "POST", "/api/corrupt", req))
	b := decodeBody[struct{ State []float32 }](t, do(t, s, "POST", "/api/corrupt", req))
	if !slices.Equal(a.State, b.State) {
		t.Fatal("same seed, different corruption")
	}
	if a.Flipped != 157 || a.Masked != 7*28 {
		t.Fatalf("flipped %d (want round(0.2·784) = 157), masked %d (want 196)", a.Flipped, a.Masked)
	}
	diff := 0
	for i := range a.State {
		if i >= 21*28 {
			if a.State[i] != -1 {
				t.Fatalf("masked unit %d = %g", i, a.State[i])
			}
		} else if a.State[i] != pats[3][i] {
			diff++
		}
	}
	// The flips outside the mask: hypergeometric, mean 157·588/784 ≈ 118.
	if diff < 80 || diff > 157 {
		t.Fatalf("%d flips outside the mask", diff)
	}
	// 0/1 states flip v → 1−v and mask to 0.
	z := make([]float32, 16)
	c := decodeBody[struct{ State []float32 }](t, do(t, s, "POST", "/api/corrupt", map[string]any{"state": z, "noise": 1, "height": 4, "width": 4, "mask": "left", "mask_fraction": 0.5}))
	for i, v := range c.State {
		want := float32(1)
		if i%4 < 2 {
			want = 0
		}
		if v != want {
			t.Fatalf("0/1 corruption: unit %d = %g, want %g", i, v, want)
		}
	}
}

// recall runs a recall request and returns its lines.
func recall(t testing.TB, h http.Handler, req map[string]any) []map[string]any {
	t.Helper()
	rec := do(t, h, "POST", "/api/hopfield/recall", req)
	if rec.Code != 200 {
		t.Fatalf("recall: %d %s", rec.Code, rec.Body.String())
	}
	ls := lines(t, rec)
	if len(ls) < 2 || ls[0]["type"] != "start" || ls[len(ls)-1]["type"] != "done" {
		t.Fatalf("recall stream: first %v, last %v", ls[0], ls[len(ls)-1])
	}
	return ls
}

func floats(v any) []float32 {
	a := v.([]any)
	out := make([]float32, len(a))
	for i, x := range a {
		out[i] = float32(x.(float64))
	}
	return out
}

// TestRecallMatchesLibrary checks the stream against the library: the same
// memory, cue and seed give the same sweeps, energies, changes and final
// state, and replaying the flips reproduces every energy.
func TestRecallMatchesLibrary(t *testing.T) {
	s := testServer(t)
	pats := digitPatterns(t, s)
	cue := decodeBody[struct{ State []float32 }](t, do(t, s, "POST", "/api/corrupt", map[string]any{"state": pats[3], "noise": 0.25, "seed": 9})).State
	x := tensor.New(len(pats), 784)
	for i, p := range pats {
		copy(x.Row(i), p)
	}
	cases := []struct {
		req  map[string]any
		mem  func() hopfield.Memory
		opt  hopfield.RecallOptions
		name string
	}{
		{map[string]any{"kind": "classical", "rule": "pinv"}, func() hopfield.Memory { n, _ := hopfield.NewNetwork(784, hopfield.PseudoInverse); n.Store(x); return n }, hopfield.RecallOptions{}, "pinv async"},
		{map[string]any{"kind": "classical", "rule": "storkey", "mode": "glauber", "temperature": 0.2, "max_sweeps": 5}, func() hopfield.Memory { n, _ := hopfield.NewNetwork(784, hopfield.Storkey); n.Store(x); return n }, hopfield.RecallOptions{Mode: hopfield.Glauber, Temperature: 0.2, MaxSweeps: 5}, "storkey glauber"},
		{map[string]any{"kind": "classical", "rule": "hebbian", "mode": "sync"}, func() hopfield.Memory { n, _ := hopfield.NewNetwork(784, hopfield.Hebbian); n.Store(x); return n }, hopfield.RecallOptions{Mode: hopfield.Sync}, "hebbian sync"},
		{map[string]any{"kind": "dense", "interaction": "poly:4"}, func() hopfield.Memory {
			m, _ := hopfield.NewDense(784, hopfield.Interaction{Kind: hopfield.Poly, Degree: 4}, 0)
			m.Store(x)
			return m
		}, hopfield.RecallOptions{}, "dense poly:4"},
		{map[string]any{"kind": "continuous", "beta": 0.02}, func() hopfield.Memory { c, _ := hopfield.NewContinuous(784, 0.02); c.Store(x); return c }, hopfield.RecallOptions{MaxSweeps: 20}, "continuous"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := map[string]any{"patterns": pats, "state": cue, "seed": 4, "flips": true}
			for k, v := range c.req {
				req[k] = v
			}
			ls := recall(t, s, req)
			mem := c.mem()
			opt := c.opt
			if opt.MaxSweeps == 0 {
				opt.MaxSweeps = 50
			}
			opt.Rand = tensor.NewRand(4)
			traj, err := mem.Recall(context.Background(), cue, opt)
			if err != nil {
				t.Fatal(err)
			}
			done := ls[len(ls)-1]
			if int(done["sweeps"].(float64)) != traj.Sweeps || !slices.Equal(floats(done["state"]), traj.Final) {
				t.Fatalf("server: %v sweeps; library: %d sweeps (or final states differ)", done["sweeps"], traj.Sweeps)
			}
			if len(ls) != traj.Sweeps+2 {
				t.Fatalf("%d lines for %d sweeps", len(ls), traj.Sweeps)
			}
			state := slices.Clone(cue)
			for k, l := range ls[1 : len(ls)-1] {
				if e := l["energy"].(float64); math.Abs(e-traj.Energies[k+1]) > 1e-9*(1+math.Abs(e)) {
					t.Fatalf("sweep %d: energy %g, library %g", k+1, e, traj.Energies[k+1])
				}
				if mem.Kind() == hopfield.KindContinuous {
					if len(l["weights"].([]any)) != len(pats) {
						t.Fatalf("continuous sweep without weights: %v", l)
					}
					continue
				}
				fl := l["flips"].([]any)
				if len(fl) != int(l["changed"].(float64)) {
					t.Fatalf("sweep %d: %d flips listed, %v changed", k+1, len(fl), l["changed"])
				}
				for _, f := range fl {
					f := f.([]any)
					state[int(f[0].(float64))] = float32(f[1].(float64))
					want := mem.Energy(state)
					if opt.Mode == hopfield.Sync {
						want = traj.Energies[k+1]
					}
					if e := f[2].(float64); math.Abs(e-want) > 1e-6*(1+math.Abs(want)) {
						t.Fatalf("sweep %d: flip energy %g, state's %g", k+1, e, want)
					}
				}
			}
			if mem.Kind() != hopfield.KindContinuous && !slices.Equal(state, traj.Final) {
				t.Fatal("replaying the flips does not give the final state")
			}
		})
	}
}

// TestRecallRestoresDigit is the page's story: a pseudo-inverse memory of
// ten digits restores a 20%-corrupted 3 with falling energy.
func TestRecallRestoresDigit(t *testing.T) {
	s := testServer(t)
	pats := digitPatterns(t, s)
	for seed := 1; seed <= 5; seed++ {
		cue := decodeBody[struct{ State []float32 }](t, do(t, s, "POST", "/api/corrupt", map[string]any{"state": pats[3], "noise": 0.2, "seed": seed})).State
		ls := recall(t, s, map[string]any{"patterns": pats, "state": cue, "rule": "pinv", "seed": seed})
		first, done := ls[0], ls[len(ls)-1]
		if done["nearest"] != 3.0 || done["overlap"] != 1.0 || done["class"] != "stored" || !(done["energy"].(float64) < first["energy"].(float64)) {
			t.Fatalf("seed %d: start E %v, done %v %v %v E %v", seed, first["energy"], done["nearest"], done["overlap"], done["class"], done["energy"])
		}
	}
}

func TestEnergyEndpoint(t *testing.T) {
	s := testServer(t)
	pats := digitPatterns(t, s)
	got := decodeBody[struct {
		Energy   []float64
		Overlaps [][]float64
	}](t, do(t, s, "POST", "/api/hopfield/energy", map[string]any{"kind": "classical", "rule": "hebbian", "patterns": pats, "states": pats[:2]}))
	net, _ := hopfield.NewNetwork(784, hopfield.Hebbian)
	x := tensor.New(len(pats), 784)
	for i, p := range pats {
		copy(x.Row(i), p)
	}
	net.Store(x)
	for k := range 2 {
		if got.Energy[k] != net.Energy(pats[k]) || got.Overlaps[k][k] != 1 {
			t.Fatalf("state %d: energy %g (library %g), self-overlap %g", k, got.Energy[k], net.Energy(pats[k]), got.Overlaps[k][k])
		}
	}
}

func TestRetrieve(t *testing.T) {
	s := testServer(t)
	pats := digitPatterns(t, s)
	q := slices.Clone(pats[6])
	for i := 392; i < 784; i++ {
		q[i] = 0 // the lower half hidden
	}
	type answer struct {
		Beta              float64
		QueryWeights      []float64 `json:"query_weights"`
		Weights           []float64
		State             []float32
		Top               int
		TopWeight         float64 `json:"top_weight"`
		EffectivePatterns float64 `json:"effective_patterns"`
		Steps             []struct{ Weights []float64 }
	}
	hi := decodeBody[answer](t, do(t, s, "POST", "/api/modern/retrieve", map[string]any{"patterns": pats, "query": q, "beta": 0.5}))
	lo := decodeBody[answer](t, do(t, s, "POST", "/api/modern/retrieve", map[string]any{"patterns": pats, "query": q, "beta": 0.0001, "steps": 3}))
	c, _ := hopfield.NewContinuous(784, 0.5)
	x := tensor.New(len(pats), 784)
	for i, p := range pats {
		copy(x.Row(i), p)
	}
	c.Store(x)
	w, _ := c.Weights(q)
	if !slices.Equal(hi.QueryWeights, w) || hi.Top != 6 || hi.TopWeight < 0.999 || hi.EffectivePatterns > 1.01 {
		t.Fatalf("β=0.5: top %d weight %g, effective %g", hi.Top, hi.TopWeight, hi.EffectivePatterns)
	}
	var sum float64
	for _, p := range lo.QueryWeights {
		sum += p
	}
	if math.Abs(sum-1) > 1e-12 || lo.EffectivePatterns < 5 || len(lo.Steps) != 3 {
		t.Fatalf("β=0.0001: weights sum %g, effective %g (want a broad mixture), %d steps", sum, lo.EffectivePatterns, len(lo.Steps))
	}
}

func TestRBMEndpoints(t *testing.T) {
	s := testServer(t)
	m := s.cfg.RBM
	pats := digitPatterns(t, s)
	v := make([]float32, 784)
	for i, p := range pats[2] {
		v[i] = (p + 1) / 2
	}
	fe := decodeBody[struct {
		FreeEnergy []float64 `json:"free_energy"`
	}](t, do(t, s, "POST", "/api/rbm/free-energy", map[string]any{"states": [][]float32{v}}))
	if fe.FreeEnergy[0] != m.FreeEnergy(v) {
		t.Fatalf("free energy %g, library %g", fe.FreeEnergy[0], m.FreeEnergy(v))
	}
	rc := decodeBody[struct {
		Hidden, Reconstruction []float32
		FreeEnergy             float64 `json:"free_energy"`
	}](t, do(t, s, "POST", "/api/rbm/reconstruct", map[string]any{"state": v}))
	want := tensor.New(1, 784)
	m.Reconstruct(want, tensor.FromSlice(1, 784, v))
	if len(rc.Hidden) != 16 || !slices.Equal(rc.Reconstruction, want.Data) {
		t.Fatalf("reconstruction differs from rbm.Reconstruct (%d hidden)", len(rc.Hidden))
	}
	// Gibbs: the stream equals a chain run with the same seed.
	rec := do(t, s, "POST", "/api/rbm/gibbs", map[string]any{"start": "state", "state": v, "steps": 10, "every": 5, "seed": 3})
	ls := lines(t, rec)
	if len(ls) != 4 || ls[3]["type"] != "done" {
		t.Fatalf("gibbs: %d lines", len(ls))
	}
	rng := tensor.NewRand(3)
	c := m.NewChain(tensor.FromSlice(1, 784, slices.Clone(v)), 1)
	m.Gibbs(c, 10, rng)
	if !slices.Equal(floats(ls[2]["sample"]), c.V.Data) || !slices.Equal(floats(ls[2]["probs"]), c.PV.Data) || ls[2]["step"] != 10.0 {
		t.Fatal("gibbs step 10 differs from the library chain with the same seed")
	}
	if ls[2]["free_energy"].(float64) != m.FreeEnergy(c.V.Data) {
		t.Fatal("gibbs free energy differs")
	}
	img := do(t, s, "GET", "/api/rbm/filters.png?count=16&scale=1", nil)
	if img.Code != 200 || img.Header().Get("Content-Type") != "image/png" || !bytes.HasPrefix(img.Body.Bytes(), []byte("\x89PNG")) {
		t.Fatalf("filters: %d %s", img.Code, img.Header().Get("Content-Type"))
	}
}

// TestBadInput: every bad request gets a 4xx with a JSON message naming
// the problem.
func TestBadInput(t *testing.T) {
	s := testServer(t)
	pats := digitPatterns(t, s)
	big := make([]float32, 2000)
	for i := range big {
		big[i] = 1
	}
	half := []float32{1, -1, 0.5}
	cases := []struct {
		method, path string
		body         any
		code         int
		want         string
	}{
		{"GET", "/api/nope", nil, 404, "no endpoint"},
		{"GET", "/api/hopfield/recall", nil, 405, "not allowed"},
		{"DELETE", "/api/info", nil, 405, "not allowed"},
		{"POST", "/api/hopfield/recall", "", 400, "empty request body"},
		{"POST", "/api/hopfield/recall", "{", 400, "request body"},
		{"POST", "/api/hopfield/recall", `{"patterns": 3}`, 400, "patterns"},
		{"POST", "/api/hopfield/recall", `{"bogus": 1}`, 400, "unknown field"},
		{"POST", "/api/hopfield/recall", `{} {}`, 400, "extra data"},
		{"POST", "/api/hopfield/recall", `{"state": [1e40]}`, 400, "state"},
		{"POST", "/api/hopfield/recall", map[string]any{"state": pats[0]}, 400, "patterns\" is empty"},
		{"POST", "/api/hopfield/recall", map[string]any{"patterns": [][]float32{big}, "state": big}, 400, "want 1 to 1024"},
		{"POST", "/api/hopfield/recall", map[string]any{"patterns": slices.Repeat([][]float32{pats[0]}, 65), "state": pats[0]}, 400, "at most 64"},
		{"POST", "/api/hopfield/recall", map[string]any{"patterns": [][]float32{pats[0], pats[1][:5]}, "state": pats[0]}, 400, "pattern 1 has 5 units"},
		{"POST", "/api/hopfield/recall", map[string]any{"patterns": [][]float32{half}, "state": half}, 400, "pattern 0"},
		{"POST", "/api/hopfield/recall", map[string]any{"patterns": pats, "state": pats[0][:10]}, 400, "state has 10 units"},
		{"POST", "/api/hopfield/recall", map[string]any{"patterns": pats, "state": pats[0], "rule": "magic"}, 400, "rule"},
		{"POST", "/api/hopfield/recall", map[string]any{"patterns": pats, "state": pats[0], "kind": "dense", "interaction": "poly:99"}, 400, "interaction"},
		{"POST", "/api/hopfield/recall", map[string]any{"patterns": pats, "state": pats[0], "kind": "dense", "interaction": "exp", "beta": -1}, 400, "beta"},
		{"POST", "/api/hopfield/recall", map[string]any{"patterns": pats, "state": pats[0], "kind": "dense", "mode": "glauber", "temperature": 1}, 400, "glauber"},
		{"POST", "/api/hopfield/recall", map[string]any{"patterns": pats, "state": pats[0], "mode": "glauber"}, 400, "temperature"},
		{"POST", "/api/hopfield/recall", map[string]any{"patterns": pats, "state": pats[0], "mode": "fast"}, 400, "mode"},
		{"POST", "/api/hopfield/recall", map[string]any{"patterns": pats, "state": pats[0], "max_sweeps": 5000}, 400, "max_sweeps"},
		{"POST", "/api/hopfield/recall", map[string]any{"patterns": pats, "state": pats[0], "model": "hopfield"}, 404, "without --hopfield"},
		{"POST", "/api/hopfield/recall", map[string]any{"patterns": pats, "state": pats[0], "model": "/etc/passwd"}, 400, "model"},
		{"POST", "/api/hopfield/energy", map[string]any{"patterns": pats}, 400, "0 states"},
		{"POST", "/api/modern/retrieve", map[string]any{"patterns": pats, "query": pats[0], "beta": math.MaxFloat32}, 400, "beta"},
		{"POST", "/api/modern/retrieve", map[string]any{"patterns": pats, "query": pats[0], "steps": 100}, 400, "steps"},
		{"POST", "/api/modern/retrieve", map[string]any{"patterns": pats, "query": pats[0][:3]}, 400, "query has 3"},
		{"POST", "/api/corrupt", map[string]any{"state": pats[0], "noise": -0.1}, 400, "noise"},
		{"POST", "/api/corrupt", map[string]any{"state": pats[0], "mask": "top"}, 400, "height×width"},
		{"POST", "/api/corrupt", map[string]any{"state": pats[0], "mask": "middle", "height": 28, "width": 28}, 400, "mask"},
		{"POST", "/api/corrupt", map[string]any{"state": []float32{0.5}, "noise": 0.5}, 400, "binary"},
		{"POST", "/api/corrupt", map[string]any{"state": []float32{}}, 400, "state of 0 units"},
		{"POST", "/api/rbm/gibbs", map[string]any{"steps": 1_000_000}, 400, "steps"},
		{"POST", "/api/rbm/gibbs", map[string]any{"start": "state", "state": []float32{1}}, 400, "784 visible"},
		{"POST", "/api/rbm/gibbs", map[string]any{"start": "dream"}, 400, "start"},
		{"POST", "/api/rbm/gibbs", map[string]any{"steps": 10, "every": 11}, 400, "every"},
		{"POST", "/api/rbm/free-energy", map[string]any{"states": [][]float32{big[:784]}}, 200, ""},
		{"POST", "/api/rbm/free-energy", map[string]any{"states": [][]float32{append(slices.Clone(big[:783]), 2)}}, 400, "[0, 1]"},
		{"POST", "/api/rbm/reconstruct", map[string]any{"state": big}, 400, "2000 values"},
		{"GET", "/api/rbm/filters.png?count=0", nil, 400, "count"},
		{"GET", "/api/rbm/filters.png?scale=x", nil, 400, "scale"},
		{"GET", "/api/digits?label=12", nil, 400, "label"},
		{"GET", "/api/digits?index=99999", nil, 400, "index"},
		{"GET", "/api/digits?split=valid", nil, 400, "split"},
		{"GET", "/api/digits?file=/etc/passwd", nil, 400, "unknown parameter"},
		{"GET", "/api/digits?count=1000", nil, 400, "count"},
	}
	for _, c := range cases {
		rec := do(t, s, c.method, c.path, c.body)
		if rec.Code != c.code {
			t.Errorf("%s %s %v: status %d, want %d (%s)", c.method, c.path, abbreviate(c.body), rec.Code, c.code, rec.Body.String())
			continue
		}
		if c.code == 200 {
			continue
		}
		var e struct{ Error string }
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || !strings.Contains(e.Error, c.want) {
			t.Errorf("%s %s %v: error %q, want it to mention %q", c.method, c.path, abbreviate(c.body), rec.Body.String(), c.want)
		}
	}
}

func abbreviate(v any) string {
	s := fmt.Sprint(v)
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return s
}

// TestLimits: a body over the limit is a 413; a full queue a 503; a
// request that outlives its time limit ends with an error, not a hang.
func TestLimits(t *testing.T) {
	lim := Limits{MaxBodyBytes: 1 << 10, MaxJobs: 1, MaxQueue: 1, Timeout: 300 * time.Millisecond}
	s, err := New(Config{RBM: testRBM(t), Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	body := `{"states": [[` + strings.Repeat("0,", 2000) + `0]]}`
	if rec := do(t, s, "POST", "/api/rbm/free-energy", body); rec.Code != 413 || !strings.Contains(rec.Body.String(), "over 1024 bytes") {
		t.Fatalf("big body: %d %s", rec.Code, rec.Body.String())
	}
	// Hold the only slot and fill the queue: the next request is refused
	// at once, the queued one times out waiting.
	s.slots <- struct{}{}
	var wg sync.WaitGroup
	wg.Add(1)
	var queued *httptest.ResponseRecorder
	go func() {
		defer wg.Done()
		queued = do(t, s, "POST", "/api/corrupt", map[string]any{"state": []float32{1}})
	}()
	deadline := time.Now().Add(2 * time.Second)
	for s.queued.Load() < 1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	// queued counts the waiting request; MaxQueue+MaxJobs = 2 places, one
	// taken by the slot holder we simulate by hand.
	s.queued.Add(1)
	if rec := do(t, s, "POST", "/api/corrupt", map[string]any{"state": []float32{1}}); rec.Code != 503 || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("over the queue: %d %s", rec.Code, rec.Body.String())
	}
	wg.Wait()
	if queued.Code != 504 {
		t.Fatalf("queued past the time limit: %d %s", queued.Code, queued.Body.String())
	}
	s.queued.Add(-1)
	<-s.slots
	// A Gibbs stream longer than the time limit ends with an error line.
	s2, _ := New(Config{RBM: rbm.New(784, 2000), Limits: Limits{Timeout: 50 * time.Millisecond, MaxGibbsSteps: 100000}})
	start := time.Now()
	rec := do(t, s2, "POST", "/api/rbm/gibbs", map[string]any{"steps": 100000, "every": 100000})
	ls := lines(t, rec)
	last := ls[len(ls)-1]
	if last["type"] != "error" || !strings.Contains(last["error"].(string), "deadline") || time.Since(start) > 5*time.Second {
		t.Fatalf("long stream: last line %v after %v", last, time.Since(start))
	}
}

// TestConcurrent runs many requests at once on shared memories and models
// (run with -race to check that they only read them).
func TestConcurrent(t *testing.T) {
	dir := t.TempDir()
	pats := digitPatterns(t, testServer(t))
	x := tensor.New(len(pats), 784)
	for i, p := range pats {
		copy(x.Row(i), p)
	}
	net, _ := hopfield.NewNetwork(784, hopfield.Storkey)
	if err := net.Store(x); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "net.safetensors")
	if err := net.Save(path, nil); err != nil {
		t.Fatal(err)
	}
	loaded, _, err := hopfield.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cont, _ := hopfield.NewContinuous(784, 0.1)
	cont.Store(x)
	s, err := New(Config{RBM: testRBM(t), Hopfield: loaded, Memory: cont})
	if err != nil {
		t.Fatal(err)
	}
	info := decodeBody[map[string]any](t, do(t, s, "GET", "/api/info", nil))
	if info["hopfield"].(map[string]any)["rule"] != "storkey" || info["memory"].(map[string]any)["kind"] != "continuous" {
		t.Fatalf("info of loaded models: %v %v", info["hopfield"], info["memory"])
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 3 {
				var rec *httptest.ResponseRecorder
				switch (g + k) % 4 {
				case 0:
					rec = do(t, s, "POST", "/api/hopfield/recall", map[string]any{"model": "hopfield", "state": pats[g%10], "seed": g})
				case 1:
					rec = do(t, s, "POST", "/api/hopfield/recall", map[string]any{"patterns": pats, "state": pats[g%10], "seed": g, "rule": "pinv"})
				case 2:
					rec = do(t, s, "POST", "/api/modern/retrieve", map[string]any{"model": "memory", "query": pats[g%10], "beta": 0.01 * float64(g+1)})
				default:
					rec = do(t, s, "POST", "/api/rbm/gibbs", map[string]any{"steps": 20, "seed": g})
				}
				if rec.Code != 200 || strings.Contains(rec.Body.String(), `"type":"error"`) {
					errs <- fmt.Sprintf("%d %s", rec.Code, rec.Body.String())
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if cont.Beta() != 0.1 {
		t.Fatal("a request changed the loaded memory's β")
	}
}

// TestDefaultRBM: the built-in model learns: MNIST digits get a much lower
// free energy than noise of the same density.
func TestDefaultRBM(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	m, err := DefaultRBM(context.Background(), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := testServer(t)
	pats := digitPatterns(t, s)
	rng := tensor.NewRand(2)
	var fd, fn float64
	for _, p := range pats {
		v := make([]float32, 784)
		on := 0
		for i, x := range p {
			v[i] = (x + 1) / 2
			on += int(v[i])
		}
		noise := make([]float32, 784)
		for i := range noise {
			if rng.Float64() < float64(on)/784 {
				noise[i] = 1
			}
		}
		fd += m.FreeEnergy(v)
		fn += m.FreeEnergy(noise)
	}
	if !(fd+10*float64(len(pats)) < fn) {
		t.Fatalf("mean free energy of digits %g, of noise %g: the built-in RBM did not learn", fd/10, fn/10)
	}
}

// TestGaussianRBMEndpoints: a Gaussian–Bernoulli RBM with a
// standardization is served in data units — free energy of the
// standardized state, reconstruction mapped back, Gibbs samples in data
// units equal to a library chain with the same seed — and real values
// outside [0,1] are accepted.
func TestGaussianRBMEndpoints(t *testing.T) {
	rng := tensor.NewRand(2)
	m := rbm.NewUnits(rbm.NewGaussianUnits(784, 0.5, false), 784, 8)
	rng.Normal(m.W.Data, 0, 0.05)
	m.Standard = &rbm.Standardization{Mean: make([]float32, 784), Std: make([]float32, 784)}
	for i := range m.Standard.Std {
		m.Standard.Mean[i], m.Standard.Std[i] = 0.3, 2
	}
	s, err := New(Config{RBM: m, RBMSource: "gaussian"})
	if err != nil {
		t.Fatal(err)
	}
	v := make([]float32, 784)
	rng.Normal(v, 1, 3)
	z := m.Standard.Applied(tensor.FromSlice(1, 784, slices.Clone(v)))
	fe := decodeBody[struct {
		FreeEnergy []float64 `json:"free_energy"`
	}](t, do(t, s, "POST", "/api/rbm/free-energy", map[string]any{"states": [][]float32{v}}))
	if fe.FreeEnergy[0] != m.FreeEnergy(z.Data) {
		t.Fatalf("free energy %g, library %g", fe.FreeEnergy[0], m.FreeEnergy(z.Data))
	}
	rc := decodeBody[struct{ Reconstruction []float32 }](t, do(t, s, "POST", "/api/rbm/reconstruct", map[string]any{"state": v}))
	want := tensor.New(1, 784)
	m.Reconstruct(want, z)
	m.Standard.Undo(want)
	if !slices.Equal(rc.Reconstruction, want.Data) {
		t.Fatal("reconstruction differs from rbm.Reconstruct in data units")
	}
	ls := lines(t, do(t, s, "POST", "/api/rbm/gibbs", map[string]any{"start": "state", "state": v, "steps": 4, "seed": 3}))
	c := m.NewChain(z, 1)
	m.Gibbs(c, 4, tensor.NewRand(3))
	m.Standard.Undo(c.V)
	if got := floats(ls[4]["sample"]); !slices.Equal(got, c.V.Data) {
		t.Fatal("gibbs samples differ from the library chain in data units")
	}
	if rec := do(t, s, "POST", "/api/rbm/free-energy", map[string]any{"states": [][]float32{make([]float32, 3)}}); rec.Code != 400 {
		t.Errorf("wrong width: status %d", rec.Code)
	}
}

// TestModernRealValued: the modern panel's endpoint takes grayscale and
// real-valued memories with a normalization (issue 15), and retrieves as
// the library does.
func TestModernRealValued(t *testing.T) {
	s := testServer(t)
	rng := tensor.NewRand(5)
	x := tensor.New(12, 784)
	rng.Normal(x.Data, 0.3, 2)
	pats := make([][]float32, x.Rows)
	for i := range pats {
		pats[i] = x.Row(i)
	}
	q := slices.Clone(pats[4])
	for i := 0; i < 300; i++ {
		q[i] = 0
	}
	type answer struct {
		Normalize    string
		Top          int
		QueryWeights []float64 `json:"query_weights"`
	}
	got := decodeBody[answer](t, do(t, s, "POST", "/api/modern/retrieve", map[string]any{"patterns": pats, "query": q, "beta": 0.05, "normalize": "standardize"}))
	c, _ := hopfield.NewContinuous(784, 0.05)
	c.SetNormalization(hopfield.NormStandardize)
	if err := c.Store(x); err != nil {
		t.Fatal(err)
	}
	w, _ := c.Weights(c.Query(q))
	if got.Normalize != "standardize" || got.Top != 4 || !slices.Equal(got.QueryWeights, w) {
		t.Errorf("normalize %q, top %d, weights equal %v", got.Normalize, got.Top, slices.Equal(got.QueryWeights, w))
	}
	rec := do(t, s, "POST", "/api/modern/retrieve", map[string]any{"patterns": pats, "query": q, "normalize": "max"})
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "normalize") {
		t.Errorf("normalize max: %d %s", rec.Code, rec.Body.String())
	}
}

// TestRBMSampler: a model that records its sampler (a restart model's k
// steps from noise) reports it in /api/info, and the Gibbs chain runs that
// many steps when the request names none (else 200).
func TestRBMSampler(t *testing.T) {
	s, err := New(Config{RBM: testRBM(t), RBMSource: "test", RBMSampler: &rbm.Sampler{Init: "random", Steps: 5}})
	if err != nil {
		t.Fatal(err)
	}
	info := decodeBody[struct {
		RBM struct {
			Sampler *rbm.Sampler `json:"sampler"`
		} `json:"rbm"`
	}](t, do(t, s, "GET", "/api/info", nil))
	if info.RBM.Sampler == nil || info.RBM.Sampler.Steps != 5 {
		t.Fatalf("info sampler %+v", info.RBM.Sampler)
	}
	ls := lines(t, do(t, s, "POST", "/api/rbm/gibbs", map[string]any{"start": "noise", "every": 5, "seed": 1}))
	if last := ls[len(ls)-1]; last["type"] != "done" || last["steps"] != 5.0 {
		t.Errorf("gibbs without steps: %v", last)
	}
	ls = lines(t, do(t, testServer(t), "POST", "/api/rbm/gibbs", map[string]any{"start": "noise", "every": 100, "seed": 1}))
	if last := ls[len(ls)-1]; last["steps"] != 200.0 {
		t.Errorf("gibbs without steps and sampler: %v", last)
	}
}
