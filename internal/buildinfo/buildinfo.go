// Package buildinfo reports what a binary knows about its build and the
// machine it runs on: the module version and VCS commit it was built from,
// the Go version and platform, and the numeric kernels chosen at start-up.
package buildinfo

import (
	"runtime"
	"runtime/debug"

	"github.com/ebm-go/ebm/internal/tensor"
)

// Info describes a build; its JSON keys are what ebm version --json prints.
type Info struct {
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

// Read gathers the build information of the running binary. Without
// embedded build information (some test binaries) Version is "unknown"
// and the commit fields are empty.
func Read() Info {
	bi, _ := debug.ReadBuildInfo()
	return fromBuild(bi)
}

// fromBuild is Read with the build information given (nil: none).
func fromBuild(bi *debug.BuildInfo) Info {
	b := Info{Version: "unknown", Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		GOMAXPROCS: runtime.GOMAXPROCS(0), Kernels: tensor.Kernels()}
	if bi == nil {
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

// Describe returns the commit for people: the revision, " (modified)" when
// the tree had uncommitted changes and the commit time, or "unknown".
func (b Info) Describe() string {
	if b.Commit == "" {
		return "unknown"
	}
	s := b.Commit
	if b.Modified {
		s += " (modified)"
	}
	if b.CommitTime != "" {
		s += " " + b.CommitTime
	}
	return s
}

// Short returns the module version and the first 12 digits of the VCS
// revision, e.g. "v0.3.0 0123456789ab" (ebm serve shows it on its page).
func (b Info) Short() string {
	if len(b.Commit) >= 12 {
		return b.Version + " " + b.Commit[:12]
	}
	return b.Version
}
