package nn

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/tensile-ml/tensile/tensor"
)

// Add sums several inputs of the same shape.
type Add struct{ base }

// NewAdd returns an Add merge layer.
func NewAdd() *Add { return must(newAdd(emptySpec{}, "")) }

func newAdd(_ emptySpec, name string) (*Add, error) { return &Add{base: newBase("Add", name)}, nil }

// BuildMulti implements MultiInputLayer.
func (l *Add) BuildMulti(in [][]int, _ *rand.Rand) error {
	if _, err := l.OutputShapeMulti(in); err != nil {
		return err
	}
	l.built = true
	return nil
}

// Build implements Layer (a single input).
func (l *Add) Build(in []int, rng *rand.Rand) error { return l.BuildMulti([][]int{in}, rng) }

// ForwardMulti implements MultiInputLayer.
func (l *Add) ForwardMulti(xs []*tensor.Tensor, _ bool) *tensor.Tensor {
	y := xs[0]
	for _, x := range xs[1:] {
		y = tensor.Add(y, x)
	}
	return y
}

// Forward implements Layer.
func (l *Add) Forward(x *tensor.Tensor, training bool) *tensor.Tensor { return x }

// OutputShapeMulti implements MultiInputLayer.
func (l *Add) OutputShapeMulti(in [][]int) ([]int, error) {
	if len(in) == 0 {
		return nil, shapeErrorf(l, "needs at least one input")
	}
	for _, s := range in[1:] {
		if !slices.Equal(s, in[0]) {
			return nil, shapeErrorf(l, "inputs must have the same shape, got %v", in)
		}
	}
	return slices.Clone(in[0]), nil
}

// OutputShape implements Layer.
func (l *Add) OutputShape(in []int) ([]int, error) { return l.OutputShapeMulti([][]int{in}) }

// Config implements Layer.
func (l *Add) Config() map[string]any { return specConfig(l, emptySpec{}) }

type concatSpec struct {
	Axis int `json:"axis"`
}

// Concatenate joins several inputs along a per-sample axis (default -1, the
// last); the other dimensions must match.
type Concatenate struct {
	base
	spec concatSpec
}

// NewConcatenate returns a Concatenate layer joining along axis, counted
// per sample (negative from the end; 0 is the first non-batch axis).
func NewConcatenate(axis int) *Concatenate { return must(newConcatenate(concatSpec{axis}, "")) }

func newConcatenate(s concatSpec, name string) (*Concatenate, error) {
	return &Concatenate{base: newBase("Concatenate", name), spec: s}, nil
}

func (l *Concatenate) axis(nd int) (int, error) {
	a := l.spec.Axis
	if a < 0 {
		a += nd
	}
	if a < 0 || a >= nd {
		return 0, shapeErrorf(l, "axis %d out of range for %d-d inputs", l.spec.Axis, nd)
	}
	return a, nil
}

// BuildMulti implements MultiInputLayer.
func (l *Concatenate) BuildMulti(in [][]int, _ *rand.Rand) error {
	if _, err := l.OutputShapeMulti(in); err != nil {
		return err
	}
	l.built = true
	return nil
}

// Build implements Layer (a single input).
func (l *Concatenate) Build(in []int, rng *rand.Rand) error { return l.BuildMulti([][]int{in}, rng) }

// ForwardMulti implements MultiInputLayer.
func (l *Concatenate) ForwardMulti(xs []*tensor.Tensor, _ bool) *tensor.Tensor {
	a, err := l.axis(xs[0].Dims() - 1)
	if err != nil {
		panic(&tensor.ShapeError{Op: "Concatenate", Msg: err.Error()})
	}
	return tensor.Concat(a+1, xs...)
}

// Forward implements Layer.
func (l *Concatenate) Forward(x *tensor.Tensor, _ bool) *tensor.Tensor { return x }

// OutputShapeMulti implements MultiInputLayer.
func (l *Concatenate) OutputShapeMulti(in [][]int) ([]int, error) {
	if len(in) == 0 {
		return nil, shapeErrorf(l, "needs at least one input")
	}
	a, err := l.axis(len(in[0]))
	if err != nil {
		return nil, err
	}
	out := slices.Clone(in[0])
	for _, s := range in[1:] {
		if len(s) != len(out) {
			return nil, shapeErrorf(l, "inputs must have the same rank, got %v", in)
		}
		for i := range s {
			if i != a && s[i] != out[i] {
				return nil, shapeErrorf(l, "inputs differ outside axis %d: %v", l.spec.Axis, in)
			}
		}
		out[a] += s[a]
	}
	return out, nil
}

// OutputShape implements Layer.
func (l *Concatenate) OutputShape(in []int) ([]int, error) {
	return l.OutputShapeMulti([][]int{in})
}

// Config implements Layer.
func (l *Concatenate) Config() map[string]any { return specConfig(l, l.spec) }

var _ = fmt.Sprint
