package estimate

import (
	"context"
	"math"
	"testing"

	"github.com/ebm-go/ebm/internal/testutil"
)

// meanWeight returns mean(exp(lw)) and its standard error.
func meanWeight(lw []float64, offset float64) (float64, float64) {
	w := make([]float64, len(lw))
	for i, x := range lw {
		w[i] = math.Exp(x + offset)
	}
	return meanSE(w)
}

// TestAISIsUnbiased: for ANY schedule, even a 4-value one, E[ŵ]·Z_A = Z
// exactly. With a short schedule the weights vary a lot, which makes this a
// sharp test of the weight bookkeeping: an off-by-one in the β indices or a
// transition at the wrong β biases the mean. Tolerance: 4 standard errors
// of the mean of 20,000 weights.
func TestAISIsUnbiased(t *testing.T) {
	m := randomRBM(5, 4, 1.0, 0.5, 3)
	exact, _ := m.ExactLogZ(context.Background())
	est, err := AIS(context.Background(), m, Options{Chains: 20000, Betas: []float64{0, 0.3, 0.7, 1}, BaseBias: m.B, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	mean, se := meanWeight(est.LogWeights, est.LogZBase-exact) // estimates Z/Z = 1
	t.Logf("E[Ẑ]/Z = %.4f ± %.4f", mean, se)
	if math.Abs(mean-1) > 4*se {
		t.Fatalf("E[Ẑ]/Z = %.4f ± %.4f, want 1", mean, se)
	}
}

// TestRAISEIsUnbiased: the reverse weights ŵ(v) are unbiased for the
// annealing model's p_ann(v), a normalised distribution, so Σ_v E[ŵ(v)] = 1
// for any schedule. We estimate each E[ŵ(v)] with 2,000 chains over all 32
// states; the sum's standard error is the root sum of squares.
func TestRAISEIsUnbiased(t *testing.T) {
	m := randomRBM(5, 4, 1.0, 0.5, 3)
	V := testutil.States(5)
	const cpe = 2000
	res, err := RAISE(context.Background(), m, V, RAISEOptions{ChainsPerExample: cpe, Betas: []float64{0, 0.3, 0.7, 1}, BaseBias: m.B, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	var sum, varSum float64
	for e := 0; e < V.Rows; e++ {
		mu, se := meanWeight(res.LogWeights[e*cpe:(e+1)*cpe], 0)
		sum += mu
		varSum += se * se
	}
	se := math.Sqrt(varSum)
	t.Logf("Σ_v E[ŵ(v)] = %.4f ± %.4f", sum, se)
	if math.Abs(sum-1) > 4*se {
		t.Fatalf("Σ_v E[ŵ(v)] = %.4f ± %.4f, want 1", sum, se)
	}
}
