// Package lowrank pre-trains a Bernoulli–Bernoulli RBM as a low-rank model
// of the data's first principal directions, after Béreux, Decelle,
// Furtlehner, Rosset & Seoane (2025), "Fast training and sampling of
// Restricted Boltzmann Machines" (arXiv 2405.15376): a model whose weights
// lie in the span of d principal directions has a distribution that depends
// on a visible state v only through its d projections, so its partition
// function is a d-dimensional sum that can be done exactly, and its
// log-likelihood can be maximised by a convex programme before any Monte
// Carlo training starts. Init returns the RBM built from that fit, ready for
// CD/PCD/PT training.
//
// # The model
//
// U holds d orthonormal principal directions of the (centred) training data,
// N the number of visible units. The paper's magnetizations are
// m = Uᵀv/√N; this package works with the unnormalised projections
// y = Ũᵀv = √N·m, where Ũ is U quantized (below). The low-rank model is
//
//	log p(v) = b₀ᵀv + βᵀy + Σ_a q_a · relu(n_aᵀy − t_a) − log Z,   q_a ≥ 0,
//
// with b₀ the base-rate visible biases (log-odds of the data's column means,
// as rbm.RBM.Init sets them), β ∈ R^d a visible bias along the directions,
// and K "hyperplane" features: unit directions n_a in R^d and thresholds t_a
// at quantiles of the data's n_aᵀy. The features are the large-gain limit of
// {0,1} hidden units (softplus(x) → relu(x)), as the paper's Coulomb
// machine is the limit of ±1 hidden units (log 2cosh x → |x|). The
// log-likelihood is concave in (β, q), the paper's convex relaxation: it is
// maximised by a projected Newton method with a backtracking line search,
// each step using the exact gradient and Hessian.
//
// # The exact d-dimensional sum
//
// Everything the model says about v goes through b₀ᵀv and y, so
//
//	Z = Σ_k Ω(k) · exp(g(k)),   Ω(k) = Σ_{v: Qᵀv = k} exp(b₀ᵀv),
//
// where k is y on an integer lattice and g the rest of the log-weight. The
// paper estimates the density of states Ω on a mesh by a large-deviation
// (saddle-point) formula and a static Monte Carlo correction. This package
// computes it exactly instead, which it can do because it quantizes the
// directions: each column of U is replaced by a step δ_l times integers
// (Ũ = Q·diag(δ), Q integer), chosen so that the lattice of reachable k has
// about Options.Cells points. Then Ω is the distribution of a sum of N
// independent integer vectors (v_i ~ Bernoulli(σ(b₀_i)) contributes Q_i),
// a convolution done unit by unit in float64. log Z, the log-likelihood and
// its gradient are exact sums over the lattice for the model with
// quantized directions (the tests check them against enumerating all 2^N
// states). The quantization is the price: the box of reachable k is
// Σ_i |Q_il| + 1 points wide in each direction, so the step is about
// Σ_i |U_il| / Cells^(1/d). On MNIST with the default 2^18 cells, d = 2 gets
// steps of 0.031–0.033 (a quarter to a third of the largest entry of a
// direction; 56–59% of the entries round to 0) and keeps the directions to
// within 18% (‖Ũ−U‖/‖U‖); d = 3 and 4 round every entry to 0 and Init
// refuses them (an OptionError on "init-rank") rather than fit nothing. They
// work on small data (tests use d = 3 on 9 units) or with more Cells.
//
// The density of states is stored as probabilities under the base-rate
// product measure, so cells less likely than about e^-745 under it
// underflow to zero; the fit refuses to report (ErrUnderflow) when the
// model puts non-negligible weight next to that edge.
//
// # The RBM it builds
//
// Visible biases b = b₀ + Ũβ; hidden unit a gets W_a = q_a·Ũn_a and
// c_a = −q_a·t_a, so its softplus(c_a + vᵀW_a) = softplus(q_a(n_aᵀy − t_a))
// approximates q_a·relu(n_aᵀy − t_a) (they differ by at most log 2, near
// the hyperplane). Features the fit switched off (q_a = 0) and hidden units
// beyond the K features become spare units in the same span,
// W_j = Ũw_j with w_j ~ N(0, (0.001·√(N/d))²) and c_j = −w_jᵀȳ (ȳ the
// data's mean projection) — small and centred so that they bend the
// distribution little, kept in the span so that the built RBM is still
// exactly low-rank. Without them the unused hidden units would be identical
// and training would never tell them apart.
//
// Because the RBM is exactly low-rank, its own log-likelihood and gradient
// with respect to (β, w_j, c_j) are exact lattice sums too. The softplus
// units lose likelihood against the relu features they stand for, so Init
// then climbs the RBM's exact log-likelihood for Options.RefineSteps Adam
// steps (keeping the best point); Fit reports the converted RBM's
// log-likelihood (ConvertedLL) and the final one (LogLikelihood). The paper
// converts its ±1 Coulomb machine directly; this refinement is ebm's
// decision.
//
// Every random draw (the power iteration's start and the spare hidden
// units) comes from the caller's *tensor.Rand; the result is bit-identical
// for a given seed and GOMAXPROCS. The package never prints.
package lowrank
