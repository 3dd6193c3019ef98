package optim

import (
	"fmt"

	"github.com/tensile-ml/tensile/backend"
	"github.com/tensile-ml/tensile/tensor"
)

// SGDConfig configures SGD. Zero fields take the Keras defaults.
//
// The fields LearningRate, Schedule, ClipNorm, GlobalClipNorm, ClipValue,
// WeightDecay and ExcludeFromWeightDecay mean the same in every optimizer's
// config:
//   - LearningRate is the fixed learning rate (0: the optimizer's default);
//     Schedule, if set, gives the rate per step instead (set one, not both).
//   - ClipNorm rescales each parameter's gradient to L2 norm at most ClipNorm;
//     GlobalClipNorm rescales all gradients together so that their joint norm
//     is at most GlobalClipNorm; ClipValue clips each gradient element to
//     [-ClipValue, ClipValue]. At most one may be set; 0 means off. Clipping
//     works on a copy: the parameters' Grad tensors are not modified.
//   - WeightDecay w shrinks each parameter before the update, p -= lr·w·p
//     (decoupled weight decay, as Keras applies it for every optimizer);
//     parameters whose name contains one of ExcludeFromWeightDecay are
//     left alone.
type SGDConfig struct {
	LearningRate float32  // default 0.01
	Schedule     Schedule // per-step learning rate instead of LearningRate
	Momentum     float32  // default 0 (plain SGD)
	Nesterov     bool     // Nesterov momentum

	ClipNorm               float32
	GlobalClipNorm         float32
	ClipValue              float32
	WeightDecay            float32
	ExcludeFromWeightDecay []string
}

func (c SGDConfig) common() common {
	return common{c.LearningRate, c.Schedule, c.ClipNorm, c.GlobalClipNorm, c.ClipValue, c.WeightDecay, c.ExcludeFromWeightDecay}
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
	c, err := cfg.common().validate("sgd", 0.01)
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
	return o, nil
}

// MustNewSGD is NewSGD that panics on an invalid config.
func MustNewSGD(cfg SGDConfig) *SGD { return must(NewSGD(cfg)) }

// Step updates every parameter that has a gradient.
func (o *SGD) Step(params []*tensor.Tensor) {
	o.step(params, func(st *paramState, p, g backend.Buffer, lr float32) {
		u := backend.Update{Op: backend.SGD, LR: lr}
		var m backend.Buffer
		if len(st.slots) > 0 {
			u.Op, u.Momentum, u.Nesterov = backend.Momentum, o.momentum, o.nesterov
			m = backend.Host(st.slots[0])
		}
		tensor.Backend().ApplyUpdate(u, p, g, m, backend.Buffer{}, backend.Buffer{})
	})
}

// Config returns the name "sgd" and the hyperparameters.
func (o *SGD) Config() map[string]any {
	m := o.baseConfig()
	m["momentum"] = float64(o.momentum)
	m["nesterov"] = o.nesterov
	return m
}

// runUpdate runs fn over [0, n), split across the worker pool for large n.
// fn is created once per optimizer, so the step allocates nothing for small
// parameters.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
