// Package tensor is the public face of ebm's numeric core: the float32
// Matrix that data sets, models and features are made of, and the seeded
// random source every sampler draws from. The kernels themselves live in
// ebm/internal/tensor, where they can change freely; the types here are
// aliases of those, so values pass between this package and every ebm API
// without conversion.
//
//	rng := tensor.NewRand(42)         // the same seed gives the same run
//	x := tensor.New(100, 784)         // row-major float32, x.Row(i) is row i
package tensor

import internal "github.com/ebm-go/ebm/internal/tensor"

// Matrix is a dense row-major float32 matrix: row i is
// Data[i*Cols : (i+1)*Cols].
type Matrix = internal.Matrix

// Rand is a seeded PCG random source whose state can be saved
// (MarshalBinary) and restored; it is not safe for concurrent use.
type Rand = internal.Rand

// New returns a zeroed r×c matrix.
func New(r, c int) *Matrix { return internal.New(r, c) }

// FromSlice wraps data (not copied) as an r×c matrix; len(data) must be r·c.
func FromSlice(r, c int, data []float32) *Matrix { return internal.FromSlice(r, c, data) }

// NewRand returns a random source seeded with seed.
func NewRand(seed uint64) *Rand { return internal.NewRand(seed) }
