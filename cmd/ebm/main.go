// Command ebm trains, samples and inspects energy-based models.
//
// The command is thin: it parses flags, calls the library packages
// (dataset, rbm, modelio, viz) and reports. Errors go to stderr with a
// non-zero exit status and no stack trace.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/internal/cmdutil"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot(os.Stdout, os.Stderr).ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ebm:", err)
		os.Exit(1)
	}
}

// newRoot builds the command tree writing to the given streams (tests pass buffers).
func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "ebm",
		Short: "Energy-based models: restricted Boltzmann machines, Hopfield networks and more",
		Long: `ebm trains, samples, measures and pictures energy-based models.

Data sets are named by a spec: mnist, mnist:test, mnist:N (first N training
images), bars:4x4 (bars and stripes), or a file: .npy, .csv, IDX (.gz or raw),
or a folder of PNG images.`,
		Example: `  ebm rbm train --epochs 5
  ebm rbm sample --model rbm.safetensors --out samples.png`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	io := &cmdutil.IOStreams{Out: stdout, ErrOut: stderr}
	root.AddCommand(newRBMCmd(io), newHopfieldCmd(io), newDeepCmd(io), newDBNCmd(io), newCmdServe(io, nil), newCmdScore(io, nil),
		newCmdMerge(io, nil), newCmdSweep(io, nil), newCmdVersion(io, nil))
	cmdutil.AddMaxMemory(root, io)
	cmdutil.UnknownSubcommands(root)
	cmdutil.OptionFlags(root)
	return root
}
