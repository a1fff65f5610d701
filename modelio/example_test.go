package modelio_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/ebm-go/ebm/modelio"
)

func ExampleSave() {
	dir, err := os.MkdirTemp("", "modelio-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "rbm.safetensors")

	err = modelio.Save(path, &modelio.File{
		Metadata: map[string]string{"model": "rbm", "visible": "3", "hidden": "2"},
		Tensors: map[string]modelio.Tensor{
			"W":     {Shape: []int{3, 2}, Data: []float32{0.1, -0.2, 0.3, -0.4, 0.5, -0.6}},
			"vbias": {Shape: []int{3}, Data: []float32{0, 0, 0}},
			"hbias": {Shape: []int{2}, Data: []float32{-1, 1}},
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	f, err := modelio.Load(path)
	if err != nil {
		log.Fatal(err)
	}
	w, err := f.Require("W", 3, 2)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Kind(), w)

	_, err = f.Require("W", 2, 3)
	fmt.Println(err != nil)
	// Output:
	// rbm [0.1 -0.2 0.3 -0.4 0.5 -0.6]
	// true
}
