// Package bench holds ebm's performance benchmarks: the float32 kernels of
// internal/tensor side by side with gonum's pure-Go BLAS on the shapes an
// RBM uses (go test -bench . ./bench), and rbm_vs_peers.sh, which times one
// epoch of `ebm rbm train` against scikit-learn and PyTorch. Results and the
// exact commands are in docs/performance.md. There is no library code here.
package bench
