package tensor_test

import (
	"context"
	"fmt"

	"github.com/ebm-go/ebm/rbm"
	"github.com/ebm-go/ebm/tensor"
)

// Code outside this module builds inputs and random sources with this
// package and passes them to any ebm API.
func Example() {
	rng := tensor.NewRand(7)
	m := rbm.New(4, 3)
	m.Init(nil, 0.5, rng)
	v := tensor.FromSlice(2, 4, []float32{1, 0, 1, 0, 0, 1, 1, 1})
	states, _ := m.Sample(2, 10, v, rng)
	lz, _ := m.ExactLogZ(context.Background())
	fmt.Println(states.Rows, states.Cols, lz > 0)
	// Output: 2 4 true
}
