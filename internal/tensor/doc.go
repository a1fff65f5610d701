// Package tensor is ebm's numeric core: a row-major float32 Matrix and every
// heavy kernel the models use — matrix products in all the layouts an RBM needs,
// sigmoid, softplus, log-sum-exp, row-wise softmax (SoftmaxRows), Bernoulli
// sampling, the momentum update —
// and the seeded random source that all sampling draws from.
//
// All heavy arithmetic in ebm goes through this package so that a faster
// implementation can replace a kernel in one place without touching the
// models.
//
// # Products
//
// Gemm is a packed, cache-blocked SGEMM (Goto/BLIS scheme: 6×16 micro-tiles,
// kc = 256, mc = 96) whose micro-kernel is AVX2/FMA assembly generated with
// avo (the generator is the separate module in asm/, outside the library's
// import graph; the generated kernels_amd64.s is committed). Products are
// split over GOMAXPROCS goroutines by output blocks only, never over the
// inner dimension. When op(a) holds only zeros and ones (binarized data,
// sampled states) Gemm gathers the rows of b selected by the ones instead, at
// a cost proportional to their number.
//
// Every path computes each element of c = alpha·op(a)·op(b) + beta·c with
// the same sequence of roundings:
//
//	s = 0 (beta = 0), c (beta = 1) or float32(beta·c);
//	for k = 0 … K−1: s = fma(float32(alpha·a_ik), b_kj, s);  c = s
//
// so the result is bit-identical on every machine, for every GOMAXPROCS, on
// the assembly and the portable Go path (fma32 emulates the fused
// multiply–add exactly), and for the dense and the binary-aware kernels (a
// zero term, fma(0, b, s) = s, changes nothing).
//
// # CPU dispatch
//
// The assembly kernels run when golang.org/x/sys/cpu reports AVX2, FMA and
// POPCNT on amd64; elsewhere, with the purego build tag, or after
// SetAccelerated(false), portable Go kernels give the same bits. Where the
// CPU also has AVX-512 F and DQ, the GEMM micro-kernel (two adjacent 6×16
// tiles in 12 zmm registers) and the gather kernel (12 zmm vectors, 192
// columns a pass) run on AVX-512 — the same fused multiply–adds in the same
// order per element, so the same bits again — and so do the element-wise
// kernels (sigmoid, the softplus sums, BernoulliFast, MomentumStep: 16
// float32 lanes, the last n mod 16 under an opmask; the float64 lane sums
// keep the AVX2 kernels' 8 lanes and order of additions): every element
// gets the operations of the AVX2 kernel in the same order, so the same
// bits, and BernoulliFast the same samples. SetAVX512(false) keeps
// everything on AVX2, SetAVX512Elementwise(false) only the element-wise
// kernels; the row softmax stays on AVX2. Tests run every path the machine
// has (Kernels reports which runs).
//
// # Parallelism
//
// Products and the batch-wide element-wise kernels (SigmoidBiasRows,
// SigmoidInto, BernoulliFast, ColumnSums, MomentumStep) are split over a
// persistent worker pool by output ranges only, so results never depend on
// GOMAXPROCS. A task counts the cores other tasks and OwnCore holders
// occupy and is split only over the free ones: goroutines that are
// parallel themselves (AIS chain groups, row blocks) run their kernels
// whole.
//
// # Element-wise kernels
//
// SigmoidFast/SigmoidInto/SigmoidBiasRows and SoftplusFast/SoftplusSumFast/
// SoftplusShiftSum are vectorized float32 approximations within 3 ulp of
// float64 math (see fast.go); Sigmoid32, SigmoidInPlace and SoftplusSum keep
// their exact float64-based definitions. (*Rand).BernoulliFast samples from
// a counter-based hash keyed by one generator draw per call; Bernoulli keeps
// its PCG stream.
package tensor
