// Command scaling measures how ebm's RBM training and AIS scale with cores:
// CD-1, PCD-1 and PT (10 temperatures) updates of a 784→500 RBM on batches
// of 100 threshold-binarized MNIST images and restart-5 (the default
// method: batches and chains of 500), through rbm.Trainer, and AIS
// chains of the committed 784→500 model — and CD-1 with centered gradients,
// and CD-1 of Gaussian visible units with learned σ on MNIST's grey levels
// (learning rate 0.001) — each at GOMAXPROCS = 1, 2, … up to
// the machine's CPUs. Rounds interleave the settings (every workload at
// every GOMAXPROCS, then again), so a change in the machine's load touches
// all of them alike; the table shows the median of the rounds, the speed-up
// over GOMAXPROCS = 1, the per-core efficiency, speed-up ÷ cores, and the
// CPU share: the process's CPU time ÷ (wall time × GOMAXPROCS), which falls
// below 1 when other processes hold the cores (then the speed-up says more
// about the machine's load than about ebm).
//
//	go run ./bench/scaling                # 3 rounds
//	go run ./bench/scaling -rounds 5 -json
//	go run ./bench/scaling -only cd-1,cd-1-gaussian
//
// Training rates count the updates after the first of an epoch (the time
// from the end of batch 1 to the end of the last, from rbm.Trainer's
// OnBatch), so loading, set-up and the per-epoch monitor are left out.
// AIS rates are paper-schedule chains per second: chain-steps over a
// 1,451-value schedule ÷ 14,500.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/cpu"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/rbm"
	"github.com/ebm-go/ebm/rbm/estimate"

	"github.com/ebm-go/ebm/internal/cputime"
)

type workload struct {
	name, unit string
	run        func() (float64, error)
}

type row struct {
	Workload   string    `json:"workload"`
	Unit       string    `json:"unit"`
	Procs      int       `json:"gomaxprocs"`
	Rates      []float64 `json:"rates"`
	Median     float64   `json:"median"`
	Speedup    float64   `json:"speedup"`
	Efficiency float64   `json:"efficiency"`
	// CPUShare is the process CPU time over wall time ÷ GOMAXPROCS during
	// the runs: below 1 when the cores were busy with other work (or idle).
	CPUShare float64 `json:"cpu_share"`
}

func main() {
	rounds := flag.Int("rounds", 3, "interleaved rounds")
	samples := flag.Int("samples", 3000, "training examples per measurement (one epoch)")
	model := flag.String("model", "experiments/models/cd25-e200-d0.05.safetensors", "784→500 model for AIS")
	asJSON := flag.Bool("json", false, "print JSON")
	only := flag.String("only", "", "comma-separated workloads to run (default: all)")
	flag.Parse()
	if err := run(*rounds, *samples, *model, *asJSON, *only); err != nil {
		fmt.Fprintln(os.Stderr, "scaling:", err)
		os.Exit(1)
	}
}

func run(rounds, samples int, model string, asJSON bool, only string) error {
	data, err := dataset.Load(fmt.Sprintf("mnist:%d", samples), dataset.Options{Binarize: "threshold"})
	if err != nil {
		return fmt.Errorf("loading MNIST: %w", err)
	}
	grey, err := dataset.Load(fmt.Sprintf("mnist:%d", samples), dataset.Options{})
	if err != nil {
		return fmt.Errorf("loading MNIST: %w", err)
	}
	m, _, err := rbm.Load(model)
	if err != nil {
		return fmt.Errorf("loading the AIS model: %w", err)
	}
	base := estimate.BaseRate(m, data.X)
	var loads []workload
	// The methods at their defaults; restart (Rdm-5, batch and chains 500)
	// is the default training method of ebm rbm train.
	for _, method := range []rbm.Method{rbm.CD, rbm.PCD, rbm.PT, rbm.Restart} {
		name := fmt.Sprintf("%s-%d", method, rbm.DefaultConfigFor(method).K)
		loads = append(loads, workload{name, "samples/s", func() (float64, error) {
			return train(method, data.X, nil)
		}})
	}
	loads = append(loads, workload{"cd-1-centered", "samples/s", func() (float64, error) {
		return train(rbm.CD, data.X, func(c *rbm.Config, _ **rbm.RBM) { c.Centered = true })
	}}, workload{"cd-1-gaussian", "samples/s", func() (float64, error) {
		return train(rbm.CD, grey.X, func(c *rbm.Config, m **rbm.RBM) {
			*m = rbm.NewUnits(rbm.NewGaussianUnits(grey.X.Cols, 1, true), grey.X.Cols, 500)
			*c = rbm.Defaults(rbm.CD, (*m).Units())
		})
	}})
	betas := estimate.LinearSchedule(1451)
	loads = append(loads, workload{"ais", "chains/s", func() (float64, error) {
		t := time.Now()
		if _, err := estimate.AIS(context.Background(), m, estimate.Options{Chains: 100, Betas: betas, BaseBias: base, Seed: 1}); err != nil {
			return 0, err
		}
		return 100 * float64(len(betas)-1) / 14500 / time.Since(t).Seconds(), nil
	}})

	if only != "" {
		want := strings.Split(only, ",")
		loads = slices.DeleteFunc(loads, func(w workload) bool { return !slices.Contains(want, w.name) })
		if len(loads) == 0 {
			return fmt.Errorf("-only %q: no such workload", only)
		}
	}
	maxP := runtime.NumCPU()
	rates := make(map[string][][]float64)
	cpuWall := make(map[string][][2]time.Duration) // CPU, wall per GOMAXPROCS
	for _, w := range loads {
		rates[w.name] = make([][]float64, maxP+1)
		cpuWall[w.name] = make([][2]time.Duration, maxP+1)
	}
	prev := runtime.GOMAXPROCS(0)
	for r := 0; r < rounds; r++ {
		for p := 1; p <= maxP; p++ {
			runtime.GOMAXPROCS(p)
			for _, w := range loads {
				c0, t0 := cputime.Process(), time.Now()
				x, err := w.run()
				cw := &cpuWall[w.name][p]
				cw[0] += cputime.Process() - c0
				cw[1] += time.Since(t0)
				if err != nil {
					return fmt.Errorf("%s at GOMAXPROCS=%d: %w", w.name, p, err)
				}
				rates[w.name][p] = append(rates[w.name][p], x)
			}
		}
	}
	runtime.GOMAXPROCS(prev)

	var rows []row
	for _, w := range loads {
		one := median(rates[w.name][1])
		for p := 1; p <= maxP; p++ {
			med := median(rates[w.name][p])
			cw := cpuWall[w.name][p]
			rows = append(rows, row{w.name, w.unit, p, rates[w.name][p], med, med / one, med / one / float64(p),
				cw[0].Seconds() / cw[1].Seconds() / float64(p)})
		}
	}
	info := map[string]any{"cpu": cpuModel(), "features": features(), "kernels": tensor.Kernels(),
		"cpus": maxP, "rounds": rounds, "go": runtime.Version(), "date": time.Now().UTC().Format(time.RFC3339)}
	if asJSON {
		e := json.NewEncoder(os.Stdout)
		e.SetIndent("", "  ")
		return e.Encode(map[string]any{"machine": info, "results": rows})
	}
	k := tensor.Kernels()
	fmt.Printf("cpu: %s (%d CPUs; %s)\nkernels: %s %v\n%s, %d rounds, %s\n\n", info["cpu"], maxP, strings.Join(features(), " "),
		k.Name, k.Uses, runtime.Version(), rounds, info["date"])
	fmt.Printf("%-14s %5s %12s %8s %10s %9s   %s\n", "load", "procs", "median", "speedup", "efficiency", "cpu-share", "rounds")
	for _, r := range rows {
		fmt.Printf("%-14s %5d %12.1f %8.2f %10.2f %9.2f   %s %s\n", r.Workload, r.Procs, r.Median, r.Speedup, r.Efficiency, r.CPUShare, fmtRates(r.Rates), r.Unit)
	}
	return nil
}

// train runs one epoch of method over x and returns the samples per second
// of its updates after the first; set, when not nil, changes the
// configuration or the model first.
func train(method rbm.Method, x *tensor.Matrix, set func(*rbm.Config, **rbm.RBM)) (float64, error) {
	rng := tensor.NewRand(1)
	m := rbm.New(x.Cols, 500)
	cfg := rbm.DefaultConfigFor(method)
	if set != nil {
		set(&cfg, &m)
	}
	m.Init(x, 0.01, rng)
	cfg.MonitorRows, cfg.PLLRows = 100, 1
	tr, err := rbm.NewTrainer(cfg, m, rng)
	if err != nil {
		return 0, err
	}
	var first, last time.Time
	var n int
	tr.OnBatch = func(p rbm.Progress) {
		last = time.Now()
		if p.Batch == 1 {
			first = last
			n = p.SamplesDone
		}
		if p.Batch == p.Batches {
			n = p.SamplesDone - n
		}
	}
	if _, err := tr.Train(context.Background(), x, nil); err != nil {
		return 0, err
	}
	return float64(n) / last.Sub(first).Seconds(), nil
}

func median(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func fmtRates(x []float64) string {
	s := make([]string, len(x))
	for i, v := range x {
		s[i] = fmt.Sprintf("%.1f", v)
	}
	return strings.Join(s, "/")
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func features() []string {
	var f []string
	for _, x := range []struct {
		name string
		has  bool
	}{{"avx2", cpu.X86.HasAVX2}, {"fma", cpu.X86.HasFMA}, {"avx512f", cpu.X86.HasAVX512F},
		{"avx512bw", cpu.X86.HasAVX512BW}, {"avx512dq", cpu.X86.HasAVX512DQ}, {"avx512vl", cpu.X86.HasAVX512VL}} {
		if x.has {
			f = append(f, x.name)
		}
	}
	return f
}
