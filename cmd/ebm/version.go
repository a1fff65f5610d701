package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/internal/tensor"
)

type versionOptions struct {
	IO   *ioStreams
	JSON bool
}

// buildInfo is what ebm version prints (--json: these keys).
type buildInfo struct {
	Version    string            `json:"version"`          // module version, "(devel)" for a source build
	Commit     string            `json:"commit,omitempty"` // VCS revision
	Modified   bool              `json:"modified"`         // the tree had uncommitted changes
	CommitTime string            `json:"commit_time,omitempty"`
	Go         string            `json:"go"`
	OS         string            `json:"os"`
	Arch       string            `json:"arch"`
	GOMAXPROCS int               `json:"gomaxprocs"`
	Kernels    tensor.KernelInfo `json:"kernels"`
}

func newCmdVersion(io *ioStreams, runF func(context.Context, *versionOptions) error) *cobra.Command {
	o := &versionOptions{IO: io}
	c := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, Go version and the CPU kernels in use",
		Long: `Print the module version and VCS commit the binary was built from (and
whether the tree was modified), the Go version, GOOS/GOARCH, GOMAXPROCS, and
the numeric kernels chosen at start-up: the AVX2/FMA assembly or portable Go
(always with -tags purego), with the CPU features they use and the CPU has.`,
		Example: `  ebm version
  ebm version --json`,
		Args: cobra.NoArgs,
		RunE: runWith(o, nil, runF, versionRun),
	}
	c.Flags().BoolVar(&o.JSON, "json", false, "print one JSON object")
	return c
}

func newVersionCmd(io *ioStreams) *cobra.Command { return newCmdVersion(io, nil) }

func versionRun(_ context.Context, o *versionOptions) error {
	b := readBuildInfo()
	if o.JSON {
		return writeJSON(o.IO.Out, b)
	}
	commit := "unknown"
	if b.Commit != "" {
		commit = b.Commit
		if b.Modified {
			commit += " (modified)"
		}
		if b.CommitTime != "" {
			commit += " " + b.CommitTime
		}
	}
	k := b.Kernels
	fmt.Fprintf(o.IO.Out, "ebm %s\ncommit   %s\ngo       %s %s/%s, GOMAXPROCS %d\nkernels  %s (uses: %s; assembly built: %v; CPU has: %s)\n",
		b.Version, commit, b.Go, b.OS, b.Arch, b.GOMAXPROCS, k.Name, list(k.Uses), k.Assembly, list(k.CPU))
	return nil
}

func list(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// readBuildInfo gathers what the binary knows about its build and machine.
func readBuildInfo() buildInfo {
	b := buildInfo{Version: "unknown", Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		GOMAXPROCS: runtime.GOMAXPROCS(0), Kernels: tensor.Kernels()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.Version = bi.Main.Version
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		case "vcs.time":
			b.CommitTime = s.Value
		}
	}
	return b
}

// version is the module version and the first 12 digits of the VCS
// revision the binary was built from (ebm serve shows it on the page).
func version() string {
	b := readBuildInfo()
	if len(b.Commit) >= 12 {
		return b.Version + " " + b.Commit[:12]
	}
	return b.Version
}
