package serve_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/ebm-go/ebm/rbm"
	"github.com/ebm-go/ebm/serve"
)

// A server is an http.Handler: mount it, or run it with NewHTTPServer.
// Here a client stores three ±1 patterns of 16 units in a pseudo-inverse
// network (zero diagonal) and streams the recall of a cue with three units
// wrong.
func ExampleNew() {
	srv, err := serve.New(serve.Config{RBM: rbm.New(784, 16), RBMSource: "example"})
	if err != nil {
		log.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	req, _ := json.Marshal(map[string]any{
		"kind": "classical", "rule": "pinv", "zero_diagonal": true,
		"patterns": [][]int{
			{1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1, -1},
			{1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1},
			{1, 1, -1, -1, 1, 1, -1, -1, 1, 1, -1, -1, 1, 1, -1, -1},
		},
		// Pattern 0 with its last three units flipped.
		"state": []int{1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, 1, 1, 1},
		"seed":  1, "flips": true,
	})
	resp, err := http.Post(ts.URL+"/api/hopfield/recall", "application/json", bytes.NewReader(req))
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var line struct {
			Type    string
			Sweep   int
			Energy  float64
			Flips   [][3]float64
			Nearest int
			Overlap float64
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			log.Fatal(err)
		}
		switch line.Type {
		case "start":
			fmt.Printf("start: E = %.3f\n", line.Energy)
		case "sweep":
			fmt.Printf("sweep %d: %d flips, E = %.3f\n", line.Sweep, len(line.Flips), line.Energy)
		case "done":
			fmt.Printf("done: pattern %d, overlap %.2f\n", line.Nearest, line.Overlap)
		}
	}
	// Output:
	// start: E = -1.875
	// sweep 1: 3 flips, E = -6.500
	// sweep 2: 0 flips, E = -6.500
	// done: pattern 0, overlap 1.00
}
