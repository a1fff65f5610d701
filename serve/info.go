package serve

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/ebm-go/ebm/hopfield"
)

// memoryInfo describes a loaded memory in /api/info: hopfield.Describe
// (the settings that apply to its kind) with the source and image shape.
func memoryInfo(m hopfield.Memory, source string) map[string]any {
	sum := hopfield.Describe(m)
	info := map[string]any{"kind": sum.Kind, "neurons": sum.Neurons, "patterns": sum.Patterns, "source": source}
	if r := int(sqrtInt(m.Neurons())); r > 0 {
		info["height"], info["width"] = r, r
	}
	if sum.Kind == hopfield.KindClassical {
		if sum.Rule != "" {
			info["rule"] = sum.Rule
		}
		info["zero_diagonal"] = m.Spec().ZeroDiagonal
	}
	if sum.Interaction != "" {
		info["interaction"] = sum.Interaction
	}
	if sum.Beta != nil {
		info["beta"] = *sum.Beta
	}
	return info
}

// sqrtInt returns r when n = r², else 0.
func sqrtInt(n int) int {
	for r := 1; r*r <= n; r++ {
		if r*r == n {
			return r
		}
	}
	return 0
}

func (s *Server) handleInfo(w http.ResponseWriter, r *http.Request) {
	l := s.lim
	info := map[string]any{
		"version": s.cfg.Version,
		"height":  s.test.h,
		"width":   s.test.w,
		"limits": map[string]any{
			"max_neurons": l.MaxNeurons, "max_patterns": l.MaxPatterns, "max_sweeps": l.MaxSweeps,
			"max_gibbs_steps": l.MaxGibbsSteps, "max_retrieve_steps": l.MaxRetrieve,
			"max_body_bytes": l.MaxBodyBytes, "request_timeout_seconds": l.Timeout.Seconds(), "max_jobs": l.MaxJobs,
		},
		"rbm": map[string]any{"n_visible": s.cfg.RBM.NVisible(), "n_hidden": s.cfg.RBM.NHidden(), "visible": s.cfg.RBM.Units().Name(),
			"height": s.rbmH, "width": s.rbmW, "source": s.cfg.RBMSource, "sampler": s.cfg.RBMSampler},
		"hopfield":         nil,
		"memory":           nil,
		"default_patterns": DefaultPatterns,
		"digits":           s.test.n,
		"train_digits":     s.train.n,
	}
	if s.cfg.Hopfield != nil {
		info["hopfield"] = memoryInfo(s.cfg.Hopfield, s.cfg.HopfieldSource)
	}
	if s.cfg.Memory != nil {
		info["memory"] = memoryInfo(s.cfg.Memory, s.cfg.MemorySource)
	}
	writeJSON(w, info)
}

// handleDigits serves MNIST digits as 0/1 pixels: by index, or filtered by
// label with count and skip.
func (s *Server) handleDigits(w http.ResponseWriter, r *http.Request) {
	if err := s.digits(w, r); err != nil {
		ae := err.(*apiError)
		writeError(w, ae.code, ae.msg)
	}
}

func (s *Server) digits(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	for k := range q {
		switch k {
		case "split", "label", "count", "skip", "index":
		default:
			return badRequest("unknown parameter %q (want split, label, count, skip or index)", k)
		}
	}
	var d *digits
	switch q.Get("split") {
	case "", "test":
		d = s.test
	case "train":
		d = s.train
	default:
		return badRequest("split=%q: want train or test", q.Get("split"))
	}
	type digit struct {
		Index  int    `json:"index"`
		Label  int    `json:"label"`
		Pixels []byte `json:"-"`
		Px     []int  `json:"pixels"`
	}
	var out []digit
	add := func(i int) {
		px := make([]int, d.h*d.w)
		for j, b := range d.pix[i*len(px) : (i+1)*len(px)] {
			px[j] = int(b)
		}
		out = append(out, digit{Index: i, Label: d.labels[i], Px: px})
	}
	if idx := q.Get("index"); idx != "" {
		if q.Get("label") != "" || q.Get("count") != "" || q.Get("skip") != "" {
			return badRequest("index picks digits by number: leave out label, count and skip")
		}
		parts := strings.Split(idx, ",")
		if len(parts) > 100 {
			return badRequest("%d indices: at most 100", len(parts))
		}
		for _, p := range parts {
			i, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil || i < 0 || i >= d.n {
				return badRequest("index %q: want integers from 0 to %d", p, d.n-1)
			}
			add(i)
		}
	} else {
		label := -1
		if l := q.Get("label"); l != "" {
			v, err := strconv.Atoi(l)
			if err != nil || v < 0 || v > 9 {
				return badRequest("label=%q: want 0 to 9", l)
			}
			label = v
		}
		count, err := intParam(q.Get("count"), 1, 1, 100, "count")
		if err != nil {
			return err
		}
		skip, err := intParam(q.Get("skip"), 0, 0, d.n, "skip")
		if err != nil {
			return err
		}
		// skip counts matching digits and wraps around past the last one,
		// so a page can step through them forever.
		for pass := 0; pass < 2 && len(out) == 0; pass++ {
			seen := 0
			for i := 0; i < d.n && len(out) < count; i++ {
				if label >= 0 && d.labels[i] != label {
					continue
				}
				if seen >= skip {
					add(i)
				}
				seen++
			}
			if seen > 0 {
				skip %= seen
			}
		}
	}
	return writeJSON(w, map[string]any{"height": d.h, "width": d.w, "digits": out})
}
