package serve

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/ebm-go/ebm/internal/testutil"
	"github.com/ebm-go/ebm/rbm"
)

func TestRunServesUntilCancelled(t *testing.T) {
	s, err := New(Config{RBM: rbm.New(784, 4), RBMSource: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var logged []string
	logf := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, fmt.Sprintf(format, a...))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, ln, s, logf) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/api/info")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /api/info: %s", resp.Status)
	}
	testutil.Stopped(t, cancel, done, "Run")
	mu.Lock()
	defer mu.Unlock()
	if len(logged) != 1 || !strings.Contains(logged[0], "shutting down") {
		t.Errorf("logged %q", logged)
	}
}

func TestRunListenerError(t *testing.T) {
	s, err := New(Config{RBM: rbm.New(784, 4)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	if err := Run(context.Background(), ln, s, nil); err == nil {
		t.Error("Run on a closed listener returned nil")
	}
}
