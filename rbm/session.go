package rbm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"

	"github.com/ebm-go/ebm/internal/nanjson"
	"github.com/ebm-go/ebm/internal/tensor"
)

// Session is a training run with its files: after every epoch the model
// goes to ModelPath and, unless CheckpointPath is empty, a checkpoint with
// the run's history to CheckpointPath, both atomically, so an interrupted
// run loses at most the epoch in progress and ResumeSession continues it
// bit-identically.
type Session struct {
	*Trainer
	ModelPath, CheckpointPath string
	// Meta is stored in the model file beside the trainer's settings
	// (Trainer.Metadata): the data set, the seed… A checkpoint stores it
	// too, with "out" (ModelPath) and "history".
	Meta    map[string]string
	History []EpochStats // every epoch so far, resumed ones included
	// OnEpoch, when set, is called after each epoch's files are written.
	OnEpoch func(EpochStats) error
}

// Save writes the model and, unless CheckpointPath is empty, the checkpoint.
func (s *Session) Save() error {
	meta := s.modelMeta()
	if err := s.m.Save(s.ModelPath, meta); err != nil {
		return err
	}
	if s.CheckpointPath == "" {
		return nil
	}
	h, err := json.Marshal(s.History)
	if err != nil {
		return err
	}
	meta["out"], meta["history"] = s.ModelPath, string(h)
	return s.SaveCheckpoint(s.CheckpointPath, meta)
}

func (s *Session) modelMeta() map[string]string {
	meta := maps.Clone(s.Meta)
	if meta == nil {
		meta = map[string]string{}
	}
	maps.Copy(meta, s.Trainer.Metadata())
	return meta
}

// Run trains until Trainer.Epochs, saving after every epoch (and once at
// the start when there is nothing to train). After divergence it saves the
// last good model — unless no epoch finished, so that a file already at
// ModelPath is not replaced by an untrained model — and says so in the
// error (which wraps ErrDiverged);
// cancelling ctx returns ctx.Err() with the files of the last epoch.
func (s *Session) Run(ctx context.Context, train, valid *tensor.Matrix) ([]EpochStats, error) {
	s.Trainer.OnEpoch = func(st EpochStats) error {
		s.History = append(s.History, st)
		if err := s.Save(); err != nil {
			return err
		}
		if s.OnEpoch != nil {
			return s.OnEpoch(st)
		}
		return nil
	}
	stats, err := s.Train(ctx, train, valid)
	if errors.Is(err, ErrDiverged) {
		if s.Epoch == 0 { // nothing trained: an existing file at ModelPath is kept
			return stats, fmt.Errorf("%w; no epoch finished, so nothing was written to %s", err, s.ModelPath)
		}
		if serr := s.m.Save(s.ModelPath, s.modelMeta()); serr == nil {
			return stats, fmt.Errorf("%w; last good model (epoch %d) saved to %s", err, s.Epoch, s.ModelPath)
		}
	}
	if err == nil && len(stats) == 0 {
		err = s.Save()
	}
	return stats, err
}

// ResumeSession loads a checkpoint written by a Session: the trainer and
// model, the history, the metadata (Meta, without the checkpoint's own
// keys) and ModelPath from its "out"; CheckpointPath is path.
func ResumeSession(path string) (*Session, error) {
	tr, _, md, err := LoadCheckpoint(path)
	if err != nil {
		return nil, err
	}
	s := &Session{Trainer: tr, ModelPath: md["out"], CheckpointPath: path, Meta: map[string]string{}}
	if h := md["history"]; h != "" {
		if err := json.Unmarshal([]byte(h), &s.History); err != nil {
			return nil, fmt.Errorf("resume %s: metadata \"history\": %w", path, err)
		}
	}
	own := tr.Metadata()
	for k, v := range md {
		if _, trainer := own[k]; !trainer && !checkpointKey(k) {
			s.Meta[k] = v
		}
	}
	return s, nil
}

// checkpointKey reports the metadata keys a checkpoint adds to a model
// file's: the trainer state, the model's own keys, "out" and "history".
func checkpointKey(k string) bool {
	switch k {
	case "checkpoint", "epochs_done", "rng_state", "pt_round", "pt_streams", "normal_stream", "pt_rates", "out", "history",
		"model", "visible", "hidden", "format_version", "learn_sigma":
		return true
	}
	return len(k) > 4 && k[:4] == "cfg."
}

// Report sums up a session: its files, the model, the training settings,
// the data (from Meta: data, valid, binarize, seed), and the per-epoch
// figures. Its JSON form (NaN as null) is what `ebm rbm train --json`
// prints.
type Report struct {
	Model            string  `json:"model"`
	Checkpoint       string  `json:"checkpoint"`
	Data             string  `json:"data"`
	Valid            string  `json:"valid,omitempty"`
	Binarize         string  `json:"binarize"`
	Visible          string  `json:"visible"`
	LearnSigma       *bool   `json:"learn_sigma,omitempty"`
	MeanSigma        float64 `json:"mean_sigma,omitempty"`
	NTrain           int     `json:"n_train"`
	NVisible         int     `json:"n_visible"`
	NHidden          int     `json:"n_hidden"`
	Method           string  `json:"method"`
	K                int     `json:"k"`
	Epochs           int     `json:"epochs"`
	Seconds          float64 `json:"seconds"`
	SamplesPerSecond float64 `json:"samples_per_second"` // training rows per second of update time in this run
	Seed             uint64  `json:"seed"`
	// PT: the inverse temperatures at the end (they move with
	// Config.AdaptLadder) and each neighbouring pair's swap rate since the
	// trainer was created or restored.
	Betas     []float32    `json:"betas,omitempty"`
	SwapRates []float64    `json:"swap_rates,omitempty"`
	Last      *EpochStats  `json:"last_epoch"`
	History   []EpochStats `json:"history"`
}

// MarshalJSON encodes NaN as null.
func (r Report) MarshalJSON() ([]byte, error) {
	type plain Report
	return nanjson.Marshal(plain(r))
}

// Report sums up the session after a run that trained nTrain rows for the
// epochs in stats, in seconds of wall time.
func (s *Session) Report(stats []EpochStats, nTrain int, seconds float64) Report {
	m := s.m
	seed, _ := strconv.ParseUint(s.Meta["seed"], 10, 64)
	r := Report{Model: s.ModelPath, Checkpoint: s.CheckpointPath, Data: s.Meta["data"], Valid: s.Meta["valid"],
		Binarize: s.Meta["binarize"], Visible: m.Units().Name(), NTrain: nTrain, NVisible: m.NVisible(), NHidden: m.NHidden(),
		Method: string(s.Method), K: s.K, Epochs: s.Epoch, Seconds: seconds, Seed: seed, History: s.History,
		Betas: s.Betas(), SwapRates: s.SwapRates()}
	if r.Valid == "none" { // checkpoints written before Session said so
		r.Valid = ""
	}
	if g, ok := m.Units().(*Gaussian); ok {
		r.LearnSigma = &g.Learn
		for _, sig := range g.Sigma() {
			r.MeanSigma += float64(sig) / float64(len(g.LogSigma))
		}
	}
	var secs float64
	for _, st := range stats {
		secs += st.Seconds
	}
	if secs > 0 {
		r.SamplesPerSecond = float64(nTrain*len(stats)) / secs
	}
	if len(s.History) > 0 {
		r.Last = &s.History[len(s.History)-1]
	}
	return r
}
