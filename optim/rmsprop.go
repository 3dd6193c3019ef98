package optim

import (
	"fmt"

	"github.com/tensile-ml/tensile/backend"
	"github.com/tensile-ml/tensile/tensor"
)

// RMSpropConfig configures RMSprop. Zero fields take the Keras defaults; use
// Zero for an explicit 0 (e.g. Rho: optim.Zero). The shared fields are
// described at BaseConfig.
type RMSpropConfig struct {
	BaseConfig         // LearningRate defaults to 1e-3
	Rho        float32 // default 0.9
	Momentum   float32 // default 0
	Epsilon    float32 // default 1e-7
	Centered   bool    // divide by the estimated variance instead
}

// RMSprop is Keras's RMSprop:
//
//	v = ρ·v + (1-ρ)·g²
//	a = ρ·a + (1-ρ)·g                          (centered)
//	inc = lr·g/sqrt(v - a² + ε)                (centered; else lr·g/sqrt(v + ε))
//	mom = momentum·mom + inc; p -= mom         (momentum > 0; else p -= inc)
//
// ε sits inside the square root (PyTorch adds it outside; the two agree for
// ε = 0). Slots: "velocity", plus "momentum" and "average_gradient" when used.
type RMSprop struct {
	core
	rho, momentum, eps float32
	centered           bool
}

// NewRMSprop returns an RMSprop optimizer, or an error for an invalid config.
func NewRMSprop(cfg RMSpropConfig) (*RMSprop, error) {
	cfg.Momentum = orDefault(cfg.Momentum, 0)
	c, err := cfg.BaseConfig.validate("rmsprop", 1e-3)
	if err != nil {
		return nil, err
	}
	rho, eps := orDefault(cfg.Rho, 0.9), orDefault(cfg.Epsilon, 1e-7)
	if !(rho >= 0 && rho < 1) {
		return nil, fmt.Errorf("optim: rmsprop: rho %g must be in [0, 1)", rho)
	}
	if !(cfg.Momentum >= 0 && cfg.Momentum <= 1) {
		return nil, fmt.Errorf("optim: rmsprop: momentum %g must be in [0, 1]", cfg.Momentum)
	}
	if !(eps >= 0) {
		return nil, fmt.Errorf("optim: rmsprop: epsilon %g must be >= 0", eps)
	}
	slots := []string{"velocity"}
	if cfg.Momentum > 0 {
		slots = append(slots, "momentum")
	}
	if cfg.Centered {
		slots = append(slots, "average_gradient")
	}
	o := &RMSprop{core: newCore("rmsprop", c, slots, nil), rho: rho, momentum: cfg.Momentum, eps: eps, centered: cfg.Centered}
	return o, nil
}

// MustNewRMSprop is NewRMSprop that panics on an invalid config.
func MustNewRMSprop(cfg RMSpropConfig) *RMSprop { return must(NewRMSprop(cfg)) }

// Step updates every parameter that has a gradient.
func (o *RMSprop) Step(params []*tensor.Tensor) {
	o.step(params, func(st *paramState, p, g backend.Buffer, lr float32) {
		u := backend.Update{Op: backend.RMSprop, LR: lr, Rho: o.rho, Momentum: o.momentum, Eps: o.eps}
		var mom, avg backend.Buffer
		i := 1
		if o.momentum > 0 {
			mom = backend.Host(st.slots[i])
			i++
		}
		if o.centered {
			avg = backend.Host(st.slots[i])
		}
		tensor.Backend().ApplyUpdate(u, p, g, backend.Host(st.slots[0]), mom, avg)
	})
}

// Config returns the name "rmsprop" and the hyperparameters.
func (o *RMSprop) Config() map[string]any {
	m := o.baseConfig()
	m["rho"] = float64(o.rho)
	m["momentum"] = float64(o.momentum)
	m["epsilon"] = float64(o.eps)
	m["centered"] = o.centered
	return m
}
