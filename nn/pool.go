package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/tensile-ml/tensile/tensor"
)

// PoolConfig holds the options of MaxPooling2D and AveragePooling2D. Zero
// Strides default to the pool size and Padding to "valid", as in Keras.
type PoolConfig struct {
	Strides [2]int `json:"strides"`
	Padding string `json:"padding"`
}

type poolSpec struct {
	PoolSize [2]int `json:"pool_size"`
	PoolConfig
}

// Pooling2D is MaxPooling2D or AveragePooling2D over NHWC inputs.
type Pooling2D struct {
	base
	spec  poolSpec
	isMax bool
}

// NewMaxPooling2D returns a max-pooling layer. It panics on an invalid
// configuration.
func NewMaxPooling2D(size [2]int, cfg PoolConfig) *Pooling2D {
	return must(newMaxPool(poolSpec{size, cfg}, ""))
}

// NewAveragePooling2D returns an average-pooling layer (with "same"
// padding, the average is over the window's in-bounds elements, as Keras).
// It panics on an invalid configuration.
func NewAveragePooling2D(size [2]int, cfg PoolConfig) *Pooling2D {
	return must(newAvgPool(poolSpec{size, cfg}, ""))
}

func newMaxPool(s poolSpec, name string) (*Pooling2D, error) { return newPool(s, name, true) }
func newAvgPool(s poolSpec, name string) (*Pooling2D, error) { return newPool(s, name, false) }

func newPool(s poolSpec, name string, isMax bool) (*Pooling2D, error) {
	class := "AveragePooling2D"
	if isMax {
		class = "MaxPooling2D"
	}
	if s.PoolSize == [2]int{} {
		s.PoolSize = [2]int{2, 2}
	}
	if s.Strides == [2]int{} {
		s.Strides = s.PoolSize
	}
	var err error
	if s.Padding, err = checkPadding(s.Padding); err != nil {
		return nil, fmt.Errorf("nn: %s: %w", class, err)
	}
	if s.PoolSize[0] <= 0 || s.PoolSize[1] <= 0 || s.Strides[0] <= 0 || s.Strides[1] <= 0 {
		return nil, fmt.Errorf("nn: %s: pool size %v and strides %v must be positive", class, s.PoolSize, s.Strides)
	}
	return &Pooling2D{base: newBase(class, name), spec: s, isMax: isMax}, nil
}

// Build implements Layer.
func (l *Pooling2D) Build(in []int, _ *rand.Rand) error { return buildStateless(l, &l.base, in) }

// buildStateless builds a layer without weights: it only checks the shape.
func buildStateless(l Layer, b *base, in []int) error {
	if done, err := b.checkRebuild(in); done {
		return err
	}
	if _, err := l.OutputShape(in); err != nil {
		return err
	}
	b.markBuilt(in)
	return nil
}

// Forward implements Layer.
func (l *Pooling2D) Forward(x *tensor.Tensor, _ bool) *tensor.Tensor {
	o := tensor.Pool2DOptions{Size: l.spec.PoolSize, Strides: l.spec.Strides, Padding: l.spec.Padding}
	if l.isMax {
		return tensor.MaxPool2D(x, o)
	}
	return tensor.AvgPool2D(x, o)
}

// OutputShape implements Layer.
func (l *Pooling2D) OutputShape(in []int) ([]int, error) {
	if len(in) != 3 {
		return nil, shapeErrorf(l, "needs a 3-d input [H W C] per sample, got %v", in)
	}
	s := l.spec
	oh := convOut(in[0], s.PoolSize[0], s.Strides[0], 1, s.Padding)
	ow := convOut(in[1], s.PoolSize[1], s.Strides[1], 1, s.Padding)
	if oh <= 0 || ow <= 0 {
		return nil, shapeErrorf(l, "input %v is smaller than the pool %v", in, s.PoolSize)
	}
	return []int{oh, ow, in[2]}, nil
}

// Config implements Layer.
func (l *Pooling2D) Config() map[string]any { return specConfig(l, l.spec) }

type emptySpec struct{}

// GlobalPooling2D is GlobalAveragePooling2D or GlobalMaxPooling2D: it
// reduces [B H W C] to [B C].
type GlobalPooling2D struct {
	base
	isMax bool
}

// NewGlobalAveragePooling2D returns a layer averaging over H and W.
func NewGlobalAveragePooling2D() *GlobalPooling2D { return must(newGlobalAvgPool(emptySpec{}, "")) }

// NewGlobalMaxPooling2D returns a layer taking the maximum over H and W.
func NewGlobalMaxPooling2D() *GlobalPooling2D { return must(newGlobalMaxPool(emptySpec{}, "")) }

func newGlobalAvgPool(_ emptySpec, name string) (*GlobalPooling2D, error) {
	return &GlobalPooling2D{base: newBase("GlobalAveragePooling2D", name)}, nil
}

func newGlobalMaxPool(_ emptySpec, name string) (*GlobalPooling2D, error) {
	return &GlobalPooling2D{base: newBase("GlobalMaxPooling2D", name), isMax: true}, nil
}

// Build implements Layer.
func (l *GlobalPooling2D) Build(in []int, _ *rand.Rand) error { return buildStateless(l, &l.base, in) }

// Forward implements Layer.
func (l *GlobalPooling2D) Forward(x *tensor.Tensor, _ bool) *tensor.Tensor {
	if l.isMax {
		return tensor.Max(x, []int{1, 2}, false)
	}
	return tensor.Mean(x, []int{1, 2}, false)
}

// OutputShape implements Layer.
func (l *GlobalPooling2D) OutputShape(in []int) ([]int, error) {
	if len(in) != 3 {
		return nil, shapeErrorf(l, "needs a 3-d input [H W C] per sample, got %v", in)
	}
	return []int{in[2]}, nil
}

// Config implements Layer.
func (l *GlobalPooling2D) Config() map[string]any { return specConfig(l, emptySpec{}) }
