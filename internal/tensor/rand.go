package tensor

import (
	"math/rand/v2"
)

// Rand is the seeded random source every sampler in ebm draws from. It is a
// PCG generator (math/rand/v2) whose full state can be saved and restored
// (MarshalBinary / UnmarshalBinary), so a resumed training run continues the
// same stream. A Rand is not safe for concurrent use.
type Rand struct {
	src *rand.PCG
	*rand.Rand
}

// NewRand returns a source seeded with seed. The same seed gives the same
// stream on every platform.
func NewRand(seed uint64) *Rand {
	src := rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)
	return &Rand{src: src, Rand: rand.New(src)}
}

// Split returns a new independent source seeded from r's stream, for work
// that must not perturb r (or that runs in parallel, one source per worker).
func (r *Rand) Split() *Rand {
	a, b := r.Uint64(), r.Uint64()
	src := rand.NewPCG(a, b)
	return &Rand{src: src, Rand: rand.New(src)}
}

// MarshalBinary returns the generator's state.
func (r *Rand) MarshalBinary() ([]byte, error) { return r.src.MarshalBinary() }

// UnmarshalBinary restores a state returned by MarshalBinary.
func (r *Rand) UnmarshalBinary(b []byte) error { return r.src.UnmarshalBinary(b) }

const inv24 = 1.0 / (1 << 24)

// Bernoulli sets dst[i] = 1 with probability p[i], else 0. Two 24-bit
// uniforms come from each 64-bit draw, so sampling costs about half a
// generator call per unit. p outside [0,1] behaves as its clamp.
func (r *Rand) Bernoulli(dst, p []float32) {
	dst = dst[:len(p)]
	n := len(p)
	i := 0
	for ; i+1 < n; i += 2 {
		u := r.src.Uint64()
		u0 := float32(u>>40) * inv24
		u1 := float32((u>>8)&0xffffff) * inv24
		dst[i] = b2f(u0 < p[i])
		dst[i+1] = b2f(u1 < p[i+1])
	}
	if i < n {
		u := float32(r.src.Uint64()>>40) * inv24
		dst[i] = b2f(u < p[i])
	}
}

// Normal fills dst with draws from N(mean, std²).
func (r *Rand) Normal(dst []float32, mean, std float32) {
	for i := range dst {
		dst[i] = mean + std*float32(r.NormFloat64())
	}
}

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}
