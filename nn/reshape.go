package nn

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/tensile-ml/tensile/internal/limits"
	"github.com/tensile-ml/tensile/tensor"
)

// Flatten reshapes [B, ...] to [B, prod(...)].
type Flatten struct{ base }

// NewFlatten returns a Flatten layer.
func NewFlatten() *Flatten { return must(newFlatten(emptySpec{}, "")) }

func newFlatten(_ emptySpec, name string) (*Flatten, error) {
	return &Flatten{base: newBase("Flatten", name)}, nil
}

// Build implements Layer.
func (l *Flatten) Build(in []int, _ *rand.Rand) error { return buildStateless(l, &l.base, in) }

// Forward implements Layer.
func (l *Flatten) Forward(x *tensor.Tensor, _ bool) *tensor.Tensor {
	if x.Dims() == 2 {
		return x
	}
	return x.Reshape(x.Dim(0), -1)
}

// OutputShape implements Layer.
func (l *Flatten) OutputShape(in []int) ([]int, error) { return []int{numel(in)}, nil }

// Config implements Layer.
func (l *Flatten) Config() map[string]any { return specConfig(l, emptySpec{}) }

type reshapeSpec struct {
	TargetShape []int `json:"target_shape"`
}

// Reshape reshapes each sample to a target shape; one dimension may be -1.
type Reshape struct {
	base
	spec reshapeSpec
}

// NewReshape returns a Reshape layer with a per-sample target shape. It
// panics on an invalid shape.
func NewReshape(targetShape ...int) *Reshape {
	return must(newReshape(reshapeSpec{slices.Clone(targetShape)}, ""))
}

func newReshape(s reshapeSpec, name string) (*Reshape, error) {
	infer := 0
	for _, d := range s.TargetShape {
		if d == -1 {
			infer++
		} else if d <= 0 {
			return nil, fmt.Errorf("nn: Reshape: invalid target shape %v", s.TargetShape)
		}
	}
	if infer > 1 || len(s.TargetShape) == 0 {
		return nil, fmt.Errorf("nn: Reshape: invalid target shape %v", s.TargetShape)
	}
	return &Reshape{base: newBase("Reshape", name), spec: s}, nil
}

// Build implements Layer.
func (l *Reshape) Build(in []int, _ *rand.Rand) error { return buildStateless(l, &l.base, in) }

// Forward implements Layer.
func (l *Reshape) Forward(x *tensor.Tensor, _ bool) *tensor.Tensor {
	return x.Reshape(append([]int{x.Dim(0)}, l.spec.TargetShape...)...)
}

// OutputShape implements Layer.
func (l *Reshape) OutputShape(in []int) ([]int, error) {
	out := slices.Clone(l.spec.TargetShape)
	n, known, at := numel(in), 1, -1
	for i, d := range out {
		if d == -1 {
			at = i
		} else {
			known *= d
		}
	}
	if at >= 0 && n%known == 0 {
		out[at] = n / known
	}
	if numel(out) != n {
		return nil, shapeErrorf(l, "cannot reshape input %v to %v", in, l.spec.TargetShape)
	}
	return out, nil
}

// Config implements Layer.
func (l *Reshape) Config() map[string]any { return specConfig(l, l.spec) }

type inputSpec struct {
	Shape []int `json:"shape"`
	// Keras's spellings: the shape with a leading batch axis (null), as
	// Keras 3 (batch_shape) and Keras 2 (batch_input_shape) write it.
	BatchShape      []*int `json:"batch_shape,omitempty"`
	BatchInputShape []*int `json:"batch_input_shape,omitempty"`
	// Keras writes these too; only their defaults are supported.
	Dtype  string `json:"dtype,omitempty"`
	Sparse bool   `json:"sparse,omitempty"`
	Ragged bool   `json:"ragged,omitempty"`
}

// Input declares a model's per-sample input shape; it passes data through.
type Input struct {
	base
	spec inputSpec
}

// NewInput returns an Input layer for per-sample shape (e.g. 28, 28, 1).
// It panics when a dimension is not positive.
func NewInput(shape ...int) *Input { return must(newInput(inputSpec{Shape: slices.Clone(shape)}, "")) }

func newInput(s inputSpec, name string) (*Input, error) {
	for _, b := range [][]*int{s.BatchShape, s.BatchInputShape} {
		if b == nil {
			continue
		}
		if s.Shape != nil || len(b) < 2 {
			return nil, fmt.Errorf("nn: Input: give one of shape, batch_shape and batch_input_shape (with the batch axis first)")
		}
		s.Shape = make([]int, len(b)-1)
		for i, d := range b[1:] {
			if d == nil {
				return nil, fmt.Errorf("nn: Input: only the batch axis may be null (unknown), got dimension %d null", i+1)
			}
			s.Shape[i] = *d
		}
	}
	s.BatchShape, s.BatchInputShape = nil, nil
	if s.Dtype != "" && s.Dtype != "float32" {
		return nil, fmt.Errorf("nn: Input: dtype %q: only float32 is supported", s.Dtype)
	}
	if s.Sparse || s.Ragged {
		return nil, fmt.Errorf("nn: Input: sparse and ragged inputs are not supported")
	}
	s.Dtype = ""
	if len(s.Shape) == 0 {
		return nil, fmt.Errorf("nn: Input: empty shape")
	}
	for _, d := range s.Shape {
		if d <= 0 {
			return nil, fmt.Errorf("nn: Input: dimensions must be positive, got %v", s.Shape)
		}
	}
	if _, err := limits.Product(s.Shape, MaxSampleElements); err != nil {
		return nil, fmt.Errorf("nn: Input: %w per sample (the limit, nn.MaxSampleElements)", err)
	}
	return &Input{base: newBase("InputLayer", name), spec: s}, nil
}

// Shape returns the declared per-sample shape.
func (l *Input) Shape() []int { return l.spec.Shape }

// Build implements Layer.
func (l *Input) Build(in []int, _ *rand.Rand) error { return buildStateless(l, &l.base, in) }

// Forward implements Layer.
func (l *Input) Forward(x *tensor.Tensor, _ bool) *tensor.Tensor { return x }

// OutputShape implements Layer.
func (l *Input) OutputShape(in []int) ([]int, error) {
	if !slices.Equal(in, l.spec.Shape) {
		return nil, shapeErrorf(l, "expects per-sample shape %v, got %v", l.spec.Shape, in)
	}
	return slices.Clone(in), nil
}

// Config implements Layer.
func (l *Input) Config() map[string]any { return specConfig(l, l.spec) }
