package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/cmdutil"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/rbm"
)

func newRBMCmd(io *cmdutil.IOStreams) *cobra.Command {
	c := &cobra.Command{
		Use:   "rbm",
		Short: "Restricted Boltzmann machines (Bernoulli or Gaussian visible units): train, eval, sample, transform, reconstruct, probe",
	}
	c.AddCommand(newCmdRBMTrain(io, nil), newCmdRBMEval(io, nil), newCmdRBMSample(io, nil),
		newCmdRBMTransform(io, nil), newCmdRBMReconstruct(io, nil), newCmdRBMProbe(io, nil))
	return c
}

// loadModel reads an RBM file (any visible units) and prepares d to read
// data for it.
func loadModel(path string, d *cmdutil.DataFlags) (*rbm.RBM, map[string]string, error) {
	if path == "" {
		return nil, nil, errors.New("--model is required")
	}
	m, meta, err := rbm.Load(path)
	if err != nil {
		return nil, nil, err
	}
	if err := d.ForUnits(m.Units()); err != nil {
		return nil, nil, err
	}
	return m, meta, nil
}

// modelInput is a model with the data set a command runs it on.
type modelInput struct {
	m    *rbm.RBM
	meta map[string]string
	set  *dataset.Set   // in data units
	x    *tensor.Matrix // the rows in the model's units
}

// openModelData reads the model file and the --data set for it.
func openModelData(path string, d *cmdutil.DataFlags) (*modelInput, error) {
	m, meta, err := loadModel(path, d)
	if err != nil {
		return nil, err
	}
	set, x, err := modelData(m, d, d.Spec)
	if err != nil {
		return nil, err
	}
	return &modelInput{m: m, meta: meta, set: set, x: x}, nil
}

// modelData loads spec for m and returns the set (data units) and its rows
// in the model's units (standardized when the model has a standardization).
func modelData(m *rbm.RBM, d *cmdutil.DataFlags, spec string) (*dataset.Set, *tensor.Matrix, error) {
	set, err := d.Load(spec)
	if err != nil {
		return nil, nil, err
	}
	if err := m.CheckData(set.X); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", set.Name, err)
	}
	return set, m.Standard.Applied(set.X), nil
}
