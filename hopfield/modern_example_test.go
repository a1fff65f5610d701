package hopfield_test

import (
	"context"
	"fmt"
	"log"

	"github.com/ebm-go/ebm/hopfield"
	"github.com/ebm-go/ebm/tensor"
)

// A dense associative memory with a cubic interaction holds 200 patterns
// on 100 neurons (load 2, where the classical network holds ~14) and
// recalls one from 20% flipped bits.
func ExampleDense_Recall() {
	rng := tensor.NewRand(1)
	patterns := hopfield.RandomPatterns(200, 100, rng)
	f, err := hopfield.ParseInteraction("poly:3")
	if err != nil {
		log.Fatal(err)
	}
	mem, err := hopfield.NewDense(100, f, 0)
	if err != nil {
		log.Fatal(err)
	}
	if err := mem.Store(patterns); err != nil {
		log.Fatal(err)
	}
	cue := append([]float32(nil), patterns.Row(42)...)
	hopfield.Corrupt(cue, 0.2, rng)
	tr, err := mem.Recall(context.Background(), cue, hopfield.RecallOptions{Rand: rng})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("overlap %.2f → %.2f, converged %v\n", hopfield.Overlap(patterns.Row(42), cue), hopfield.Overlap(patterns.Row(42), tr.Final), tr.Converged)
	// Output:
	// overlap 0.60 → 1.00, converged true
}

// The continuous modern Hopfield network retrieves a batch of queries with
// one update ξ ← X softmax(β Xᵀξ): two matrix products for the whole batch.
func ExampleContinuous_Retrieve() {
	rng := tensor.NewRand(2)
	patterns := hopfield.RandomPatterns(500, 64, rng)
	mem, err := hopfield.NewContinuous(64, 1)
	if err != nil {
		log.Fatal(err)
	}
	if err := mem.Store(patterns); err != nil {
		log.Fatal(err)
	}
	queries := tensor.New(3, 64)
	for i, k := range []int{5, 50, 499} {
		copy(queries.Row(i), patterns.Row(k))
		hopfield.Corrupt(queries.Row(i), 0.25, rng)
	}
	states, reports, err := mem.Retrieve(context.Background(), queries, hopfield.RetrieveOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for i, r := range reports {
		fmt.Printf("query %d: %s fixed point, pattern %d, overlap %.2f\n", i, r.Fixed, r.Top, hopfield.Overlap(patterns.Row(r.Top), states.Row(i)))
	}
	// With β = 0 the update returns the mean of all patterns.
	mem.SetBeta(0)
	_, reports, _ = mem.Retrieve(context.Background(), queries, hopfield.RetrieveOptions{})
	fmt.Printf("β = 0: %s average of %.0f patterns\n", reports[0].Fixed, reports[0].Effective)
	// Output:
	// query 0: single fixed point, pattern 5, overlap 1.00
	// query 1: single fixed point, pattern 50, overlap 1.00
	// query 2: single fixed point, pattern 499, overlap 1.00
	// β = 0: global average of 500 patterns
}
