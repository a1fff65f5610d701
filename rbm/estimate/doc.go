// Package estimate measures restricted Boltzmann machines: the partition
// function by annealed importance sampling (AIS, Salakhutdinov & Murray
// 2008) with error bars, its reverse (RAISE, Burda, Grosse & Salakhutdinov
// 2015) as a conservative counterpart, and log-likelihoods built on them.
// Exact log Z for small models is rbm.(*RBM).ExactLogZ.
//
// AIS gives an unbiased estimate of Z, so E[log Ẑ] ≤ log Z: it tends to
// under-estimate log Z and over-estimate the likelihood. RAISE gives an
// unbiased estimate of each test example's probability under an
// "annealing model", so its log is a stochastic lower bound on the
// log-likelihood — equivalently an upper estimate of log Z. Together they
// bracket the truth. All log-domain sums are float64.
//
// # Concurrency and determinism
//
// Chains run in groups of GroupSize (25), each group with its own random
// source split from the seed (group g draws from the g-th split), each
// group start to end on one goroutine (up to GOMAXPROCS groups at a time);
// a group's products then run whole on its goroutine rather than split
// again. Results depend on the seed only, not on GOMAXPROCS or the
// scheduling. The chains' states are those of every earlier release for a
// given seed; the log weights changed in December 2026 (Σ softplus by
// tensor.SoftplusSum64: vectorized e^x, lane products, one logarithm per
// lane) by about 10⁻¹¹ nats over 300 steps — float64 rounding, not a
// different estimate — and are the same on every path (AVX2, AVX-512 or
// portable Go) and GOMAXPROCS.
//
// A run can be split into parts at group boundaries (Options.Parts,
// EvalOptions.Parts), one per machine: the parts draw what one run draws,
// and FromLogWeights, SummarizeRAISE and MergeEvaluations turn their joined
// log weights into exactly the result of one run.
package estimate
