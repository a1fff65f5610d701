package serve

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"strconv"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/rbm"
	"github.com/ebm-go/ebm/viz"
)

// DefaultRBMConfig is the training of the built-in RBM that DefaultRBM
// makes when no model is given: 100 hidden units, PCD-1 on the first
// 20,000 MNIST training images (threshold-binarized, like the digits the
// page draws), 3 epochs — about a second or two on one core.
func DefaultRBMConfig() (cfg rbm.Config, hidden, rows int) {
	cfg = rbm.DefaultConfigFor(rbm.PCD)
	cfg.Epochs = 3
	cfg.LR = 0.05
	cfg.MonitorRows = 100
	cfg.PLLRows = 10
	return cfg, 100, 20000
}

// DefaultRBM trains the built-in RBM (see DefaultRBMConfig) from seed;
// onEpoch, if set, hears about each epoch.
func DefaultRBM(ctx context.Context, seed uint64, onEpoch func(rbm.EpochStats)) (*rbm.RBM, error) {
	cfg, hidden, rows := DefaultRBMConfig()
	set, err := dataset.Load("mnist:train", dataset.Options{Binarize: "threshold", Limit: rows})
	if err != nil {
		return nil, fmt.Errorf("built-in rbm: %w", err)
	}
	rng := tensor.NewRand(seed)
	m := rbm.New(set.Dim(), hidden)
	m.Init(set.X, 0.01, rng)
	tr, err := rbm.NewTrainer(cfg, m, rng)
	if err != nil {
		return nil, fmt.Errorf("built-in rbm: %w", err)
	}
	if onEpoch != nil {
		tr.OnEpoch = func(s rbm.EpochStats) error { onEpoch(s); return nil }
	}
	if _, err := tr.Train(ctx, set.X, nil); err != nil {
		return nil, fmt.Errorf("built-in rbm: %w", err)
	}
	return m, nil
}

func (s *Server) handleFilters(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	count, err := intParam(q.Get("count"), 100, 1, min(400, s.cfg.RBM.NHidden()), "count")
	if err != nil {
		return err
	}
	scale, err := intParam(q.Get("scale"), 2, 1, 8, "scale")
	if err != nil {
		return err
	}
	if s.rbmH == 0 {
		return badRequest("the RBM's %d visible units are not an image: no filters to draw", s.cfg.RBM.NVisible())
	}
	img, err := viz.Filters(s.cfg.RBM.W, s.rbmH, s.rbmW, count, viz.GridOptions{Scale: scale})
	if err != nil {
		return badRequest("%v", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return &apiError{http.StatusInternalServerError, "encode png: " + err.Error()}
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(buf.Bytes())
	return nil
}

func intParam(s string, def, lo, hi int, name string) (int, error) {
	if s == "" {
		return min(def, hi), nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, badRequest("%s=%q: want an integer from %d to %d", name, s, lo, hi)
	}
	return v, nil
}

// visible checks an RBM input in data units: n_visible values in [0, 1]
// (binary when binary is set) for Bernoulli units, finite values within
// ±1e4 for real-valued (Gaussian) ones.
func (s *Server) visible(v []float32, what string, binary bool) error {
	m := s.cfg.RBM
	if n := m.NVisible(); len(v) != n {
		return badRequest("%s has %d values, the RBM has %d visible units", what, len(v), n)
	}
	if _, ok := m.Units().(rbm.Bernoulli); !ok {
		for i, x := range v {
			if !(x >= -1e4 && x <= 1e4) {
				return badRequest("%s[%d] = %g: want a finite value within ±1e4", what, i, x)
			}
		}
		return nil
	}
	for i, x := range v {
		if binary && x != 0 && x != 1 {
			return badRequest("%s[%d] = %g: want 0 or 1", what, i, x)
		}
		if !(x >= 0 && x <= 1) {
			return badRequest("%s[%d] = %g: want a value in [0, 1]", what, i, x)
		}
	}
	return nil
}

// toModel returns rows of data-unit values in the model's units (a
// standardized copy for a model with a standardization).
func (s *Server) toModel(v []float32) *tensor.Matrix {
	return s.cfg.RBM.Standard.Applied(tensor.FromSlice(len(v)/s.cfg.RBM.NVisible(), s.cfg.RBM.NVisible(), v))
}

// toData returns a copy of model-unit values in data units.
func (s *Server) toData(x *tensor.Matrix) []float32 {
	y := x.Clone()
	s.cfg.RBM.Standard.Undo(y)
	return y.Data
}

// freeEnergy is F of a data-unit state.
func (s *Server) freeEnergy(v []float32) any {
	return s.cfg.RBM.FreeEnergy(s.toModel(v).Data)
}

// gibbsRequest is the body of POST /api/rbm/gibbs.
type gibbsRequest struct {
	Start string    `json:"start"`
	State []float32 `json:"state"`
	Steps int       `json:"steps"`
	Every int       `json:"every"`
	Seed  uint64    `json:"seed"`
}

func (s *Server) handleGibbs(w http.ResponseWriter, r *http.Request, req *gibbsRequest) error {
	def := 200
	if sm := s.cfg.RBMSampler; sm != nil {
		def = min(sm.Steps, s.lim.MaxGibbsSteps)
	}
	if req.Steps < 0 || req.Steps > s.lim.MaxGibbsSteps {
		return badRequest("steps %d: want 0 (default %d) to %d", req.Steps, def, s.lim.MaxGibbsSteps)
	}
	if req.Steps == 0 {
		req.Steps = def
	}
	if req.Every < 0 || req.Every > req.Steps {
		return badRequest("every %d: want 0 (default 1) to steps (%d)", req.Every, req.Steps)
	}
	if req.Every == 0 {
		req.Every = 1
	}
	m := s.cfg.RBM
	rng := tensor.NewRand(req.Seed)
	c := m.NewChain(nil, 1)
	_, binary := m.Units().(rbm.Bernoulli)
	switch req.Start {
	case "", "noise":
		if !binary {
			m.Units().Start(c.V, m.B, rng)
			break
		}
		for i := range c.V.Data {
			c.V.Data[i] = float32(rng.Uint64() & 1)
		}
	case "state":
		if err := s.visible(req.State, "state", binary); err != nil {
			return err
		}
		copy(c.V.Data, s.toModel(req.State).Data)
	default:
		return badRequest(`start %q: want "noise" or "state"`, req.Start)
	}
	copy(c.PV.Data, c.V.Data)
	st := newStream(w)
	send := func(step int) error {
		return st.send(map[string]any{"type": "step", "step": step, "probs": s.toData(c.PV), "sample": s.toData(c.V),
			"free_energy": m.FreeEnergy(c.V.Data)})
	}
	if err := send(0); err != nil {
		return nil
	}
	for t := 1; t <= req.Steps; t++ {
		if err := r.Context().Err(); err != nil {
			return st.fail(fmt.Errorf("stopped after %d steps: %w", t-1, err))
		}
		m.Gibbs(c, 1, rng)
		if t%req.Every == 0 || t == req.Steps {
			if err := send(t); err != nil {
				return nil
			}
		}
	}
	st.send(map[string]any{"type": "done", "steps": req.Steps})
	return nil
}

func (s *Server) handleFreeEnergy(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		States [][]float32 `json:"states"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if len(req.States) == 0 || len(req.States) > s.lim.MaxPatterns {
		return badRequest("%d states: want 1 to %d", len(req.States), s.lim.MaxPatterns)
	}
	out := make([]any, len(req.States))
	for k, v := range req.States {
		if err := s.visible(v, "states["+strconv.Itoa(k)+"]", false); err != nil {
			return err
		}
		out[k] = s.freeEnergy(v)
	}
	return writeJSON(w, map[string]any{"free_energy": out})
}

func (s *Server) handleReconstruct(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		State []float32 `json:"state"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if err := s.visible(req.State, "state", false); err != nil {
		return err
	}
	m := s.cfg.RBM
	v := s.toModel(req.State)
	ph := tensor.New(1, m.NHidden())
	m.HiddenProbs(ph, v)
	rec := tensor.New(1, m.NVisible())
	m.VisibleMeans(rec, ph)
	recData := s.toData(rec)
	var e float64
	for i, x := range recData {
		d := float64(x - req.State[i])
		e += d * d
	}
	return writeJSON(w, map[string]any{"hidden": ph.Data, "reconstruction": recData,
		"free_energy": s.freeEnergy(req.State), "reconstruction_free_energy": m.FreeEnergy(rec.Data),
		"error": e})
}
