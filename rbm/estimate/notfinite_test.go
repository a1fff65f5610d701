package estimate

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/rbm"
)

// TestEvaluateNotFinite: a model whose numbers overflow (built in memory:
// the file loaders refuse it) gives an error naming the quantity, never a
// NaN result, with both log Z methods.
func TestEvaluateNotFinite(t *testing.T) {
	m := rbm.New(6, 3)
	for i := range m.W.Data {
		m.W.Data[i] = 3e38
	}
	data := tensor.New(4, 6)
	for i := range data.Data {
		data.Data[i] = float32(i % 2)
	}
	for _, method := range []string{"exact", "ais"} {
		ev, err := Evaluate(context.Background(), m, data, EvalOptions{Method: method, AIS: Options{Chains: 4, Betas: LinearSchedule(10)}})
		if !errors.Is(err, ErrNotFinite) || !strings.Contains(err.Error(), " is ") {
			t.Fatalf("%s: Evaluate = %+v, %v; want ErrNotFinite", method, ev, err)
		}
		t.Log(err)
	}
}
