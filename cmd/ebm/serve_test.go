package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ebm-go/ebm/internal/testutil"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeCLI starts `ebm serve` on a free port with loaded models, asks
// the API what it holds, and stops it by cancelling its context (Ctrl-C).
func TestServeCLI(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "rbm.safetensors")
	mustRun(t, "rbm", "train", "--data", "mnist:200", "--hidden", "12", "--epochs", "1", "--out", model, "-q")
	net := filepath.Join(dir, "net.safetensors")
	mustRun(t, "hopfield", "store", "--patterns", "mnist:20", "--rows", "1,3,5", "--rule", "storkey", "--out", net)
	mem := filepath.Join(dir, "mem.safetensors")
	mustRun(t, "hopfield", "store", "--kind", "dense", "--interaction", "poly:3", "--patterns", "mnist:20", "--rows", "1,3,5,7", "--out", mem)

	var out, errb syncBuffer
	root := newRoot(&out, &errb)
	root.SetArgs([]string{"serve", "--addr", "127.0.0.1:0", "--rbm", model, "--hopfield", net, "--memory", mem})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	re := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`)
	var addr string
	for deadline := time.Now().Add(30 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(errb.String()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		cancel()
		t.Fatalf("no address announced; stderr: %s", errb.String())
	}
	resp, err := http.Get("http://" + addr + "/api/info")
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		RBM struct {
			NHidden int `json:"n_hidden"`
			Source  string
		}
		Hopfield struct {
			Rule     string
			Patterns int
		}
		Memory struct {
			Kind, Interaction string
			Patterns          int
		}
	}
	err = json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if info.RBM.NHidden != 12 || info.RBM.Source != model || info.Hopfield.Rule != "storkey" || info.Hopfield.Patterns != 3 ||
		info.Memory.Kind != "dense" || info.Memory.Interaction != "poly:3" || info.Memory.Patterns != 4 {
		t.Fatalf("info: %+v", info)
	}
	testutil.Stopped(t, cancel, done, "serve")
	if !strings.Contains(errb.String(), "shutting down") {
		t.Fatalf("stderr: %s", errb.String())
	}
}

func TestServeCLIErrors(t *testing.T) {
	dir := t.TempDir()
	net := filepath.Join(dir, "net.safetensors")
	mustRun(t, "hopfield", "store", "--patterns", "mnist:20", "--rows", "1,3", "--out", net)
	missing := filepath.Join(dir, "nope.safetensors")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--rbm", missing}, missing},
		{[]string{"serve", "--rbm", net}, "--rbm"},
		{[]string{"serve", "--rbm", net, "--memory", net}, "classical network"},
		{[]string{"serve", "--memory", net}, "classical network"},
		{[]string{"serve", "--hopfield", missing}, missing},
		{[]string{"serve", "--addr", "256.1.1.1:80"}, "--addr"},
		{[]string{"serve", "extra"}, "unknown command"},
	}
	for _, c := range cases {
		_, _, err := run(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ebm %s: error %v, want it to mention %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}
