package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// noSeconds drops the "seconds" figures (the one thing a merge cannot
// reproduce: it reports the parts' sum) and the folder prefix dir.
func noSeconds(s, dir string) string {
	s = regexp.MustCompile(`(?m)^.*"(train_)?seconds".*\n|^  [0-9.]+ s\n|\([0-9.]+s\)`).ReplaceAllString(s, "")
	if dir != "" {
		s = strings.ReplaceAll(s, dir, "DIR")
	}
	return s
}

// parts runs args with --shard auto/n once per part, the index in the
// environment variable env (SLURM's counted from 1 with
// SLURM_ARRAY_TASK_MIN), each part to its own file, and returns the files.
func parts(t *testing.T, dir, name, env string, n int, args ...string) []string {
	t.Helper()
	var files []string
	for i := 0; i < n; i++ {
		idx := i
		if env == "SLURM_ARRAY_TASK_ID" {
			t.Setenv("JOB_COMPLETION_INDEX", "") // unset: it would come first
			t.Setenv("SLURM_ARRAY_TASK_MIN", "1")
			idx = i + 1
		}
		t.Setenv(env, fmt.Sprint(idx))
		f := filepath.Join(dir, fmt.Sprintf("%s-%d.json", name, i))
		mustRun(t, append(args, "--shard", fmt.Sprintf("auto/%d", n), "--out", f)...)
		files = append(files, f)
	}
	return files
}

func TestEvalShardsMergeBitIdentical(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.safetensors")
	mustRun(t, "rbm", "train", "--data", "bars:4x4", "--hidden", "6", "--epochs", "10", "--batch", "10", "--out", model, "--checkpoint", "none", "-q")
	eval := []string{"rbm", "eval", "--model", model, "--data", "bars:4x4", "--ais", "--raise", "--chains", "110", "--betas", "40", "--seed", "5", "-q"}
	wholeText, wholeJSON := mustRun(t, eval...), mustRun(t, append(eval, "--json")...)
	for _, tc := range []struct {
		env string
		n   int
	}{{"JOB_COMPLETION_INDEX", 2}, {"SLURM_ARRAY_TASK_ID", 2}} { // 30 RAISE examples: at most 2 parts
		files := parts(t, dir, "eval-"+tc.env, tc.env, tc.n, eval...)
		if got := mustRun(t, append([]string{"merge", "--json"}, files...)...); noSeconds(got, "") != noSeconds(wholeJSON, "") {
			t.Errorf("%s: merged JSON\n%s\nwant\n%s", tc.env, got, wholeJSON)
		}
		if got := mustRun(t, append([]string{"merge"}, files...)...); noSeconds(got, "") != noSeconds(wholeText, "") {
			t.Errorf("%s: merged text\n%s\nwant\n%s", tc.env, got, wholeText)
		}
	}
	// AIS alone splits into as many parts as it has groups of 25 chains (5).
	aisOnly := []string{"rbm", "eval", "--model", model, "--data", "bars:4x4", "--ais", "--chains", "110", "--betas", "40", "-q"}
	files := parts(t, dir, "ais", "JOB_COMPLETION_INDEX", 5, aisOnly...)
	if got, want := mustRun(t, append([]string{"merge", "--json"}, files...)...), mustRun(t, append(aisOnly, "--json")...); noSeconds(got, "") != noSeconds(want, "") {
		t.Errorf("5 AIS parts merged:\n%s\nwant\n%s", got, want)
	}
	// Parts that do not fit together are refused, naming the file.
	other := filepath.Join(dir, "seed.json")
	mustRun(t, append(aisOnly, "--seed", "9", "--shard", "1/5", "--out", other)...)
	for _, tc := range []struct {
		name  string
		files []string
		want  string
	}{
		{"another seed", []string{files[0], other, files[2], files[3], files[4]}, "seed.json has different settings from " + files[0] + " (seed: 1 vs 9)"},
		{"missing", files[:4], "shards 4 of 5 are missing"},
		{"twice", []string{files[0], files[1], files[1], files[3], files[4]}, "are both shard 1/5"},
		{"another run's count", []string{files[0], filepath.Join(dir, "eval-JOB_COMPLETION_INDEX-1.json")}, "is one of 2 shards"},
		{"not a shard", []string{model}, "not a shard file"},
	} {
		_, _, err := run(t, append([]string{"merge"}, tc.files...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestCapacityShardsMerge(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"hopfield", "capacity", "--neurons", "30", "--patterns", "2,4,6", "--trials", "7", "--rule", "hebbian,storkey", "--seed", "4"},
		{"hopfield", "compare", "--neurons", "16", "--load", "0.2:2:0.6", "--trials", "3"},
		// 2^{N/2} overflows float64: the theory mark is +Inf, null in JSON.
		{"hopfield", "capacity", "--kind", "dense", "--interaction", "exp", "--neurons", "2100", "--patterns", "2", "--trials", "3"},
	} {
		files := parts(t, dir, args[1], "JOB_COMPLETION_INDEX", 3, args...)
		for _, j := range [][]string{{"--json"}, nil} {
			want := mustRun(t, append(args, j...)...)
			if got := mustRun(t, append(append([]string{"merge"}, j...), files...)...); noSeconds(got, "") != noSeconds(want, "") {
				t.Errorf("%s %v: merged\n%s\nwant\n%s", args[1], j, got, want)
			}
		}
	}
	// --out with a folder names the part's file by its index.
	out := filepath.Join(dir, "parts") + "/" // made by the command
	t.Setenv("JOB_COMPLETION_INDEX", "1")
	mustRun(t, "hopfield", "capacity", "--neurons", "10", "--patterns", "2", "--trials", "2", "--shard", "auto/2", "--out", out)
	if _, err := os.Stat(filepath.Join(out, "part-0001-of-0002.json")); err != nil {
		t.Error(err)
	}
}

// TestSweepLocalEqualsArray runs a 16-configuration sweep with --local and
// as 16 array tasks (the index in JOB_COMPLETION_INDEX): same leaderboard.
func TestSweepLocalEqualsArray(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.json")
	if err := os.WriteFile(plan, []byte(`{"data": "bars:3x3", "chains": 25, "betas": 30,
		"base": {"hidden": 4, "epochs": 3, "batch": 7},
		"grid": {"hidden": [2, 4, 6, 8], "lr": [0.05, 0.2], "method": ["cd", "pcd"]}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	local, array := filepath.Join(dir, "local"), filepath.Join(dir, "array")
	want := mustRun(t, "sweep", plan, "--dir", local, "--local", "-j", "2", "-q", "--json")
	for i := 0; i < 16; i++ {
		t.Setenv("JOB_COMPLETION_INDEX", fmt.Sprint(i))
		mustRun(t, "sweep", plan, "--dir", array, "--shard", "auto/16", "-q")
	}
	files, _ := filepath.Glob(filepath.Join(array, "config-*.json"))
	if len(files) != 16 {
		t.Fatalf("%d result files, want 16", len(files))
	}
	got := mustRun(t, append([]string{"merge", "--json"}, files...)...)
	if noSeconds(got, array) != noSeconds(want, local) {
		t.Errorf("array leaderboard\n%s\nwant --local's\n%s", got, want)
	}
	// A folder stands for its .json files; with --plot, a picture.
	plot := filepath.Join(dir, "board.png")
	if got := mustRun(t, "merge", array+"/", "--plot", plot); !strings.Contains(got, "wrote "+plot) {
		t.Errorf("merge of the folder with --plot:\n%s", got)
	}
	if _, _, err := run(t, "merge", t.TempDir()); err == nil || !strings.Contains(err.Error(), "no .json files") {
		t.Errorf("merge of an empty folder: err %v", err)
	}
	// Run again: every configuration is read back, not trained again.
	_, stderr, err := run(t, "sweep", plan, "--dir", local, "--local")
	if err != nil || strings.Count(stderr, "done before") != 16 {
		t.Errorf("second --local run: err %v, stderr\n%s", err, stderr)
	}
	// Another plan (more AIS chains) does not reuse the results: the
	// models come from the checkpoints, the measurements are new.
	plan2 := filepath.Join(dir, "plan2.json")
	b, _ := os.ReadFile(plan)
	if err := os.WriteFile(plan2, []byte(strings.Replace(string(b), `"chains": 25`, `"chains": 50`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err = run(t, "sweep", plan2, "--dir", local, "--local", "-j", "2")
	if err != nil || strings.Count(stderr, "(wrote ") != 16 {
		t.Errorf("--local with another plan: err %v, stderr\n%s", err, stderr)
	}
	// A sweep that would not fit the memory limit is refused before it runs.
	small := filepath.Join(dir, "small")
	if _, _, err := run(t, "sweep", plan, "--dir", small, "--local", "--max-memory", "64KiB"); err == nil || !strings.Contains(err.Error(), "configurations at once") {
		t.Errorf("sweep over --max-memory: err %v", err)
	}
	if _, err := os.Stat(small); err == nil {
		t.Errorf("a refused sweep made its --dir")
	}
	text := mustRun(t, append([]string{"merge"}, files...)...)
	if lines := strings.Split(strings.TrimSpace(text), "\n"); len(lines) != 17 || !strings.HasPrefix(lines[1], "1 ") {
		t.Errorf("leaderboard table:\n%s", text)
	}
}

func TestShardFlagErrors(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.safetensors")
	mustRun(t, "rbm", "train", "--data", "bars:3x3", "--hidden", "3", "--epochs", "1", "--out", model, "--checkpoint", "none", "-q")
	t.Setenv("JOB_COMPLETION_INDEX", "")
	t.Setenv("SLURM_ARRAY_TASK_ID", "")
	eval := []string{"rbm", "eval", "--model", model, "--data", "bars:3x3", "--ais", "--betas", "10", "-q"}
	badPlan := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(badPlan, []byte(`{"data": "bars:3x3", "base": {"hidden": 2, "epochs": 1}, "gird": {}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	notShard := filepath.Join(dir, "plain.json")
	if err := os.WriteFile(notShard, []byte(`{"log_z": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{append(eval, "--shard", "2/2", "--json"), "index 2 is outside 0…1"},
		{append(eval, "--shard", "x/2", "--json"), "not a number or auto"},
		{append(eval, "--shard", "auto/2", "--json"), "JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID"},
		{append(eval, "--shard", "0/2"), "give --json (stdout) or --out FILE"},
		{append(eval, "--out", "x.json"), "--out applies only to --shard"},
		{append(eval, "--shard", "0/5", "--json"), "100 AIS chains are 4 groups"},
		{[]string{"hopfield", "capacity", "--patterns", "2", "--trials", "2", "--shard", "0/3", "--json"}, "--shard: hopfield: capacity: part 0 of 3 of 2 trials holds no trial"},
		{[]string{"hopfield", "capacity", "--patterns", "2", "--shard", "0/3", "--json", "--plot", filepath.Join(dir, "p.png")}, "ebm merge --plot"},
		{[]string{"sweep", filepath.Join(dir, "none.json"), "--local", "--shard", "0/2"}, "either --local"},
		{[]string{"sweep", badPlan, "--local"}, badPlan + `: invalid sweep plan: json: unknown field "gird"`},
		{[]string{"sweep", filepath.Join(dir, "none.json"), "--local"}, "none.json"},
		{[]string{"sweep", badPlan, "--shard", "0/2", "--json"}, "apply only to --local"},
		{[]string{"merge", notShard}, notShard + ": not a shard file"},
		{[]string{"merge", filepath.Join(dir, "none.json")}, "none.json"},
	} {
		_, _, err := run(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ebm %s: err %v, want %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}
