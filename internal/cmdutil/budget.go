package cmdutil

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/budget"
)

// Memory estimates, checked before a command allocates: what each command
// will hold at once, in bytes, from its flags and its data's size. They
// are upper-end estimates (float32 values, every buffer a step keeps), so
// a refusal is never for work that would fit with room to spare.

// maxMemory is --max-memory of the command line (0: budget.Default()).
func MaxMemory(c *cobra.Command) int64 {
	if f := c.Flag("max-memory"); f != nil && f.Value.String() != "" {
		if v, err := budget.Parse(f.Value.String()); err == nil {
			return v
		}
	}
	return 0
}

// AddMaxMemory adds the root's --max-memory flag and resolves it into
// io.MaxMemory before any command runs.
func AddMaxMemory(root *cobra.Command, io *IOStreams) {
	var s string
	root.PersistentFlags().StringVar(&s, "max-memory", "", "refuse work estimated to need more memory than this, e.g. 8GiB (default: half the machine's memory)")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		io.MaxMemory = 0
		if s == "" {
			return nil
		}
		v, err := budget.Parse(s)
		if err != nil {
			return fmt.Errorf("--max-memory: %w", err)
		}
		io.MaxMemory = v
		return nil
	}
}

// fits refuses an estimate above the limit, naming what asks for it.
func Fits(limit int64, bytes float64, format string, a ...any) error {
	return budget.Check(budget.Need{Bytes: bytes, What: fmt.Sprintf(format, a...)}, limit)
}

// SpecFits refuses a generated data set (a toy 2-D set's N points) too
// large for the limit before it is generated; files are bounded by their
// size when read.
func SpecFits(limit int64, flag, spec string) error {
	if _, n, _, err := dataset.ParseToy2D(spec); err == nil && n > 0 {
		return Fits(limit, float64(n)*2*4*3, "--%s %s", flag, spec)
	}
	return nil
}
