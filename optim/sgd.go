package optim

import (
	"fmt"

	"github.com/tensile-ml/tensile/backend"
	"github.com/tensile-ml/tensile/tensor"
)

// SGDConfig configures SGD. Zero fields take the Keras defaults. The shared
// fields are described at BaseConfig.
type SGDConfig struct {
	BaseConfig         // LearningRate defaults to 0.01
	Momentum   float32 // default 0 (plain SGD)
	Nesterov   bool    // Nesterov momentum
	// Lazy makes momentum SGD update only the rows of a row-sparse
	// gradient (an embedding table's; see tensor.RowGrad), as TensorFlow's
	// sparse momentum apply does: rows not looked up keep their value and
	// momentum. Without it such a gradient is densified and the update
	// equals Keras's. Plain SGD (momentum 0) always updates just the rows,
	// which is exact.
	Lazy bool
}

// SGD is stochastic gradient descent with optional (Nesterov) momentum, with
// Keras's update rule:
//
//	m = momentum·m - lr·g
//	p += m                      (momentum)
//	p += momentum·m - lr·g      (Nesterov, with the new m)
//	p -= lr·g                   (momentum 0; no slot)
//
// For a constant learning rate this equals PyTorch's SGD (dampening 0).
type SGD struct {
	core
	momentum float32
	nesterov bool
}

// NewSGD returns an SGD optimizer, or an error for an invalid config.
func NewSGD(cfg SGDConfig) (*SGD, error) {
	cfg.Momentum = orDefault(cfg.Momentum, 0)
	c, err := cfg.BaseConfig.validate("sgd", 0.01)
	if err != nil {
		return nil, err
	}
	if cfg.Momentum < 0 || cfg.Momentum > 1 || cfg.Momentum != cfg.Momentum {
		return nil, fmt.Errorf("optim: sgd: momentum %g must be in [0, 1]", cfg.Momentum)
	}
	var slots []string
	if cfg.Momentum > 0 {
		slots = []string{"momentum"}
	}
	o := &SGD{core: newCore("sgd", c, slots, nil), momentum: cfg.Momentum, nesterov: cfg.Nesterov}
	if cfg.Momentum == 0 || cfg.Lazy {
		o.sparse = o.rule
	}
	return o, nil
}

// MustNewSGD is NewSGD that panics on an invalid config.
func MustNewSGD(cfg SGDConfig) *SGD { return must(NewSGD(cfg)) }

// Step updates every parameter that has a gradient.
func (o *SGD) Step(params []*tensor.Tensor) {
	o.step(params, func(st *paramState, p, g backend.Buffer, lr float32) {
		applyRule(o.rule(st, lr), st, p, g)
	})
}

// rule is the update of a parameter with state st: plain SGD, or momentum
// (Nesterov's when set) when the optimizer keeps a momentum slot.
func (o *SGD) rule(st *paramState, lr float32) backend.Update {
	if len(st.slots) > 0 {
		return backend.Update{Op: backend.Momentum, LR: lr, Momentum: o.momentum, Nesterov: o.nesterov}
	}
	return backend.Update{Op: backend.SGD, LR: lr}
}

// Config returns the name "sgd" and the hyperparameters.
func (o *SGD) Config() map[string]any {
	m := o.baseConfig()
	m["momentum"] = float64(o.momentum)
	m["nesterov"] = o.nesterov
	m["lazy"] = o.sparse != nil && o.momentum > 0
	return m
}

// must returns v, panicking on err (the MustNew constructors).
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
