package nn

import (
	"fmt"
	"math/rand/v2"
	"sort"

	"github.com/tensile-ml/tensile/tensor"
)

// Activation is an elementwise (or, for softmax, last-axis) function
// applied to a layer's output.
type Activation func(x *tensor.Tensor) *tensor.Tensor

var activations = map[string]Activation{
	"linear":     func(x *tensor.Tensor) *tensor.Tensor { return x },
	"relu":       tensor.ReLU,
	"sigmoid":    tensor.Sigmoid,
	"tanh":       tensor.Tanh,
	"softmax":    func(x *tensor.Tensor) *tensor.Tensor { return tensor.Softmax(x, -1) },
	"leaky_relu": func(x *tensor.Tensor) *tensor.Tensor { return tensor.LeakyReLU(x, 0.2) },
	"elu":        func(x *tensor.Tensor) *tensor.Tensor { return tensor.ELU(x, 1) },
	"gelu":       tensor.GELU,
	"softplus":   tensor.Softplus,
	"swish":      tensor.Swish,
	"silu":       tensor.Swish,
	"log_softmax": func(x *tensor.Tensor) *tensor.Tensor {
		return tensor.LogSoftmax(x, -1)
	},
}

// ActivationByName returns the activation with the Keras name: linear (or
// ""), relu, sigmoid, tanh, softmax (last axis), log_softmax, leaky_relu
// (slope 0.2, as Keras), elu (alpha 1), gelu (exact), softplus, swish/silu.
func ActivationByName(name string) (Activation, error) {
	if name == "" {
		name = "linear"
	}
	a, ok := activations[name]
	if !ok {
		return nil, fmt.Errorf("nn: unknown activation %q (known: %v)", name, ActivationNames())
	}
	return a, nil
}

// ActivationNames lists the known activation names, sorted.
func ActivationNames() []string {
	var n []string
	for k := range activations {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// actHolder is embedded by layers with an activation option.
type actHolder struct {
	actName string
	act     Activation // nil for linear
}

func (h *actHolder) setActivation(name string) error {
	a, err := ActivationByName(name)
	if err != nil {
		return err
	}
	if name == "linear" {
		name = ""
	}
	h.actName = name
	if name != "" {
		h.act = a
	}
	return nil
}

func (h *actHolder) apply(x *tensor.Tensor) *tensor.Tensor {
	if h.act == nil {
		return x
	}
	return h.act(x)
}

// OutputActivation returns the name of the activation the layer applies
// after ForwardLogits ("" for linear).
func (h *actHolder) OutputActivation() string { return h.actName }

// ActivationLayer applies an activation function. Create it with
// NewActivation.
type ActivationLayer struct {
	base
	actHolder
	cfg activationSpec
}

type activationSpec struct {
	Activation string `json:"activation"`
}

// NewActivation returns a layer applying the named activation. It panics on
// an unknown name (a programmer error; FromConfig returns an error instead).
func NewActivation(name string) *ActivationLayer {
	return must(newActivation(activationSpec{name}, ""))
}

func newActivation(s activationSpec, name string) (*ActivationLayer, error) {
	l := &ActivationLayer{base: newBase("Activation", name), cfg: s}
	if err := l.setActivation(s.Activation); err != nil {
		return nil, err
	}
	return l, nil
}

// Build implements Layer.
func (l *ActivationLayer) Build(in []int, _ *rand.Rand) error {
	if done, err := l.checkRebuild(in); done {
		return err
	}
	l.markBuilt(in)
	return nil
}

// Forward implements Layer.
func (l *ActivationLayer) Forward(x *tensor.Tensor, _ bool) *tensor.Tensor { return l.apply(x) }

// ForwardLogits implements LogitsLayer: it returns x unchanged.
func (l *ActivationLayer) ForwardLogits(x *tensor.Tensor, _ bool) *tensor.Tensor { return x }

// OutputShape implements Layer.
func (l *ActivationLayer) OutputShape(in []int) ([]int, error) { return cloneShape(in), nil }

// Config implements Layer.
func (l *ActivationLayer) Config() map[string]any { return specConfig(l, l.cfg) }
