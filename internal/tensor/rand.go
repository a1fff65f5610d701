package tensor

import (
	"encoding/base64"
	"errors"
	"math/rand/v2"
	"sync"
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
	s := NewRand(0)
	s.Reseed(r)
	return s
}

// Reseed sets r to a new independent stream seeded from two draws of from
// (the state Split would give), without allocating: for per-worker sources
// reused step after step.
func (r *Rand) Reseed(from *Rand) { r.src.Seed(from.Uint64(), from.Uint64()) }

// MarshalBinary returns the generator's state.
func (r *Rand) MarshalBinary() ([]byte, error) { return r.src.MarshalBinary() }

// UnmarshalBinary restores a state returned by MarshalBinary.
func (r *Rand) UnmarshalBinary(b []byte) error { return r.src.UnmarshalBinary(b) }

// MarshalText returns the generator's state in base64: the form training
// checkpoints keep in their metadata ("rng_state").
func (r *Rand) MarshalText() ([]byte, error) {
	b, err := r.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.AppendEncode(nil, b), nil
}

// UnmarshalText restores a state returned by MarshalText.
func (r *Rand) UnmarshalText(s []byte) error {
	b, err := base64.StdEncoding.DecodeString(string(s))
	if err != nil {
		return errors.New("not base64")
	}
	return r.UnmarshalBinary(b)
}

const inv24 = 1.0 / (1 << 24)

// Bernoulli sets dst[i] = 1 with probability p[i], else 0. Two 24-bit
// uniforms come from each 64-bit draw, so sampling costs about half a
// generator call per unit. p outside [0,1] behaves as its clamp.
func (r *Rand) Bernoulli(dst, p []float32) {
	dst = dst[:len(p)]
	n := len(p)
	i := 0
	p = p[:n]
	for ; i+1 < n; i += 2 {
		u := r.src.Uint64()
		u0 := float32(u>>40) * inv24
		u1 := float32((u>>8)&0xffffff) * inv24
		dst[i] = lessf(u0, p[i])
		dst[i+1] = lessf(u1, p[i+1])
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

// lessf returns 1 if u < p else 0, without a branch (a sampled unit is a
// coin flip the branch predictor cannot learn).
func lessf(u, p float32) float32 {
	var b uint32
	if u < p {
		b = 1
	}
	return float32(b)
}

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

// Fast Bernoulli sampling. BernoulliFast draws one 64-bit key from the
// generator per call and derives unit i's uniform from a counter-based hash
// of (key, i), 8 lanes at a time in the AVX2 kernel, 16 in the AVX-512 one
// and identically in portable Go:
//
//	x = i·0x9E3779B9 + key_lo;  x = mix(x);  x ^= key_hi;  x = mix(x)
//	mix(x): x ^= x>>16; x *= 0x7feb352d; x ^= x>>15; x *= 0x846ca68b; x ^= x>>16
//	u_i = (x>>8)·2⁻²⁴;  dst[i] = 1 if u_i < p[i] else 0
//
// (mix is C. Wellons' low-bias 32-bit integer hash). Every call advances the
// generator by exactly one draw, so the stream stays reproducible and
// MarshalBinary still captures it. Each p is resolved to 2⁻²⁴, as in
// Bernoulli.

// BernoulliFast sets dst[i] = 1 with probability p[i], else 0, like
// Bernoulli but from a different stream and several times faster (see
// above). p outside [0,1] behaves as its clamp.
func (r *Rand) BernoulliFast(dst, p []float32) {
	r.BernoulliKey().Sample(dst, p, 0)
}

// BernoulliKey is the key of one BernoulliFast call: the generator draw
// from which the uniforms of all its units derive.
type BernoulliKey uint64

// BernoulliKey draws a key, advancing r exactly as BernoulliFast does.
func (r *Rand) BernoulliKey() BernoulliKey { return BernoulliKey(r.src.Uint64()) }

// Sample sets dst[i] = 1 with probability p[i] by unit first+i of k's
// stream: the bits BernoulliFast gives those units when it draws k, so a
// batch can be sampled in blocks of rows (on different goroutines) with the
// result of one call.
func (k BernoulliKey) Sample(dst, p []float32, first int) {
	// Unit i's uniform depends on (key, i) only, so ranges of units can be
	// sampled on different goroutines with the same result.
	parallelFor(&bernoulliTasks, bernoulliArgs{dst: dst[:len(p)], p: p, k0: uint32(k), k1: uint32(k >> 32), first: first},
		func(a *bernoulliArgs, lo, hi int) {
			bernoulliUnits(a.dst[lo:hi], a.p[lo:hi], a.k0, a.k1, a.first+lo)
		}, len(p), 64, 4*float64(len(p)))
}

// SampleRows samples the block dst from p (same shape) on the calling
// goroutine, element (r, j) by unit first + r·ld + j of k's stream. With
// ld the row length of a batch and first the block's offset in it, a
// block of columns (or of rows, ld = Cols) gets the bits BernoulliFast
// gives those units of the whole batch.
func (k BernoulliKey) SampleRows(dst, p *Matrix, first, ld int) {
	mustSameShape("SampleRows", dst, p)
	for r := range p.Rows {
		bernoulliUnits(dst.Row(r), p.Row(r), uint32(k), uint32(k>>32), first+r*ld)
	}
}

// SampleCols samples columns [c0, c1) of every row of dst from p (same
// shape) on the calling goroutine, element (r, c) by unit first + r·Cols +
// c of k's stream: the bits that sampling the whole matrix at first gives
// those elements.
func (k BernoulliKey) SampleCols(dst, p *Matrix, c0, c1, first int) {
	mustSameShape("SampleCols", dst, p)
	if c0 < 0 || c1 > p.Cols || c0 > c1 {
		panic("tensor.SampleCols: bad columns")
	}
	for r := range p.Rows {
		bernoulliUnits(dst.Row(r)[c0:c1], p.Row(r)[c0:c1], uint32(k), uint32(k>>32), first+r*p.Cols+c0)
	}
}

// bernoulliUnits samples units first, first+1, … of the stream keyed by
// (k0, k1) into dst.
func bernoulliUnits(dst, p []float32, k0, k1 uint32, first int) {
	for i := 0; i < len(p); {
		g := first + i
		chunk := g >> 30 // a new stream for each 2³⁰ units
		end := min(len(p), (chunk+1)<<30-first)
		// Counter g − chunk·2³⁰: the hash's i·0x9E3779B9 + k0 with the
		// first index of the range folded into k0.
		kg := k0 + uint32(chunk)*0x6a09e667 + uint32(g-chunk<<30)*0x9e3779b9
		bernoulliHash(dst[i:end], p[i:end], kg, k1)
		i = end
	}
}

var bernoulliTasks sync.Pool

type bernoulliArgs struct {
	dst, p []float32
	k0, k1 uint32
	first  int
}

func bernoulliHash(dst, p []float32, k0, k1 uint32) {
	dst = dst[:len(p)]
	i := 0
	if elemAVX512() && len(p) > 0 {
		// Every unit, the last len(p) mod 16 under a mask.
		bernoulliHash16(&dst[0], &p[0], len(p), k0, k1, tail16(len(p)))
		return
	}
	if accelerated && len(p) >= 8 {
		i = len(p) &^ 7
		bernoulliHash8(&dst[0], &p[0], i, k0, k1)
	}
	for ; i < len(p); i++ {
		dst[i] = lessf(hashUniform(uint32(i), k0, k1), p[i])
	}
}

func hashMix(x uint32) uint32 {
	x ^= x >> 16
	x *= 0x7feb352d
	x ^= x >> 15
	x *= 0x846ca68b
	x ^= x >> 16
	return x
}

func hashUniform(i, k0, k1 uint32) float32 {
	x := hashMix(i*0x9e3779b9 + k0)
	x = hashMix(x ^ k1)
	return float32(x>>8) * inv24
}
