package main

import (
	"path/filepath"
	"testing"

	"github.com/ebm-go/ebm/internal/testutil"
)

// TestGoldenTrainFiles pins the bytes of the model files that
// `ebm rbm train` writes for Bernoulli RBMs with fixed seeds (data, metadata
// and all), recorded before the CLI was split into one file per command and
// the RBM families were joined: the refactor must not change them.
func TestGoldenTrainFiles(t *testing.T) {
	// Checkpoints hold the per-epoch history with its timings, so only the
	// model files are pinned here (rbm's golden test pins checkpoints).
	want := map[string]string{
		"pcd": "b3a3a65fa76af157",
		"cd":  "0529182e9ecb129f",
		"pt":  "05a2972af0fa5bfe", // per-temperature PT streams since 2026-12-02 (was c532c0c5…)
	}
	for method, w := range want {
		dir := t.TempDir()
		model := filepath.Join(dir, "m.safetensors")
		args := []string{"rbm", "train", "--data", "mnist:300", "--hidden", "16", "--epochs", "2", "--batch", "50",
			"--method", method, "--seed", "5", "--out", model, "-q"}
		if method == "pt" { // --temperatures applies to pt only (the recorded hashes ran with 3)
			args = append(args, "--temperatures", "3")
		}
		mustRun(t, args...)
		if got := testutil.FileHash(t, model); got != w {
			t.Errorf("%s: model sha256 = %q, want %q", method, got, w)
		}
	}
}
