package serve

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromium finds Debian's chromium (or another Chrome) for the browser
// test. .ci/run installs it and sets EBM_REQUIRE_BROWSER=1, so that in CI a
// missing browser fails the test instead of skipping it.
func chromium(t *testing.T) string {
	for _, name := range []string{os.Getenv("EBM_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("EBM_REQUIRE_BROWSER") != "" {
		t.Fatal("no chromium found (EBM_REQUIRE_BROWSER is set): apt-get install chromium, or set EBM_CHROMIUM")
	}
	t.Skip("no chromium on PATH: the browser test needs Debian's chromium (.ci/run installs it)")
	return ""
}

// TestBrowserRecall drives the real page in headless Chromium: it waits for
// the default shelf of ten digits, copies the 3 into the grid, corrupts it
// with 20% noise, runs a recall, and checks that the energy the page shows
// fell and that the 3 came back (overlap 1). With EBM_SCREENSHOT=path it
// also saves a screenshot of the page (docs/serve.png is made this way).
func TestBrowserRecall(t *testing.T) {
	exe := chromium(t)
	if testing.Short() {
		t.Skip("starts a browser")
	}
	s := testServer(t)
	shot := os.Getenv("EBM_SCREENSHOT")
	if shot != "" {
		// The picture for the docs shows the built-in RBM, not the random
		// test one.
		m, err := DefaultRBM(context.Background(), 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		if s, err = New(Config{RBM: m, RBMSource: "built-in"}); err != nil {
			t.Fatal(err)
		}
	}
	ts := httptest.NewServer(s)
	defer ts.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	defer cancelT()

	// Every uncaught exception or console error on the page fails the test.
	// Subscribe before navigating: the subscriptions buffer the events.
	if err := chromedp.Do(ctx); err != nil { // start the browser and the tab
		t.Fatalf("start %s: %v", exe, err)
	}
	var mu sync.Mutex
	var jsErrors []string
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	console := chromedp.Events(ctx, runtime.ConsoleAPICalled)
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			mu.Lock()
			jsErrors = append(jsErrors, fmt.Sprintf("%s (line %d)", msg, d.LineNumber+1))
			mu.Unlock()
		}
	}()
	go func() {
		for ev, err := range console {
			if err != nil {
				return
			}
			if ev.Type != runtime.ConsoleAPICalledTypeError {
				continue
			}
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			mu.Lock()
			jsErrors = append(jsErrors, "console.error: "+strings.Join(parts, " "))
			mu.Unlock()
		}
	}()
	pageErrors := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(jsErrors)
	}
	change := func(id, value, event string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
			`(() => { const e = document.getElementById(%q); e.value = %q; e.dispatchEvent(new Event(%q, {bubbles: true})); })()`,
			id, value, event))
	}
	// do runs steps on the page; what names them if one fails.
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v (page errors: %v)", what, err, pageErrors())
		}
	}
	do("browser",
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#hf-shelf [data-index="9"]`)),
		change("hf-kind", "classical", "change"),
		change("hf-rule", "pinv", "change"),
		change("hf-speed", "sweep", "change"),
		chromedp.Click(chromedp.CSS(`#hf-shelf [data-index="3"] canvas`)),
		// The stored 3 on the grid: the page shows its energy.
		waitEnergy(func(e float64) bool { return e < -380 }),
		change("hf-noise", "0.2", "input"),
		chromedp.Click(chromedp.ID("hf-corrupt")),
		// The corrupted cue has a much higher energy.
		waitEnergy(func(e float64) bool { return e > -300 }),
		chromedp.Click(chromedp.ID("hf-recall")),
		chromedp.WaitVisible(chromedp.CSS(`#hf-status[data-state="done"]`)),
	)
	attrs := run(t, ctx, chromedp.Attributes(chromedp.ID("hf-status")))
	status := run(t, ctx, chromedp.Text(chromedp.ID("hf-status")))
	shown := run(t, ctx, chromedp.Text(chromedp.ID("hf-energy-value")))
	e0, err0 := strconv.ParseFloat(attrs["data-energy-start"], 64)
	e1, err1 := strconv.ParseFloat(attrs["data-energy-end"], 64)
	if err0 != nil || err1 != nil || !(e1 < e0-100) {
		t.Fatalf("energy start %q end %q: want a large fall (status %q)", attrs["data-energy-start"], attrs["data-energy-end"], status)
	}
	if v, err := parseEnergy(shown); err != nil || math.Abs(v-e1) > 0.01*(1+math.Abs(e1)) {
		t.Fatalf("shown energy %q, status says %g", shown, e1)
	}
	if attrs["data-nearest"] != "3" || attrs["data-overlap"] != "1" || attrs["data-class"] != "stored" {
		t.Fatalf("recall ended at shelf pattern %s, overlap %s, %s (status %q): want the 3 back exactly",
			attrs["data-nearest"], attrs["data-overlap"], attrs["data-class"], status)
	}
	t.Logf("browser recall: energy %.1f → %.1f, %s", e0, e1, status)

	// The RBM panel: a Gibbs chain streamed and animated to its end.
	steps := 30
	if shot != "" {
		steps = 150
	}
	do("gibbs chain in the browser",
		change("rbm-start", "noise", "change"),
		change("rbm-steps", strconv.Itoa(steps), "change"),
		change("rbm-speed", "60", "change"),
		chromedp.Click(chromedp.ID("rbm-run")),
		chromedp.WaitVisible(chromedp.CSS(`#rbm-status[data-state="done"]`)),
	)
	ra := run(t, ctx, chromedp.Attributes(chromedp.ID("rbm-step")))
	if ra["data-step"] != strconv.Itoa(steps) {
		t.Fatalf("the chain's last step shown is %q, want %d", ra["data-step"], steps)
	}
	// "One step" continues the chain one block-Gibbs step at a time.
	for want := steps + 1; want <= steps+2; want++ {
		do("one Gibbs step in the browser",
			chromedp.Click(chromedp.ID("rbm-step-once")),
			chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#rbm-step[data-step="%d"]`, want))),
			chromedp.WaitEnabled(chromedp.ID("rbm-step-once")),
		)
	}

	if path := shot; path != "" {
		png := run(t, ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if errs := pageErrors(); len(errs) > 0 {
		t.Fatalf("errors on the page: %v", errs)
	}
}

// run runs a on the page and returns its result; an error ends the test.
func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// parseEnergy reads the page's energy readout ("E = −392.00", "-392.0").
func parseEnergy(s string) (float64, error) {
	s = strings.ReplaceAll(s, "−", "-")
	f := strings.FieldsFunc(s, func(r rune) bool {
		return !(r == '-' || r == '.' || r == 'e' || r == '+' || (r >= '0' && r <= '9'))
	})
	for _, w := range f {
		if v, err := strconv.ParseFloat(w, 64); err == nil {
			return v, nil
		}
	}
	return 0, fmt.Errorf("no number in %q", s)
}

// waitEnergy polls the page's energy readout until ok holds.
func waitEnergy(ok func(float64) bool) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		var last string
		for {
			txt, err := chromedp.Text(chromedp.ID("hf-energy-value"))(ctx, t)
			if err != nil {
				return chromedp.Void{}, err
			}
			if v, err := parseEnergy(txt); err == nil && ok(v) {
				return chromedp.Void{}, nil
			}
			last = txt
			select {
			case <-ctx.Done():
				return chromedp.Void{}, errors.New("energy readout stayed at " + last)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}
