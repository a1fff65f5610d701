package estimate

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

// TestPartsMergeToOneRun checks that an evaluation split into parts — AIS
// chains and RAISE examples — and merged is bit-identical to one run with
// the same seed, for part counts that do and do not divide the groups.
func TestPartsMergeToOneRun(t *testing.T) {
	m := randomRBM(12, 8, 0.5, 0.5, 3)
	data := tensor.New(60, 12)
	rng := tensor.NewRand(4)
	for i := range data.Data {
		data.Data[i] = float32(rng.IntN(2))
	}
	opt := EvalOptions{Method: "ais", AIS: Options{Chains: 110, Betas: LinearSchedule(50), BaseBias: BaseRate(m, data), Seed: 7},
		RAISE: true, RAISEExamples: 60}
	whole, err := Evaluate(context.Background(), m, data, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{2, 3} { // 60 RAISE examples are 3 groups
		var parts []*Evaluation
		for i := 0; i < n; i++ {
			o := opt
			o.Part, o.Parts = i, n
			p, err := Evaluate(context.Background(), m, data, o)
			if err != nil {
				t.Fatalf("part %d/%d: %v", i, n, err)
			}
			parts = append(parts, p)
		}
		got, err := MergeEvaluations(parts)
		if err != nil {
			t.Fatalf("%d parts: %v", n, err)
		}
		if !reflect.DeepEqual(got, whole) {
			t.Errorf("%d parts merged:\n%+v\n%+v\nwant one run's\n%+v\n%+v", n, got, got.RAISE, whole, whole.RAISE)
		}
		// Out of order, or one missing: refused.
		if _, err := MergeEvaluations(append(parts[1:], parts[0])); !errors.Is(err, ErrOptions) {
			t.Errorf("%d parts out of order: err %v, want ErrOptions", n, err)
		}
	}
}

func TestTooManyParts(t *testing.T) {
	m := randomRBM(6, 4, 0.5, 0.5, 3)
	// 60 chains are 3 groups: one of 4 parts (part 0) would be empty.
	_, err := AIS(context.Background(), m, Options{Chains: 60, Betas: LinearSchedule(10), Part: 0, Parts: 4})
	if !errors.Is(err, ErrOptions) {
		t.Errorf("err %v, want ErrOptions", err)
	}
}
