package hopfield

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

// TestCapacityPartsMerge checks that an experiment run in parts and
// merged gives exactly the report of one run, for every kind.
func TestCapacityPartsMerge(t *testing.T) {
	for _, spec := range []Spec{{}, {Rule: Storkey}, {Kind: KindDense}, {Kind: KindContinuous, Beta: 1}} {
		opt := CapacityOptions{Spec: spec, Neurons: 24, Patterns: []int{2, 5, 9}, Noise: 0.1, Trials: 7, Seed: 3}
		whole, err := MeasureCapacity(context.Background(), opt)
		if err != nil {
			t.Fatal(err)
		}
		whole.Seconds = 0
		for _, n := range []int{2, 3, 7} {
			var parts []*CapacityReport
			for i := 0; i < n; i++ {
				o := opt
				o.Part, o.Parts = i, n
				p, err := MeasureCapacity(context.Background(), o)
				if err != nil {
					t.Fatalf("%s part %d/%d: %v", spec.Label(), i, n, err)
				}
				parts = append(parts, p)
			}
			got, err := MergeCapacity(parts)
			if err != nil {
				t.Fatalf("%s, %d parts: %v", spec.Label(), n, err)
			}
			got.Seconds = 0
			if !reflect.DeepEqual(got, whole) {
				t.Errorf("%s, %d parts merged: %+v\nwant %+v", spec.Label(), n, got.Results, whole.Results)
			}
			if _, err := MergeCapacity(parts[1:]); !errors.Is(err, ErrOption) {
				t.Errorf("%s, %d parts, first missing: err %v, want ErrOption", spec.Label(), n, err)
			}
		}
	}
	// More parts than trials: a part would be empty.
	_, err := MeasureCapacity(context.Background(), CapacityOptions{Neurons: 10, Patterns: []int{2}, Trials: 2, Part: 0, Parts: 3})
	if !errors.Is(err, ErrOption) {
		t.Errorf("3 parts of 2 trials: err %v, want ErrOption", err)
	}
}
