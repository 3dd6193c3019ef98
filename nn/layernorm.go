package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/tensile-ml/tensile/tensor"
)

// LayerNormConfig holds LayerNormalization's options; the zero value is
// Keras's default: epsilon 1e-3, with gamma (scale, init ones) and beta
// (center, init zeros).
type LayerNormConfig struct {
	// Epsilon is added to the variance (0 means Keras's 1e-3; PyTorch's
	// nn.LayerNorm uses 1e-5).
	Epsilon          float64     `json:"epsilon,omitempty"`
	NoCenter         bool        `json:"no_center,omitempty"`
	NoScale          bool        `json:"no_scale,omitempty"`
	GammaInitializer Initializer `json:"gamma_initializer"`
	BetaInitializer  Initializer `json:"beta_initializer"`
	GammaRegularizer Regularizer `json:"gamma_regularizer"`
	BetaRegularizer  Regularizer `json:"beta_regularizer"`
}

// LayerNormalization normalises each sample over its last axis:
// y = (x - mean) / sqrt(var + epsilon) · gamma + beta, with the biased
// variance, gamma and beta of the last axis's width. It is PyTorch's
// nn.LayerNorm(D) with gamma = weight and beta = bias.
type LayerNormalization struct {
	base
	spec        LayerNormConfig
	Gamma, Beta *tensor.Tensor
}

// NewLayerNormalization returns a LayerNormalization layer; it panics on an
// invalid configuration.
func NewLayerNormalization(cfg LayerNormConfig) *LayerNormalization {
	return must(newLayerNorm(cfg, ""))
}

func newLayerNorm(s LayerNormConfig, name string) (*LayerNormalization, error) {
	if s.Epsilon == 0 {
		s.Epsilon = 1e-3
	}
	if s.Epsilon < 0 {
		return nil, fmt.Errorf("nn: LayerNormalization: epsilon must be positive, got %g", s.Epsilon)
	}
	if err := firstErr(s.GammaInitializer.validate(), s.BetaInitializer.validate(), s.GammaRegularizer.validate(), s.BetaRegularizer.validate()); err != nil {
		return nil, fmt.Errorf("nn: LayerNormalization: %w", err)
	}
	return &LayerNormalization{base: newBase("LayerNormalization", name), spec: s}, nil
}

// Build implements Layer.
func (l *LayerNormalization) Build(in []int, rng *rand.Rand) error {
	if done, err := l.checkRebuild(in); done {
		return err
	}
	if len(in) < 1 || in[len(in)-1] <= 0 {
		return shapeErrorf(l, "needs an input with a known last dimension, got %v", in)
	}
	rng = orRNG(rng)
	d := in[len(in)-1]
	if !l.spec.NoScale {
		l.Gamma = l.addWeight("gamma", l.spec.GammaInitializer.orDefault(Ones()).New(rng, d), true)
	}
	if !l.spec.NoCenter {
		l.Beta = l.addWeight("beta", l.spec.BetaInitializer.orDefault(Zeros()).New(rng, d), true)
	}
	l.markBuilt(in)
	return nil
}

// Forward implements Layer.
func (l *LayerNormalization) Forward(x *tensor.Tensor, _ bool) *tensor.Tensor {
	return layerNorm(x, l.Gamma, l.Beta, float32(l.spec.Epsilon))
}

// layerNorm normalises x over its last axis; gamma and beta may be nil.
func layerNorm(x, gamma, beta *tensor.Tensor, eps float32) *tensor.Tensor {
	ax := []int{x.Dims() - 1}
	d := tensor.Sub(x, tensor.Mean(x, ax, true))
	v := tensor.Mean(tensor.Mul(d, d), ax, true)
	y := tensor.Mul(d, tensor.Rsqrt(tensor.AddScalar(v, eps)))
	if gamma != nil {
		y = tensor.Mul(y, gamma)
	}
	if beta != nil {
		y = tensor.Add(y, beta)
	}
	return y
}

// OutputShape implements Layer.
func (l *LayerNormalization) OutputShape(in []int) ([]int, error) { return cloneShape(in), nil }

// RegularizationLoss implements Regularized.
func (l *LayerNormalization) RegularizationLoss() *tensor.Tensor {
	return regLoss(l.spec.GammaRegularizer, l.Gamma, l.spec.BetaRegularizer, l.Beta)
}

// Config implements Layer.
func (l *LayerNormalization) Config() map[string]any { return specConfig(l, l.spec) }

func init() {
	registerSpec("LayerNormalization", newLayerNorm)
}
