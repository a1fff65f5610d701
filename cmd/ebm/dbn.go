package main

import (
	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/internal/cmdutil"
)

func newDBNCmd(io *cmdutil.IOStreams) *cobra.Command {
	c := &cobra.Command{
		Use:   "dbn",
		Short: "Deep belief networks: greedy layer-wise stacks of RBMs",
		Long: `A deep belief network (Hinton, Osindero & Teh 2006) is a stack of RBMs trained
greedily: layer 0 on the data, each further layer on the hidden probabilities
p(h|·) of the one below. Samples come from block Gibbs sampling in the top
RBM followed by one top-down pass through the lower layers' p(v|h).`,
	}
	c.AddCommand(newCmdDBNTrain(io, nil), newCmdDBNSample(io, nil), newCmdDBNProbe(io, nil))
	return c
}
