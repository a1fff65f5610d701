package hopfield

import (
	"math"
	"runtime"
	"testing"

	"github.com/ebm-go/ebm/internal/tensor"
)

// storkeyTol bounds |W_float32 − W_exact| after storing p patterns in a
// network of n neurons, where wmax is the largest |W_ij| and rmax the
// largest row norm ‖W_i‖₂ seen along the exact trajectory. With u = 2⁻²⁴:
//
//   - Each pattern rounds every weight to float32 once (storkeyStep; in
//     storkeyBlock the float32 rounding of L and R and the 2B-term sum of
//     the update, shared by the B patterns of the block): ≤ u·wmax.
//   - The field a_j is a sum of n terms W_jk ξ_k; in float32 (the block's
//     product F) the error, with independent roundings of size ≤ u on
//     partial sums of size ≈ ‖W_j‖₂, is ≈ √n·u·rmax. It enters ΔW_ij =
//     −(ξ_i a_j + a_i ξ_j)/n twice: 2u·rmax/√n.
//   - An error E already in W passes to the next step as cE − (ξ(Eξ)ᵀ +
//     (Eξ)ξᵀ)/n = PEP − qΠ + (2/n)E with Π = ξξᵀ/n, P = I − Π and
//     q = ξᵀEξ/n, whose norm is ≤ c‖E‖ (PEP and qΠ act on orthogonal
//     subspaces): earlier errors grow by at most c^p = (1 + 2/n)^p.
//
// Summing p local errors: c^p·p·u·(wmax + 2·rmax/√n), and a factor 2 for
// the batched path's extra roundings (L and R, and the 2B-term sum).
func storkeyTol(n, p int, wmax, rmax float64) float64 {
	const u = 1.0 / (1 << 24)
	c := math.Pow(1+2/float64(n), float64(p))
	return 2 * c * float64(p) * u * (wmax + 2*rmax/math.Sqrt(float64(n)))
}

// symStart returns an n×n symmetric matrix with N(0, 0.3²) entries
// (diagonal included, which the rule must leave alone), or zeros.
func symStart(n int, random bool, rng *tensor.Rand) *tensor.Matrix {
	w := tensor.New(n, n)
	if random {
		for i := 0; i < n; i++ {
			for j := i; j < n; j++ {
				v := float32(rng.NormFloat64() * 0.3)
				w.Set(i, j, v)
				w.Set(j, i, v)
			}
		}
	}
	return w
}

// storeBlocks stores the rows of x in w with storkeyBlock, in blocks of
// at most bs patterns.
func storeBlocks(w, x *tensor.Matrix, bs, par int) {
	var ws storkeyScratch
	for mu := 0; mu < x.Rows; mu += bs {
		storkeyBlock(w, x.SliceRows(mu, min(mu+bs, x.Rows)), par, &ws)
	}
}

func maxAbsDiff(w *tensor.Matrix, ref [][]float64) float64 {
	var d float64
	for i := range ref {
		for j, v := range ref[i] {
			d = max(d, math.Abs(float64(w.At(i, j))-v))
		}
	}
	return d
}

func checkSymmetricDiag(t *testing.T, name string, w, w0 *tensor.Matrix) {
	t.Helper()
	n := w.Rows
	for i := 0; i < n; i++ {
		if w.At(i, i) != w0.At(i, i) {
			t.Fatalf("%s: diagonal changed at %d: %v → %v", name, i, w0.At(i, i), w.At(i, i))
		}
		for j := 0; j < i; j++ {
			if w.At(i, j) != w.At(j, i) {
				t.Fatalf("%s: not exactly symmetric at (%d,%d): %v vs %v", name, i, j, w.At(i, j), w.At(j, i))
			}
		}
	}
}

// TestStorkeyBlockMatchesBruteForce: the batched rule against the float64
// triple loop, from an empty network and from a random symmetric start
// with a non-zero diagonal, for N = 20 … 180 and P = N/4, as one block and
// in uneven blocks, within storkeyTol; W exactly symmetric and its
// diagonal unchanged. The test has power: storing the same patterns with
// the last two swapped (a different, valid Storkey network) must differ
// from the reference by more than 10× the tolerance.
func TestStorkeyBlockMatchesBruteForce(t *testing.T) {
	for _, c := range []struct {
		n      int
		random bool
	}{{20, true}, {50, false}, {100, true}, {180, false}} {
		rng := tensor.NewRand(uint64(c.n))
		n, p := c.n, c.n/4
		w0 := symStart(n, c.random, rng)
		x := RandomPatterns(p, n, rng)
		ref := toF64(w0)
		var wmax, rmax float64
		var swapped [][]float64
		for mu := 0; mu <= p; mu++ {
			for i := range ref {
				var r2 float64
				for _, v := range ref[i] {
					wmax = max(wmax, math.Abs(v))
					r2 += v * v
				}
				rmax = max(rmax, math.Sqrt(r2))
			}
			if mu == p-2 {
				swapped = storkeyBrute(storkeyBrute(ref, row64(x.Row(p-1))), row64(x.Row(p-2)))
			}
			if mu < p {
				ref = storkeyBrute(ref, row64(x.Row(mu)))
			}
		}
		tol := storkeyTol(n, p, wmax, rmax)
		var far float64
		for i := range ref {
			for j := range ref[i] {
				far = max(far, math.Abs(swapped[i][j]-ref[i][j]))
			}
		}
		if far < 10*tol {
			t.Fatalf("N=%d: swapping two patterns moves W by %g, tolerance %g: the test has no power", n, far, tol)
		}
		for _, bs := range []int{p, 7} {
			w := w0.Clone()
			storeBlocks(w, x, bs, 1)
			if d := maxAbsDiff(w, ref); d > tol {
				t.Errorf("N=%d P=%d blocks of %d (random start %v): max |W − brute force| = %g > %g",
					n, p, bs, c.random, d, tol)
			} else {
				t.Logf("N=%d P=%d blocks of %d: error %.3g, tolerance %.3g, swap %.3g", n, p, bs, d, tol, far)
			}
			checkSymmetricDiag(t, "batched", w, w0)
		}
	}
}

// TestStorkeyBlockMatchesSequential: the batched store (storkeyStore, the
// blocks Store uses, and single blocks of up to N/4) against storkeyStep
// pattern by pattern, for sizes too large for the brute force. Both carry
// the rounding errors of storkeyTol, so they differ by at most twice that;
// wmax and rmax come from the sequential result (the trajectory's norms
// grow with p, so the final ones are the largest up to rounding).
func TestStorkeyBlockMatchesSequential(t *testing.T) {
	for _, c := range []struct{ n, p, bs int }{{300, 75, 75}, {500, 130, 0}, {784, 100, 0}} {
		rng := tensor.NewRand(uint64(c.n + c.p))
		w0 := symStart(c.n, c.n == 300, rng)
		x := RandomPatterns(c.p, c.n, rng)
		seq := w0.Clone()
		ws := make([]float64, 2*c.n)
		for mu := 0; mu < c.p; mu++ {
			storkeyStep(seq, x.Row(mu), ws, workers())
		}
		bat := w0.Clone()
		if c.bs > 0 {
			storeBlocks(bat, x, c.bs, workers())
		} else {
			storkeyStore(bat, x, workers())
		}
		checkSymmetricDiag(t, "batched", bat, w0)
		var wmax, rmax, d float64
		for i := 0; i < c.n; i++ {
			var r2 float64
			for j := 0; j < c.n; j++ {
				v := math.Max(math.Abs(float64(seq.At(i, j))), math.Abs(float64(w0.At(i, j))))
				wmax = max(wmax, v)
				r2 += v * v
				d = max(d, math.Abs(float64(seq.At(i, j))-float64(bat.At(i, j))))
			}
			rmax = max(rmax, math.Sqrt(r2))
		}
		tol := 2 * storkeyTol(c.n, c.p, wmax, rmax)
		if d > tol {
			t.Errorf("N=%d P=%d: max |batched − sequential| = %g > %g", c.n, c.p, d, tol)
		} else {
			t.Logf("N=%d P=%d: max |batched − sequential| = %.3g, tolerance %.3g", c.n, c.p, d, tol)
		}
	}
}

// TestStorkeyBlockGOMAXPROCS: Store with Storkey gives bit-identical
// weights for GOMAXPROCS 1, 2 and 3 (the products and the row loops split
// only outputs), for a size with several full blocks, a shorter block and
// a tail stored pattern by pattern.
func TestStorkeyBlockGOMAXPROCS(t *testing.T) {
	const n = 600
	p := 2*storkeyBlockSize(n) + 20 + storkeyMinBlock - 1
	rng := tensor.NewRand(17)
	x := RandomPatterns(p, n, rng)
	// Two full blocks and a block of 20, then a tail of storkeyMinBlock − 1
	// patterns stored one at a time.
	x1, x2 := x.SliceRows(0, p-storkeyMinBlock+1), x.SliceRows(p-storkeyMinBlock+1, p)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var first *Network
	for _, procs := range []int{1, 2, 3} {
		runtime.GOMAXPROCS(procs)
		net := mustNet(t, n, Storkey)
		if err := net.store(x1, procs); err != nil {
			t.Fatal(err)
		}
		if err := net.store(x2, procs); err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = net
			continue
		}
		for k, v := range net.W.Data {
			if v != first.W.Data[k] {
				t.Fatalf("GOMAXPROCS %d: W differs from GOMAXPROCS 1 at %d: %v vs %v", procs, k, v, first.W.Data[k])
			}
		}
	}
}
