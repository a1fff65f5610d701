package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/internal/buildinfo"
	"github.com/ebm-go/ebm/internal/cmdutil"
)

type versionOptions struct {
	IO   *cmdutil.IOStreams
	JSON bool
}

func newCmdVersion(io *cmdutil.IOStreams, runF func(context.Context, *versionOptions) error) *cobra.Command {
	o := &versionOptions{IO: io}
	c := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, Go version and the CPU kernels in use",
		Long: `Print the module version and VCS commit the binary was built from (and
whether the tree was modified), the Go version, GOOS/GOARCH, GOMAXPROCS, and
the numeric kernels chosen at start-up: the AVX-512 SGEMM micro-kernel with
the AVX2/FMA assembly, the AVX2/FMA assembly alone, or portable Go (always
with -tags purego), with the CPU features they use and the CPU has, and the
code each kernel runs on.`,
		Example: `  ebm version
  ebm version --json`,
		Args: cobra.NoArgs,
		RunE: cmdutil.RunWith(o, nil, runF, versionRun),
	}
	c.Flags().BoolVar(&o.JSON, "json", false, "print one JSON object")
	return c
}

func versionRun(_ context.Context, o *versionOptions) error {
	b := buildinfo.Read()
	if o.JSON {
		return cmdutil.WriteJSON(o.IO.Out, b)
	}
	k := b.Kernels
	fmt.Fprintf(o.IO.Out, "ebm %s\ncommit   %s\ngo       %s %s/%s, GOMAXPROCS %d\n", b.Version, b.Describe(), b.Go, b.OS, b.Arch, b.GOMAXPROCS)
	fmt.Fprintf(o.IO.Out, "kernels  %s (uses: %s; assembly built: %v; CPU has: %s)\n", k.Name, list(k.Uses), k.Assembly, list(k.CPU))
	var by []string
	for _, name := range slices.Sorted(maps.Keys(k.Kernels)) {
		by = append(by, name+" "+k.Kernels[name])
	}
	fmt.Fprintf(o.IO.Out, "         %s\n", list(by))
	return nil
}

func list(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
