package nn

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/tensile-ml/tensile/tensor"
)

// Layer is a building block of a model, with Keras's lifecycle: construct
// with a configuration, Build once the input shape is known (creating named
// weights), then Forward on batches.
//
// Shapes given to Build and OutputShape are per sample, without the batch
// dimension; Forward takes and returns batches [B, ...].
type Layer interface {
	// Name returns the layer's name, e.g. "conv2d_1". Models assign unique
	// Keras-style names when a layer is added.
	Name() string
	// SetName renames the layer and its weights ("<name>/kernel").
	SetName(name string)
	// ClassName returns the registered class, e.g. "Dense".
	ClassName() string
	// Build creates the weights for a per-sample input shape. Calling it
	// again with the same shape does nothing; another shape is an error.
	Build(inputShape []int, rng *rand.Rand) error
	// Built reports whether Build has succeeded.
	Built() bool
	// Forward applies the layer to a batch. training selects training
	// behaviour (dropout active, batch statistics).
	Forward(x *tensor.Tensor, training bool) *tensor.Tensor
	// OutputShape returns the per-sample output shape for a per-sample
	// input shape, or an error when the input does not fit.
	OutputShape(in []int) ([]int, error)
	// Params returns the trainable weights (empty before Build).
	Params() []*tensor.Tensor
	// Config returns a JSON-serialisable configuration from which
	// FromConfig rebuilds an equivalent (unbuilt) layer; it includes "name".
	Config() map[string]any
}

// Stateful is implemented by layers with non-trainable weights that are
// saved with the model, such as BatchNormalization's moving statistics.
type Stateful interface {
	State() []*tensor.Tensor
}

// Regularized is implemented by layers with weight regularizers. The model
// adds RegularizationLoss (nil when there is none) to the training loss.
type Regularized interface {
	RegularizationLoss() *tensor.Tensor
}

// LogitsLayer is implemented by layers that end in an activation. The
// model uses ForwardLogits (the pre-activation) for a fused, stable
// activation + cross-entropy step in training when OutputActivation
// matches the loss's activation ("softmax" or "sigmoid").
type LogitsLayer interface {
	ForwardLogits(x *tensor.Tensor, training bool) *tensor.Tensor
	OutputActivation() string
}

// MultiInputLayer is implemented by merge layers (Add, Concatenate) that take
// several inputs. Their single-input Layer methods treat the input as a list
// of one.
type MultiInputLayer interface {
	Layer
	BuildMulti(inputShapes [][]int, rng *rand.Rand) error
	ForwardMulti(xs []*tensor.Tensor, training bool) *tensor.Tensor
	OutputShapeMulti(in [][]int) ([]int, error)
}

// MultiOutputLayer is implemented by layers that can have several outputs,
// such as a recurrent layer with ReturnState (its output, then its final
// states). The functional API (model.ApplyMulti) makes each output a node
// of its own; Forward still returns the first output alone.
type MultiOutputLayer interface {
	Layer
	// NumOutputs returns the number of outputs of the configured layer.
	NumOutputs() int
	// OutputShapes returns the per-sample shape of every output.
	OutputShapes(in []int) ([][]int, error)
	// ForwardOutputs runs the layer once on a batch, under an optional
	// padding mask (nil: none), and returns every output.
	ForwardOutputs(x, mask *tensor.Tensor, training bool) []*tensor.Tensor
}

// Weights returns every weight of l that a checkpoint stores: the trainable
// Params followed by the non-trainable State.
func Weights(l Layer) []*tensor.Tensor {
	w := slices.Clone(l.Params())
	if s, ok := l.(Stateful); ok {
		w = append(w, s.State()...)
	}
	return w
}

// CountParams returns the number of scalars in ts.
func CountParams(ts []*tensor.Tensor) int {
	n := 0
	for _, t := range ts {
		n += t.Size()
	}
	return n
}

// base holds what every layer shares: name, class, build state and weights.
type base struct {
	name    string
	class   string
	built   bool
	inShape []int
	params  []*tensor.Tensor
	state   []*tensor.Tensor
	suffix  map[*tensor.Tensor]string
}

func newBase(class, name string) base {
	if name == "" {
		name = SnakeCase(class)
	}
	return base{name: name, class: class}
}

func (b *base) Name() string      { return b.name }
func (b *base) ClassName() string { return b.class }
func (b *base) Built() bool       { return b.built }

func (b *base) Params() []*tensor.Tensor { return b.params }

func (b *base) SetName(name string) {
	b.name = name
	for _, t := range append(slices.Clone(b.params), b.state...) {
		t.SetName(name + "/" + b.suffix[t])
	}
}

// addWeight names t "<layer>/<suffix>" and registers it as trainable or
// non-trainable state.
func (b *base) addWeight(suffix string, t *tensor.Tensor, trainable bool) *tensor.Tensor {
	if b.suffix == nil {
		b.suffix = map[*tensor.Tensor]string{}
	}
	b.suffix[t] = suffix
	t.SetName(b.name + "/" + suffix)
	if trainable {
		t.SetRequiresGrad(true)
		b.params = append(b.params, t)
	} else {
		b.state = append(b.state, t)
	}
	return t
}

// checkRebuild reports whether the layer is already built for in (true:
// nothing to do) or an error if it was built for another shape.
func (b *base) checkRebuild(in []int) (bool, error) {
	if !b.built {
		return false, nil
	}
	if !slices.Equal(b.inShape, in) {
		return true, fmt.Errorf("nn: layer %q (%s) was built for input shape %v, got %v", b.name, b.class, b.inShape, in)
	}
	return true, nil
}

func (b *base) markBuilt(in []int) {
	b.built = true
	b.inShape = slices.Clone(in)
}

// SnakeCase converts a class name to Keras's default layer name:
// "Conv2D" → "conv2d", "MaxPooling2D" → "max_pooling2d",
// "BatchNormalization" → "batch_normalization".
func SnakeCase(s string) string {
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			if i > 0 && (s[i-1] >= 'a' && s[i-1] <= 'z' || i+1 < len(s) && s[i+1] >= 'a' && s[i+1] <= 'z' && s[i-1] >= 'A' && s[i-1] <= 'Z') {
				out = append(out, '_')
			}
			c += 'a' - 'A'
		}
		out = append(out, c)
	}
	return string(out)
}

func shapeErrorf(l Layer, format string, args ...any) error {
	return fmt.Errorf("nn: layer %q (%s): %s", l.Name(), l.ClassName(), fmt.Sprintf(format, args...))
}

func numel(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}
