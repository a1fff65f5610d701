package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// FuzzCommandLine runs the whole command tree on command lines made of
// words (split at spaces): whatever the words, it must return — an error
// or success — never panic. Work is cut short by a 300 ms context and a
// 64 MiB memory limit, so slow or large command lines end quickly.
func FuzzCommandLine(f *testing.F) {
	for _, s := range []string{
		"rbm train --data bars:3x3 --k 0",
		"rbm train --data bars:3x3 --hidden 4 --epochs 1 --out OUT --filters OUT",
		"rbm sample --model MISSING --n -1",
		"rbm eval --model MISSING --betas 1",
		"dbn train --data bars:3x3 --hidden 4,x --batch 0",
		"deep train --data 8gaussians:100 --grid 1",
		"hopfield store --patterns random:3 --neurons 16 --out OUT",
		"hopfield recall --net MISSING --noise 2",
		"hopfield capacity --neurons 0",
		"serve --addr :-1",
		"rbm trian",
		"version --json",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		dir := t.TempDir()
		args := strings.Fields(strings.NewReplacer("OUT", dir+"/o.png", "MISSING", dir+"/none").Replace(line))
		if len(args) > 0 && args[0] == "serve" {
			return // serve listens until cancelled; its flags are tested in serve_test.go
		}
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		var out, errb bytes.Buffer
		root := newRoot(&out, &errb)
		root.SetArgs(append(args, "--max-memory", "64MiB"))
		_ = root.ExecuteContext(ctx)
	})
}
