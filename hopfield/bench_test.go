package hopfield

import (
	"context"
	"fmt"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"

	"github.com/ebm-go/ebm/internal/cputime"
)

// BenchmarkCapacitySweepN1000 is the capacity sweep of the performance
// target: N = 1000, loads 0.05–0.20 in steps of 0.01 (16 pattern counts),
// 100 trials each, Hebbian, 10% noise, asynchronous recall. Run it with
// -benchtime=1x: one iteration is the whole sweep.
func BenchmarkCapacitySweepN1000(b *testing.B) {
	var ps []int
	for p := 50; p <= 200; p += 10 {
		ps = append(ps, p)
	}
	for _, rule := range []Rule{Hebbian} {
		b.Run(string(rule), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				_, err := Capacity(context.Background(), CapacityOptions{
					Neurons: 1000, Patterns: ps, Spec: Spec{Rule: rule}, Noise: 0.1, Trials: 100, Seed: uint64(i + 1)})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(ps)*100*b.N)/b.Elapsed().Seconds(), "trials/s")
		})
	}
}

// BenchmarkCapacityRules is a smaller sweep (N = 500, loads 0.05–0.30 in
// steps of 0.05, 10 trials) for every rule.
func BenchmarkCapacityRules(b *testing.B) {
	ps := []int{25, 50, 75, 100, 125, 150}
	for _, rule := range []Rule{Hebbian, Storkey, PseudoInverse} {
		b.Run(string(rule), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := Capacity(context.Background(), CapacityOptions{
					Neurons: 500, Patterns: ps, Spec: Spec{Rule: rule}, Noise: 0.1, Trials: 10, Seed: uint64(i + 1)}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRecallN10000 recalls a stored pattern with 10% of its bits
// flipped in a Hebbian network of N = 10,000 neurons holding 500 random
// patterns (α = 0.05), asynchronously. The network is built once, outside
// the timing; the time per operation includes the O(N²) initial fields,
// about 1,000 flips at O(N) each, and the sweeps to the fixed point.
func BenchmarkRecallN10000(b *testing.B) {
	const n, p = 10000, 500
	rng := tensor.NewRand(1)
	net, err := NewNetwork(n, Hebbian)
	if err != nil {
		b.Fatal(err)
	}
	x := RandomPatterns(p, n, rng)
	if err := net.Store(x); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := append([]float32(nil), x.Row(i%p)...)
		if _, err := Corrupt(s, 0.1, rng); err != nil {
			b.Fatal(err)
		}
		tr, err := net.Recall(context.Background(), s, RecallOptions{Rand: rng})
		if err != nil {
			b.Fatal(err)
		}
		// At α = 0.05 a unit of a stored pattern is unstable with
		// probability ≈ 4e-6 (ExactOneStepErrorProbability), so a recalled
		// pattern may keep a wrong bit or two: overlap ≥ 0.999.
		if !tr.Converged || Overlap(x.Row(i%p), tr.Final) < 0.999 {
			b.Fatalf("recall failed: converged %v, overlap %v", tr.Converged, Overlap(x.Row(i%p), tr.Final))
		}
	}
}

// BenchmarkStorkeyStore stores P random patterns with the Storkey rule
// into an empty network of N neurons, pattern by pattern (storkeyStep,
// "seq") and in blocks of B patterns (storkeyBlock, "B=…"; "auto" is the
// block size Store uses). The patterns are drawn once, outside the timing;
// each iteration starts from W = 0. patterns-per-cpu-s divides by the
// process's CPU time (setup included, a small share), the steadier figure
// on a shared machine.
func BenchmarkStorkeyStore(b *testing.B) {
	for _, c := range []struct{ n, p int }{{128, 32}, {256, 64}, {784, 100}, {784, 500}, {2000, 100}, {2000, 500}} {
		x := RandomPatterns(c.p, c.n, tensor.NewRand(1))
		w := tensor.New(c.n, c.n)
		for _, bs := range []int{0, -1, 16, 32, 64, 128} {
			name := fmt.Sprintf("B=%d", bs)
			switch bs {
			case 0:
				name = "seq"
			case -1:
				name, bs = "auto", storkeyBlockSize(c.n)
			}
			if bs > 0 && c.n/bs < storkeyBlockDiv {
				continue // beyond the growth limit Store keeps to
			}
			b.Run(fmt.Sprintf("N=%d/P=%d/%s", c.n, c.p, name), func(b *testing.B) {
				cpu0 := cputime.Process()
				for b.Loop() {
					w.Zero()
					storkeyStoreBlocks(w, x, bs, workers())
				}
				b.ReportMetric(float64(c.p*b.N)/b.Elapsed().Seconds(), "patterns/s")
				if d := (cputime.Process() - cpu0).Seconds(); d > 0 {
					b.ReportMetric(float64(c.p*b.N)/d, "patterns-per-cpu-s")
				}
			})
		}
	}
}
