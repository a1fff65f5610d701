package deep

// ToyDefault is how `ebm deep train` trains on one built-in 2-D set when
// no --objective is given: the objective, DSM's noise (σ, annealed to
// SigmaEnd when > 0), the iterations, with the learning rate decayed along
// a cosine over them (Config.Decay = Iters). Everything else is
// [DefaultConfig] and [DefaultHidden].
type ToyDefault struct {
	Objective       Objective
	Sigma, SigmaEnd float64 // DSM only
	Iters           int
}

// toyDefaults is the table docs/deep.md ("Score matching: defaults per data
// set") measures: per set, the settings with the lowest KL(true‖model)
// found by the sweep in experiments/results/deep-toy-sweep.txt.
var toyDefaults = map[string]ToyDefault{
	"8gaussians":   {Objective: SSM, Iters: 10000},
	"rings":        {Objective: DSM, Sigma: 0.05, Iters: 10000},
	"moons":        {Objective: DSM, Sigma: 0.05, Iters: 10000},
	"checkerboard": {Objective: DSM, Sigma: 0.2, SigmaEnd: 0.05, Iters: 10000},
	"pinwheel":     {Objective: SSM, Iters: 10000},
	"swissroll":    {Objective: DSM, Sigma: 0.05, Iters: 10000},
}

// ToyDefaults returns the training settings for the built-in 2-D set
// named toy (8gaussians, rings, moons, checkerboard, pinwheel, swissroll)
// and whether it has any.
func ToyDefaults(toy string) (ToyDefault, bool) {
	d, ok := toyDefaults[toy]
	return d, ok
}
