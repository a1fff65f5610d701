// Package deep implements deep energy-based models on continuous data: an
// energy E_θ(x) computed by a small multilayer perceptron, sampled with
// Langevin dynamics (unadjusted or MALA) or Hamiltonian Monte Carlo, and
// trained by contrastive divergence on sampled negatives (Du & Mordatch
// 2019; Nijkamp et al. 2019), by noise-contrastive estimation against a
// Gaussian (Gutmann & Hyvärinen 2010), or by denoising (Vincent 2011) or
// sliced (Song et al. 2019) score matching, whose parameter gradients come
// from an exact second-order forward pass and a reverse pass over it
// ([Net.HessianVector]). [ToyDefaults] holds the measured training
// settings for each built-in 2-D set.
//
// The model defines the density p_θ(x) = exp(−E_θ(x)) / Z(θ). In two
// dimensions Z is computed numerically on a grid (see [Grid]), so the test
// negative log-likelihood of a learned model, and its KL divergence from a
// known true density, are exact up to grid error.
//
// On image data (MNIST, [Data.Image]) short-run chains start from uniform
// noise on the pixel range ([ImageBox]); [ImageConfig], [ImageHidden],
// [ImageQuadratic] and [ImageIters] are the settings `ebm deep train` uses
// there, and [Net.Quad] adds the fixed quadratic term that lets the chains
// shed the noise an MLP's first layer does not see.
//
// [LoadData] loads a training set with its held-out test set and noise box,
// [Fit] runs a whole training and grid evaluation (its [Fitted] result
// saves the model, draws its picture and sums it up as a [Summary]),
// [Config.Metadata] and [RecordedSampler] write and read the training
// settings a model file records, and [DensityPicture] and
// [HistogramPicture] draw what a 2-D model learned.
//
// Conventions:
//   - Energies, inputs and parameters are float32 ([tensor.Matrix]);
//     everything summed over many terms (log Z, likelihoods, Adam moments'
//     bias corrections, Metropolis ratios) is float64.
//   - Every random draw comes from a caller-seeded [tensor.Rand]; the same
//     seed and GOMAXPROCS give the same run.
//   - Gradients are derived by hand (backpropagation through the MLP) for
//     both ∂E/∂x (sampling) and ∂E/∂θ (learning), and so are the Hessian-
//     vector products and score-matching gradients; all are tested against
//     finite differences.
//   - A [Net] keeps scratch buffers and is not safe for concurrent use.
//   - The package never prints.
package deep
