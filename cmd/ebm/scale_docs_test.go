package main

import (
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestScaleDocsCommandLines keeps docs/scale.md's manifests and scripts in
// step with the CLI: every YAML block parses, and every ebm command line
// in them (container args, exec ebm …) names a command and flags that
// exist.
func TestScaleDocsCommandLines(t *testing.T) {
	b, err := os.ReadFile("../../docs/scale.md")
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]string
	for _, m := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(b), -1) {
		d := yaml.NewDecoder(strings.NewReader(m[1]))
		for {
			var doc map[string]any
			if err := d.Decode(&doc); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("a YAML block of docs/scale.md: %v\n%s", err, m[1])
			}
			lines = append(lines, containerArgs(doc)...)
		}
	}
	script := strings.ReplaceAll(string(b), "\\\n", " ")
	for _, m := range regexp.MustCompile(`(?m)exec ebm (.*)$`).FindAllStringSubmatch(script, -1) {
		lines = append(lines, strings.Fields(strings.ReplaceAll(m[1], `"`, "")))
	}
	if len(lines) < 5 {
		t.Fatalf("found %d ebm command lines in docs/scale.md, want the 3 Job containers and 2 sbatch scripts", len(lines))
	}
	for _, args := range lines {
		root := newRoot(io.Discard, io.Discard)
		cmd, rest, err := root.Find(args)
		if err != nil || cmd == root {
			t.Errorf("ebm %s: no such command (%v)", strings.Join(args, " "), err)
			continue
		}
		if err := cmd.ParseFlags(rest); err != nil {
			t.Errorf("ebm %s: %v", strings.Join(args, " "), err)
		}
	}
}

// containerArgs returns the args of every container in a Kubernetes
// object, wherever they sit.
func containerArgs(v any) [][]string {
	var out [][]string
	switch v := v.(type) {
	case map[string]any:
		if args, ok := v["args"].([]any); ok {
			var a []string
			for _, x := range args {
				a = append(a, x.(string))
			}
			out = append(out, a)
		}
		for _, x := range v {
			out = append(out, containerArgs(x)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, containerArgs(x)...)
		}
	}
	return out
}
