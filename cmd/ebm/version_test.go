package main

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/internal/buildinfo"
	"github.com/ebm-go/ebm/internal/tensor"
)

func TestVersion(t *testing.T) {
	k := tensor.Kernels()
	out := mustRun(t, "version")
	for _, want := range []string{runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH, "GOMAXPROCS", "kernels  " + k.Name + " "} {
		if !strings.Contains(out, want) {
			t.Errorf("ebm version does not say %q:\n%s", want, out)
		}
	}
	var b buildinfo.Info
	out = mustRun(t, "version", "--json")
	if err := json.Unmarshal([]byte(out), &b); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if b.Go != runtime.Version() || b.Arch != runtime.GOARCH || b.GOMAXPROCS != runtime.GOMAXPROCS(0) || b.Version == "" || b.Kernels.Name != k.Name {
		t.Errorf("ebm version --json: %+v", b)
	}
	// The portable build (-tags purego, or a CPU without AVX2/FMA) says so.
	if !tensor.CanAccelerate() && (b.Kernels.Name == "avx2-fma" || len(b.Kernels.Uses) > 1) {
		t.Errorf("portable kernels reported as %+v", b.Kernels)
	}
	if !strings.Contains(out, `"kernels": {`) || !strings.Contains(out, `"uses": [`) {
		t.Errorf("JSON keys:\n%s", out)
	}
}
