package hopfield_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/ebm-go/ebm/hopfield"
	"github.com/ebm-go/ebm/tensor"
)

// Store three patterns with the Storkey rule and recall one of them from a
// corrupted copy.
func ExampleNetwork_Recall() {
	rng := tensor.NewRand(1) // every random draw comes from a seeded source
	patterns := hopfield.RandomPatterns(3, 64, rng)

	net, err := hopfield.NewNetwork(64, hopfield.Storkey)
	if err != nil {
		log.Fatal(err)
	}
	if err := net.Store(patterns); err != nil {
		log.Fatal(err)
	}

	probe := append([]float32(nil), patterns.Row(1)...)
	flipped, _ := hopfield.Corrupt(probe, 0.2, rng) // 13 of 64 bits
	tr, err := net.Recall(context.Background(), probe, hopfield.RecallOptions{Mode: hopfield.Async, Rand: rng})
	if err != nil {
		log.Fatal(err)
	}
	k, m := hopfield.Nearest(patterns, tr.Final)
	fmt.Printf("flipped %d bits; overlap before %.3f\n", flipped, hopfield.Overlap(patterns.Row(1), probe))
	fmt.Printf("converged %v, nearest pattern %d, overlap %.3f\n", tr.Converged, k, m)
	fmt.Println("energy never rose:", tr.Energies[0] >= tr.FinalEnergy())
	// Output:
	// flipped 13 bits; overlap before 0.594
	// converged true, nearest pattern 1, overlap 1.000
	// energy never rose: true
}

// Synchronous dynamics can oscillate: this two-unit network alternates
// between (−1,−1) and (+1,+1), and Recall reports the 2-cycle.
func ExampleNetwork_Recall_cycle() {
	net, _ := hopfield.NewNetwork(2, hopfield.Hebbian)
	net.W.Set(0, 1, -1)
	net.W.Set(1, 0, -1)
	tr, _ := net.Recall(context.Background(), []float32{-1, -1}, hopfield.RecallOptions{Mode: hopfield.Sync})
	fmt.Println("cycle:", tr.Cycle, "after", tr.Sweeps, "sweeps")
	// Output:
	// cycle: true after 2 sweeps
}

// Measure how many random patterns a 200-neuron network stores with each
// rule: at α = 0.2 the Hebbian network has lost almost every pattern.
func ExampleCapacity() {
	for _, rule := range []hopfield.Rule{hopfield.Hebbian, hopfield.Storkey, hopfield.PseudoInverse} {
		res, err := hopfield.Capacity(context.Background(), hopfield.CapacityOptions{
			Neurons: 200, Patterns: []int{10, 40}, Spec: hopfield.Spec{Rule: rule}, Noise: 0.1, Trials: 4, Seed: 1})
		if err != nil {
			log.Fatal(err)
		}
		for _, r := range res {
			fmt.Printf("%-7s α=%.2f fixed points %.2f recalled %.2f\n", rule, r.Load, r.FixedPointFraction, r.RecallFraction)
		}
	}
	// Output:
	// hebbian α=0.05 fixed points 1.00 recalled 1.00
	// hebbian α=0.20 fixed points 0.17 recalled 0.08
	// storkey α=0.05 fixed points 1.00 recalled 1.00
	// storkey α=0.20 fixed points 1.00 recalled 1.00
	// pinv    α=0.05 fixed points 1.00 recalled 1.00
	// pinv    α=0.20 fixed points 1.00 recalled 1.00
}

// Save a network to a safetensors file and open it again: Open dispatches on
// the file's kind, so the same code reads every kind of memory.
func ExampleNetwork_Save() {
	dir, err := os.MkdirTemp("", "hopfield-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "net.safetensors")

	net, _ := hopfield.NewNetwork(16, hopfield.PseudoInverse)
	net.ZeroDiagonal = true
	if err := net.Store(hopfield.RandomPatterns(4, 16, tensor.NewRand(2))); err != nil {
		log.Fatal(err)
	}
	if err := net.Save(path, map[string]string{"data": "random:4"}); err != nil {
		log.Fatal(err)
	}
	mem, meta, err := hopfield.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(mem.Kind(), mem.Neurons(), mem.Count(), meta["rule"], meta["rank"], meta["zero_diagonal"])
	// Output:
	// classical 16 4 pinv 4 true
}
