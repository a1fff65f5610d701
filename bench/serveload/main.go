// Command serveload is the load benchmark of `ebm serve`: it starts one
// server (the ebm binary built from this repository, on a free loopback
// port, as its own process), then holds N concurrent clients running
// Hopfield recall streams and RBM Gibbs streams against it for a while, and
// reports requests per second, latency percentiles, failures and the
// server's memory (resident set, sampled from /proc, and its peak).
//
//	go run ./bench/serveload                       # 50 clients, 60 s
//	go run ./bench/serveload -clients 50 -duration 60s -json
//	go run ./bench/serveload -url http://127.0.0.1:8080   # an already running server (no memory figures)
//
// Each client loops: a recall request (a pseudo-inverse memory of the ten
// default digits, a digit corrupted with 20% noise, async dynamics with
// every flip streamed) or a Gibbs request (200 block-Gibbs steps of the
// built-in RBM, every 10th step streamed), alternating, each with its own
// seed. A request counts as done when its whole stream has been read; it
// fails on a non-200 status, an error line, a missing "done" line or a
// transport error. This is a benchmark, not a test: run it by hand on a
// quiet machine and compare runs of the same revision.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

type stats struct {
	Kind      string  `json:"kind"`
	Requests  int     `json:"requests"`
	Failures  int     `json:"failures"`
	PerSecond float64 `json:"requests_per_second"`
	P50ms     float64 `json:"p50_ms"`
	P90ms     float64 `json:"p90_ms"`
	P99ms     float64 `json:"p99_ms"`
	Maxms     float64 `json:"max_ms"`
	Lines     int     `json:"stream_lines"`
}

type report struct {
	Clients       int      `json:"clients"`
	Seconds       float64  `json:"seconds"`
	GOMAXPROCS    int      `json:"server_gomaxprocs"`
	MaxJobs       int      `json:"server_max_jobs"`
	Total         stats    `json:"total"`
	Recall        stats    `json:"recall"`
	Gibbs         stats    `json:"gibbs"`
	RSSStartMiB   float64  `json:"server_rss_start_mib,omitempty"`
	RSSMaxMiB     float64  `json:"server_rss_max_mib,omitempty"`
	RSSEndMiB     float64  `json:"server_rss_end_mib,omitempty"`
	PeakRSSMiB    float64  `json:"server_peak_rss_mib,omitempty"`
	FirstFailures []string `json:"first_failures,omitempty"`
	ServerVersion string   `json:"server_version"`
	CPUs          int      `json:"cpus"`
}

func main() {
	clients := flag.Int("clients", 50, "concurrent clients")
	duration := flag.Duration("duration", 60*time.Second, "how long to hold the load")
	url := flag.String("url", "", "URL of a running server (default: build and start one)")
	procs := flag.Int("procs", 0, "GOMAXPROCS of the started server (0: its default)")
	jsonOut := flag.Bool("json", false, "print the report as JSON")
	flag.Parse()
	if err := run(*clients, *duration, *url, *procs, *jsonOut); err != nil {
		fmt.Fprintln(os.Stderr, "serveload:", err)
		os.Exit(1)
	}
}

func run(clients int, duration time.Duration, url string, procs int, jsonOut bool) error {
	var pid int
	if url == "" {
		dir, err := os.MkdirTemp("", "serveload")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		bin := filepath.Join(dir, "ebm")
		build := exec.Command("go", "build", "-o", bin, "./cmd/ebm")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build ebm (run from the repository root): %w", err)
		}
		port, err := freePort()
		if err != nil {
			return err
		}
		url = "http://127.0.0.1:" + strconv.Itoa(port)
		cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:"+strconv.Itoa(port), "-q")
		cmd.Env = os.Environ()
		if procs > 0 {
			cmd.Env = append(cmd.Env, "GOMAXPROCS="+strconv.Itoa(procs))
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return err
		}
		defer func() {
			cmd.Process.Signal(os.Interrupt)
			cmd.Wait()
		}()
		pid = cmd.Process.Pid
		if err := waitReady(url, 60*time.Second); err != nil {
			return err
		}
	}
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: 0, DisableCompression: true}
	hc := &http.Client{Transport: tr, Timeout: 60 * time.Second}

	var info struct {
		Version string
		Limits  struct {
			MaxJobs int `json:"max_jobs"`
		}
		DefaultPatterns []int `json:"default_patterns"`
	}
	if err := getJSON(hc, url+"/api/info", &info); err != nil {
		return err
	}
	idx := make([]string, len(info.DefaultPatterns))
	for i, v := range info.DefaultPatterns {
		idx[i] = strconv.Itoa(v)
	}
	var dg struct {
		Digits []struct{ Pixels []float32 }
	}
	if err := getJSON(hc, url+"/api/digits?split=train&index="+strings.Join(idx, ","), &dg); err != nil {
		return err
	}
	pats := make([][]float32, len(dg.Digits))
	for k, d := range dg.Digits {
		pats[k] = make([]float32, len(d.Pixels))
		for i, v := range d.Pixels {
			pats[k][i] = 2*v - 1
		}
	}

	rep := report{Clients: clients, MaxJobs: info.Limits.MaxJobs, ServerVersion: info.Version, CPUs: runtime.NumCPU(), GOMAXPROCS: procs}
	var rssMu sync.Mutex
	var rss []float64
	stopRSS := make(chan struct{})
	var rssWG sync.WaitGroup
	if pid > 0 {
		rep.RSSStartMiB = readRSS(pid, "VmRSS")
		rssWG.Add(1)
		go func() {
			defer rssWG.Done()
			t := time.NewTicker(250 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stopRSS:
					return
				case <-t.C:
					v := readRSS(pid, "VmRSS")
					rssMu.Lock()
					rss = append(rss, v)
					rssMu.Unlock()
				}
			}
		}()
	}

	type result struct {
		kind  string
		d     time.Duration
		lines int
		err   error
	}
	results := make(chan result, 1024)
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var wg sync.WaitGroup
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			for k := 0; ctx.Err() == nil; k++ {
				seed := rng.Uint64() >> 11
				var kind string
				var body any
				var path string
				if (c+k)%2 == 0 {
					kind, path = "recall", "/api/hopfield/recall"
					cue := corrupt(pats[rng.IntN(len(pats))], 0.2, rng)
					body = map[string]any{"kind": "classical", "rule": "pinv", "patterns": pats, "state": cue, "seed": seed, "flips": true}
				} else {
					kind, path = "gibbs", "/api/rbm/gibbs"
					body = map[string]any{"start": "noise", "steps": 200, "every": 10, "seed": seed}
				}
				t0 := time.Now()
				n, err := stream(hc, url+path, body)
				if ctx.Err() != nil && err != nil {
					return // cut by the end of the run: not a failure
				}
				results <- result{kind, time.Since(t0), n, err}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()
	lat := map[string][]time.Duration{}
	lines := map[string]int{}
	fails := map[string]int{}
	for r := range results {
		if r.err != nil {
			fails[r.kind]++
			if len(rep.FirstFailures) < 10 {
				rep.FirstFailures = append(rep.FirstFailures, r.kind+": "+r.err.Error())
			}
			continue
		}
		lat[r.kind] = append(lat[r.kind], r.d)
		lines[r.kind] += r.lines
	}
	elapsed := time.Since(start).Seconds()
	rep.Seconds = elapsed
	if pid > 0 {
		close(stopRSS)
		rssWG.Wait()
		rep.RSSEndMiB = readRSS(pid, "VmRSS")
		rep.PeakRSSMiB = readRSS(pid, "VmHWM")
		rep.RSSMaxMiB = slices.Max(append(rss, rep.RSSEndMiB))
	}
	summarize := func(kind string, ds []time.Duration, n, f int) stats {
		s := stats{Kind: kind, Requests: len(ds), Failures: f, Lines: n, PerSecond: float64(len(ds)) / elapsed}
		if len(ds) == 0 {
			return s
		}
		slices.Sort(ds)
		q := func(p float64) float64 {
			i := int(p * float64(len(ds)-1))
			return float64(ds[i].Microseconds()) / 1000
		}
		s.P50ms, s.P90ms, s.P99ms, s.Maxms = q(0.5), q(0.9), q(0.99), float64(ds[len(ds)-1].Microseconds())/1000
		return s
	}
	rep.Recall = summarize("recall", lat["recall"], lines["recall"], fails["recall"])
	rep.Gibbs = summarize("gibbs", lat["gibbs"], lines["gibbs"], fails["gibbs"])
	all := append(slices.Clone(lat["recall"]), lat["gibbs"]...)
	rep.Total = summarize("all", all, lines["recall"]+lines["gibbs"], fails["recall"]+fails["gibbs"])

	if jsonOut {
		b, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Println(string(b))
	} else {
		fmt.Printf("ebm serve %s: %d clients for %.1f s, server max_jobs %d, %d CPUs\n", rep.ServerVersion, clients, elapsed, rep.MaxJobs, rep.CPUs)
		fmt.Printf("%-7s %9s %9s %8s %9s %9s %9s %9s\n", "kind", "requests", "failures", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms")
		for _, s := range []stats{rep.Recall, rep.Gibbs, rep.Total} {
			fmt.Printf("%-7s %9d %9d %8.1f %9.1f %9.1f %9.1f %9.1f\n", s.Kind, s.Requests, s.Failures, s.PerSecond, s.P50ms, s.P90ms, s.P99ms, s.Maxms)
		}
		if pid > 0 {
			fmt.Printf("server memory: RSS %.1f MiB at start, %.1f MiB max during the load, %.1f MiB at the end; peak (VmHWM) %.1f MiB\n",
				rep.RSSStartMiB, rep.RSSMaxMiB, rep.RSSEndMiB, rep.PeakRSSMiB)
		}
		for _, f := range rep.FirstFailures {
			fmt.Println("failure:", f)
		}
	}
	if rep.Total.Failures > 0 {
		return fmt.Errorf("%d requests failed", rep.Total.Failures)
	}
	return nil
}

// stream posts body and reads the NDJSON answer to its end; it returns the
// number of lines and an error unless the stream ended with a done line.
func stream(hc *http.Client, url string, body any) (int, error) {
	b, _ := json.Marshal(body)
	resp, err := hc.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return 0, fmt.Errorf("status %d: %s", resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 16<<20)
	n := 0
	var last []byte
	for sc.Scan() {
		n++
		last = append(last[:0], sc.Bytes()...)
	}
	if err := sc.Err(); err != nil {
		return n, err
	}
	var end struct{ Type, Error string }
	if err := json.Unmarshal(last, &end); err != nil || end.Type != "done" {
		return n, fmt.Errorf("stream ended with %q", string(last[:min(len(last), 200)]))
	}
	return n, nil
}

func corrupt(p []float32, noise float64, rng *rand.Rand) []float32 {
	out := slices.Clone(p)
	k := int(noise*float64(len(p)) + 0.5)
	for _, i := range rng.Perm(len(p))[:k] {
		out[i] = -out[i]
	}
	return out
}

func getJSON(hc *http.Client, url string, v any) error {
	resp, err := hc.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func waitReady(url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("server at %s not ready after %v", url, timeout)
}

// readRSS reads a memory figure (VmRSS, VmHWM) of a process in MiB.
func readRSS(pid int, field string) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field+":") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / 1024
			}
		}
	}
	return 0
}
