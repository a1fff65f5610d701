package sweep

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestConfigs(t *testing.T) {
	tests := []struct {
		name, plan string
		want       []string // labels
		err        bool
	}{
		{"base only", `{"data":"bars:3x3","base":{"hidden":4,"epochs":2}}`, []string{"h=4 cd ep=2"}, false},
		{"grid, last key fastest", `{"data":"bars:3x3","base":{"hidden":4,"epochs":2},"grid":{"lr":[0.1,0.2],"hidden":[2,3]}}`,
			[]string{"h=2 cd ep=2 lr=0.1", "h=2 cd ep=2 lr=0.2", "h=3 cd ep=2 lr=0.1", "h=3 cd ep=2 lr=0.2"}, false},
		{"grid then list", `{"data":"bars:3x3","base":{"hidden":4,"epochs":2},"grid":{"method":["cd","pcd"]},"list":[{"k":3}]}`,
			[]string{"h=4 cd ep=2", "h=4 pcd ep=2", "h=4 cd-3 ep=2"}, false},
		{"unknown plan key", `{"data":"bars:3x3","base":{"hidden":4,"epochs":2},"chain":3}`, nil, true},
		{"unknown config key", `{"data":"bars:3x3","base":{"hidden":4,"epochs":2},"grid":{"hiden":[1]}}`, nil, true},
		{"no data", `{"base":{"hidden":4,"epochs":2}}`, nil, true},
		{"no epochs", `{"data":"bars:3x3","base":{"hidden":4}}`, nil, true},
		{"empty grid key", `{"data":"bars:3x3","base":{"hidden":4,"epochs":2},"grid":{"lr":[]}}`, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, cs, err := Parse([]byte(tc.plan))
			if tc.err {
				if !errors.Is(err, ErrPlan) {
					t.Fatalf("err %v, want ErrPlan", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cs {
				got = append(got, c.Label())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestResume checks that a configuration stopped after some epochs and run
// again from its checkpoint ends with the result of an uninterrupted run.
func TestResume(t *testing.T) {
	const plan = `{"data":"bars:3x3","chains":25,"betas":50,"base":{"hidden":5,"epochs":%d,"batch":4,"method":"pcd"}}`
	p6, cs6, err := Parse([]byte(fmt.Sprintf(plan, 6)))
	if err != nil {
		t.Fatal(err)
	}
	whole, err := Run(context.Background(), p6, cs6, 0, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p3, cs3, _ := Parse([]byte(fmt.Sprintf(plan, 3)))
	if _, err := Run(context.Background(), p3, cs3, 0, dir); err != nil { // "stopped" after 3 epochs
		t.Fatal(err)
	}
	resumed, err := Run(context.Background(), p6, cs6, 0, dir)
	if err != nil {
		t.Fatal(err)
	}
	if resumed.Resumed != 3 || resumed.Epochs != 6 {
		t.Errorf("resumed from epoch %d to %d, want 3 to 6", resumed.Resumed, resumed.Epochs)
	}
	if *resumed.Eval != *whole.Eval {
		t.Errorf("resumed run measured %+v\nuninterrupted %+v", resumed.Eval, whole.Eval)
	}
	// A checkpoint with more epochs than the configuration is refused.
	if _, err := Run(context.Background(), p3, cs3, 0, dir); !errors.Is(err, ErrPlan) {
		t.Errorf("checkpoint of 6 epochs for a 3-epoch configuration: err %v, want ErrPlan", err)
	}
	// Another configuration's checkpoint is refused.
	other, cso, _ := Parse([]byte(`{"data":"bars:3x3","base":{"hidden":5,"epochs":6,"batch":4,"method":"cd"}}`))
	if _, err := Run(context.Background(), other, cso, 0, dir); !errors.Is(err, ErrPlan) {
		t.Errorf("another configuration's checkpoint: err %v, want ErrPlan", err)
	}
}

// TestDocsPlan keeps the plan docs/scale.md runs valid: 16 configurations.
func TestDocsPlan(t *testing.T) {
	_, cs, err := Load("../docs/sweep-bars.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 16 {
		t.Errorf("%d configurations, want 16", len(cs))
	}
}

// TestYAMLPlan checks that a YAML plan is the same plan as its JSON form.
func TestYAMLPlan(t *testing.T) {
	dir := t.TempDir()
	y := filepath.Join(dir, "plan.yaml")
	if err := os.WriteFile(y, []byte(`data: bars:4x4
chains: 100
betas: 2000
base: {hidden: 16, epochs: 200, batch: 10}
grid:
  hidden: [4, 8, 16, 32]
  lr: [0.05, 0.2]
  method: [cd, pcd]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	py, cy, err := Load(y)
	if err != nil {
		t.Fatal(err)
	}
	pj, cj, err := Load("../docs/sweep-bars.json")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cy, cj) || py.Data != pj.Data || py.Chains != pj.Chains || py.Betas != pj.Betas {
		t.Errorf("YAML plan %+v %+v\nJSON plan %+v %+v", py, cy, pj, cj)
	}
	bad := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(bad, []byte("data: [unclosed"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load(bad); !errors.Is(err, ErrPlan) || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad YAML: err %v, want ErrPlan naming the file", err)
	}
}

// TestScore: a plan that names a labelled data set scores each model's
// samples — a restart model with its own sampler — and a reference that
// does not fit the data is refused before anything is trained.
func TestScore(t *testing.T) {
	const plan = `{"data":"mnist:300","eval_data":"mnist:test:50","chains":25,"betas":20,"score":%q,"samples":40,
		"base":{"hidden":8,"epochs":1,"method":"restart","k":2,"batch":100}}`
	p, cs, err := Parse([]byte(fmt.Sprintf(plan, "mnist:test:500")))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r, err := Run(context.Background(), p, cs, 0, dir)
	if err != nil {
		t.Fatal(err)
	}
	if c := r.Coverage; c == nil || c.N != 40 || len(c.Shares) != 10 || c.Reference != "mnist:test:500" {
		t.Fatalf("coverage %+v", r.Coverage)
	}
	p, cs, _ = Parse([]byte(fmt.Sprintf(plan, "bars:4x4")))
	dir = t.TempDir()
	if _, err := Run(context.Background(), p, cs, 0, dir); err == nil || !strings.Contains(err.Error(), "bars:4x4") {
		t.Fatalf("a 16-pixel reference for 784-pixel models: %v", err)
	}
	if model, _, _ := Paths(dir, 0); fileExists(model) {
		t.Errorf("%s was trained before the reference was refused", model)
	}
	if _, _, err := Parse([]byte(`{"data":"bars:3x3","samples":-1,"base":{"hidden":4,"epochs":2}}`)); !errors.Is(err, ErrPlan) {
		t.Errorf("negative samples: %v", err)
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
