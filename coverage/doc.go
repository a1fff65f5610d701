// Package coverage scores generated images by how well they cover the
// classes of a labelled data set: does a generative model draw every digit,
// in the data's proportions, without copying the training images?
//
// Each sample is thresholded at 0.5 (x ≥ 0.5 → 1, the rule of the
// threshold-binarized training data) and labelled by its nearest reference
// image in Hamming distance (ties: the lowest index). The nearest-neighbour
// classifier has nothing to fit, so nothing in it favours one class. The
// distances for a block of samples against all reference images come from
// one matrix product of 0/1 matrices, |a| + |b| − 2 a·b, exact in float32
// (the sums are integers below 2²⁴), so 1,000 samples against the 60,000
// MNIST training images take about a second.
//
// A [Report] gives the class counts and shares, the entropy of the class
// shares in bits (ten equally likely classes: log₂ 10 ≈ 3.32), the total
// variation ½ Σ_k |f_k − g_k| to the reference's label histogram g (the
// share of samples that would have to change class to match it), the
// median distance to the nearest reference image and the share of
// near-copies (distance below [DefaultNearCopy] pixels). A sample far from
// every reference image (a blob) still gets a label: read the entropy with
// the median distance. Real MNIST test digits against the training set:
// 3.31 bits, total variation 0.05, median distance 37, 9% near-copies.
package coverage
