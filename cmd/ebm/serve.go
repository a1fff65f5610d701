package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/hopfield"
	"github.com/ebm-go/ebm/rbm"
	"github.com/ebm-go/ebm/serve"
)

func newServeCmd(io *ioStreams) *cobra.Command {
	var (
		addr, rbmPath, hopPath, memPath string
		seed                            uint64
		lim                             serve.Limits
		quiet                           bool
	)
	c := &cobra.Command{
		Use:   "serve",
		Short: "Explore the models in the browser: draw, corrupt, recall, sample, watch the energy fall",
		Long: `serve starts a web server with an interactive explorer of energy-based models:

  Hopfield         draw a pattern or pick an MNIST digit, store patterns, corrupt
                   one, and watch the recall unit by unit or sweep by sweep with
                   the energy falling and the overlap with every stored pattern;
                   classical (Hebbian, Storkey, pseudo-inverse), dense and
                   continuous memories, async, sync and Glauber dynamics
  RBM              the filters, a live Gibbs chain, the free energy of what you
                   draw and its reconstruction
  Modern Hopfield  a masked query, the softmax weights over the stored patterns,
                   the retrieved pattern, β as a slider

With no --rbm the server first trains a small built-in RBM (100 hidden units,
PCD-1 on 20,000 MNIST digits, a few seconds). --hopfield and --memory add a
loaded classical network and a dense or continuous memory to the page.

The server listens on 127.0.0.1 unless --addr says otherwise, reads no file
after start-up, validates every request (4 MiB body, time limit, a bounded
number of computations at once) and stops cleanly on Ctrl-C. The JSON API the
page uses is documented in docs/serve.md.`,
		Example: `  ebm serve
  ebm serve --addr 127.0.0.1:9000 --rbm rbm.safetensors
  ebm serve --hopfield digits.safetensors --memory mem.safetensors`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			logf := func(format string, a ...any) {
				if !quiet {
					fmt.Fprintf(cmd.ErrOrStderr(), format+"\n", a...)
				}
			}
			cfg := serve.Config{Limits: lim, Version: version()}
			if hopPath != "" {
				h, _, err := hopfield.Load(hopPath)
				if err != nil {
					return fmt.Errorf("--hopfield: %w", err)
				}
				cfg.Hopfield, cfg.HopfieldSource = h, hopPath
			}
			if memPath != "" {
				m, _, err := hopfield.Open(memPath)
				if err != nil {
					return fmt.Errorf("--memory: %w", err)
				}
				if m.Kind() == hopfield.KindClassical {
					return fmt.Errorf("--memory %s is a classical network: pass it with --hopfield", memPath)
				}
				cfg.Memory, cfg.MemorySource = m, memPath
			}
			// Listen before training, so that a taken port fails at once.
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("--addr %s: %w", addr, err)
			}
			defer ln.Close()
			if rbmPath != "" {
				m, _, err := rbm.Load(rbmPath)
				if err != nil {
					return fmt.Errorf("--rbm: %w", err)
				}
				cfg.RBM, cfg.RBMSource = m, rbmPath
			} else {
				start := time.Now()
				logf("training the built-in RBM (784×100, PCD-1, 3 epochs on 20,000 MNIST digits)…")
				m, err := serve.DefaultRBM(ctx, seed, nil)
				if err != nil {
					return err
				}
				cfg.RBM, cfg.RBMSource = m, "built-in"
				logf("built-in RBM ready in %.1f s", time.Since(start).Seconds())
			}
			srv, err := serve.New(cfg)
			if err != nil {
				return err
			}
			// Hand the training data's memory back to the system before serving.
			debug.FreeOSMemory()
			hs := serve.NewHTTPServer(srv)
			logf("ebm explorer on http://%s/ (Ctrl-C stops)", ln.Addr())
			errc := make(chan error, 1)
			go func() { errc <- hs.Serve(ln) }()
			select {
			case err := <-errc:
				return err
			case <-ctx.Done():
			}
			logf("shutting down…")
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := hs.Shutdown(sctx); err != nil {
				hs.Close()
			}
			if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (host:port; the default is loopback only)")
	f.StringVar(&rbmPath, "rbm", "", "Bernoulli RBM model file (default: train a small built-in one)")
	f.StringVar(&hopPath, "hopfield", "", "classical Hopfield network file to offer on the page")
	f.StringVar(&memPath, "memory", "", "dense or continuous memory file to offer on the page")
	f.Uint64Var(&seed, "seed", 1, "seed of the built-in RBM's training")
	f.IntVar(&lim.MaxJobs, "max-jobs", 0, "computations running at once (0: 2×GOMAXPROCS); more requests wait")
	f.DurationVar(&lim.Timeout, "timeout", 0, "time limit of one request, streams included (0: 30s)")
	f.BoolVarP(&quiet, "quiet", "q", false, "no messages on stderr")
	return c
}

// version is the module version and VCS revision the binary was built from.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}
