package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tensile-ml/tensile/tensor"
)

// Initializer describes how a weight is initialised, by Keras name and
// parameters. The zero value means the layer's default (glorot_uniform for
// kernels, zeros for biases). It is a plain value so that it serialises
// with the layer's config.
type Initializer struct {
	// Name is the Keras name: glorot_uniform, glorot_normal, he_normal,
	// he_uniform, lecun_normal, lecun_uniform, random_normal,
	// random_uniform, truncated_normal, zeros, ones, constant.
	Name string `json:"name"`
	// Mean and Stddev parameterise random_normal and truncated_normal
	// (defaults 0 and 0.05, as Keras).
	Mean   float64 `json:"mean,omitempty"`
	Stddev float64 `json:"stddev,omitempty"`
	// Min and Max bound random_uniform (default ±0.05).
	Min float64 `json:"minval,omitempty"`
	Max float64 `json:"maxval,omitempty"`
	// Value is constant's value.
	Value float64 `json:"value,omitempty"`
}

// Initializer constructors, named as in Keras.
func GlorotUniform() Initializer { return Initializer{Name: "glorot_uniform"} }
func GlorotNormal() Initializer  { return Initializer{Name: "glorot_normal"} }
func HeNormal() Initializer      { return Initializer{Name: "he_normal"} }
func HeUniform() Initializer     { return Initializer{Name: "he_uniform"} }
func LecunNormal() Initializer   { return Initializer{Name: "lecun_normal"} }
func LecunUniform() Initializer  { return Initializer{Name: "lecun_uniform"} }
func Zeros() Initializer         { return Initializer{Name: "zeros"} }
func Ones() Initializer          { return Initializer{Name: "ones"} }

// Constant initialises every element to v.
func Constant(v float64) Initializer { return Initializer{Name: "constant", Value: v} }

// RandomNormal draws from N(mean, stddev²).
func RandomNormal(mean, stddev float64) Initializer {
	return Initializer{Name: "random_normal", Mean: mean, Stddev: stddev}
}

// RandomUniform draws from U[min, max).
func RandomUniform(min, max float64) Initializer {
	return Initializer{Name: "random_uniform", Min: min, Max: max}
}

// TruncatedNormal draws from N(mean, stddev²), redrawing beyond 2 stddev.
func TruncatedNormal(mean, stddev float64) Initializer {
	return Initializer{Name: "truncated_normal", Mean: mean, Stddev: stddev}
}

// InitializerByName returns the initializer with a Keras name and default
// parameters, or an error for an unknown name.
func InitializerByName(name string) (Initializer, error) {
	i := Initializer{Name: name}
	return i, i.validate()
}

func (i Initializer) orDefault(def Initializer) Initializer {
	if i.Name == "" {
		return def
	}
	return i
}

func (i Initializer) validate() error {
	switch i.Name {
	case "", "glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal",
		"lecun_uniform", "random_normal", "random_uniform", "truncated_normal", "zeros", "ones", "constant",
		"orthogonal":
	default:
		return fmt.Errorf("nn: unknown initializer %q", i.Name)
	}
	if i.Stddev < 0 {
		return fmt.Errorf("nn: initializer %s: negative stddev %g", i.Name, i.Stddev)
	}
	if i.Min > i.Max {
		return fmt.Errorf("nn: initializer %s: minval %g > maxval %g", i.Name, i.Min, i.Max)
	}
	return nil
}

// Fans returns Keras's fan-in and fan-out of a weight shape: [in, out] for
// dense kernels, receptive field × channels for HWIO conv kernels.
func Fans(shape []int) (fanIn, fanOut int) {
	switch len(shape) {
	case 0:
		return 1, 1
	case 1:
		return shape[0], shape[0]
	case 2:
		return shape[0], shape[1]
	}
	rec := numel(shape[:len(shape)-2])
	return shape[len(shape)-2] * rec, shape[len(shape)-1] * rec
}

// truncStd corrects a truncated normal's stddev (truncated at 2σ) so the
// samples have the intended variance, as Keras's VarianceScaling does.
const truncStd = 0.87962566103423978

// New returns a new heap tensor of the given shape initialised by i (the
// zero Initializer gives zeros).
func (i Initializer) New(rng *rand.Rand, shape ...int) *tensor.Tensor {
	chargeWeights(rng, shape)
	fanIn, fanOut := Fans(shape)
	fi, fo := float64(fanIn), float64(fanOut)
	switch i.Name {
	case "glorot_uniform":
		l := math.Sqrt(6 / (fi + fo))
		return tensor.RandUniform(rng, float32(-l), float32(l), shape...)
	case "glorot_normal":
		return tensor.RandTruncNormal(rng, 0, float32(math.Sqrt(2/(fi+fo))/truncStd), shape...)
	case "he_normal":
		return tensor.RandTruncNormal(rng, 0, float32(math.Sqrt(2/fi)/truncStd), shape...)
	case "he_uniform":
		l := math.Sqrt(6 / fi)
		return tensor.RandUniform(rng, float32(-l), float32(l), shape...)
	case "lecun_normal":
		return tensor.RandTruncNormal(rng, 0, float32(math.Sqrt(1/fi)/truncStd), shape...)
	case "lecun_uniform":
		l := math.Sqrt(3 / fi)
		return tensor.RandUniform(rng, float32(-l), float32(l), shape...)
	case "random_normal":
		return tensor.RandNormal(rng, float32(i.Mean), float32(i.std()), shape...)
	case "truncated_normal":
		return tensor.RandTruncNormal(rng, float32(i.Mean), float32(i.std()), shape...)
	case "random_uniform":
		lo, hi := i.Min, i.Max
		if lo == 0 && hi == 0 {
			lo, hi = -0.05, 0.05
		}
		return tensor.RandUniform(rng, float32(lo), float32(hi), shape...)
	case "ones":
		return tensor.Ones(shape...)
	case "constant":
		return tensor.Full(float32(i.Value), shape...)
	case "orthogonal":
		// Keras flattens all but the last dimension.
		g := i.Value
		if g == 0 {
			g = 1
		}
		cols := 1
		if len(shape) > 0 {
			cols = shape[len(shape)-1]
		}
		return OrthogonalMatrix(rng, g, numel(shape)/max(cols, 1), cols).Reshape(shape...)
	}
	return tensor.Zeros(shape...)
}

func (i Initializer) std() float64 {
	if i.Stddev == 0 {
		return 0.05
	}
	return i.Stddev
}

// Regularizer adds L1 and L2 weight penalties to the training loss:
// L1·Σ|w| + L2·Σw². The zero value is no regularization.
type Regularizer struct {
	L1 float64 `json:"l1,omitempty"`
	L2 float64 `json:"l2,omitempty"`
}

// L1 returns an L1 regularizer (Keras's default factor is 0.01).
func L1(l float64) Regularizer { return Regularizer{L1: l} }

// L2 returns an L2 regularizer (Keras's default factor is 0.01).
func L2(l float64) Regularizer { return Regularizer{L2: l} }

// L1L2 returns a combined L1 and L2 regularizer.
func L1L2(l1, l2 float64) Regularizer { return Regularizer{L1: l1, L2: l2} }

// IsZero reports whether r adds nothing.
func (r Regularizer) IsZero() bool { return r.L1 == 0 && r.L2 == 0 }

func (r Regularizer) validate() error {
	if r.L1 < 0 || r.L2 < 0 || math.IsNaN(r.L1) || math.IsNaN(r.L2) {
		return fmt.Errorf("nn: regularizer factors must be non-negative, got l1=%g l2=%g", r.L1, r.L2)
	}
	return nil
}

// Loss returns the penalty for w as a scalar tensor, or nil when r is zero.
func (r Regularizer) Loss(w *tensor.Tensor) *tensor.Tensor {
	var loss *tensor.Tensor
	if r.L1 != 0 {
		loss = tensor.MulScalar(tensor.Sum(tensor.Abs(w), nil, false), float32(r.L1))
	}
	if r.L2 != 0 {
		l2 := tensor.MulScalar(tensor.Sum(tensor.Mul(w, w), nil, false), float32(r.L2))
		if loss == nil {
			loss = l2
		} else {
			loss = tensor.Add(loss, l2)
		}
	}
	return loss
}

// regLoss sums the penalties of (regularizer, weight) pairs; nil if none.
func regLoss(pairs ...any) *tensor.Tensor {
	var total *tensor.Tensor
	for k := 0; k+1 < len(pairs); k += 2 {
		r := pairs[k].(Regularizer)
		w, _ := pairs[k+1].(*tensor.Tensor)
		if w == nil || r.IsZero() {
			continue
		}
		l := r.Loss(w)
		if total == nil {
			total = l
		} else {
			total = tensor.Add(total, l)
		}
	}
	return total
}
