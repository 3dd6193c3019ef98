package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/tensile-ml/tensile/privacy"
)

// The privacy command runs the RDP accountant of package privacy:
// "privacy epsilon" gives ε for a noise multiplier, "privacy noise" the
// noise multiplier for a target ε.

func init() {
	register(&command{name: "privacy", summary: "DP-SGD accountant: privacy epsilon --sampling-rate Q --noise-multiplier S --steps N --delta D | privacy noise --sampling-rate Q --steps N --delta D --target-epsilon E", run: runPrivacy})
}

func runPrivacy(args []string, stdout io.Writer) error {
	if len(args) == 0 || (args[0] != "epsilon" && args[0] != "noise") {
		return errors.New(`want a subcommand: "epsilon" or "noise"`)
	}
	sub := args[0]
	fs := flag.NewFlagSet("privacy "+sub, flag.ContinueOnError)
	fs.SetOutput(stdout)
	q := fs.Float64("sampling-rate", 0, "probability each example is in a batch (batch size / dataset size)")
	steps := fs.Int("steps", 0, "number of noisy steps")
	delta := fs.Float64("delta", 1e-5, "target δ")
	var sigma, target *float64
	if sub == "epsilon" {
		sigma = fs.Float64("noise-multiplier", 0, "noise standard deviation / L2 clip")
	} else {
		target = fs.Float64("target-epsilon", 0, "target ε")
	}
	pos, err := splitArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("unexpected argument %q", pos[0])
	}
	if *q == 0 {
		return errors.New("--sampling-rate is required (batch size / dataset size)")
	}
	if *steps <= 0 {
		return fmt.Errorf("--steps %d must be > 0", *steps)
	}
	p := privacy.Params{SamplingRate: *q, Steps: *steps}
	if sub == "epsilon" {
		p.NoiseMultiplier = *sigma
		eps, order, err := privacy.Epsilon(p, *delta)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "epsilon=%.4f\n", eps)
		fmt.Fprintf(stdout, "order=%g delta=%g\n", order, *delta)
		return nil
	}
	s, err := privacy.NoiseMultiplier(p, *delta, *target)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "noise_multiplier=%.4f\n", s)
	return nil
}
