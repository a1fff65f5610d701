package viz_test

import (
	"fmt"
	"log"

	"github.com/ebm-go/ebm/tensor"
	"github.com/ebm-go/ebm/viz"
)

func ExampleGrid() {
	// Two 2×2 images, one per row.
	m := tensor.FromSlice(2, 4, []float32{
		0, 1,
		1, 0,

		0.5, 0.5,
		0, 1,
	})
	img, err := viz.Grid(m, 2, 2, viz.GridOptions{})
	if err != nil {
		log.Fatal(err)
	}
	// 1-pixel grey frame and gap: 1 + 2·(2+1) wide, 1 + (2+1) high.
	fmt.Println(img.Bounds().Dx(), "x", img.Bounds().Dy())
	for y := 0; y < img.Bounds().Dy(); y++ {
		fmt.Println(img.Pix[y*img.Stride : y*img.Stride+img.Bounds().Dx()])
	}
	// Output:
	// 7 x 4
	// [128 128 128 128 128 128 128]
	// [128 0 255 128 128 128 128]
	// [128 255 0 128 0 255 128]
	// [128 128 128 128 128 128 128]
}
