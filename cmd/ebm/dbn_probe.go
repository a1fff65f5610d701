package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/dbn"
	"github.com/ebm-go/ebm/internal/cmdutil"
	"github.com/ebm-go/ebm/internal/tensor"
)

type dbnProbeOptions struct {
	IO    *cmdutil.IOStreams
	Probe probeOpts
	Layer int // 0-based; negative counts from the top (-1: the top)
}

func newCmdDBNProbe(io *cmdutil.IOStreams, runF func(context.Context, *dbnProbeOptions) error) *cobra.Command {
	o := &dbnProbeOptions{IO: io}
	c := &cobra.Command{
		Use:   "probe",
		Short: "Linear probe on the features of one DBN layer versus raw pixels",
		Long:  probeLong + "\n\nThe features are the hidden probabilities of layer --layer (0-based; -1: the top), propagated up from the data.",
		Example: `  ebm dbn probe --model dbn.safetensors --layer 0
  ebm dbn probe --model dbn.safetensors --layer 2 --data mnist --test mnist:test --json`,
		Args: cobra.NoArgs,
		RunE: cmdutil.RunWith(o, func(cmd *cobra.Command) error {
			if o.Probe.model == "" {
				return errors.New("--model is required")
			}
			return o.Probe.data.Resolve(cmd)
		}, runF, dbnProbeRun),
	}
	o.Probe.register(c)
	c.Flags().IntVar(&o.Layer, "layer", -1, "layer whose hidden probabilities are the features (0-based; -1: the top)")
	return c
}

func dbnProbeRun(ctx context.Context, o *dbnProbeOptions) error {
	o.Probe.IO = o.IO
	d, _, err := dbn.Load(o.Probe.model)
	if err != nil {
		return err
	}
	k := o.Layer
	if k < 0 {
		k += len(d.Layers)
	}
	if k < 0 || k >= len(d.Layers) {
		return fmt.Errorf("--layer %d: %s has layers 0…%d", o.Layer, o.Probe.model, len(d.Layers)-1)
	}
	feat := func(x *tensor.Matrix) (*tensor.Matrix, error) { return d.Features(x, k) }
	return runProbe(ctx, &o.Probe, feat, map[string]any{"model": o.Probe.model, "layer": k, "sizes": d.Sizes()})
}
