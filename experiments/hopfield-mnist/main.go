// MNIST demo of the three kinds of Hopfield memory: store the first 1,000
// training digits (thresholded at 0.5, ±1), query with the lower half
// masked or 30% of the pixels flipped, and draw query → classical (Hebbian)
// → dense (exp) → continuous (β = 1) results. Run from the repository root:
//
//	go run ./experiments/hopfield-mnist docs/hopfield-modern-mnist.png
//
// It prints, over 200 queries of each type, the fraction recalled exactly
// and the mean overlap with the stored digit.
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/hopfield"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/viz"
)

func main() {
	out := "hopfield-modern-mnist.png"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	set, err := dataset.Load("mnist:1000", dataset.Options{})
	if err != nil {
		log.Fatal(err)
	}
	x := set.X.Clone()
	if err := dataset.Binarize(x, "threshold", 0); err != nil {
		log.Fatal(err)
	}
	if x, err = hopfield.BipolarMatrix(x); err != nil {
		log.Fatal(err)
	}
	n := x.Cols
	classical, _ := hopfield.NewNetwork(n, hopfield.Hebbian)
	dense, _ := hopfield.NewDense(n, hopfield.Interaction{Kind: hopfield.Exp}, 1)
	cont, _ := hopfield.NewContinuous(n, 1)
	for _, m := range []hopfield.Memory{classical, dense, cont} {
		if err := m.Store(x); err != nil {
			log.Fatal(err)
		}
	}
	ctx := context.Background()
	rng := tensor.NewRand(1)
	query := func(k int, masked bool) (bin, real []float32) {
		bin = append([]float32(nil), x.Row(k)...)
		real = append([]float32(nil), bin...)
		if masked {
			for j := n / 2; j < n; j++ {
				bin[j], real[j] = -1, 0 // binary kinds: background; continuous: unknown
			}
		} else {
			hopfield.Corrupt(bin, 0.3, rng)
			copy(real, bin)
		}
		return bin, real
	}
	recall := func(k int, masked bool) [][]float32 {
		bin, real := query(k, masked)
		a, err := classical.Recall(ctx, bin, hopfield.RecallOptions{Rand: rng})
		if err != nil {
			log.Fatal(err)
		}
		b, err := dense.Recall(ctx, bin, hopfield.RecallOptions{Rand: rng})
		if err != nil {
			log.Fatal(err)
		}
		c, err := cont.Recall(ctx, real, hopfield.RecallOptions{})
		if err != nil {
			log.Fatal(err)
		}
		return [][]float32{x.Row(k), real, a.Final, b.Final, hopfield.Sign(c.Final)}
	}
	// Statistics over 200 queries of each type.
	for _, masked := range []bool{true, false} {
		var exact [3]int
		var ov [3]float64
		const q = 200
		for k := 0; k < q; k++ {
			r := recall(k*5, masked)
			for i := 0; i < 3; i++ {
				m := hopfield.Overlap(x.Row(k*5), r[2+i])
				ov[i] += m / q
				if m == 1 {
					exact[i]++
				}
			}
		}
		what := "30% flipped"
		if masked {
			what = "lower half masked"
		}
		fmt.Printf("%s: exact recall classical %d/%d, dense exp %d/%d, continuous %d/%d; mean overlap %.3f, %.3f, %.3f\n",
			what, exact[0], q, exact[1], q, exact[2], q, ov[0], ov[1], ov[2])
	}
	// The picture: 5 digits × 2 query types, columns stored, query,
	// classical, dense, continuous.
	var rows [][]float32
	for _, masked := range []bool{true, false} {
		for _, k := range []int{0, 7, 19, 42, 123} {
			rows = append(rows, recall(k, masked)...)
		}
	}
	m := tensor.New(len(rows), n)
	for i, r := range rows {
		for j, v := range r {
			m.Set(i, j, (v+1)/2) // ±1 → black/white; a masked 0 shows grey
		}
	}
	img, err := viz.Grid(m, set.H, set.W, viz.GridOptions{Cols: 5, Scale: 2, Pad: 2})
	if err != nil {
		log.Fatal(err)
	}
	if err := viz.SavePNG(out, img); err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote", out)
}
