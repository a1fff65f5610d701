// Package rbm implements the Bernoulli–Bernoulli restricted Boltzmann machine:
// its energy, free energy and conditionals, block Gibbs sampling and
// parallel tempering (Sample, SampleTempered), exact partition functions for
// small models, and training by contrastive divergence (CD-k), persistent
// contrastive divergence (PCD-k) and persistent parallel tempering (PT),
// which runs on the same tempered chains as SampleTempered.
//
// Conventions (see ../shared/REFERENCE.md §1 and the README's "math in brief"):
//
//	E(v,h) = −bᵀv − cᵀh − vᵀWh,       W is n_visible × n_hidden
//	F(v)   = −bᵀv − Σ_j softplus(c_j + (vᵀW)_j)
//	log p(v) = −F(v) − log Z
//	p(h_j=1|v) = σ(c_j + (vᵀW)_j),   p(v_i=1|h) = σ(b_i + (Wh)_i)
//
// Parameters and activations are float32; free energies, log Z and every sum
// of log-domain terms are float64. Every random draw comes from a
// *tensor.Rand the caller seeds, so a run is reproducible bit for bit for a
// given seed and GOMAXPROCS. The package never prints: training reports
// through callbacks and stops through a context.
package rbm
