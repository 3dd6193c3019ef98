package optim

import (
	"fmt"

	"github.com/tensile-ml/tensile/backend"
	"github.com/tensile-ml/tensile/tensor"
)

// AdagradConfig configures Adagrad. Zero fields take the Keras defaults; use
// Zero for an explicit 0. The shared fields are described at SGDConfig.
type AdagradConfig struct {
	LearningRate            float32  // default 1e-3
	Schedule                Schedule // per-step learning rate instead of LearningRate
	InitialAccumulatorValue float32  // default 0.1
	Epsilon                 float32  // default 1e-7

	ClipNorm               float32
	GlobalClipNorm         float32
	ClipValue              float32
	WeightDecay            float32
	ExcludeFromWeightDecay []string
}

func (c AdagradConfig) common() common {
	return common{c.LearningRate, c.Schedule, c.ClipNorm, c.GlobalClipNorm, c.ClipValue, c.WeightDecay, c.ExcludeFromWeightDecay}
}

// Adagrad is Keras's Adagrad:
//
//	acc += g²                  (acc starts at InitialAccumulatorValue)
//	p -= lr·g/sqrt(acc + ε)
//
// Slot: "accumulator".
type Adagrad struct {
	core
	init, eps float32
}

// NewAdagrad returns an Adagrad optimizer, or an error for an invalid config.
func NewAdagrad(cfg AdagradConfig) (*Adagrad, error) {
	c, err := cfg.common().validate("adagrad", 1e-3)
	if err != nil {
		return nil, err
	}
	init, eps := orDefault(cfg.InitialAccumulatorValue, 0.1), orDefault(cfg.Epsilon, 1e-7)
	if !(init >= 0) || !(eps >= 0) {
		return nil, fmt.Errorf("optim: adagrad: initial accumulator %g and epsilon %g must be >= 0", init, eps)
	}
	o := &Adagrad{core: newCore("adagrad", c, []string{"accumulator"}, []float32{init}), init: init, eps: eps}
	return o, nil
}

// MustNewAdagrad is NewAdagrad that panics on an invalid config.
func MustNewAdagrad(cfg AdagradConfig) *Adagrad { return must(NewAdagrad(cfg)) }

// Step updates every parameter that has a gradient.
func (o *Adagrad) Step(params []*tensor.Tensor) {
	o.step(params, func(st *paramState, p, g backend.Buffer, lr float32) {
		u := backend.Update{Op: backend.Adagrad, LR: lr, Eps: o.eps}
		tensor.Backend().ApplyUpdate(u, p, g, backend.Host(st.slots[0]), backend.Buffer{}, backend.Buffer{})
	})
}

// Config returns the name "adagrad" and the hyperparameters.
func (o *Adagrad) Config() map[string]any {
	m := o.baseConfig()
	m["initial_accumulator_value"] = float64(o.init)
	m["epsilon"] = float64(o.eps)
	return m
}
