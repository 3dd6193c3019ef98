package optim

import (
	"fmt"

	"github.com/tensile-ml/tensile/backend"
	"github.com/tensile-ml/tensile/tensor"
)

// AdagradConfig configures Adagrad. Zero fields take the Keras defaults; use
// Zero for an explicit 0. The shared fields are described at BaseConfig.
type AdagradConfig struct {
	BaseConfig                      // LearningRate defaults to 1e-3
	InitialAccumulatorValue float32 // default 0.1
	Epsilon                 float32 // default 1e-7
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
	c, err := cfg.BaseConfig.validate("adagrad", 1e-3)
	if err != nil {
		return nil, err
	}
	init, eps := orDefault(cfg.InitialAccumulatorValue, 0.1), orDefault(cfg.Epsilon, 1e-7)
	if !(init >= 0) || !(eps >= 0) {
		return nil, fmt.Errorf("optim: adagrad: initial accumulator %g and epsilon %g must be >= 0", init, eps)
	}
	o := &Adagrad{core: newCore("adagrad", c, []string{"accumulator"}, []float32{init}), init: init, eps: eps}
	o.sparse = o.rule
	return o, nil
}

// MustNewAdagrad is NewAdagrad that panics on an invalid config.
func MustNewAdagrad(cfg AdagradConfig) *Adagrad { return must(NewAdagrad(cfg)) }

// Step updates every parameter that has a gradient.
func (o *Adagrad) Step(params []*tensor.Tensor) {
	o.step(params, func(st *paramState, p, g backend.Buffer, lr float32) {
		applyRule(o.rule(st, lr), st, p, g)
	})
}

// rule is Adagrad's update at learning rate lr.
func (o *Adagrad) rule(_ *paramState, lr float32) backend.Update {
	return backend.Update{Op: backend.Adagrad, LR: lr, Eps: o.eps}
}

// Config returns the name "adagrad" and the hyperparameters.
func (o *Adagrad) Config() map[string]any {
	m := o.baseConfig()
	m["initial_accumulator_value"] = float64(o.init)
	m["epsilon"] = float64(o.eps)
	return m
}
