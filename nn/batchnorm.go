package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/tensile-ml/tensile/tensor"
)

// BatchNormConfig holds BatchNormalization's options. Zero Momentum and
// Epsilon take Keras's defaults 0.99 and 1e-3.
type BatchNormConfig struct {
	Momentum              float64     `json:"momentum"`
	Epsilon               float64     `json:"epsilon"`
	NoCenter              bool        `json:"no_center,omitempty"`
	NoScale               bool        `json:"no_scale,omitempty"`
	BetaInitializer       Initializer `json:"beta_initializer"`
	GammaInitializer      Initializer `json:"gamma_initializer"`
	MovingMeanInitializer Initializer `json:"moving_mean_initializer"`
	MovingVarInitializer  Initializer `json:"moving_variance_initializer"`
	BetaRegularizer       Regularizer `json:"beta_regularizer"`
	GammaRegularizer      Regularizer `json:"gamma_regularizer"`
}

// BatchNormalization normalises the last axis (channels) with Keras's
// semantics. In training it uses the batch mean and biased batch variance
// and updates moving_mean and moving_variance as
// moving = moving·momentum + batch·(1-momentum), with the biased variance
// (Keras; PyTorch's running_var uses the unbiased one). At inference it uses
// the moving statistics. gamma and beta are trainable; the moving
// statistics are non-trainable State.
type BatchNormalization struct {
	base
	cfg                                BatchNormConfig
	Gamma, Beta, MovingMean, MovingVar *tensor.Tensor
}

// NewBatchNormalization returns a BatchNormalization layer over the last
// axis. It panics on an invalid configuration.
func NewBatchNormalization(cfg BatchNormConfig) *BatchNormalization {
	return must(newBatchNorm(cfg, ""))
}

func newBatchNorm(c BatchNormConfig, name string) (*BatchNormalization, error) {
	if c.Momentum == 0 {
		c.Momentum = 0.99
	}
	if c.Epsilon == 0 {
		c.Epsilon = 1e-3
	}
	if c.Momentum < 0 || c.Momentum > 1 || c.Epsilon < 0 {
		return nil, fmt.Errorf("nn: BatchNormalization: momentum %g must be in [0, 1] and epsilon %g non-negative", c.Momentum, c.Epsilon)
	}
	if err := firstErr(c.BetaInitializer.validate(), c.GammaInitializer.validate(), c.MovingMeanInitializer.validate(),
		c.MovingVarInitializer.validate(), c.BetaRegularizer.validate(), c.GammaRegularizer.validate()); err != nil {
		return nil, fmt.Errorf("nn: BatchNormalization: %w", err)
	}
	return &BatchNormalization{base: newBase("BatchNormalization", name), cfg: c}, nil
}

// Build implements Layer.
func (l *BatchNormalization) Build(in []int, rng *rand.Rand) error {
	if done, err := l.checkRebuild(in); done {
		return err
	}
	if len(in) < 1 || in[len(in)-1] <= 0 {
		return shapeErrorf(l, "needs an input with a known last dimension, got %v", in)
	}
	rng = orRNG(rng)
	c := in[len(in)-1]
	if !l.cfg.NoScale {
		l.Gamma = l.addWeight("gamma", l.cfg.GammaInitializer.orDefault(Ones()).New(rng, c), true)
	}
	if !l.cfg.NoCenter {
		l.Beta = l.addWeight("beta", l.cfg.BetaInitializer.orDefault(Zeros()).New(rng, c), true)
	}
	l.MovingMean = l.addWeight("moving_mean", l.cfg.MovingMeanInitializer.orDefault(Zeros()).New(rng, c), false)
	l.MovingVar = l.addWeight("moving_variance", l.cfg.MovingVarInitializer.orDefault(Ones()).New(rng, c), false)
	l.markBuilt(in)
	return nil
}

// State implements Stateful: moving_mean and moving_variance.
func (l *BatchNormalization) State() []*tensor.Tensor { return l.state }

// Forward implements Layer.
func (l *BatchNormalization) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	var y *tensor.Tensor
	if training {
		axes := make([]int, x.Dims()-1)
		for i := range axes {
			axes[i] = i
		}
		mean := tensor.Mean(x, axes, true)
		xc := tensor.Sub(x, mean)
		v := tensor.Mean(tensor.Mul(xc, xc), axes, true)
		y = tensor.Mul(xc, tensor.Rsqrt(tensor.AddScalar(v, float32(l.cfg.Epsilon))))
		m := float32(l.cfg.Momentum)
		l.MovingMean.MovingAverage(mean, m)
		l.MovingVar.MovingAverage(v, m)
	} else {
		y = tensor.Mul(tensor.Sub(x, l.MovingMean), tensor.Rsqrt(tensor.AddScalar(l.MovingVar, float32(l.cfg.Epsilon))))
	}
	if l.Gamma != nil {
		y = tensor.Mul(y, l.Gamma)
	}
	if l.Beta != nil {
		y = tensor.Add(y, l.Beta)
	}
	return y
}

// OutputShape implements Layer.
func (l *BatchNormalization) OutputShape(in []int) ([]int, error) {
	if l.MovingMean != nil && (len(in) == 0 || in[len(in)-1] != l.MovingMean.Size()) {
		return nil, shapeErrorf(l, "expects %d channels, got input %v", l.MovingMean.Size(), in)
	}
	return cloneShape(in), nil
}

// RegularizationLoss implements Regularized.
func (l *BatchNormalization) RegularizationLoss() *tensor.Tensor {
	return regLoss(l.cfg.GammaRegularizer, l.Gamma, l.cfg.BetaRegularizer, l.Beta)
}

// Config implements Layer.
func (l *BatchNormalization) Config() map[string]any { return specConfig(l, l.cfg) }
