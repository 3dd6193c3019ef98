package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/tensile-ml/tensile/tensor"
)

type timeDistSpec struct {
	Layer map[string]any `json:"layer"`
}

// TimeDistributed applies one layer (one set of weights) to every step of a
// sequence: [B, T, ...] → [B, T, ...out], by folding time into the batch.
// The inner layer's weights are named "<name>/<inner>/…".
type TimeDistributed struct {
	base
	spec      timeDistSpec
	inner     Layer
	innerName string
}

// NewTimeDistributed wraps layer (which it takes over).
func NewTimeDistributed(layer Layer) *TimeDistributed {
	l, err := newTimeDistributed(timeDistSpec{Serialize(layer)}, "")
	if err != nil {
		panic(err)
	}
	l.inner = layer
	l.SetName(l.name)
	return l
}

func newTimeDistributed(s timeDistSpec, name string) (*TimeDistributed, error) {
	inner, err := FromConfig(s.Layer)
	if err != nil {
		return nil, fmt.Errorf("nn: TimeDistributed: %w", err)
	}
	if _, ok := inner.(MultiInputLayer); ok {
		return nil, fmt.Errorf("nn: TimeDistributed: cannot wrap the multi-input layer %s", inner.ClassName())
	}
	l := &TimeDistributed{base: newBase("TimeDistributed", name), spec: s, inner: inner, innerName: inner.Name()}
	l.SetName(l.name)
	return l, nil
}

// Layer returns the wrapped layer.
func (l *TimeDistributed) Layer() Layer { return l.inner }

// SetName implements Layer, renaming the inner layer's weights too.
func (l *TimeDistributed) SetName(name string) {
	l.name = name
	l.inner.SetName(name + "/" + l.innerName)
}

// Build implements Layer; in is [T, ...].
func (l *TimeDistributed) Build(in []int, rng *rand.Rand) error {
	if done, err := l.checkRebuild(in); done {
		return err
	}
	if len(in) < 2 {
		return shapeErrorf(l, "needs a per-sample input [T, ...] of at least 2 dimensions, got %v", in)
	}
	if err := l.inner.Build(in[1:], rng); err != nil {
		return err
	}
	l.params = l.inner.Params()
	l.markBuilt(in)
	return nil
}

// Forward implements Layer.
func (l *TimeDistributed) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	if x.Dims() < 3 {
		panic(&tensor.ShapeError{Op: "TimeDistributed", Shapes: [][]int{x.Shape()}, Msg: fmt.Sprintf("layer %q needs an input [B, T, ...]", l.name)})
	}
	sh := x.Shape()
	B, T := sh[0], sh[1]
	y := l.inner.Forward(x.Reshape(append([]int{B * T}, sh[2:]...)...), training)
	return y.Reshape(append([]int{B, T}, y.Shape()[1:]...)...)
}

// OutputShape implements Layer.
func (l *TimeDistributed) OutputShape(in []int) ([]int, error) {
	if len(in) < 2 {
		return nil, shapeErrorf(l, "needs a per-sample input [T, ...], got %v", in)
	}
	o, err := l.inner.OutputShape(in[1:])
	if err != nil {
		return nil, err
	}
	return append([]int{in[0]}, o...), nil
}

// State implements Stateful.
func (l *TimeDistributed) State() []*tensor.Tensor {
	if s, ok := l.inner.(Stateful); ok {
		return s.State()
	}
	return nil
}

// RegularizationLoss implements Regularized.
func (l *TimeDistributed) RegularizationLoss() *tensor.Tensor {
	if r, ok := l.inner.(Regularized); ok {
		return r.RegularizationLoss()
	}
	return nil
}

// Config implements Layer.
func (l *TimeDistributed) Config() map[string]any {
	l.spec.Layer = Serialize(l.inner)
	l.spec.Layer["config"].(map[string]any)["name"] = l.innerName
	return specConfig(l, l.spec)
}

func init() {
	registerSpec("TimeDistributed", newTimeDistributed)
}
