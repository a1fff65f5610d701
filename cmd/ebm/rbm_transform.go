package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/cmdutil"
	"github.com/ebm-go/ebm/internal/tensor"
)

type rbmTransformOptions struct {
	IO         *cmdutil.IOStreams
	Model, Out string
	Data       cmdutil.DataFlags
}

func newCmdRBMTransform(io *cmdutil.IOStreams, runF func(context.Context, *rbmTransformOptions) error) *cobra.Command {
	o := &rbmTransformOptions{IO: io}
	c := &cobra.Command{
		Use:     "transform",
		Short:   "Write the hidden-unit features p(h=1|v) of a data set",
		Example: `  ebm rbm transform --model rbm.safetensors --data mnist:test --out features.npy`,
		Args:    cobra.NoArgs,
		RunE:    cmdutil.RunWith(o, o.Data.Resolve, runF, rbmTransformRun),
	}
	c.Flags().StringVarP(&o.Model, "model", "m", "", "model file (required)")
	o.Data.Register(c, "mnist:test")
	c.Flags().StringVarP(&o.Out, "out", "o", "features.npy", "output .npy file (n × n_hidden float32)")
	return c
}

func rbmTransformRun(_ context.Context, o *rbmTransformOptions) error {
	if err := cmdutil.CheckFiles([]cmdutil.File{cmdutil.Path("out", o.Out, cmdutil.ExtNPY...)}, cmdutil.Path("model", o.Model), cmdutil.Path("data", o.Data.Spec)); err != nil {
		return err
	}
	in, err := openModelData(o.Model, &o.Data)
	if err != nil {
		return err
	}
	m, set, x := in.m, in.set, in.x
	feat := tensor.New(x.Rows, m.NHidden())
	m.HiddenProbs(feat, x)
	if err := dataset.SaveNPY(o.Out, feat); err != nil {
		return err
	}
	fmt.Fprintf(o.IO.Out, "wrote %s: %d × %d features of %s (binarize=%s)\n", o.Out, feat.Rows, feat.Cols, set.Name, set.BinarizeName())
	return nil
}
