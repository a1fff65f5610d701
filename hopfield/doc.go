// Package hopfield implements associative memories: the classical Hopfield
// network with three learning rules (Hebbian, Storkey 1997, pseudo-inverse),
// three dynamics (asynchronous, synchronous, Glauber), the energy, recall
// trajectories, the analysis of final states, model files and capacity
// experiments — and the modern kinds: the dense associative memory of Krotov
// & Hopfield (2016) with polynomial, rectified-polynomial and exponential
// interactions (Dense), and the continuous modern Hopfield network of
// Ramsauer et al. (2020) with softmax retrieval (Continuous); see
// docs/hopfield-modern.md. A Spec says what memory to build (kind, rule,
// interaction, β, zero diagonal; zero fields are the documented defaults)
// and New builds it; the Memory interface is what every kind provides (its
// Spec included), and Open reads any kind's file, so that commands and
// pages treat the kinds alike. Capacity measures every kind with one
// CapacityOptions.
//
// The continuous kind also takes real vectors: keys with values
// (Continuous.StoreValues; RetrieveAll reads out V softmax(β Kᵀξ), with the
// softmax weights, the top-k patterns and the energy per update), with an
// optional per-vector Normalization (none, l2, standardize) recorded in the
// model file; OneHot and Continuous.Classify make retrieval a classifier.
//
// A recall can be watched as it happens: RecallOptions.RecordChanges keeps
// every unit change with the energy after it (replayable unit by unit), and
// RecallOptions.OnSweep is called after every sweep with the state, energy,
// overlaps, changes and — for the continuous kind — the softmax weights; the
// explorer of `ebm serve` streams recalls this way.
//
// # Conventions
//
// States are vectors of ±1 stored as float32. Every entry point that takes
// patterns or states also accepts 0/1 vectors and maps 0 → −1, 1 → +1 (see
// Bipolar); any other value is an error wrapping ErrValue.
//
//	E(s)  = −½ sᵀWs + θᵀs                      W symmetric, θ the thresholds
//	h_i   = Σ_j W_ij s_j                         local field (self-coupling included)
//	s_i  ← sgn(h_i − θ_i)                        deterministic update
//	P(s_i = +1) = σ(2(h_i − W_ii s_i − θ_i)/T)   Glauber (heat-bath) update
//	m_μ   = ξ^μ·s / N                            overlap with stored pattern μ
//
// # sgn(0): a unit whose field is zero keeps its state
//
// When h_i − θ_i = 0 the deterministic update leaves s_i unchanged. This is
// the only convention used anywhere in the package (asynchronous and
// synchronous dynamics, fixed-point checks, capacity experiments). Reasons:
//
//   - It respects the symmetry s → −s of a network without thresholds, so a
//     reversed pattern −ξ is exactly as stable as ξ; sgn(0) = +1 would favour
//     +1 units and make ξ and −ξ behave differently.
//   - Every flip strictly lowers the energy (ΔE = −2|h_i − θ_i| − 2W_ii < 0
//     for W_ii ≥ 0), so asynchronous dynamics cannot wander on a plateau of
//     equal energy and always stops at a fixed point.
//   - It acts as an infinitesimal positive self-coupling, W + εI, which keeps
//     W symmetric: synchronous dynamics still ends in a fixed point or a
//     2-cycle (Goles' theorem), which is what Recall detects.
//
// Weights are float32, so a field that is exactly zero for the rule's ideal
// weights (a Hebbian field is an integer multiple of 1/N; Storkey's
// incremental updates can cancel) may come out as ±1e-8 after rounding. A
// field counts as zero when |h_i − θ_i| ≤ 2⁻²²·L, where
// L = max_k Σ_j |W_kj| + max_k |θ_k| bounds every field: float32 rounding of
// the weights and its accumulation stay below that, and fields are summed in
// float64. For Hebbian weights, L ≈ 0.8√p and the smallest non-zero field
// is 1/N, so ties and non-ties are told apart exactly while N√p < 5·10⁶.
//
// Glauber dynamics leaves out the self-coupling W_ii s_i from the field so
// that its stationary distribution is exactly the Boltzmann distribution
// p(s) ∝ exp(−E(s)/T); the deterministic rule keeps it (as in the
// literature on the pseudo-inverse rule, where large W_ii shrink the basins
// of attraction). The two differ only when the diagonal is non-zero.
//
// # Learning rules
//
//   - Hebbian: W_ij = (1/N) Σ_μ ξ_i^μ ξ_j^μ, W_ii = 0.
//   - Storkey (1997), one pattern at a time, for i ≠ j:
//     W_ij ← W_ij + (1/N)(ξ_iξ_j − ξ_i h_ji − h_ij ξ_j), with
//     h_ij = Σ_{k≠i,j} W_ik ξ_k computed from the weights before the pattern.
//     The diagonal is left as it is (zero for a network built here). Storing
//     patterns one at a time gives the same weights as storing them together.
//   - Pseudo-inverse (projection): W = X⁺X, the orthogonal projection onto
//     the span of the stored patterns (X is p×N, one pattern per row). For
//     linearly independent patterns this is X (XᵀX)⁻¹ Xᵀ in the column
//     convention; for dependent patterns it is the Moore–Penrose projection,
//     so every stored pattern is still a fixed point. Optionally the diagonal
//     is zeroed (ZeroDiagonal), which widens the basins.
//
// Store adds patterns to a network: Hebbian and Storkey update the weights
// incrementally; the pseudo-inverse is recomputed from all stored patterns,
// which the network keeps.
//
// # Randomness
//
// Every random draw (sweep orders, Glauber decisions, random patterns,
// noise) comes from a *tensor.Rand the caller seeds. Capacity experiments
// derive one generator per (pattern count, trial) from the seed, so their
// results do not depend on GOMAXPROCS or the number of workers — nor on
// running the trials in parts on several machines (CapacityOptions.Parts)
// and joining them with MergeCapacity.
//
// The package never prints and never exits: the CLI (ebm hopfield) wires it.
package hopfield
