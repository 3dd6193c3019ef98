package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/model"
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
	steps := fs.Int("steps", 0, "number of noisy steps (TF-Privacy's MNIST tutorial counts epochs·⌊N/batch⌋, e.g. 60·234 = 14040; train --dp takes epochs·⌈N/batch⌉)")
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

// dpFlags are train's DP-SGD flags.
type dpFlags struct {
	on                      *bool
	noise, clip, delta, eps *float64
	res                     *privacy.TrainResult
}

// addDPFlags adds --dp, --noise-multiplier, --l2-clip, --delta and
// --target-epsilon to train's flag set.
func addDPFlags(fs *flag.FlagSet) *dpFlags {
	return &dpFlags{
		on:    fs.Bool("dp", false, "train with DP-SGD (Poisson-sampled batches of expected size --batch-size, per-example clipping, Gaussian noise)"),
		noise: fs.Float64("noise-multiplier", 0, "DP-SGD noise multiplier σ (or give --target-epsilon)"),
		clip:  fs.Float64("l2-clip", 1, "DP-SGD per-example gradient L2 bound C"),
		delta: fs.Float64("delta", 1e-5, "DP-SGD δ"),
		eps:   fs.Float64("target-epsilon", 0, "DP-SGD: choose the noise multiplier that ends at this ε"),
	}
}

// fit trains m with DP-SGD when --dp is set, else with Fit.
func (f *dpFlags) fit(m *model.Model, train *data.Dataset, cfg model.FitConfig, stdout io.Writer) (*model.History, error) {
	if !*f.on {
		if *f.noise != 0 || *f.eps != 0 {
			return nil, errors.New("--noise-multiplier and --target-epsilon need --dp")
		}
		return m.Fit(train, cfg)
	}
	if cfg.InitialEpoch > 0 || cfg.ValidationSplit > 0 {
		return nil, errors.New("--dp: resuming and --validation-split are not supported with DP-SGD")
	}
	if !(*f.delta > 0 && *f.delta < 1) {
		return nil, fmt.Errorf("--delta %g: want a probability in (0, 1)", *f.delta)
	}
	if (*f.noise > 0) == (*f.eps > 0) {
		return nil, errors.New("--dp: give exactly one of --noise-multiplier S or --target-epsilon E")
	}
	var out io.Writer
	if cfg.Verbose != model.VerboseSilent {
		out = stdout
	}
	res, err := privacy.Train(m, train, privacy.TrainConfig{
		Epochs: cfg.Epochs, BatchSize: cfg.BatchSize, NoiseMultiplier: *f.noise, TargetEpsilon: *f.eps,
		L2Clip: *f.clip, Delta: *f.delta, Seed: cfg.Seed, Output: out,
	})
	if err != nil {
		return nil, err
	}
	f.res = res
	fmt.Fprintf(stdout, "DP-SGD: epsilon=%.4f delta=%g (noise multiplier %.4f, l2 clip %g, sampling rate %.5g, %d steps)\n", res.Epsilon, res.Delta, res.NoiseMultiplier, res.L2Clip, res.SamplingRate, res.Steps)
	return res.History, nil
}
