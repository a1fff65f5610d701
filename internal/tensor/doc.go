// Package tensor is ebm's numeric core: a row-major float32 Matrix and every
// heavy kernel the models use — matrix products in all the layouts an RBM needs,
// sigmoid, softplus, log-sum-exp, Bernoulli sampling — and the seeded random
// source that all sampling draws from.
//
// All heavy arithmetic in ebm goes through this package so that a faster
// implementation (assembly micro-kernels, binary-aware products) can replace
// a kernel in one place without touching the models. Today the products call
// gonum's pure-Go BLAS (gonum.org/v1/gonum/blas/blas32), which is
// deterministic for a given GOMAXPROCS: every output block is summed by one
// goroutine in a fixed order.
package tensor
