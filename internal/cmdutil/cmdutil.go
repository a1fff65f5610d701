// Package cmdutil is the plumbing every ebm command shares, as gh's
// iostreams and cmdutil are: where output goes (IOStreams), JSON with NaN as
// null, progress bars, the RunE of a command with an options struct
// (RunWith), and the command-line policies applied in one place — int flag
// ranges (Minimum), files checked before anything is written
// (CheckFiles), flags that must go together (CheckApplies), memory budgets
// (Fits, --max-memory), library option errors named as flags
// (OptionFlags) and unknown subcommands refused (UnknownSubcommands).
package cmdutil

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
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/ebm-go/ebm/internal/nanjson"
	"github.com/ebm-go/ebm/internal/option"
)

// IOStreams are where a command writes: results on Out, messages and
// progress on ErrOut. Every command's options carry one (gh's iostreams);
// tests pass buffers.
type IOStreams struct {
	Out, ErrOut io.Writer
	// MaxMemory is --max-memory in bytes (0: budget.Default()).
	MaxMemory int64
}

// isTerminal reports whether w is a terminal (progress bars only go there).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// WriteJSON prints v as indented JSON, NaN and ±Inf as null (package
// nanjson: the library's result types marshal themselves that way too).
func WriteJSON(w io.Writer, v any) error {
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

// FmtOpt formats x with verb, or "n/a" for NaN (a figure that is not
// defined, such as the pseudo-likelihood of real-valued units).
func FmtOpt(x float64, verb string) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return fmt.Sprintf(verb, x)
}

// Progress is a progress bar for work reported as (done, total); nil (not a
// terminal, or --quiet) makes every method a no-op.
type Progress struct{ b *progressbar.ProgressBar }

// NewProgress returns a progress bar on w for work reported as (done,
// total), or nil — every method a no-op — when quiet is set or w is not a
// terminal.
func NewProgress(w io.Writer, quiet bool, desc, unit string) *Progress {
	if quiet || !isTerminal(w) {
		return nil
	}
	return &Progress{progressbar.NewOptions(1,
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

func (p *Progress) Update(done, total int) {
	if p == nil {
		return
	}
	if p.b.GetMax() != total {
		p.b.ChangeMax(total)
	}
	_ = p.b.Set(done)
}

func (p *Progress) Finish() {
	if p != nil {
		_ = p.b.Finish()
	}
}

// FmtFloat is x's shortest decimal, as model metadata records numbers.
func FmtFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// RunWith is the RunE of a command with options o: it resolves what only
// cobra knows into o (resolve may be nil: whether a flag was given, flag
// values to parse), then runs runF — the tests' stand-in — or run.
func RunWith[O any](o *O, resolve func(*cobra.Command) error, runF, run func(context.Context, *O) error) func(*cobra.Command, []string) error {
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
func (p *Progress) Describe(s string) {
	if p != nil {
		p.b.Describe(s)
	}
}

// clear removes the bar from the terminal, so a line can be printed.
func (p *Progress) Clear() {
	if p != nil {
		_ = p.b.Clear()
	}
}

// OptionFlags checks every command's int flags against their minimums
// before it runs, and makes its errors that name a library option
// (rbm.OptionError) name the flag instead: "--batch: must be at least 1,
// got 0". The option names are the flag names.
func OptionFlags(c *cobra.Command) {
	for _, sub := range c.Commands() {
		OptionFlags(sub)
	}
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if err := CheckMinimums(cmd); err != nil {
				return err
			}
			return flagError(run(cmd, args))
		}
	}
}

// Minimum records the least value the named int flags of c take. Every
// command's values are checked against it in one place (CheckMinimums,
// run before the command), so a flag's range lives next to its definition.
func Minimum(c *cobra.Command, least int, names ...string) {
	for _, n := range names {
		if err := c.Flags().SetAnnotation(n, "ebm-min", []string{strconv.Itoa(least)}); err != nil {
			panic(fmt.Sprintf("Minimum: command %s has no flag --%s", c.Name(), n)) // a programming error
		}
	}
}

// CheckMinimums refuses an int flag below its Minimum, naming the flag,
// its value and the range.
func CheckMinimums(c *cobra.Command) error {
	var err error
	c.Flags().VisitAll(func(f *pflag.Flag) {
		a, ok := f.Annotations["ebm-min"]
		if !ok || err != nil {
			return
		}
		least, _ := strconv.Atoi(a[0])
		if v, perr := strconv.Atoi(f.Value.String()); perr == nil && v < least {
			err = fmt.Errorf("--%s %d: must be at least %d", f.Name, v, least)
		}
	})
	return err
}

// UnknownSubcommands makes every command group (rbm, hopfield…) refuse an
// unknown subcommand with an error and suggestions, as the root does,
// instead of printing its help and exiting 0; alone, it prints its help,
// with the first example of each subcommand.
func UnknownSubcommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		UnknownSubcommands(sub)
	}
	if c.HasParent() && c.HasSubCommands() && c.RunE == nil && c.Run == nil {
		if c.Example == "" { // the first example of each subcommand
			var ex []string
			for _, sub := range c.Commands() {
				if first, _, _ := strings.Cut(sub.Example, "\n"); first != "" {
					ex = append(ex, first)
				}
			}
			c.Example = strings.Join(ex, "\n")
		}
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += "; did you mean " + strings.Join(s, " or ") + "?"
			}
			return errors.New(msg)
		}
	}
}

// flagError names the flag of an error the library says comes from one of
// its options (option.Error: rbm's, hopfield's and deep's OptionError):
// "--batch: must be at least 1, got 0". The option names are the flag
// names.
func flagError(err error) error {
	var oe *option.Error
	if errors.As(err, &oe) {
		return fmt.Errorf("--%s: %w", oe.Option, oe.Err)
	}
	return err
}
