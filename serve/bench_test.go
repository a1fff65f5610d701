package serve

import (
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/rbm"
)

// BenchmarkRecallStream is one /api/hopfield/recall request as the page
// sends it: a pseudo-inverse memory of the ten default digits (cached after
// the first request), a digit with 20% noise, every flip streamed.
func BenchmarkRecallStream(b *testing.B) {
	s := testServer(b)
	pats := digitPatterns(b, s)
	cue := decodeBody[struct{ State []float32 }](b, do(b, s, "POST", "/api/corrupt", map[string]any{"state": pats[3], "noise": 0.2, "seed": 1})).State
	req := map[string]any{"kind": "classical", "rule": "pinv", "patterns": pats, "state": cue, "seed": 1, "flips": true}
	b.ReportAllocs()
	for b.Loop() {
		if rec := do(b, s, "POST", "/api/hopfield/recall", req); rec.Code != 200 {
			b.Fatal(rec.Body.String())
		}
	}
}

// BenchmarkGibbsStream is one /api/rbm/gibbs request of the load
// benchmark: 200 steps of a 784×100 RBM, every 10th streamed.
func BenchmarkGibbsStream(b *testing.B) {
	s, err := New(Config{RBM: benchRBM(b)})
	if err != nil {
		b.Fatal(err)
	}
	req := map[string]any{"start": "noise", "steps": 200, "every": 10, "seed": 1}
	b.ReportAllocs()
	for b.Loop() {
		if rec := do(b, s, "POST", "/api/rbm/gibbs", req); rec.Code != 200 {
			b.Fatal(rec.Body.String())
		}
	}
}

func benchRBM(b *testing.B) *rbm.RBM {
	m := rbm.New(784, 100)
	rng := tensor.NewRand(1)
	rng.Normal(m.W.Data, 0, 0.1)
	return m
}
