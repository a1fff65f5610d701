package hopfield

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ebm-go/ebm/internal/nanjson"
)

// CapacityReport is one memory's capacity sweep with its settings and the
// theory to compare it with: what `ebm hopfield capacity --json` prints.
type CapacityReport struct {
	Kind string `json:"kind"`
	// Rule is Spec.Label: the learning rule (classical), the interaction
	// (dense) or "continuous"; Interaction is set for the dense kind and
	// Beta for the exp interaction and the continuous kind.
	Rule        string   `json:"rule"`
	Interaction string   `json:"interaction,omitempty"`
	Beta        *float64 `json:"beta,omitempty"`
	Neurons     int      `json:"neurons"`
	Noise       float64  `json:"noise"`
	Trials      int      `json:"trials"`
	// Mode is the dynamics, "continuous" for the continuous kind;
	// Temperature is set for Glauber dynamics.
	Mode        string   `json:"mode"`
	Temperature *float64 `json:"temperature,omitempty"`
	Seed        uint64   `json:"seed"`
	Seconds     float64  `json:"seconds"`
	// Theory holds the capacities the literature gives for this kind (see
	// TheoryMarks).
	Theory  map[string]float64 `json:"theory"`
	Results []CapacityResult   `json:"results"`
}

// MarshalJSON writes NaN and ±Inf as null.
func (r CapacityReport) MarshalJSON() ([]byte, error) {
	type plain CapacityReport
	return nanjson.Marshal(plain(r))
}

// MarshalJSON writes NaN and ±Inf as null.
func (r CapacityResult) MarshalJSON() ([]byte, error) {
	type plain CapacityResult
	return nanjson.Marshal(plain(r))
}

// MarshalJSON writes NaN and ±Inf as null.
func (r Retrieval) MarshalJSON() ([]byte, error) {
	type plain Retrieval
	return nanjson.Marshal(plain(r))
}

// MeasureCapacity runs Capacity and reports its results with the settings,
// the time it took and the theory marks.
func MeasureCapacity(ctx context.Context, opt CapacityOptions) (*CapacityReport, error) {
	start := time.Now()
	res, err := Capacity(ctx, opt)
	if err != nil {
		return nil, err
	}
	opt.validate() // the defaults Capacity used; it cannot fail now
	s := opt.Spec
	r := &CapacityReport{Kind: s.Kind, Rule: s.Label(), Neurons: opt.Neurons, Noise: opt.Noise, Trials: opt.Trials,
		Mode: string(opt.Mode), Seed: opt.Seed, Seconds: time.Since(start).Seconds(),
		Theory: TheoryMarks(s, opt.Neurons), Results: res}
	if s.Kind == KindDense {
		r.Interaction = s.Interaction.String()
	}
	if s.TakesBeta() {
		r.Beta = &s.Beta
	}
	if s.Kind == KindContinuous {
		r.Mode = KindContinuous
	}
	if opt.Mode == Glauber {
		r.Temperature = &opt.Temperature
	}
	return r, nil
}

// TheoryMarks are the capacities the literature gives for memories built
// by s with n neurons, by name: for the classical kind
// hebbian_ags_load (α_c), hebbian_most_stable_count, hebbian_all_stable_count,
// storkey_count and pseudo_inverse_count_limit; for the dense kind
// dense_error_free_count (poly:n, relu:n) or exp_count; none for the
// continuous kind. s should be normalized.
func TheoryMarks(s Spec, n int) map[string]float64 {
	switch {
	case s.Kind == KindContinuous:
		return map[string]float64{}
	case s.Kind == KindDense && s.Interaction.Kind == Exp:
		return map[string]float64{"exp_count": ExpCapacity(n)}
	case s.Kind == KindDense:
		return map[string]float64{"dense_error_free_count": DenseCapacity(n, s.Interaction.Degree)}
	}
	return map[string]float64{
		"hebbian_ags_load":           AGSCapacity,
		"hebbian_most_stable_count":  MostStableCapacity(n),
		"hebbian_all_stable_count":   AllStableCapacity(n),
		"storkey_count":              StorkeyCapacity(n),
		"pseudo_inverse_count_limit": float64(n),
	}
}

// Mark is a theoretical capacity, as a load α = p/N, for plots.
type Mark struct {
	Name string
	Load float64
}

// Marks are the report's theory marks to draw: α_c, N/(2 ln N),
// N/(4 ln N) and N/√(2 ln N) for the classical kind, the error-free count
// of poly:n and relu:n, 2^{N/2} for exp.
func (r *CapacityReport) Marks() []Mark {
	n := float64(r.Neurons)
	switch r.Kind {
	case KindClassical:
		return []Mark{{"α_c ≈ 0.138", AGSCapacity}, {"N/(2 ln N)", MostStableCapacity(r.Neurons) / n},
			{"N/(4 ln N)", AllStableCapacity(r.Neurons) / n}, {"N/√(2 ln N)", StorkeyCapacity(r.Neurons) / n}}
	case KindDense:
		if v, ok := r.Theory["exp_count"]; ok {
			return []Mark{{"exp: 2^{N/2}", v / n}}
		}
		_, deg, _ := strings.Cut(r.Interaction, ":")
		return []Mark{{fmt.Sprintf("n=%s: N^{n−1}/(2(2n−3)!! ln N)", deg), r.Theory["dense_error_free_count"] / n}}
	}
	return nil
}

// RecallReport summarizes one recall: what `ebm hopfield recall --json`
// prints. The cue fields (Seed, Input, TargetPattern, Noise, Flipped,
// Masked) are the caller's to fill; Summarize fills the rest.
type RecallReport struct {
	Kind           string    `json:"kind"`
	Mode           string    `json:"mode"`
	Temperature    *float64  `json:"temperature,omitempty"`
	Seed           uint64    `json:"seed"`
	Input          string    `json:"input"`
	TargetPattern  *int      `json:"target_pattern"`
	Noise          float64   `json:"noise"`
	Flipped        int       `json:"flipped"`
	Converged      bool      `json:"converged"`
	Sweeps         int       `json:"sweeps"`
	Cycle          bool      `json:"cycle"`
	FinalEnergy    float64   `json:"final_energy"`
	Energies       []float64 `json:"energies"`
	Flips          []int     `json:"flips"`
	NearestPattern *int      `json:"nearest_pattern"`
	Overlap        *float64  `json:"overlap"`
	// InitialOverlap and FinalOverlap are the overlaps with the target
	// pattern before and after, when there is one.
	InitialOverlap *float64        `json:"initial_overlap,omitempty"`
	FinalOverlap   *float64        `json:"target_overlap,omitempty"`
	Classification *Classification `json:"classification"`
	Masked         int             `json:"masked,omitempty"`
	// Beta is set for the dense and continuous kinds, Interaction for the
	// dense kind.
	Beta        *float64 `json:"beta,omitempty"`
	Interaction string   `json:"interaction,omitempty"`
	// Retrieval is the continuous kind's fixed point; the nearest pattern
	// and the classification are then those of the signs of the state.
	Retrieval *Retrieval `json:"retrieval,omitempty"`
}

// MarshalJSON writes NaN and ±Inf as null.
func (r RecallReport) MarshalJSON() ([]byte, error) {
	type plain RecallReport
	return nanjson.Marshal(plain(r))
}

// Summarize reports the recall tr that m ran with opt (target: the stored
// pattern the cue came from, or −1).
func Summarize(m Memory, opt RecallOptions, tr *Trajectory, target int) RecallReport {
	s := m.Spec()
	rep := RecallReport{Kind: s.Kind, Mode: string(opt.Mode), Converged: tr.Converged, Sweeps: tr.Sweeps, Cycle: tr.Cycle,
		FinalEnergy: tr.FinalEnergy(), Energies: tr.Energies, Flips: tr.Flips, Retrieval: tr.Retrieval}
	if rep.Mode == "" {
		rep.Mode = string(Async)
	}
	if opt.Mode == Glauber {
		rep.Temperature = &opt.Temperature
	}
	if s.Kind != KindClassical {
		rep.Beta = &s.Beta
	}
	if s.Kind == KindDense {
		rep.Interaction = s.Interaction.String()
	}
	final := tr.Final
	if s.Kind == KindContinuous {
		rep.Mode = KindContinuous
		final = Sign(tr.Final)
	}
	if pats := m.Patterns(); pats != nil && pats.Rows > 0 {
		k, ov := Nearest(pats, final)
		cl := Classify(pats, final, 0)
		rep.NearestPattern, rep.Overlap, rep.Classification = &k, &ov, &cl
	}
	if target >= 0 && len(tr.Overlaps) > 0 {
		rep.TargetPattern = &target
		rep.InitialOverlap, rep.FinalOverlap = &tr.Overlaps[0][target], &tr.FinalOverlaps()[target]
	}
	return rep
}

// PickFrames drops frames equal to the one before (a sweep that changed
// nothing), keeping the last, and returns at most k (at least 2) of the
// rest, evenly spread, always the first and the last.
func PickFrames(fr []Frame, k int) []Frame {
	var distinct []Frame
	for i, f := range fr {
		if i > 0 && i < len(fr)-1 && slices.Equal(f.State, fr[i-1].State) {
			continue
		}
		if i == len(fr)-1 && len(distinct) > 0 && len(fr) > 1 && slices.Equal(f.State, distinct[len(distinct)-1].State) {
			distinct[len(distinct)-1] = f
			continue
		}
		distinct = append(distinct, f)
	}
	k = max(k, 2)
	if len(distinct) <= k {
		return distinct
	}
	out := make([]Frame, 0, k)
	for i := 0; i < k; i++ {
		out = append(out, distinct[int(math.Round(float64(i)*float64(len(distinct)-1)/float64(k-1)))])
	}
	return out
}

// ParseCounts parses pattern counts "5,10,20" (each at least 1).
func ParseCounts(s string) ([]int, error) {
	var ps []int
	for _, f := range strings.Split(s, ",") {
		p, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("%q: %q is not a count: %w", s, f, ErrOption)
		}
		if p < 1 {
			return nil, fmt.Errorf("%q: a pattern count of %d (each must be at least 1): %w", s, p, ErrOption)
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// ParseLoads parses loads α = p/N as "from:to:step" (0 < from ≤ to,
// step > 0, at most 10,000 loads) and returns the pattern counts
// LoadCounts gives for n neurons.
func ParseLoads(s string, n int) ([]int, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%q: want from:to:step, e.g. 0.05:0.30:0.01: %w", s, ErrOption)
	}
	var v [3]float64
	for i, f := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%q: %q is not a number: %w", s, f, ErrOption)
		}
		v[i] = x
	}
	if v[0] <= 0 || v[1] < v[0] || v[2] <= 0 {
		return nil, fmt.Errorf("%q: want 0 < from ≤ to and step > 0: %w", s, ErrOption)
	}
	if (v[1]-v[0])/v[2] > 10000 {
		return nil, fmt.Errorf("%q: more than 10,000 loads: %w", s, ErrOption)
	}
	var loads []float64
	for k := 0; ; k++ {
		a := v[0] + float64(k)*v[2]
		if a > v[1]+1e-9*v[2] {
			break
		}
		loads = append(loads, a)
	}
	ps, err := LoadCounts(loads, n)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", s, err)
	}
	return ps, nil
}

// LoadCounts turns loads into pattern counts p = round(α·n), a count
// repeated by consecutive loads kept once; a load that rounds to 0 is an
// error.
func LoadCounts(loads []float64, n int) ([]int, error) {
	var ps []int
	for _, a := range loads {
		p := int(math.Round(a * float64(n)))
		if p < 1 {
			return nil, fmt.Errorf("load %g × %d neurons rounds to a pattern count of 0: %w", a, n, ErrOption)
		}
		if len(ps) == 0 || ps[len(ps)-1] != p {
			ps = append(ps, p)
		}
	}
	return ps, nil
}
