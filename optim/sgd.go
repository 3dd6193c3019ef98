package optim

import (
	"fmt"

	"github.com/tensile-ml/tensile/internal/kernels"
	"github.com/tensile-ml/tensile/internal/parallel"
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
	cur      sgdArgs
	run      func(lo, hi int)
}

type sgdArgs struct {
	p, g, m []float32
	lr      float32
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
	o.run = func(lo, hi int) { o.kernel(lo, hi) }
	if cfg.Momentum == 0 || cfg.Lazy {
		o.sparse = o.rows
	}
	return o, nil
}

// MustNewSGD is NewSGD that panics on an invalid config.
func MustNewSGD(cfg SGDConfig) *SGD { return must(NewSGD(cfg)) }

func (o *SGD) kernel(lo, hi int) {
	a := &o.cur
	if a.m == nil {
		kernels.SGDUpdate(a.p[lo:hi], a.g[lo:hi], a.lr)
		return
	}
	kernels.MomentumUpdate(a.p[lo:hi], a.g[lo:hi], a.m[lo:hi], a.lr, o.momentum, o.nesterov)
}

// Step updates every parameter that has a gradient.
func (o *SGD) Step(params []*tensor.Tensor) {
	o.step(params, func(st *paramState, p, g []float32, lr float32) {
		o.cur = sgdArgs{p: p, g: g, lr: lr}
		if len(st.slots) > 0 {
			o.cur.m = st.slots[0]
		}
		runUpdate(len(p), o.run)
		o.cur = sgdArgs{}
	})
}

// Config returns the name "sgd" and the hyperparameters.
func (o *SGD) Config() map[string]any {
	m := o.baseConfig()
	m["momentum"] = float64(o.momentum)
	m["nesterov"] = o.nesterov
	m["lazy"] = o.sparse != nil && o.momentum > 0
	return m
}

// runUpdate runs fn over [0, n), split across the worker pool for large n.
// fn is created once per optimizer, so the step allocates nothing for small
// parameters.
func runUpdate(n int, fn func(lo, hi int)) {
	if n < parallelMin {
		fn(0, n)
		return
	}
	parallel.For(n, parallelMin/2, fn)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
