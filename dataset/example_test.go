package dataset_test

import (
	"fmt"
	"log"

	"github.com/ebm-go/ebm/dataset"
)

func ExampleLoad() {
	s, err := dataset.Load("bars:4x4", dataset.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d patterns of %d pixels (%d×%d)\n", s.Name, s.Len(), s.Dim(), s.H, s.W)
	if err := s.CheckRange(0, 1); err != nil {
		log.Fatal(err)
	}
	train, held := s.Split(24)
	fmt.Println(train.Len(), held.Len())
	// Output:
	// bars:4x4: 30 patterns of 16 pixels (4×4)
	// 24 6
}
