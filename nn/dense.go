package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/tensile-ml/tensile/tensor"
)

// DenseConfig holds Dense's options; the zero value is Keras's default
// (linear activation, bias on, glorot_uniform kernel, zero bias).
type DenseConfig struct {
	Activation        string      `json:"activation,omitempty"`
	NoBias            bool        `json:"no_bias,omitempty"`
	KernelInitializer Initializer `json:"kernel_initializer"`
	BiasInitializer   Initializer `json:"bias_initializer"`
	KernelRegularizer Regularizer `json:"kernel_regularizer"`
	BiasRegularizer   Regularizer `json:"bias_regularizer"`
}

type denseSpec struct {
	Units int `json:"units"`
	DenseConfig
}

// Dense is a fully connected layer: y = activation(x·kernel + bias) over
// the last axis, with kernel [in, units] and bias [units].
type Dense struct {
	base
	actHolder
	spec         denseSpec
	Kernel, Bias *tensor.Tensor
}

// NewDense returns a Dense layer with the given number of units. It panics
// on an invalid configuration (FromConfig returns an error instead).
func NewDense(units int, cfg DenseConfig) *Dense {
	return must(newDense(denseSpec{units, cfg}, ""))
}

func newDense(s denseSpec, name string) (*Dense, error) {
	if s.Units <= 0 {
		return nil, fmt.Errorf("nn: Dense: units must be positive, got %d", s.Units)
	}
	l := &Dense{base: newBase("Dense", name), spec: s}
	if err := firstErr(l.setActivation(s.Activation), s.KernelInitializer.validate(), s.BiasInitializer.validate(),
		s.KernelRegularizer.validate(), s.BiasRegularizer.validate()); err != nil {
		return nil, fmt.Errorf("nn: Dense: %w", err)
	}
	return l, nil
}

// Build implements Layer.
func (l *Dense) Build(in []int, rng *rand.Rand) error {
	if done, err := l.checkRebuild(in); done {
		return err
	}
	if len(in) < 1 || in[len(in)-1] <= 0 {
		return shapeErrorf(l, "needs an input with a known last dimension, got %v", in)
	}
	rng = orRNG(rng)
	n := in[len(in)-1]
	l.Kernel = l.addWeight("kernel", l.spec.KernelInitializer.orDefault(GlorotUniform()).New(rng, n, l.spec.Units), true)
	if !l.spec.NoBias {
		l.Bias = l.addWeight("bias", l.spec.BiasInitializer.orDefault(Zeros()).New(rng, l.spec.Units), true)
	}
	l.markBuilt(in)
	return nil
}

// ForwardLogits implements LogitsLayer: x·kernel + bias.
func (l *Dense) ForwardLogits(x *tensor.Tensor, _ bool) *tensor.Tensor {
	var y *tensor.Tensor
	if x.Dims() > 2 {
		sh := x.Shape()
		outShape := append(cloneShape(sh[:len(sh)-1]), l.spec.Units)
		y = tensor.MatMul(x.Reshape(-1, sh[len(sh)-1]), l.Kernel).Reshape(outShape...)
	} else {
		y = tensor.MatMul(x, l.Kernel)
	}
	if l.Bias != nil {
		y = tensor.Add(y, l.Bias)
	}
	return y
}

// Forward implements Layer.
func (l *Dense) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	return l.apply(l.ForwardLogits(x, training))
}

// OutputShape implements Layer.
func (l *Dense) OutputShape(in []int) ([]int, error) {
	if len(in) < 1 {
		return nil, shapeErrorf(l, "needs at least a 1-d input, got %v", in)
	}
	if l.Kernel != nil && in[len(in)-1] != l.Kernel.Dim(0) {
		return nil, shapeErrorf(l, "expects last dimension %d, got input %v", l.Kernel.Dim(0), in)
	}
	out := cloneShape(in)
	out[len(out)-1] = l.spec.Units
	return out, nil
}

// RegularizationLoss implements Regularized.
func (l *Dense) RegularizationLoss() *tensor.Tensor {
	return regLoss(l.spec.KernelRegularizer, l.Kernel, l.spec.BiasRegularizer, l.Bias)
}

// Config implements Layer.
func (l *Dense) Config() map[string]any { return specConfig(l, l.spec) }

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func orRNG(rng *rand.Rand) *rand.Rand {
	if rng == nil {
		return tensor.NewRNG(0)
	}
	return rng
}
