package viz

import "github.com/ebm-go/ebm/rbm"

// RBMCurves writes the training curves of an RBM (PNG, SVG or PDF by the
// extension): the reconstruction error, the pseudo-log-likelihood per unit
// (absent for non-binary units) and the mean free energy of the training
// and held-out rows, one panel each, against the epoch.
func RBMCurves(path string, stats []rbm.EpochStats) error {
	x := make([]float64, len(stats))
	for i, st := range stats {
		x[i] = float64(st.Epoch)
	}
	series := func(name string, f func(rbm.EpochStats) float64) Series {
		y := make([]float64, len(stats))
		for i, st := range stats {
			y[i] = f(st)
		}
		return Series{Name: name, X: x, Y: y}
	}
	return Curves(path, []Panel{
		{Title: "Reconstruction error", XLabel: "epoch", YLabel: "squared error per image", Series: []Series{
			series("train", func(s rbm.EpochStats) float64 { return s.ReconError })}},
		{Title: "Pseudo-log-likelihood", XLabel: "epoch", YLabel: "nats per visible unit", Series: []Series{
			series("train", func(s rbm.EpochStats) float64 { return s.PLL })}},
		{Title: "Mean free energy", XLabel: "epoch", YLabel: "F(v)", Series: []Series{
			series("train", func(s rbm.EpochStats) float64 { return s.FreeEnergyTrain }),
			series("held-out", func(s rbm.EpochStats) float64 { return s.FreeEnergyValid })}},
	}, 6, 9)
}
