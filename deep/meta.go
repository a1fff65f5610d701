package deep

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Metadata returns the model-file metadata that records c: "objective",
// "sampler", "steps", "step_size", "noise_scale", "leapfrog", "persistent",
// "alpha", the learning-rate decay "lr_decay", score matching's "sigma"
// and "sigma_end" (DSM), "projection" and "ssm_plain" (SSM) for those objectives, and the
// noise box "init_low" and "init_high" (comma-separated). Pass it to
// [Save]; [RecordedSampler] reads the sampler and the box back.
func (c Config) Metadata() map[string]string {
	m := c.metadata()
	switch c.Objective {
	case DSM:
		sigma := c.Sigma
		if sigma == 0 {
			sigma = DefaultSigma
		}
		m["sigma"] = formatFloat(sigma)
		if c.SigmaEnd > 0 {
			m["sigma_end"] = formatFloat(c.SigmaEnd)
		}
	case SSM:
		m["projection"], m["ssm_plain"] = c.Projection.String(), strconv.FormatBool(c.SSMPlain)
	}
	if c.Decay > 0 {
		m["lr_decay"] = strconv.Itoa(c.Decay)
	}
	return m
}

func (c Config) metadata() map[string]string {
	return map[string]string{
		"objective": c.Objective.String(), "sampler": c.Sampler.Method.String(),
		"steps": strconv.Itoa(c.Sampler.Steps), "step_size": formatFloat(c.Sampler.StepSize),
		"noise_scale": formatFloat(c.Sampler.NoiseScale), "persistent": strconv.FormatBool(c.Persistent),
		"leapfrog": strconv.Itoa(c.Sampler.Leapfrog),
		"init_low": floatList(c.Init.Low), "init_high": floatList(c.Init.High), "alpha": formatFloat(c.Alpha),
	}
}

// RecordedSampler returns the sampler a model file's metadata records (see
// [Config.Metadata]), each setting the file lacks taken from def, and the
// noise box of a dim-dimensional model. Errors name the metadata key.
func RecordedSampler(meta map[string]string, dim int, def Sampler) (Sampler, NoiseInit, error) {
	s := Sampler{Method: def.Method, Steps: def.Steps, StepSize: def.StepSize, NoiseScale: def.NoiseScale, Leapfrog: def.Leapfrog}
	var box NoiseInit
	var err error
	if box.Low, err = parseFloatList("init_low", meta["init_low"], dim); err != nil {
		return s, box, err
	}
	if box.High, err = parseFloatList("init_high", meta["init_high"], dim); err != nil {
		return s, box, err
	}
	if v, ok := meta["sampler"]; ok && v != "" {
		if s.Method, err = ParseMethod(v); err != nil {
			return s, box, fmt.Errorf("metadata sampler: %w", err)
		}
	}
	if v, ok := meta["steps"]; ok && v != "" {
		if s.Steps, err = strconv.Atoi(v); err != nil {
			return s, box, fmt.Errorf("metadata steps %q is not an integer", v)
		}
		if s.Steps < 0 || s.Steps > MaxRecordedSteps {
			return s, box, fmt.Errorf("metadata steps %d: want 0 to %d", s.Steps, MaxRecordedSteps)
		}
	}
	if v, ok := meta["leapfrog"]; ok && v != "" {
		if s.Leapfrog, err = strconv.Atoi(v); err != nil {
			return s, box, fmt.Errorf("metadata leapfrog %q is not an integer", v)
		}
		if s.Leapfrog < 0 || s.Leapfrog > MaxRecordedSteps {
			return s, box, fmt.Errorf("metadata leapfrog %d: want 0 to %d", s.Leapfrog, MaxRecordedSteps)
		}
	}
	for _, p := range []struct {
		key    string
		dst    *float64
		zeroOK bool
		want   string
	}{{"step_size", &s.StepSize, false, "> 0"}, {"noise_scale", &s.NoiseScale, true, "≥ 0"}} {
		v, ok := meta[p.key]
		if !ok || v == "" {
			continue
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return s, box, fmt.Errorf("metadata %s %q is not a number", p.key, v)
		}
		if !(x > 0 || x == 0 && p.zeroOK) || math.IsInf(x, 0) {
			return s, box, fmt.Errorf("metadata %s %q: want a finite number %s", p.key, v, p.want)
		}
		*p.dst = x
	}
	return s, box, nil
}

// MaxRecordedSteps is the most sampler steps (and HMC leapfrog steps)
// RecordedSampler accepts from a model file: a file asking for more (a
// garbled or hostile one: 10¹² steps would run for days) is refused at
// load; a caller may still ask for more.
const MaxRecordedSteps = 100_000

func formatFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func floatList(v []float32) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatFloat(float64(x), 'g', -1, 32)
	}
	return strings.Join(s, ",")
}

func parseFloatList(key, s string, d int) ([]float32, error) {
	parts := strings.Split(s, ",")
	if len(parts) != d {
		return nil, fmt.Errorf("metadata %s %q: want %d numbers", key, s, d)
	}
	out := make([]float32, d)
	for i, p := range parts {
		v, err := strconv.ParseFloat(p, 32)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("metadata %s %q: %q is not a finite float32 number", key, s, p)
		}
		out[i] = float32(v)
	}
	return out, nil
}

// LoadSampler loads the model file path ([Load]) with the sampler and noise
// box its metadata records ([RecordedSampler]; settings the file lacks
// come from def). Errors name the file.
func LoadSampler(path string, def Sampler) (*Net, Sampler, NoiseInit, error) {
	net, _, meta, err := Load(path)
	if err != nil {
		return nil, def, NoiseInit{}, err
	}
	s, box, err := RecordedSampler(meta, net.Dim(), def)
	if err != nil {
		return nil, def, box, fmt.Errorf("%s: %w", path, err)
	}
	return net, s, box, nil
}
