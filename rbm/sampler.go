package rbm

import (
	"encoding/json"
	"fmt"
)

// SamplerKey is the model-file metadata key under which a model records
// the sampling procedure it was trained to reproduce (see [Sampler]).
const SamplerKey = "sampler"

// Sampler is how a model's samples are to be drawn: chains started from
// Init ("random": the units' start, as Sample with nil init) and run for
// Steps Gibbs steps. A model trained by Restart with k steps records
// {"init": "random", "steps": k}: drawn that way, its samples are what
// training matched to the data; many more steps can drift away from them.
type Sampler struct {
	Init  string `json:"init"`
	Steps int    `json:"steps"`
}

// String is the JSON form the metadata holds.
func (s Sampler) String() string {
	b, _ := json.Marshal(s)
	return string(b)
}

// SamplerOf reads the sampler a model file's metadata records; ok is false
// when it records none (models trained by CD, PCD or PT, and files written
// before the key existed), and a malformed value is an error.
func SamplerOf(meta map[string]string) (s Sampler, ok bool, err error) {
	v, ok := meta[SamplerKey]
	if !ok {
		return Sampler{}, false, nil
	}
	if err := json.Unmarshal([]byte(v), &s); err != nil {
		return Sampler{}, false, fmt.Errorf("metadata %q: %q is not {\"init\": …, \"steps\": …}: %w", SamplerKey, v, err)
	}
	if s.Init != "random" || s.Steps < 1 {
		return Sampler{}, false, fmt.Errorf("metadata %q: %q: want init \"random\" and steps ≥ 1", SamplerKey, v)
	}
	return s, true, nil
}
