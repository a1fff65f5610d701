package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/internal/cmdutil"
	"github.com/ebm-go/ebm/internal/tensor"
	"github.com/ebm-go/ebm/viz"
)

type rbmReconstructOptions struct {
	IO         *cmdutil.IOStreams
	Model, Out string
	N, Cols    int
	JSON       bool
	Data       cmdutil.DataFlags
}

func newCmdRBMReconstruct(io *cmdutil.IOStreams, runF func(context.Context, *rbmReconstructOptions) error) *cobra.Command {
	o := &rbmReconstructOptions{IO: io}
	c := &cobra.Command{
		Use:   "reconstruct",
		Short: "Reconstruct data through the RBM (v → p(h|v) → E[v|h]) and report the error",
		Long: `Reconstruct the first --n rows of --data with a deterministic mean-field
up–down pass, v → p(h|v) → E[v|h], and report the mean squared reconstruction
error (in data units) over all rows. A .png output shows originals and
reconstructions in alternating rows of the grid; a .npy output holds the
reconstructions of all rows.`,
		Example: `  ebm rbm reconstruct --model rbm.safetensors --data mnist:test --n 32 --out recon.png`,
		Args:    cobra.NoArgs,
		RunE:    cmdutil.RunWith(o, o.Data.Resolve, runF, rbmReconstructRun),
	}
	c.Flags().StringVarP(&o.Model, "model", "m", "", "model file (required)")
	o.Data.Register(c, "mnist:test")
	c.Flags().IntVarP(&o.N, "n", "n", 32, "rows shown in a .png")
	c.Flags().IntVar(&o.Cols, "cols", 8, "grid columns")
	c.Flags().StringVarP(&o.Out, "out", "o", "", "write reconstructions: .png grid or .npy")
	c.Flags().BoolVar(&o.JSON, "json", false, "print a JSON object")
	cmdutil.Minimum(c, 0, "n")
	cmdutil.Minimum(c, 1, "cols")
	return c
}

func rbmReconstructRun(_ context.Context, o *rbmReconstructOptions) error {
	if o.N < 0 || o.Cols < 0 {
		return fmt.Errorf("--n and --cols must not be negative, got %d and %d", o.N, o.Cols)
	}
	if err := cmdutil.CheckFiles([]cmdutil.File{cmdutil.Path("out", o.Out, cmdutil.ExtRows...)}, cmdutil.Path("model", o.Model), cmdutil.Path("data", o.Data.Spec)); err != nil {
		return err
	}
	in, err := openModelData(o.Model, &o.Data)
	if err != nil {
		return err
	}
	m, meta, set, x := in.m, in.meta, in.set, in.x
	recon := tensor.New(x.Rows, x.Cols)
	m.Reconstruct(recon, x)
	m.Standard.Undo(recon)
	var se float64
	for i, v := range set.X.Data {
		d := float64(v) - float64(recon.Data[i])
		se += d * d
	}
	errPer := se / float64(set.Len())
	if o.Out != "" {
		if strings.EqualFold(filepath.Ext(o.Out), ".npy") {
			err = dataset.SaveNPY(o.Out, recon)
		} else {
			k, cols := min(o.N, set.Len()), o.Cols
			if cols <= 0 {
				cols = 8
			}
			err = cmdutil.WriteRows(o.Out, viz.Interleave(set.X.SliceRows(0, k), recon.SliceRows(0, k), cols), cols, meta, set)
		}
		if err != nil {
			return err
		}
	}
	if o.JSON {
		return cmdutil.WriteJSON(o.IO.Out, map[string]any{"data": set.Name, "binarize": set.BinarizeName(),
			"n_samples": set.Len(), "reconstruction_error": errPer, "out": o.Out})
	}
	fmt.Fprintf(o.IO.Out, "%s (binarize=%s): mean squared reconstruction error %.4f per image over %d rows\n",
		set.Name, set.BinarizeName(), errPer, set.Len())
	return nil
}
