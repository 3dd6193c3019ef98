package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/tensile-ml/tensile/tensor"
)

// Pool1DConfig holds the options of MaxPooling1D and AveragePooling1D.
// Strides 0 defaults to the pool size and Padding "" to "valid", as Keras.
type Pool1DConfig struct {
	Strides int    `json:"strides,omitempty"`
	Padding string `json:"padding,omitempty"`
}

type pool1DSpec struct {
	PoolSize int `json:"pool_size"`
	Pool1DConfig
}

// Pooling1D is MaxPooling1D or AveragePooling1D over [B, T, C] inputs; it
// runs as the 2-d pooling over [B, 1, T, C].
type Pooling1D struct {
	base
	spec  pool1DSpec
	isMax bool
}

// NewMaxPooling1D returns a 1-d max-pooling layer (pool size 0 means 2).
func NewMaxPooling1D(size int, cfg Pool1DConfig) *Pooling1D {
	return must(newMaxPool1D(pool1DSpec{size, cfg}, ""))
}

// NewAveragePooling1D returns a 1-d average-pooling layer (pool size 0
// means 2); with "same" padding it averages the in-bounds elements.
func NewAveragePooling1D(size int, cfg Pool1DConfig) *Pooling1D {
	return must(newAvgPool1D(pool1DSpec{size, cfg}, ""))
}

func newMaxPool1D(s pool1DSpec, name string) (*Pooling1D, error) { return newPool1D(s, name, true) }
func newAvgPool1D(s pool1DSpec, name string) (*Pooling1D, error) { return newPool1D(s, name, false) }

func newPool1D(s pool1DSpec, name string, isMax bool) (*Pooling1D, error) {
	class := "AveragePooling1D"
	if isMax {
		class = "MaxPooling1D"
	}
	if s.PoolSize == 0 {
		s.PoolSize = 2
	}
	if s.Strides == 0 {
		s.Strides = s.PoolSize
	}
	if s.Padding == "" {
		s.Padding = "valid"
	}
	if s.PoolSize < 0 || s.Strides < 0 || (s.Padding != "valid" && s.Padding != "same") {
		return nil, fmt.Errorf("nn: %s: invalid pool_size %d, strides %d or padding %q", class, s.PoolSize, s.Strides, s.Padding)
	}
	return &Pooling1D{base: newBase(class, name), spec: s, isMax: isMax}, nil
}

// Build implements Layer.
func (l *Pooling1D) Build(in []int, _ *rand.Rand) error { return buildStateless(l, &l.base, in) }

// Forward implements Layer.
func (l *Pooling1D) Forward(x *tensor.Tensor, _ bool) *tensor.Tensor {
	if x.Dims() != 3 {
		panic(&tensor.ShapeError{Op: l.class, Shapes: [][]int{x.Shape()}, Msg: fmt.Sprintf("layer %q needs an input [B, T, C]", l.name)})
	}
	B, T, C := x.Dim(0), x.Dim(1), x.Dim(2)
	opt := tensor.Pool2DOptions{Size: [2]int{1, l.spec.PoolSize}, Strides: [2]int{1, l.spec.Strides}, Padding: l.spec.Padding}
	x4 := x.Reshape(B, 1, T, C)
	var y *tensor.Tensor
	if l.isMax {
		y = tensor.MaxPool2D(x4, opt)
	} else {
		y = tensor.AvgPool2D(x4, opt)
	}
	return y.Reshape(B, y.Dim(2), C)
}

// OutputShape implements Layer.
func (l *Pooling1D) OutputShape(in []int) ([]int, error) {
	if len(in) != 2 {
		return nil, shapeErrorf(l, "needs a per-sample input [T, C], got %v", in)
	}
	t, p, s := in[0], l.spec.PoolSize, l.spec.Strides
	var o int
	if l.spec.Padding == "same" {
		o = (t + s - 1) / s
	} else {
		if t < p {
			return nil, shapeErrorf(l, "input length %d is shorter than pool size %d", t, p)
		}
		o = (t-p)/s + 1
	}
	return []int{o, in[1]}, nil
}

// Config implements Layer.
func (l *Pooling1D) Config() map[string]any { return specConfig(l, l.spec) }

// GlobalPooling1D is GlobalMaxPooling1D or GlobalAveragePooling1D: [B, T, C]
// → [B, C], the max or mean over time. GlobalAveragePooling1D honours a
// padding mask (the mean over the real steps), as Keras.
type GlobalPooling1D struct {
	base
	isMax bool
}

// NewGlobalMaxPooling1D returns a GlobalMaxPooling1D layer.
func NewGlobalMaxPooling1D() *GlobalPooling1D { return must(newGlobalMaxPool1D(emptySpec{}, "")) }

// NewGlobalAveragePooling1D returns a GlobalAveragePooling1D layer.
func NewGlobalAveragePooling1D() *GlobalPooling1D {
	return must(newGlobalAvgPool1D(emptySpec{}, ""))
}

func newGlobalMaxPool1D(_ emptySpec, name string) (*GlobalPooling1D, error) {
	return &GlobalPooling1D{base: newBase("GlobalMaxPooling1D", name), isMax: true}, nil
}

func newGlobalAvgPool1D(_ emptySpec, name string) (*GlobalPooling1D, error) {
	return &GlobalPooling1D{base: newBase("GlobalAveragePooling1D", name)}, nil
}

// Build implements Layer.
func (l *GlobalPooling1D) Build(in []int, _ *rand.Rand) error { return buildStateless(l, &l.base, in) }

// Forward implements Layer.
func (l *GlobalPooling1D) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	return l.ForwardMasked(x, nil, training)
}

// ForwardMasked implements MaskConsumer: the average ignores steps whose
// mask [B, T] is 0 (the max ignores the mask, as Keras).
func (l *GlobalPooling1D) ForwardMasked(x, mask *tensor.Tensor, _ bool) *tensor.Tensor {
	if x.Dims() != 3 {
		panic(&tensor.ShapeError{Op: l.class, Shapes: [][]int{x.Shape()}, Msg: fmt.Sprintf("layer %q needs an input [B, T, C]", l.name)})
	}
	if l.isMax {
		return tensor.Max(x, []int{1}, false)
	}
	if mask == nil {
		return tensor.Mean(x, []int{1}, false)
	}
	m := mask.Detach().Reshape(x.Dim(0), x.Dim(1), 1)
	n := tensor.Sum(m, []int{1}, false) // [B, 1]
	return tensor.Div(tensor.Sum(tensor.Mul(x, m), []int{1}, false), tensor.Maximum(n, tensor.Scalar(1)))
}

// OutputShape implements Layer.
func (l *GlobalPooling1D) OutputShape(in []int) ([]int, error) {
	if len(in) != 2 {
		return nil, shapeErrorf(l, "needs a per-sample input [T, C], got %v", in)
	}
	return []int{in[1]}, nil
}

// Config implements Layer.
func (l *GlobalPooling1D) Config() map[string]any { return specConfig(l, emptySpec{}) }

func init() {
	registerSpec("MaxPooling1D", newMaxPool1D)
	registerSpec("AveragePooling1D", newAvgPool1D)
	registerSpec("GlobalMaxPooling1D", newGlobalMaxPool1D)
	registerSpec("GlobalAveragePooling1D", newGlobalAvgPool1D)
}
