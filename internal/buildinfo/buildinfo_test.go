package buildinfo

import (
	"encoding/json"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestFromBuild(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef"},
		{Key: "vcs.modified", Value: "true"},
		{Key: "vcs.time", Value: "2025-01-02T03:04:05Z"},
	}}
	b := fromBuild(bi)
	if b.Version != "v1.2.3" || b.Commit != "0123456789abcdef" || !b.Modified || b.CommitTime != "2025-01-02T03:04:05Z" {
		t.Errorf("fromBuild: %+v", b)
	}
	if got, want := b.Describe(), "0123456789abcdef (modified) 2025-01-02T03:04:05Z"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	if got, want := b.Short(), "v1.2.3 0123456789ab"; got != want {
		t.Errorf("Short = %q, want %q", got, want)
	}
	if b.Go != runtime.Version() || b.OS != runtime.GOOS || b.Arch != runtime.GOARCH || b.GOMAXPROCS != runtime.GOMAXPROCS(0) {
		t.Errorf("platform: %+v", b)
	}
}

func TestNoBuildInfo(t *testing.T) {
	b := fromBuild(nil)
	if b.Version != "unknown" || b.Describe() != "unknown" || b.Short() != "unknown" || b.Kernels.Name == "" {
		t.Errorf("without build info: %+v", b)
	}
}

func TestReadJSON(t *testing.T) {
	out, err := json.Marshal(Read())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"version":`, `"modified":`, `"go":`, `"os":`, `"arch":`, `"gomaxprocs":`, `"kernels":{`} {
		if !strings.Contains(string(out), k) {
			t.Errorf("JSON lacks %s: %s", k, out)
		}
	}
}
