package estimate

import (
	"context"
	"math"
	"testing"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/rbm"
)

// TestAISRecordedWeights pins AIS and RAISE on the committed 784→500 MNIST
// model to the log weights recorded before the December 2026 changes (chain
// groups on their own cores, h·Wᵀ by gather, Σ softplus by SoftplusSum64):
// the chains must be the same for the seed, so every log weight may move
// only by the float64 rounding of the new Σ softplus (≤ 10⁻⁹; 9.6·10⁻¹²
// seen).
func TestAISRecordedWeights(t *testing.T) {
	if testing.Short() {
		t.Skip("784×500 model, 300 β")
	}
	m, _, err := rbm.Load("../../experiments/models/cd25-e200-d0.05.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	s, err := dataset.Load("mnist:test:20", dataset.Options{Binarize: "threshold"})
	if err != nil {
		t.Fatal(err)
	}
	base := BaseRate(m, s.X)
	a, err := AIS(context.Background(), m, Options{Chains: 60, Betas: LinearSchedule(300), BaseBias: base, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	r, err := RAISE(context.Background(), m, s.X, RAISEOptions{ChainsPerExample: 2, Betas: LinearSchedule(300), BaseBias: base, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name       string
		logZ, want float64
		got, rec   []float64
	}{
		{"AIS", a.LogZ, 374.747196512509, a.LogWeights, recordedAIS},
		{"RAISE", r.LogZ, 382.852296170264, r.LogWeights, recordedRAISE},
	} {
		if math.Abs(c.logZ-c.want) > 1e-9 {
			t.Errorf("%s: log Z = %.17g, recorded %.17g", c.name, c.logZ, c.want)
		}
		if len(c.got) != len(c.rec) {
			t.Fatalf("%s: %d log weights, recorded %d", c.name, len(c.got), len(c.rec))
		}
		for i, w := range c.got {
			if math.Abs(w-c.rec[i]) > 1e-9 {
				t.Errorf("%s: log weight %d = %.17g, recorded %.17g", c.name, i, w, c.rec[i])
			}
		}
	}
}

var recordedAIS = []float64{
	-130.06589840924443, -132.24398846759883, -128.96496939405003, -131.12274459158024,
	-127.62077790818472, -130.13150438486164, -124.57577103127124, -132.59500599120116,
	-129.56332996284704, -130.3379283098305, -129.04699490481562, -127.06749120711424,
	-130.3768096153392, -130.59459407768344, -130.46360576410981, -125.7966837256786,
	-128.90532105347114, -129.32134690255873, -128.89307896902375, -129.67121295187363,
	-129.7370360242257, -126.265382182976, -126.78214487036757, -129.48052187378138,
	-129.77844475683355, -127.09946492006637, -129.01904716750929, -127.45855988291805,
	-128.46804969272387, -125.62813772173604, -130.1862413881587, -132.15908002561946,
	-132.98546817945547, -128.90591806244564, -131.13892140179766, -131.69320048956692,
	-126.8953110260847, -128.93558860312257, -131.16413043385643, -127.51389818411445,
	-128.35024696763125, -131.87843876180315, -129.68849497427652, -128.80133142488995,
	-128.87346603243594, -133.7614800636887, -130.4718412582824, -129.07709347853455,
	-131.82184065121513, -128.36791164132873, -129.37697670666373, -127.4184687994898,
	-130.13205977267063, -130.03786391636413, -128.39268000025464, -129.19337261922024,
	-132.36570645555352, -132.42559505415946, -128.58041281466248, -128.92998284093233,
}

var recordedRAISE = []float64{
	-50.422085329308516, -52.24324986854094, -82.00960542413549, -83.38866616045573,
	-28.548676510588336, -33.16042800857963, -84.17795983943404, -89.44894008200487,
	-75.57677915368197, -71.86422404193752, -36.03582904108737, -29.235268268993877,
	-91.65849356616314, -84.54932911652497, -92.24883184063901, -85.27412339604734,
	-113.26256687580667, -110.64524165725726, -76.59491295241071, -79.6274026122037,
	-77.41319723453114, -80.9701905720799, -101.55614301684182, -108.2577928346131,
	-59.03596577634835, -53.64683137590305, -85.3754725412735, -77.14686286910933,
	-41.365536511166226, -44.76951839177627, -95.23235182351198, -98.32976663742909,
	-64.86899476316569, -64.14237844751932, -56.647820723884024, -52.27322178533518,
	-125.74846131134615, -119.60123930820976, -62.21863158940812, -67.96047336142738,
}
