package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/tensile-ml/tensile/tensor"
)

// Conv1DConfig holds Conv1D's options; the zero value is Keras's default:
// stride 1, "valid" padding, dilation 1, linear activation, bias on,
// glorot_uniform kernel, zero bias.
type Conv1DConfig struct {
	Strides int `json:"strides,omitempty"`
	// Padding is "valid" (default), "same" (output length ceil(T/stride),
	// the odd extra padding at the end) or "causal" ((K-1)·dilation zeros
	// before the sequence, so step t sees only steps ≤ t).
	Padding           string      `json:"padding,omitempty"`
	Dilation          int         `json:"dilation_rate,omitempty"`
	Activation        string      `json:"activation,omitempty"`
	NoBias            bool        `json:"no_bias,omitempty"`
	KernelInitializer Initializer `json:"kernel_initializer"`
	BiasInitializer   Initializer `json:"bias_initializer"`
	KernelRegularizer Regularizer `json:"kernel_regularizer"`
	BiasRegularizer   Regularizer `json:"bias_regularizer"`
}

type conv1DSpec struct {
	Filters    int `json:"filters"`
	KernelSize int `json:"kernel_size"`
	Conv1DConfig
}

// Conv1D is a 1-d convolution over [B, T, C] inputs with a kernel
// [kernel_size, C, filters] and bias [filters], as Keras. It runs as a
// Conv2D over [B, 1, T, C]. PyTorch's nn.Conv1d weight [F, C, K] maps to
// kernel = weight.permute(2, 1, 0).
type Conv1D struct {
	base
	actHolder
	spec         conv1DSpec
	Kernel, Bias *tensor.Tensor
}

// NewConv1D returns a Conv1D layer; it panics on an invalid configuration.
func NewConv1D(filters, kernelSize int, cfg Conv1DConfig) *Conv1D {
	return must(newConv1D(conv1DSpec{filters, kernelSize, cfg}, ""))
}

func newConv1D(s conv1DSpec, name string) (*Conv1D, error) {
	if s.Filters <= 0 || s.KernelSize <= 0 {
		return nil, fmt.Errorf("nn: Conv1D: filters and kernel_size must be positive, got %d and %d", s.Filters, s.KernelSize)
	}
	if s.Strides == 0 {
		s.Strides = 1
	}
	if s.Dilation == 0 {
		s.Dilation = 1
	}
	if s.Padding == "" {
		s.Padding = "valid"
	}
	switch {
	case s.Strides < 0 || s.Dilation < 0:
		return nil, fmt.Errorf("nn: Conv1D: strides and dilation_rate must be positive")
	case s.Strides > 1 && s.Dilation > 1:
		return nil, fmt.Errorf("nn: Conv1D: strides > 1 with dilation_rate > 1 is not supported (as Keras)")
	case s.Padding != "valid" && s.Padding != "same" && s.Padding != "causal":
		return nil, fmt.Errorf("nn: Conv1D: padding must be valid, same or causal, got %q", s.Padding)
	}
	l := &Conv1D{base: newBase("Conv1D", name), spec: s}
	if err := firstErr(l.setActivation(s.Activation), s.KernelInitializer.validate(), s.BiasInitializer.validate(),
		s.KernelRegularizer.validate(), s.BiasRegularizer.validate()); err != nil {
		return nil, fmt.Errorf("nn: Conv1D: %w", err)
	}
	return l, nil
}

func (l *Conv1D) outLen(t int) int {
	s, span := l.spec.Strides, (l.spec.KernelSize-1)*l.spec.Dilation+1
	switch l.spec.Padding {
	case "same":
		return (t + s - 1) / s
	case "causal":
		return (t-1)/s + 1
	}
	if t < span {
		return 0
	}
	return (t-span)/s + 1
}

// Build implements Layer; in is [T, C].
func (l *Conv1D) Build(in []int, rng *rand.Rand) error {
	if done, err := l.checkRebuild(in); done {
		return err
	}
	if len(in) != 2 || in[1] <= 0 {
		return shapeErrorf(l, "needs a per-sample input [T, C], got %v", in)
	}
	if in[0] > 0 && l.outLen(in[0]) <= 0 {
		return shapeErrorf(l, "input length %d is shorter than the dilated kernel", in[0])
	}
	rng = orRNG(rng)
	l.Kernel = l.addWeight("kernel", l.spec.KernelInitializer.orDefault(GlorotUniform()).New(rng, l.spec.KernelSize, in[1], l.spec.Filters), true)
	if !l.spec.NoBias {
		l.Bias = l.addWeight("bias", l.spec.BiasInitializer.orDefault(Zeros()).New(rng, l.spec.Filters), true)
	}
	l.markBuilt(in)
	return nil
}

// Forward implements Layer: [B, T, C] → [B, T', filters].
func (l *Conv1D) Forward(x *tensor.Tensor, _ bool) *tensor.Tensor {
	if x.Dims() != 3 {
		panic(&tensor.ShapeError{Op: "Conv1D", Shapes: [][]int{x.Shape()}, Msg: fmt.Sprintf("layer %q needs an input [B, T, C]", l.name)})
	}
	pad := l.spec.Padding
	if pad == "causal" {
		x = tensor.Pad(x, [][2]int{{0, 0}, {(l.spec.KernelSize - 1) * l.spec.Dilation, 0}, {0, 0}}, 0)
		pad = "valid"
	}
	B, T, C := x.Dim(0), x.Dim(1), x.Dim(2)
	k := l.Kernel.Reshape(1, l.spec.KernelSize, C, l.spec.Filters)
	relu := l.actName == "relu"
	y := tensor.Conv2D(x.Reshape(B, 1, T, C), k, l.Bias, tensor.Conv2DOptions{
		Strides: [2]int{1, l.spec.Strides}, Padding: pad, Dilation: [2]int{1, l.spec.Dilation}, ReLU: relu})
	y = y.Reshape(B, y.Dim(2), l.spec.Filters)
	if relu {
		return y
	}
	return l.apply(y)
}

// OutputShape implements Layer.
func (l *Conv1D) OutputShape(in []int) ([]int, error) {
	if len(in) != 2 {
		return nil, shapeErrorf(l, "needs a per-sample input [T, C], got %v", in)
	}
	return []int{l.outLen(in[0]), l.spec.Filters}, nil
}

// RegularizationLoss implements Regularized.
func (l *Conv1D) RegularizationLoss() *tensor.Tensor {
	return regLoss(l.spec.KernelRegularizer, l.Kernel, l.spec.BiasRegularizer, l.Bias)
}

// Config implements Layer.
func (l *Conv1D) Config() map[string]any { return specConfig(l, l.spec) }

func init() {
	registerSpec("Conv1D", newConv1D)
}
