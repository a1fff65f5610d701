package main

import (
	"context"
	"fmt"
	"net"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/hopfield"
	"github.com/ebm-go/ebm/internal/buildinfo"
	"github.com/ebm-go/ebm/internal/cmdutil"
	"github.com/ebm-go/ebm/rbm"
	"github.com/ebm-go/ebm/serve"
)

type serveOptions struct {
	IO                    *cmdutil.IOStreams
	Addr                  string
	RBM, Hopfield, Memory string // model files; RBM "": train the built-in one
	Seed                  uint64 // of the built-in RBM's training
	Limits                serve.Limits
	Quiet                 bool
}

func newCmdServe(io *cmdutil.IOStreams, runF func(context.Context, *serveOptions) error) *cobra.Command {
	o := &serveOptions{IO: io}
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
		RunE: cmdutil.RunWith(o, nil, runF, serveRun),
	}
	f := c.Flags()
	f.StringVar(&o.Addr, "addr", "127.0.0.1:8080", "address to listen on (host:port; the default is loopback only)")
	f.StringVar(&o.RBM, "rbm", "", "RBM model file, any visible units (default: train a small built-in one)")
	f.StringVar(&o.Hopfield, "hopfield", "", "classical Hopfield network file to offer on the page")
	f.StringVar(&o.Memory, "memory", "", "dense or continuous memory file to offer on the page")
	f.Uint64Var(&o.Seed, "seed", 1, "seed of the built-in RBM's training")
	f.IntVar(&o.Limits.MaxJobs, "max-jobs", 0, "computations running at once (0: 2×GOMAXPROCS); more requests wait")
	f.DurationVar(&o.Limits.Timeout, "timeout", 0, "time limit of one request, streams included (0: 30s)")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "no messages on stderr")
	cmdutil.Minimum(c, 0, "max-jobs")
	return c
}

func (o *serveOptions) logf(format string, a ...any) {
	if !o.Quiet {
		fmt.Fprintf(o.IO.ErrOut, format+"\n", a...)
	}
}

func serveRun(ctx context.Context, o *serveOptions) error {
	if o.Limits.Timeout < 0 {
		return fmt.Errorf("--timeout %v: must not be negative (0: the default)", o.Limits.Timeout)
	}
	cfg := serve.Config{Limits: o.Limits, Version: buildinfo.Read().Short()}
	if err := o.loadMemories(&cfg); err != nil {
		return err
	}
	// Listen before training, so that a taken port fails at once.
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", o.Addr, err)
	}
	defer ln.Close()
	if err := o.loadRBM(ctx, &cfg); err != nil {
		return err
	}
	srv, err := serve.New(cfg)
	if err != nil {
		return err
	}
	// Hand the training data's memory back to the system before serving.
	debug.FreeOSMemory()
	o.logf("ebm explorer on http://%s/ (Ctrl-C stops)", ln.Addr())
	return serve.Run(ctx, ln, srv, o.logf)
}

// loadMemories puts the --hopfield network and the --memory into cfg.
func (o *serveOptions) loadMemories(cfg *serve.Config) error {
	if o.Hopfield != "" {
		h, _, err := hopfield.Load(o.Hopfield)
		if err != nil {
			return fmt.Errorf("--hopfield: %w", err)
		}
		cfg.Hopfield, cfg.HopfieldSource = h, o.Hopfield
	}
	if o.Memory != "" {
		m, _, err := hopfield.Open(o.Memory)
		if err != nil {
			return fmt.Errorf("--memory: %w", err)
		}
		if m.Kind() == hopfield.KindClassical {
			return fmt.Errorf("--memory %s is a classical network: pass it with --hopfield", o.Memory)
		}
		cfg.Memory, cfg.MemorySource = m, o.Memory
	}
	return nil
}

// loadRBM puts the --rbm model into cfg, or trains the built-in one.
func (o *serveOptions) loadRBM(ctx context.Context, cfg *serve.Config) error {
	if o.RBM != "" {
		m, meta, err := rbm.Load(o.RBM)
		if err != nil {
			return fmt.Errorf("--rbm: %w", err)
		}
		sm, ok, err := rbm.SamplerOf(meta)
		if err != nil {
			return fmt.Errorf("--rbm %s: %w", o.RBM, err)
		}
		if ok {
			cfg.RBMSampler = &sm
		}
		cfg.RBM, cfg.RBMSource = m, o.RBM
		return nil
	}
	start := time.Now()
	o.logf("training the built-in RBM (784×100, PCD-1, 3 epochs on 20,000 MNIST digits)…")
	m, err := serve.DefaultRBM(ctx, o.Seed, nil)
	if err != nil {
		return err
	}
	cfg.RBM, cfg.RBMSource = m, "built-in"
	o.logf("built-in RBM ready in %.1f s", time.Since(start).Seconds())
	return nil
}
