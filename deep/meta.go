package deep

import (
	"fmt"
	"strconv"
	"strings"
)

// Metadata returns the model-file metadata that records c: "objective",
// "sampler", "steps", "step_size", "noise_scale", "persistent", "alpha" and
// the noise box "init_low" and "init_high" (comma-separated). Pass it to
// [Save]; [RecordedSampler] reads the sampler and the box back.
func (c Config) Metadata() map[string]string {
	return map[string]string{
		"objective": c.Objective.String(), "sampler": c.Sampler.Method.String(),
		"steps": strconv.Itoa(c.Sampler.Steps), "step_size": formatFloat(c.Sampler.StepSize),
		"noise_scale": formatFloat(c.Sampler.NoiseScale), "persistent": strconv.FormatBool(c.Persistent),
		"init_low": floatList(c.Init.Low), "init_high": floatList(c.Init.High), "alpha": formatFloat(c.Alpha),
	}
}

// RecordedSampler returns the sampler a model file's metadata records (see
// [Config.Metadata]), each setting the file lacks taken from def, and the
// noise box of a dim-dimensional model. Errors name the metadata key.
func RecordedSampler(meta map[string]string, dim int, def Sampler) (Sampler, NoiseInit, error) {
	s := Sampler{Method: def.Method, Steps: def.Steps, StepSize: def.StepSize, NoiseScale: def.NoiseScale}
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
	}
	for key, dst := range map[string]*float64{"step_size": &s.StepSize, "noise_scale": &s.NoiseScale} {
		if v, ok := meta[key]; ok && v != "" {
			if *dst, err = strconv.ParseFloat(v, 64); err != nil {
				return s, box, fmt.Errorf("metadata %s %q is not a number", key, v)
			}
		}
	}
	return s, box, nil
}

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
		if err != nil {
			return nil, fmt.Errorf("metadata %s %q: %q is not a number", key, s, p)
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
