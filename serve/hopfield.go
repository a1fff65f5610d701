package serve

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ebm-go/ebm/hopfield"
	"github.com/ebm-go/ebm/internal/tensor"
)

// memorySpec is the part of a request that names a memory: built from
// patterns, or one of the loaded models.
type memorySpec struct {
	Kind         string      `json:"kind"`
	Rule         string      `json:"rule"`
	ZeroDiagonal bool        `json:"zero_diagonal"`
	Interaction  string      `json:"interaction"`
	Beta         *float64    `json:"beta"`
	Model        string      `json:"model"`
	Patterns     [][]float32 `json:"patterns"`
	// Normalize is the continuous kind's normalization of the patterns
	// and queries: "" or none, l2, standardize.
	Normalize string `json:"normalize"`
}

// memory returns the memory a request names, from the cache when the same
// memory was asked for recently.
func (s *Server) memory(spec *memorySpec) (hopfield.Memory, error) {
	switch spec.Model {
	case "":
	case "hopfield":
		if s.cfg.Hopfield == nil {
			return nil, &apiError{http.StatusNotFound, `model "hopfield": the server was started without --hopfield`}
		}
		return s.cfg.Hopfield, nil
	case "memory":
		if s.cfg.Memory == nil {
			return nil, &apiError{http.StatusNotFound, `model "memory": the server was started without --memory`}
		}
		m := s.cfg.Memory
		if m.Kind() != hopfield.KindContinuous || spec.Beta == nil || *spec.Beta == m.Spec().Beta {
			return m, nil
		}
		if err := checkBeta(*spec.Beta); err != nil {
			return nil, err
		}
		return s.cache.get(cacheKey("loaded-memory", *spec.Beta, nil), func() (hopfield.Memory, error) {
			return hopfield.WithBeta(m, *spec.Beta)
		})
	default:
		return nil, badRequest(`model %q: want "" (build from patterns), "hopfield" or "memory"`, spec.Model)
	}
	hs, err := buildSpec(spec)
	if err != nil {
		return nil, err
	}
	x, err := s.patterns(spec.Patterns, hs.Kind != hopfield.KindContinuous)
	if err != nil {
		return nil, err
	}
	beta := hs.Beta
	if hs.Kind == hopfield.KindContinuous && spec.Beta != nil {
		beta = *spec.Beta // 0 included
	}
	key := cacheKey(fmt.Sprintf("%s/%s/%v/%s/%s", hs.Kind, hs.Rule, hs.ZeroDiagonal, hs.Interaction, hs.Norm), beta, x)
	return s.cache.get(key, func() (hopfield.Memory, error) {
		m, err := hopfield.New(x.Cols, hs)
		if err == nil && beta != hs.Beta {
			m, err = hopfield.WithBeta(m, 0) // β = 0 as asked, not the default
		}
		if err != nil {
			return nil, err
		}
		return m, m.Store(x)
	})
}

// buildSpec checks what a request asks to build: the page's defaults are
// the pinv rule and, for the dense kind, the library's poly:3; beta is for
// the dense exp interaction and the continuous kind (ignored otherwise).
func buildSpec(spec *memorySpec) (hopfield.Spec, error) {
	hs := hopfield.Spec{Kind: spec.Kind, Rule: hopfield.PseudoInverse}
	kind, err := hopfield.ParseKind(spec.Kind)
	if err != nil {
		return hs, badRequest("kind %q: want classical, dense or continuous", spec.Kind)
	}
	switch hs.Kind = kind; kind {
	case hopfield.KindClassical:
		if spec.Rule != "" {
			if hs.Rule, err = hopfield.ParseRule(spec.Rule); err != nil {
				return hs, badRequest("rule %q: want hebbian, storkey or pinv", spec.Rule)
			}
		}
		hs.ZeroDiagonal = spec.ZeroDiagonal
	case hopfield.KindDense:
		hs.Rule = ""
		if spec.Interaction != "" {
			if hs.Interaction, err = hopfield.ParseInteraction(spec.Interaction); err != nil {
				return hs, badRequest("interaction %q: want poly:n, relu:n (2 ≤ n ≤ %d) or exp", spec.Interaction, hopfield.MaxDegree)
			}
		}
		if spec.Beta != nil && hs.Interaction.Kind == hopfield.Exp {
			if b := *spec.Beta; !(b > 0) || b > 1e6 {
				return hs, badRequest("beta %g: the exp interaction needs 0 < beta ≤ 1e6", b)
			}
			hs.Beta = *spec.Beta
		}
	default:
		hs.Rule = ""
		if spec.Beta != nil {
			if err := checkBeta(*spec.Beta); err != nil {
				return hs, err
			}
			hs.Beta = *spec.Beta
		}
		norm, err := hopfield.ParseNormalization(spec.Normalize)
		if err != nil {
			return hs, badRequest("normalize %q: want none, l2 or standardize", spec.Normalize)
		}
		hs.Norm = norm
	}
	if kind != hopfield.KindContinuous && spec.Normalize != "" && spec.Normalize != "none" {
		return hs, badRequest("normalize %q applies to the continuous kind, not %s", spec.Normalize, kind)
	}
	if hs, err = hs.Normalize(); err != nil {
		return hs, badRequest("%v", err)
	}
	return hs, nil
}

func checkBeta(beta float64) error {
	if !(beta >= 0) || beta > 1e6 {
		return badRequest("beta %g: want 0 ≤ beta ≤ 1e6", beta)
	}
	return nil
}

// patterns checks and packs the stored patterns: 1..MaxPatterns rows of
// equal length N ≤ MaxNeurons; binary memories take ±1 or 0/1 rows.
func (s *Server) patterns(rows [][]float32, binary bool) (*tensor.Matrix, error) {
	if len(rows) == 0 {
		return nil, badRequest(`"patterns" is empty: store at least one pattern (or name a loaded "model")`)
	}
	if len(rows) > s.lim.MaxPatterns {
		return nil, badRequest("%d patterns: at most %d per request", len(rows), s.lim.MaxPatterns)
	}
	n := len(rows[0])
	if n == 0 || n > s.lim.MaxNeurons {
		return nil, badRequest("patterns of %d units: want 1 to %d", n, s.lim.MaxNeurons)
	}
	x := tensor.New(len(rows), n)
	for mu, r := range rows {
		if len(r) != n {
			return nil, badRequest("pattern %d has %d units, pattern 0 has %d", mu, len(r), n)
		}
		if binary {
			b, err := hopfield.Bipolar(r)
			if err != nil {
				return nil, badRequest("pattern %d: %v", mu, err)
			}
			r = b
		} else if err := bounded(r, fmt.Sprintf("pattern %d", mu)); err != nil {
			return nil, err
		}
		copy(x.Row(mu), r)
	}
	return x, nil
}

// state checks a cue against the memory: length N, and ±1 or 0/1 for the
// binary kinds.
func state(m hopfield.Memory, v []float32, what string) ([]float32, error) {
	if len(v) != m.Neurons() {
		return nil, badRequest("%s has %d units, the memory has %d", what, len(v), m.Neurons())
	}
	if m.Kind() == hopfield.KindContinuous {
		return v, bounded(v, what)
	}
	b, err := hopfield.Bipolar(v)
	if err != nil {
		return nil, badRequest("%s: %v", what, err)
	}
	return b, nil
}

// MaxValue bounds the entries of continuous patterns and states, so that
// every product and energy stays finite in float32 (784 units of 10⁴ give
// dot products of 10¹¹; β ≤ 10⁶ scales them inside a max-shifted softmax).
const MaxValue = 1e4

func bounded(v []float32, what string) error {
	for i, x := range v {
		if !(x >= -MaxValue && x <= MaxValue) {
			return badRequest("%s[%d] = %g: continuous values must lie in [−%g, %g]", what, i, x, MaxValue, MaxValue)
		}
	}
	return nil
}

// memCache keeps the most recently built memories (building a 784-unit
// pseudo-inverse network costs a few milliseconds; a page asks for the same
// one again and again). Memories are only read after they are built.
type memCache struct {
	mu    sync.Mutex
	max   int
	order []string
	m     map[string]hopfield.Memory
}

func newMemCache(max int) *memCache { return &memCache{max: max, m: map[string]hopfield.Memory{}} }

func (c *memCache) get(key string, build func() (hopfield.Memory, error)) (hopfield.Memory, error) {
	c.mu.Lock()
	if m, ok := c.m[key]; ok {
		c.mu.Unlock()
		return m, nil
	}
	c.mu.Unlock()
	m, err := build()
	if err != nil {
		return nil, badRequest("build the memory: %v", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[key]; ok {
		return old, nil
	}
	c.m[key] = m
	c.order = append(c.order, key)
	if len(c.order) > c.max {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	return m, nil
}

func cacheKey(kind string, beta float64, x *tensor.Matrix) string {
	h := sha256.New()
	h.Write([]byte(kind))
	binary.Write(h, binary.LittleEndian, beta)
	if x != nil {
		binary.Write(h, binary.LittleEndian, int64(x.Rows))
		binary.Write(h, binary.LittleEndian, int64(x.Cols))
		binary.Write(h, binary.LittleEndian, x.Data)
	}
	return string(h.Sum(nil))
}

// corruptRequest is the body of POST /api/corrupt.
type corruptRequest struct {
	State        []float32 `json:"state"`
	Height       int       `json:"height"`
	Width        int       `json:"width"`
	Noise        float64   `json:"noise"`
	Mask         string    `json:"mask"`
	MaskFraction *float64  `json:"mask_fraction"`
	MaskValue    *float32  `json:"mask_value"`
	Seed         uint64    `json:"seed"`
}

func (s *Server) handleCorrupt(w http.ResponseWriter, r *http.Request, req *corruptRequest) error {
	n := len(req.State)
	if n == 0 || n > s.lim.MaxNeurons {
		return badRequest("state of %d units: want 1 to %d", n, s.lim.MaxNeurons)
	}
	if !(req.Noise >= 0 && req.Noise <= 1) {
		return badRequest("noise %g: want a fraction in [0, 1]", req.Noise)
	}
	// ±1 states flip v → −v; 0/1 states v → 1−v.
	zeroOne := true
	for i, v := range req.State {
		switch v {
		case 0, 1:
		case -1:
			zeroOne = false
		default:
			if req.Noise > 0 {
				return badRequest("state[%d] = %g: noise flips binary states (±1 or 0/1) only", i, v)
			}
		}
	}
	out := slices.Clone(req.State)
	rng := tensor.NewRand(req.Seed)
	k := hopfield.NoiseFlips(req.Noise, n)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	for j := 0; j < k; j++ { // partial Fisher–Yates: k distinct units
		t := j + int(rng.Uint64()%uint64(n-j))
		idx[j], idx[t] = idx[t], idx[j]
		i := idx[j]
		if zeroOne {
			out[i] = 1 - out[i]
		} else {
			out[i] = -out[i]
		}
	}
	masked := 0
	mask := strings.ToLower(req.Mask)
	if mask != "" && mask != "none" {
		h, wd := req.Height, req.Width
		if h <= 0 || wd <= 0 || h*wd != n {
			return badRequest("mask %q needs height×width = %d units, got %d×%d", req.Mask, n, h, wd)
		}
		frac := 0.5
		if req.MaskFraction != nil {
			frac = *req.MaskFraction
		}
		if !(frac >= 0 && frac <= 1) {
			return badRequest("mask_fraction %g: want [0, 1]", frac)
		}
		val := float32(-1)
		if zeroOne {
			val = 0
		}
		if req.MaskValue != nil {
			val = *req.MaskValue
		}
		if math.IsNaN(float64(val)) || math.IsInf(float64(val), 0) {
			return badRequest("mask_value must be finite")
		}
		rows := int(math.Round(frac * float64(h)))
		cols := int(math.Round(frac * float64(wd)))
		for y := 0; y < h; y++ {
			for x := 0; x < wd; x++ {
				var in bool
				switch mask {
				case "top":
					in = y < rows
				case "bottom":
					in = y >= h-rows
				case "left":
					in = x < cols
				case "right":
					in = x >= wd-cols
				default:
					return badRequest("mask %q: want none, top, bottom, left or right", req.Mask)
				}
				if in {
					out[y*wd+x] = val
					masked++
				}
			}
		}
	}
	return writeJSON(w, map[string]any{"state": out, "flipped": k, "masked": masked})
}

// recallRequest is the body of POST /api/hopfield/recall.
type recallRequest struct {
	memorySpec
	State       []float32 `json:"state"`
	Mode        string    `json:"mode"`
	Temperature float64   `json:"temperature"`
	MaxSweeps   int       `json:"max_sweeps"`
	Seed        uint64    `json:"seed"`
	Flips       bool      `json:"flips"`
}

// flip is a unit change as sent: [unit, value, energy after].
type flip [3]any

func (s *Server) handleRecall(w http.ResponseWriter, r *http.Request, req *recallRequest) error {
	mem, err := s.memory(&req.memorySpec)
	if err != nil {
		return err
	}
	cue, err := state(mem, req.State, "state")
	if err != nil {
		return err
	}
	mode := hopfield.Async
	if req.Mode != "" {
		if mode, err = hopfield.ParseMode(req.Mode); err != nil {
			return badRequest("mode %q: want async, sync or glauber", req.Mode)
		}
	}
	if mode == hopfield.Glauber {
		if mem.Kind() != hopfield.KindClassical {
			return badRequest("glauber dynamics is for classical networks; a %s memory runs async or sync", mem.Kind())
		}
		if !(req.Temperature > 0 && req.Temperature <= 1e6) {
			return badRequest("temperature %g: glauber needs 0 < temperature ≤ 1e6", req.Temperature)
		}
	}
	if req.MaxSweeps < 0 || req.MaxSweeps > s.lim.MaxSweeps {
		return badRequest("max_sweeps %d: want 0 (default 50) to %d", req.MaxSweeps, s.lim.MaxSweeps)
	}
	if req.MaxSweeps == 0 {
		req.MaxSweeps = 50
	}
	continuous := mem.Kind() == hopfield.KindContinuous
	if continuous && req.MaxSweeps > s.lim.MaxRetrieve {
		req.MaxSweeps = s.lim.MaxRetrieve
	}
	st := newStream(w)
	var ov0 []float64
	if p := mem.Patterns(); p != nil {
		ov0 = hopfield.Overlaps(p, cue)
	}
	start := map[string]any{"type": "start", "kind": mem.Kind(), "neurons": mem.Neurons(), "patterns": mem.Count(),
		"energy": mem.Energy(cue), "overlaps": ov0}
	if err := st.send(start); err != nil {
		return nil
	}
	opt := hopfield.RecallOptions{
		Mode: mode, MaxSweeps: req.MaxSweeps, Temperature: req.Temperature,
		Rand: tensor.NewRand(req.Seed), RecordChanges: req.Flips && !continuous,
		OnSweep: func(rep hopfield.SweepReport) error {
			line := map[string]any{"type": "sweep", "sweep": rep.Sweep, "changed": rep.Changed,
				"energy": rep.Energy, "overlaps": rep.Overlaps}
			if continuous {
				line["state"] = rep.State
				line["weights"] = rep.Weights
			} else if req.Flips {
				fl := make([]flip, len(rep.Changes))
				for k, c := range rep.Changes {
					fl[k] = flip{c.Unit, c.Value, c.Energy}
				}
				line["flips"] = fl
			}
			return st.send(line)
		},
	}
	if mode == hopfield.Sync {
		opt.Rand = nil
	}
	traj, err := mem.Recall(r.Context(), cue, opt)
	if err != nil {
		if errors.Is(err, errClientGone) {
			return nil
		}
		return st.fail(err)
	}
	done := map[string]any{"type": "done", "sweeps": traj.Sweeps, "converged": traj.Converged, "cycle": traj.Cycle,
		"state": traj.Final, "energy": traj.FinalEnergy(), "overlaps": traj.FinalOverlaps()}
	if p := mem.Patterns(); p != nil && p.Rows > 0 {
		if continuous {
			ov := traj.FinalOverlaps()
			best := 0
			for mu := range ov {
				if ov[mu] > ov[best] {
					best = mu
				}
			}
			done["nearest"], done["overlap"] = best, ov[best]
		} else {
			c := hopfield.Classify(p, traj.Final, hopfield.DefaultMinOverlap)
			nearest, m := hopfield.Nearest(p, traj.Final)
			done["nearest"], done["overlap"], done["class"] = nearest, m, c.Class
		}
	}
	st.send(done)
	return nil
}

// energyRequest is the body of POST /api/hopfield/energy.
type energyRequest struct {
	memorySpec
	States [][]float32 `json:"states"`
}

func (s *Server) handleEnergy(w http.ResponseWriter, r *http.Request, req *energyRequest) error {
	if len(req.States) == 0 || len(req.States) > s.lim.MaxPatterns {
		return badRequest("%d states: want 1 to %d", len(req.States), s.lim.MaxPatterns)
	}
	mem, err := s.memory(&req.memorySpec)
	if err != nil {
		return err
	}
	es := make([]any, len(req.States))
	ovs := make([][]float64, len(req.States))
	for k, v := range req.States {
		x, err := state(mem, v, "states["+strconv.Itoa(k)+"]")
		if err != nil {
			return err
		}
		es[k] = mem.Energy(x)
		if p := mem.Patterns(); p != nil {
			ovs[k] = hopfield.Overlaps(p, x)
		}
	}
	return writeJSON(w, map[string]any{"energy": es, "overlaps": ovs})
}

// retrieveRequest is the body of POST /api/modern/retrieve.
type retrieveRequest struct {
	Patterns [][]float32 `json:"patterns"`
	Model    string      `json:"model"`
	Query    []float32   `json:"query"`
	Beta     *float64    `json:"beta"`
	Steps    int         `json:"steps"`
	// Normalize is how patterns and query are normalized (continuous
	// memories built from patterns; a loaded memory keeps its own).
	Normalize string `json:"normalize"`
}

func (s *Server) handleRetrieve(w http.ResponseWriter, r *http.Request, req *retrieveRequest) error {
	if req.Model != "" && req.Model != "memory" {
		return badRequest(`model %q: want "" (build from patterns) or "memory"`, req.Model)
	}
	if req.Steps < 0 || req.Steps > s.lim.MaxRetrieve {
		return badRequest("steps %d: want 0 (default 1) to %d", req.Steps, s.lim.MaxRetrieve)
	}
	if req.Steps == 0 {
		req.Steps = 1
	}
	mem, err := s.memory(&memorySpec{Kind: hopfield.KindContinuous, Model: req.Model, Beta: req.Beta, Patterns: req.Patterns, Normalize: req.Normalize})
	if err != nil {
		return err
	}
	c, ok := mem.(*hopfield.Continuous)
	if !ok {
		return &apiError{http.StatusNotFound, fmt.Sprintf(`model "memory" is a %s memory, not a continuous one`, mem.Kind())}
	}
	q, err := state(c, req.Query, "query")
	if err != nil {
		return err
	}
	q = c.Query(q) // normalized as the patterns are
	qw, err := c.Weights(q)
	if err != nil {
		return badRequest("%v", err)
	}
	type step struct {
		State   []float32 `json:"state"`
		Weights []float64 `json:"weights"`
		Energy  any       `json:"energy"`
		Change  float64   `json:"change"`
	}
	var steps []step
	prev := q
	traj, err := c.Recall(r.Context(), q, hopfield.RecallOptions{MaxSweeps: req.Steps, OnSweep: func(rep hopfield.SweepReport) error {
		var change float64
		for j, v := range rep.State {
			change = max(change, math.Abs(float64(v-prev[j])))
		}
		cur := slices.Clone(rep.State)
		steps = append(steps, step{State: cur, Weights: slices.Clone(rep.Weights), Energy: rep.Energy, Change: change})
		prev = cur
		return nil
	}})
	if err != nil {
		return err
	}
	fw, err := c.Weights(traj.Final)
	if err != nil {
		return badRequest("%v", err)
	}
	// The weights that produced the final state: those of the last update.
	last := qw
	if len(steps) > 0 {
		last = steps[len(steps)-1].Weights
	}
	top := 0
	var sum2 float64
	for mu, p := range last {
		if p > last[top] {
			top = mu
		}
		sum2 += p * p
	}
	return writeJSON(w, map[string]any{
		"beta": c.Beta(), "steps": steps, "query_energy": c.Energy(q), "query_weights": qw,
		"state": traj.Final, "weights": last, "final_weights": fw, "top": top, "top_weight": last[top],
		"effective_patterns": 1 / sum2, "converged": traj.Converged, "patterns": c.Count(),
		"normalize": c.Normalization(), "query": q,
	})
}
