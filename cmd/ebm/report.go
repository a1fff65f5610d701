package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/ebm-go/ebm/internal/nanjson"
	"github.com/ebm-go/ebm/rbm"
)

// ioStreams are where a command writes: results on Out, messages and
// progress on ErrOut. Every command's options carry one (gh's iostreams);
// tests pass buffers.
type ioStreams struct {
	Out, ErrOut io.Writer
}

// isTerminal reports whether w is a terminal (progress bars only go there).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// writeJSON prints v as indented JSON, NaN and ±Inf as null (package
// nanjson: the library's result types marshal themselves that way too).
func writeJSON(w io.Writer, v any) error {
	b, err := nanjson.Marshal(v)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err = w.Write(out.Bytes())
	return err
}

func fmtOpt(x float64, verb string) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return fmt.Sprintf(verb, x)
}

// barT is a progress bar for work reported as (done, total); nil (not a
// terminal, or --quiet) makes every method a no-op.
type barT struct{ b *progressbar.ProgressBar }

// newProgress returns a progress bar on w for work reported as (done,
// total), or nil — every method a no-op — when quiet is set or w is not a
// terminal.
func newProgress(w io.Writer, quiet bool, desc, unit string) *barT {
	if quiet || !isTerminal(w) {
		return nil
	}
	return &barT{progressbar.NewOptions(1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(unit),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetWidth(30),
	)}
}

func (p *barT) progress(done, total int) {
	if p == nil {
		return
	}
	if p.b.GetMax() != total {
		p.b.ChangeMax(total)
	}
	_ = p.b.Set(done)
}

func (p *barT) finish() {
	if p != nil {
		_ = p.b.Finish()
	}
}

func fmtFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// runWith is the RunE of a command with options o: it resolves what only
// cobra knows into o (resolve may be nil: whether a flag was given, flag
// values to parse), then runs runF — the tests' stand-in — or run.
func runWith[O any](o *O, resolve func(*cobra.Command) error, runF, run func(context.Context, *O) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		if resolve != nil {
			if err := resolve(cmd); err != nil {
				return err
			}
		}
		if runF == nil {
			runF = run
		}
		return runF(cmd.Context(), o)
	}
}

// describe sets the text in front of the bar.
func (p *barT) describe(s string) {
	if p != nil {
		p.b.Describe(s)
	}
}

// clear removes the bar from the terminal, so a line can be printed.
func (p *barT) clear() {
	if p != nil {
		_ = p.b.Clear()
	}
}

// optionFlags makes every command's errors that name a library option
// (rbm.OptionError) name its flag instead: "--batch: must be at least 1,
// got 0". The option names are the flag names.
func optionFlags(c *cobra.Command) {
	for _, sub := range c.Commands() {
		optionFlags(sub)
	}
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			err := run(cmd, args)
			var oe *rbm.OptionError
			if errors.As(err, &oe) && !strings.Contains(err.Error(), "--"+oe.Option) {
				return fmt.Errorf("--%s: %w", oe.Option, oe.Err)
			}
			return err
		}
	}
}
