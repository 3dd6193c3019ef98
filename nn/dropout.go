package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/tensile-ml/tensile/tensor"
)

// DropoutConfig holds Dropout's options. Seed 0 derives the mask stream
// from the model's build seed.
type DropoutConfig struct {
	Seed uint64 `json:"seed,omitempty"`
}

type dropoutSpec struct {
	Rate float64 `json:"rate"`
	DropoutConfig
}

// Dropout zeroes a fraction rate of its inputs in training and scales the
// rest by 1/(1-rate) (inverted dropout); at inference it is the identity.
type Dropout struct {
	base
	spec dropoutSpec
	rng  *rand.Rand
}

// NewDropout returns a Dropout layer. It panics unless 0 ≤ rate < 1.
func NewDropout(rate float64, cfg DropoutConfig) *Dropout {
	return must(newDropout(dropoutSpec{rate, cfg}, ""))
}

func newDropout(s dropoutSpec, name string) (*Dropout, error) {
	if !(s.Rate >= 0 && s.Rate < 1) {
		return nil, fmt.Errorf("nn: Dropout: rate must be in [0, 1), got %g", s.Rate)
	}
	return &Dropout{base: newBase("Dropout", name), spec: s}, nil
}

// Build implements Layer.
func (l *Dropout) Build(in []int, rng *rand.Rand) error {
	if done, err := l.checkRebuild(in); done {
		return err
	}
	if l.spec.Seed != 0 {
		l.rng = tensor.NewRNG(l.spec.Seed)
	} else {
		l.rng = tensor.NewRNG(orRNG(rng).Uint64())
	}
	l.markBuilt(in)
	return nil
}

// Forward implements Layer.
func (l *Dropout) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	if !training || l.spec.Rate == 0 {
		return x
	}
	if l.rng == nil {
		l.rng = tensor.NewRNG(l.spec.Seed)
	}
	return tensor.Dropout(x, float32(l.spec.Rate), l.rng)
}

// OutputShape implements Layer.
func (l *Dropout) OutputShape(in []int) ([]int, error) { return cloneShape(in), nil }

// Config implements Layer.
func (l *Dropout) Config() map[string]any { return specConfig(l, l.spec) }
