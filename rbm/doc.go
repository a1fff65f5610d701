// Package rbm implements the restricted Boltzmann machine with Bernoulli
// hidden units and a visible layer of any supported type (Units: Bernoulli,
// or Gaussian with fixed or learned σ): its energy, free energy and
// conditionals, block Gibbs sampling and parallel tempering (Sample,
// SampleTempered), exact partition functions for small models, and
// training by contrastive divergence (CD-k), persistent contrastive
// divergence (PCD-k), persistent parallel tempering (PT, on the same
// tempered chains as SampleTempered, with an optional adaptive ladder) and
// non-persistent restarts from noise (Restart: the model is matched to its
// sampler, k Gibbs steps from noise, which its file records as "sampler"),
// any of them with centered gradients (Config.Centered). One RBM type, one Trainer,
// one chain, one file format and one checkpoint format serve every unit
// type; what differs lives in the Units implementation.
//
// Conventions (see ../shared/REFERENCE.md §1 and the README's "math in brief"):
//
//	E(v,h) = E_v(v) − cᵀh − x(v)ᵀWh,  W is n_visible × n_hidden
//	Bernoulli: E_v = −bᵀv, x(v) = v;  Gaussian: E_v = Σ_i (v_i−b_i)²/(2σ_i²), x(v) = v/σ
//	F(v)   = E_v(v) − Σ_j softplus(c_j + (x(v)ᵀW)_j)
//	log p(v) = −F(v) − log Z
//	p(h_j=1|v) = σ(c_j + (x(v)ᵀW)_j)
//	p(v_i=1|h) = σ(b_i + (Wh)_i)  or  p(v_i|h) = N(b_i + σ_i (Wh)_i, σ_i²)
//
// Parameters and activations are float32; free energies, log Z and every sum
// of log-domain terms are float64. Every random draw comes from a
// *tensor.Rand the caller seeds, so a run is reproducible bit for bit for a
// given seed and GOMAXPROCS. The package never prints: training reports
// through callbacks and stops through a context.
//
// The pieces: RBM (the model; Visible is its Units, Standard the map from
// raw data to the model's units for real-valued data), Trainer (CD, PCD,
// PT, Restart; zero settings take Defaults for the method and units), Session (a
// training run with its model and checkpoint files, resumable with
// ResumeSession), Save/Load and SaveCheckpoint/LoadCheckpoint (one format
// for every unit type; files from before the unit types were joined still
// load), ExactLogZ, and the samplers Sample, SampleData and SampleTempered.
// Package rbm/estimate adds AIS, RAISE and Evaluate; package rbm/lowrank the
// low-rank pre-training of Béreux et al. (2025), an alternative to Init.
package rbm
