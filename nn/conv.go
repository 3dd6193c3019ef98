package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/tensile-ml/tensile/tensor"
)

// Conv2DConfig holds Conv2D's options; the zero value is Keras's default:
// strides 1, "valid" padding, dilation 1, linear activation, bias on,
// glorot_uniform kernel, zero bias.
type Conv2DConfig struct {
	Strides           [2]int      `json:"strides"`
	Padding           string      `json:"padding"` // "valid" (default) or "same"
	Dilation          [2]int      `json:"dilation_rate"`
	Activation        string      `json:"activation,omitempty"`
	NoBias            bool        `json:"no_bias,omitempty"`
	KernelInitializer Initializer `json:"kernel_initializer"`
	BiasInitializer   Initializer `json:"bias_initializer"`
	KernelRegularizer Regularizer `json:"kernel_regularizer"`
	BiasRegularizer   Regularizer `json:"bias_regularizer"`
}

type conv2DSpec struct {
	Filters    int    `json:"filters"`
	KernelSize [2]int `json:"kernel_size"`
	Conv2DConfig
}

// Conv2D is a 2-d convolution over NHWC inputs with an HWIO kernel
// [kh, kw, in, filters] and a bias [filters].
type Conv2D struct {
	base
	actHolder
	spec         conv2DSpec
	Kernel, Bias *tensor.Tensor
}

// NewConv2D returns a Conv2D layer. It panics on an invalid configuration
// (FromConfig returns an error instead).
func NewConv2D(filters int, kernelSize [2]int, cfg Conv2DConfig) *Conv2D {
	return must(newConv2D(conv2DSpec{filters, kernelSize, cfg}, ""))
}

func defaultPair(p [2]int) [2]int {
	if p == [2]int{} {
		return [2]int{1, 1}
	}
	return p
}

func checkPadding(p string) (string, error) {
	switch p {
	case "", "valid":
		return "valid", nil
	case "same":
		return p, nil
	}
	return "", fmt.Errorf("padding must be \"valid\" or \"same\", got %q", p)
}

func newConv2D(s conv2DSpec, name string) (*Conv2D, error) {
	s.Strides, s.Dilation = defaultPair(s.Strides), defaultPair(s.Dilation)
	var err error
	if s.Padding, err = checkPadding(s.Padding); err != nil {
		return nil, fmt.Errorf("nn: Conv2D: %w", err)
	}
	switch {
	case s.Filters <= 0:
		return nil, fmt.Errorf("nn: Conv2D: filters must be positive, got %d", s.Filters)
	case s.KernelSize[0] <= 0 || s.KernelSize[1] <= 0:
		return nil, fmt.Errorf("nn: Conv2D: kernel size must be positive, got %v", s.KernelSize)
	case s.Strides[0] <= 0 || s.Strides[1] <= 0 || s.Dilation[0] <= 0 || s.Dilation[1] <= 0:
		return nil, fmt.Errorf("nn: Conv2D: strides %v and dilation %v must be positive", s.Strides, s.Dilation)
	case s.Strides != [2]int{1, 1} && s.Dilation != [2]int{1, 1}:
		return nil, fmt.Errorf("nn: Conv2D: strides %v > 1 are incompatible with dilation %v > 1", s.Strides, s.Dilation)
	}
	l := &Conv2D{base: newBase("Conv2D", name), spec: s}
	if err := firstErr(l.setActivation(s.Activation), s.KernelInitializer.validate(), s.BiasInitializer.validate(),
		s.KernelRegularizer.validate(), s.BiasRegularizer.validate()); err != nil {
		return nil, fmt.Errorf("nn: Conv2D: %w", err)
	}
	return l, nil
}

// convOut returns the output length of a window op over n input positions.
func convOut(n, k, stride, dilation int, padding string) int {
	if padding == "same" {
		return (n + stride - 1) / stride
	}
	ek := (k-1)*dilation + 1
	if n < ek {
		return 0
	}
	return (n-ek)/stride + 1
}

// Build implements Layer.
func (l *Conv2D) Build(in []int, rng *rand.Rand) error {
	if done, err := l.checkRebuild(in); done {
		return err
	}
	if _, err := l.OutputShape(in); err != nil {
		return err
	}
	rng = orRNG(rng)
	k := l.spec.KernelSize
	l.Kernel = l.addWeight("kernel", l.spec.KernelInitializer.orDefault(GlorotUniform()).New(rng, k[0], k[1], in[2], l.spec.Filters), true)
	if !l.spec.NoBias {
		l.Bias = l.addWeight("bias", l.spec.BiasInitializer.orDefault(Zeros()).New(rng, l.spec.Filters), true)
	}
	l.markBuilt(in)
	return nil
}

func (l *Conv2D) opts() tensor.Conv2DOptions {
	return tensor.Conv2DOptions{Strides: l.spec.Strides, Padding: l.spec.Padding, Dilation: l.spec.Dilation}
}

// ForwardLogits implements LogitsLayer: the convolution plus bias.
func (l *Conv2D) ForwardLogits(x *tensor.Tensor, _ bool) *tensor.Tensor {
	return tensor.Conv2D(x, l.Kernel, l.Bias, l.opts())
}

// Forward implements Layer.
// A ReLU activation is fused into the convolution.
func (l *Conv2D) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	if l.actName == "relu" {
		o := l.opts()
		o.ReLU = true
		return tensor.Conv2D(x, l.Kernel, l.Bias, o)
	}
	return l.apply(l.ForwardLogits(x, training))
}

// ForwardPooled computes p.Forward(l.Forward(x, training), training) as the
// explicitly fused tensor.Conv2DMaxPool, whose backward pass feeds the
// pooled gradient straight into the convolution's: models call it for a
// Conv2D whose only consumer is a max pooling. It reports false, and
// computes nothing, when the pair does not fuse (average pooling, or an
// activation other than ReLU or linear).
func (l *Conv2D) ForwardPooled(p *Pooling2D, x *tensor.Tensor, training bool) (*tensor.Tensor, bool) {
	if !p.isMax || (l.actName != "" && l.actName != "relu") {
		return nil, false
	}
	o := l.opts()
	o.ReLU = l.actName == "relu"
	po := tensor.Pool2DOptions{Size: p.spec.PoolSize, Strides: p.spec.Strides, Padding: p.spec.Padding}
	return tensor.Conv2DMaxPool(x, l.Kernel, l.Bias, o, po), true
}

// OutputShape implements Layer.
func (l *Conv2D) OutputShape(in []int) ([]int, error) {
	if len(in) != 3 {
		return nil, shapeErrorf(l, "needs a 3-d input [H W C] per sample, got %v", in)
	}
	if l.Kernel != nil && in[2] != l.Kernel.Dim(2) {
		return nil, shapeErrorf(l, "expects %d input channels, got input %v", l.Kernel.Dim(2), in)
	}
	s := l.spec
	oh := convOut(in[0], s.KernelSize[0], s.Strides[0], s.Dilation[0], s.Padding)
	ow := convOut(in[1], s.KernelSize[1], s.Strides[1], s.Dilation[1], s.Padding)
	if oh <= 0 || ow <= 0 {
		return nil, shapeErrorf(l, "input %v is smaller than the kernel %v (dilation %v)", in, s.KernelSize, s.Dilation)
	}
	return []int{oh, ow, s.Filters}, nil
}

// RegularizationLoss implements Regularized.
func (l *Conv2D) RegularizationLoss() *tensor.Tensor {
	return regLoss(l.spec.KernelRegularizer, l.Kernel, l.spec.BiasRegularizer, l.Bias)
}

// Config implements Layer.
func (l *Conv2D) Config() map[string]any { return specConfig(l, l.spec) }
