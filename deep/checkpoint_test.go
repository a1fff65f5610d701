package deep

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ebm-go/ebm/modelio"
)

func resumeOptions(obj Objective, persistent bool, method Method) FitOptions {
	cfg := DefaultConfig()
	cfg.Objective, cfg.Persistent, cfg.BufferSize = obj, persistent, 50
	cfg.Sampler = Sampler{Method: method, Steps: 3, StepSize: 0.05, NoiseScale: 1}
	if method == HMC {
		cfg.Sampler.Leapfrog = 3 // not the default, so a resume that lost it would differ
	}
	cfg.Batch = 16
	return FitOptions{Hidden: []int{8, 8}, Activation: Swish, Config: cfg, Iters: 17, Seed: 3, Grid: 20}
}

// Training interrupted (by ctx) at iteration 7 and resumed from the
// checkpoint to the end gives the model of an uninterrupted run bit for
// bit — parameters, log Z and the saved file — for every kind of state:
// short-run chains, the replay buffer (with MALA, and with HMC and its
// leapfrog count), NCE's log Z.
func TestCheckpointResumeBitIdentical(t *testing.T) {
	for _, c := range []struct {
		name       string
		obj        Objective
		persistent bool
		method     Method
		tweak      func(*Config) // settings beyond the objective (nil: none)
	}{
		{"short-run", Contrastive, false, ULA, nil},
		{"persistent-mala", Contrastive, true, MALA, nil},
		{"nce", NCE, false, ULA, nil},
		{"persistent-hmc", Contrastive, true, HMC, nil},
		// Not the defaults, so a resume that lost them would differ.
		{"dsm", DSM, false, ULA, func(c *Config) { c.Sigma, c.Decay = 0.2, 17 }},
		{"dsm-annealed", DSM, false, ULA, func(c *Config) { c.Sigma, c.SigmaEnd, c.Decay = 0.3, 0.05, 15 }},
		{"ssm", SSM, false, ULA, func(c *Config) { c.Decay = 12 }},
		{"ssm-plain-rademacher", SSM, false, ULA, func(c *Config) { c.Projection, c.SSMPlain = Rademacher, true }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			data, err := LoadData("8gaussians:500:2", "")
			if err != nil {
				t.Fatal(err)
			}
			opt := resumeOptions(c.obj, c.persistent, c.method)
			if c.tweak != nil {
				c.tweak(&opt.Config)
			}
			straight, err := Fit(context.Background(), data, opt)
			if err != nil {
				t.Fatal(err)
			}
			want := filepath.Join(dir, "straight.safetensors")
			if err := straight.Save(want); err != nil {
				t.Fatal(err)
			}

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ckpt := filepath.Join(dir, "c.safetensors")
			opt.Checkpoint, opt.CheckpointEvery, opt.Out = ckpt, 5, "m.safetensors"
			opt.OnIter = func(st Stats) {
				if st.Iter == 7 {
					cancel()
				}
			}
			first, err := NewFit(data, opt)
			if err != nil {
				t.Fatal(err)
			}
			if err := first.Run(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("interrupted run: %v", err)
			}
			ck, err := LoadCheckpoint(ckpt)
			if err != nil {
				t.Fatal(err)
			}
			if want := opt.Config; ck.Options.Config.Sigma != want.Sigma || ck.Options.Config.SigmaEnd != want.SigmaEnd || ck.Options.Config.Decay != want.Decay ||
				ck.Options.Config.Projection != want.Projection || ck.Options.Config.SSMPlain != want.SSMPlain {
				t.Fatalf("checkpoint settings %+v, want %+v", ck.Options.Config, want)
			}
			if ck.Done != 7 || ck.Options.Iters != 17 || ck.Options.Out != "m.safetensors" || ck.Data != "8gaussians:500:2" {
				t.Fatalf("checkpoint: done %d, options %+v, data %q", ck.Done, ck.Options, ck.Data)
			}
			data2, err := LoadData(ck.Data, ck.Test)
			if err != nil {
				t.Fatal(err)
			}
			resumed, err := ck.Resume(data2)
			if err != nil {
				t.Fatal(err)
			}
			if err := resumed.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			a, b := straight.Trainer.params, resumed.Trainer.params
			for k := range a {
				for i := range a[k] {
					if math.Float32bits(a[k][i]) != math.Float32bits(b[k][i]) {
						t.Fatalf("parameter %d[%d]: %v straight, %v resumed", k, i, a[k][i], b[k][i])
					}
				}
			}
			got := filepath.Join(dir, "resumed.safetensors")
			if err := resumed.Save(got); err != nil {
				t.Fatal(err)
			}
			wb, _ := os.ReadFile(want)
			gb, _ := os.ReadFile(got)
			if !bytes.Equal(wb, gb) {
				t.Error("the resumed model file differs from the uninterrupted one")
			}
			// The final checkpoint is the end of the run, and loads as a model.
			if ck, err := LoadCheckpoint(ckpt); err != nil || ck.Done != 17 {
				t.Errorf("final checkpoint: %v", err)
			}
			if _, _, _, err := Load(ckpt); err != nil {
				t.Errorf("a checkpoint loads as a model: %v", err)
			}
		})
	}
}

// Bad checkpoints are refused with errors naming the file (and the part
// at fault), never a panic.
func TestLoadCheckpointBad(t *testing.T) {
	dir := t.TempDir()
	data, err := LoadData("8gaussians:200", "")
	if err != nil {
		t.Fatal(err)
	}
	opt := resumeOptions(Contrastive, true, ULA)
	opt.Iters, opt.Checkpoint = 2, filepath.Join(dir, "good.safetensors")
	fit, err := Fit(context.Background(), data, opt)
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "model.safetensors")
	if err := fit.Save(model); err != nil {
		t.Fatal(err)
	}
	edited := func(name string, edit func(*modelio.File)) string {
		f, _ := modelio.Load(opt.Checkpoint)
		edit(f)
		p := filepath.Join(dir, name)
		if err := modelio.Save(p, f); err != nil {
			t.Fatal(err)
		}
		return p
	}
	junk := filepath.Join(dir, "junk.safetensors")
	if err := os.WriteFile(junk, []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		want []string
	}{
		{filepath.Join(dir, "missing.safetensors"), []string{"missing.safetensors"}},
		{junk, []string{"junk.safetensors"}},
		{model, []string{"model.safetensors", "not a training checkpoint"}},
		{edited("rbm.safetensors", func(f *modelio.File) { f.Metadata["model"] = "rbm" }), []string{"rbm.safetensors", `"rbm" model`}},
		{edited("rng.safetensors", func(f *modelio.File) { f.Metadata["rng_state"] = "!!" }), []string{"rng.safetensors", "rng_state"}},
		{edited("iters.safetensors", func(f *modelio.File) { f.Metadata["iters_done"] = "-1" }), []string{"iters.safetensors", "iters_done"}},
		{edited("lr.safetensors", func(f *modelio.File) { f.Metadata["cfg.lr"] = "x" }), []string{"lr.safetensors", "cfg.lr"}},
		{edited("obj.safetensors", func(f *modelio.File) { f.Metadata["objective"] = "ml" }), []string{"obj.safetensors", "objective"}},
		{edited("sigma.safetensors", func(f *modelio.File) { f.Metadata["sigma"] = "-1" }), []string{"sigma.safetensors", "sigma"}},
		{edited("proj.safetensors", func(f *modelio.File) { f.Metadata["projection"] = "cauchy" }), []string{"proj.safetensors", "projection"}},
		{edited("decay.safetensors", func(f *modelio.File) { f.Metadata["lr_decay"] = "x" }), []string{"decay.safetensors", "lr_decay"}},
	} {
		_, err := LoadCheckpoint(c.path)
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %v, want one naming %q", c.path, err, w)
			}
		}
	}
	// Damaged state tensors and other data are found by Resume.
	for _, c := range []struct {
		path string
		data string
		want string
	}{
		{edited("buf.safetensors", func(f *modelio.File) { delete(f.Tensors, "buffer") }), "8gaussians:200", `"buffer"`},
		{edited("nan.safetensors", func(f *modelio.File) { f.Tensors["adam.v.0"].Data[0] = float32(math.NaN()) }), "8gaussians:200", "adam.v.0"},
		{opt.Checkpoint, "8gaussians:200:7", "not the rows"},
	} {
		ck, err := LoadCheckpoint(c.path)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := LoadData(c.data, "")
		if _, err := ck.Resume(d); err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), filepath.Base(c.path)) {
			t.Errorf("%s on %s: error %v, want one naming %q", c.path, c.data, err, c.want)
		}
	}
}
