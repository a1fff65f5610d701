package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/internal/atomicfile"
	"github.com/ebm-go/ebm/internal/cmdutil"
	"github.com/ebm-go/ebm/internal/nanjson"
	"github.com/ebm-go/ebm/internal/shard"
)

// shardFlags are --shard and --out of a command that can run one part of
// its independent work (ebm merge puts the parts together).
type shardFlags struct {
	Spec, Out string
	// Getenv reads JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID for
	// --shard auto/n (nil: os.Getenv; tests set it).
	Getenv func(string) string
	shard.Shard
	mkdir bool // --out named a folder: make it when writing
}

func (s *shardFlags) register(c *cobra.Command, what string) {
	c.Flags().StringVar(&s.Spec, "shard", "", "run part i of n of the "+what+": i/n, or auto/n with i from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID; write the part with --json or --out, join the parts with ebm merge")
	c.Flags().StringVar(&s.Out, "out", "", "with --shard: write the part's JSON to this .json file (atomically) instead of stdout; a folder (or a path ending in /, made if missing) gets part-IIII-of-NNNN.json")
}

// resolve parses --shard; a part goes to --out or, with --json, stdout.
func (s *shardFlags) resolve(jsonOut bool) error {
	var err error
	if s.Shard, err = shard.Parse(s.Spec, s.Getenv); err != nil {
		return err
	}
	switch {
	case s.Spec == "" && s.Out != "":
		return errors.New("--out applies only to --shard")
	case s.Spec != "" && s.Out == "" && !jsonOut:
		return fmt.Errorf("--shard %s writes the part as JSON: give --json (stdout) or --out FILE", s.Spec)
	}
	if fi, err := os.Stat(s.Out); s.Out != "" && (strings.HasSuffix(s.Out, "/") || err == nil && fi.IsDir()) {
		s.mkdir = true
		s.Out = filepath.Join(s.Out, fmt.Sprintf("part-%04d-of-%04d.json", s.Index, s.Count))
	}
	return nil
}

// write writes the part's shard file: to --out atomically, else stdout.
func (s *shardFlags) write(w io.Writer, command string, settings, result any) error {
	f, err := shard.New(command, s.Shard, settings, result, nanjson.Marshal)
	if err != nil {
		return err
	}
	if s.Out == "" {
		return cmdutil.WriteJSON(w, f)
	}
	var b bytes.Buffer
	if err := cmdutil.WriteJSON(&b, f); err != nil {
		return err
	}
	if s.mkdir {
		if err := os.MkdirAll(filepath.Dir(s.Out), 0o755); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	return atomicfile.WriteFile(s.Out, b.Bytes())
}

// fileSHA256 is the hex SHA-256 of the file at path: how shards check that
// they measured the same model.
func fileSHA256(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// decodeShard decodes a shard file's settings and result; errors name it.
func decodeShard(f *shard.File, settings, result any) error {
	if settings != nil {
		if err := json.Unmarshal(f.Settings, settings); err != nil {
			return fmt.Errorf("%s: settings: %w", f.Path, err)
		}
	}
	if err := nanjson.Unmarshal(f.Result, result); err != nil {
		return fmt.Errorf("%s: result: %w", f.Path, err)
	}
	return nil
}
