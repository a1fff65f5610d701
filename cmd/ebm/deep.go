package main

import (
	"github.com/spf13/cobra"

	"github.com/ebm-go/ebm/internal/cmdutil"
)

func newDeepCmd(io *cmdutil.IOStreams) *cobra.Command {
	c := &cobra.Command{
		Use:   "deep",
		Short: "Deep energy-based models: a neural energy trained with Langevin sampling or NCE",
		Long: `Deep energy-based models: the energy E(x) is a small neural network (an MLP
with swish, softplus or leaky-ReLU hidden layers) and p(x) = exp(−E(x))/Z.
Negatives come from Langevin dynamics, x ← x − η∇E(x) + √(2η)z, run from
uniform noise (short-run) or kept in a replay buffer (--persistent), or MALA
(Langevin with a Metropolis correction: exact for every step size), or HMC
(--sampler hmc: --leapfrog steps on E(x) + |p|²/2, Metropolis-corrected).
Noise-contrastive estimation (--objective nce) and denoising or sliced score
matching (--objective dsm, ssm) train without sampling; a built-in 2-D set
trains by score matching unless told otherwise (docs/deep.md).

Built-in 2-D data: 8gaussians, moons, rings, checkerboard, pinwheel,
swissroll (name, name:N or name:N:seed). On 2-D data the density is
normalised on a grid, so the test negative log-likelihood is exact up to
grid error; for all six built-in sets the true density is known and the true
NLL and KL(true ‖ model) are reported too.`,
	}
	c.AddCommand(newCmdDeepTrain(io, nil), newCmdDeepSample(io, nil))
	return c
}
