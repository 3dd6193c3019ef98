package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/tensile-ml/tensile/tensor"
)

// Multiply multiplies several inputs of the same shape element by element
// (Keras's Multiply; the GMF branch of Neural Collaborative Filtering is
// Multiply of a user and an item embedding).
type Multiply struct{ Add }

// NewMultiply returns a Multiply merge layer.
func NewMultiply() *Multiply { return must(newMultiply(emptySpec{}, "")) }

func newMultiply(_ emptySpec, name string) (*Multiply, error) {
	return &Multiply{Add{base: newBase("Multiply", name)}}, nil
}

// ForwardMulti implements MultiInputLayer.
func (l *Multiply) ForwardMulti(xs []*tensor.Tensor, _ bool) *tensor.Tensor {
	y := xs[0]
	for _, x := range xs[1:] {
		y = tensor.Mul(y, x)
	}
	return y
}

// Config implements Layer.
func (l *Multiply) Config() map[string]any { return specConfig(l, emptySpec{}) }

type dotSpec struct {
	Axes int `json:"axes"`
}

// Dot takes the dot product of two inputs along their last axis (Keras's
// Dot with axes -1): [B, D] and [B, D] give [B, 1], the score of a user
// and an item vector in matrix factorisation. When one input has fewer
// axes it is broadcast over the other's middle axes: [B, D] and [B, C, D]
// give [B, C], one vector against C others (a user against C items). Other
// middle axes must match or be 1.
type Dot struct {
	base
	spec dotSpec
}

// NewDot returns a Dot layer over the last axis.
func NewDot() *Dot { return must(newDot(dotSpec{Axes: -1}, "")) }

func newDot(s dotSpec, name string) (*Dot, error) {
	if s.Axes != -1 {
		return nil, fmt.Errorf("nn: Dot: axes %d: only the last axis (-1) is supported", s.Axes)
	}
	return &Dot{base: newBase("Dot", name), spec: s}, nil
}

// BuildMulti implements MultiInputLayer.
func (l *Dot) BuildMulti(in [][]int, _ *rand.Rand) error {
	if _, err := l.OutputShapeMulti(in); err != nil {
		return err
	}
	l.built = true
	return nil
}

// Build implements Layer (a single input, an error: Dot needs two).
func (l *Dot) Build(in []int, rng *rand.Rand) error { return l.BuildMulti([][]int{in}, rng) }

// lift returns per-sample shape s with 1s inserted after the batch axis to
// rank n.
func lift(s []int, n int) []int {
	out := make([]int, 0, n)
	for len(out)+len(s) < n {
		out = append(out, 1)
	}
	return append(out, s...)
}

// OutputShapeMulti implements MultiInputLayer.
func (l *Dot) OutputShapeMulti(in [][]int) ([]int, error) {
	if len(in) != 2 || len(in[0]) < 1 || len(in[1]) < 1 {
		return nil, shapeErrorf(l, "needs two inputs of at least one axis each, got %v", in)
	}
	a, b := in[0], in[1]
	if a[len(a)-1] != b[len(b)-1] {
		return nil, shapeErrorf(l, "last axes differ: %v", in)
	}
	n := max(len(a), len(b))
	a, b = lift(a, n), lift(b, n)
	out := make([]int, 0, n)
	for i := 0; i < n-1; i++ {
		switch {
		case a[i] == b[i] || b[i] == 1:
			out = append(out, a[i])
		case a[i] == 1:
			out = append(out, b[i])
		default:
			return nil, shapeErrorf(l, "middle axes do not broadcast: %v", in)
		}
	}
	if len(out) == 0 {
		out = []int{1}
	}
	return out, nil
}

// ForwardMulti implements MultiInputLayer.
func (l *Dot) ForwardMulti(xs []*tensor.Tensor, _ bool) *tensor.Tensor {
	if len(xs) != 2 {
		panic(&tensor.ShapeError{Op: "Dot", Msg: fmt.Sprintf("layer %q: needs two inputs, got %d", l.name, len(xs))})
	}
	a, b := xs[0], xs[1]
	n := max(a.Dims(), b.Dims())
	bsz := a.Dim(0)
	a = a.Reshape(append([]int{bsz}, lift(a.Shape()[1:], n-1)...)...)
	b = b.Reshape(append([]int{b.Dim(0)}, lift(b.Shape()[1:], n-1)...)...)
	p := tensor.Sum(tensor.Mul(a, b), []int{n - 1}, false)
	if p.Dims() == 1 {
		p = p.Reshape(bsz, 1)
	}
	return p
}

// Forward implements Layer (a single input is returned as it is).
func (l *Dot) Forward(x *tensor.Tensor, _ bool) *tensor.Tensor { return x }

// OutputShape implements Layer.
func (l *Dot) OutputShape(in []int) ([]int, error) { return l.OutputShapeMulti([][]int{in}) }

// Config implements Layer.
func (l *Dot) Config() map[string]any { return specConfig(l, l.spec) }

type rescalingSpec struct {
	Scale  float64 `json:"scale"`
	Offset float64 `json:"offset"`
}

// Rescaling computes x·scale + offset (Keras's Rescaling). It has no
// weights: a rating model's global mean μ is Rescaling(1, μ) after the sum
// of biases and dot product, saved with the model's configuration.
type Rescaling struct {
	base
	spec rescalingSpec
}

// NewRescaling returns a Rescaling layer.
func NewRescaling(scale, offset float64) *Rescaling {
	return must(newRescaling(rescalingSpec{scale, offset}, ""))
}

func newRescaling(s rescalingSpec, name string) (*Rescaling, error) {
	if math.IsNaN(s.Scale+s.Offset) || math.IsInf(s.Scale, 0) || math.IsInf(s.Offset, 0) {
		return nil, fmt.Errorf("nn: Rescaling: scale %g and offset %g must be finite", s.Scale, s.Offset)
	}
	return &Rescaling{base: newBase("Rescaling", name), spec: s}, nil
}

// Build implements Layer.
func (l *Rescaling) Build(in []int, _ *rand.Rand) error {
	if done, err := l.checkRebuild(in); done {
		return err
	}
	l.markBuilt(in)
	return nil
}

// Forward implements Layer.
func (l *Rescaling) Forward(x *tensor.Tensor, _ bool) *tensor.Tensor {
	if l.spec.Scale != 1 {
		x = tensor.MulScalar(x, float32(l.spec.Scale))
	}
	if l.spec.Offset != 0 {
		x = tensor.AddScalar(x, float32(l.spec.Offset))
	}
	return x
}

// OutputShape implements Layer.
func (l *Rescaling) OutputShape(in []int) ([]int, error) { return slices.Clone(in), nil }

// Config implements Layer.
func (l *Rescaling) Config() map[string]any { return specConfig(l, l.spec) }

func init() {
	registerSpec("Multiply", newMultiply)
	registerSpec("Dot", newDot)
	registerSpec("Rescaling", newRescaling)
}
