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
// Chains run in groups of GroupSize, group g drawing from the g-th split of
// the seed's stream, so results do not depend on GOMAXPROCS. A run can be
// split into parts at group boundaries (Options.Parts, EvalOptions.Parts),
// one per machine: the parts draw what one run draws, and FromLogWeights,
// SummarizeRAISE and MergeEvaluations turn their joined log weights into
// exactly the result of one run.
package estimate
