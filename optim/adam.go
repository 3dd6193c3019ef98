package optim

import (
	"fmt"
	"math"

	"github.com/tensile-ml/tensile/backend"
	"github.com/tensile-ml/tensile/tensor"
)

// AdamConfig configures Adam. Zero fields take the Keras defaults; use Zero
// for an explicit 0 (e.g. Beta1: optim.Zero). The shared fields are described
// at BaseConfig.
type AdamConfig struct {
	BaseConfig         // LearningRate defaults to 1e-3
	Beta1      float32 // default 0.9
	Beta2      float32 // default 0.999
	Epsilon    float32 // default 1e-7
	AMSGrad    bool    // keep the running maximum of v
	// Lazy makes Adam update only the rows of a row-sparse gradient (an
	// embedding table's; see tensor.RowGrad), as TensorFlow's LazyAdam and
	// PyTorch's SparseAdam do: rows not looked up keep their value and
	// moments, so a step costs O(rows touched). Without it such a gradient
	// is densified and the update equals Keras's dense Adam.
	Lazy bool
}

// AdamWConfig configures AdamW: Adam with decoupled weight decay, default
// 0.004 as in Keras (use WeightDecay: optim.Zero for none).
type AdamWConfig struct {
	BaseConfig         // LearningRate defaults to 1e-3, WeightDecay to 0.004
	Beta1      float32 // default 0.9
	Beta2      float32 // default 0.999
	Epsilon    float32 // default 1e-7
	AMSGrad    bool
	Lazy       bool // as in AdamConfig
}

// Adam is the Adam optimizer (Kingma & Ba) with Keras 3's update. At step
// t = Iterations()+1, with lr the current learning rate:
//
//	alpha = lr·sqrt(1-β2^t)/(1-β1^t)
//	m += (g-m)·(1-β1)
//	v += (g²-v)·(1-β2)
//	v̂ = max(v̂, v)               (AMSGrad; then v̂ replaces v below)
//	p -= alpha·m/(sqrt(v)+ε)
//
// This is the paper's "ε-hat" form: it equals PyTorch's Adam with
// eps_torch = ε/sqrt(1-β2^t), so for the same ε the two differ slightly in
// early steps. With WeightDecay w > 0 (AdamW) each parameter is first
// shrunk, p -= lr·w·p, exactly as Keras's and PyTorch's AdamW do.
type Adam struct {
	core
	b1, b2, eps float32
	amsgrad     bool
	// corr is the bias correction √(1-β2^t)/(1-β1^t) of step t = corrT,
	// computed once per step rather than once per parameter.
	corr  float64
	corrT int
}

// NewAdam returns an Adam optimizer, or an error for an invalid config.
func NewAdam(cfg AdamConfig) (*Adam, error) {
	return newAdam("adam", cfg)
}

// MustNewAdam is NewAdam that panics on an invalid config.
func MustNewAdam(cfg AdamConfig) *Adam { return must(NewAdam(cfg)) }

// NewAdamW returns an AdamW optimizer (Config name "adamw"), or an error for
// an invalid config.
func NewAdamW(cfg AdamWConfig) (*Adam, error) {
	cfg.WeightDecay = orDefault(cfg.WeightDecay, 0.004)
	return newAdam("adamw", AdamConfig(cfg))
}

// MustNewAdamW is NewAdamW that panics on an invalid config.
func MustNewAdamW(cfg AdamWConfig) *Adam { return must(NewAdamW(cfg)) }

func newAdam(name string, cfg AdamConfig) (*Adam, error) {
	c, err := cfg.BaseConfig.validate(name, 1e-3)
	if err != nil {
		return nil, err
	}
	b1, b2, eps := orDefault(cfg.Beta1, 0.9), orDefault(cfg.Beta2, 0.999), orDefault(cfg.Epsilon, 1e-7)
	if !(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1) {
		return nil, fmt.Errorf("optim: %s: beta1 %g and beta2 %g must be in [0, 1)", name, b1, b2)
	}
	if !(eps >= 0) {
		return nil, fmt.Errorf("optim: %s: epsilon %g must be >= 0", name, eps)
	}
	slots := []string{"m", "v"}
	if cfg.AMSGrad {
		slots = append(slots, "vhat")
	}
	o := &Adam{core: newCore(name, c, slots, nil), b1: b1, b2: b2, eps: eps, amsgrad: cfg.AMSGrad}
	if cfg.Lazy {
		o.sparse = o.rule
	}
	return o, nil
}

// Step updates every parameter that has a gradient.
func (o *Adam) Step(params []*tensor.Tensor) {
	o.step(params, func(st *paramState, p, g backend.Buffer, lr float32) {
		applyRule(o.rule(st, lr), st, p, g)
	})
}

// rule is Adam's (or AMSGrad's) update at learning rate lr for the current
// step: its LR is the bias-corrected step size α.
func (o *Adam) rule(_ *paramState, lr float32) backend.Update {
	if t := o.iters + 1; o.corrT != t {
		o.corr = math.Sqrt(1-math.Pow(float64(o.b2), float64(t))) / (1 - math.Pow(float64(o.b1), float64(t)))
		o.corrT = t
	}
	u := backend.Update{Op: backend.Adam, LR: float32(float64(lr) * o.corr), Beta1: o.b1, Beta2: o.b2, Eps: o.eps}
	if o.amsgrad {
		u.Op = backend.AMSGrad
	}
	return u
}

// Config returns the name ("adam" or "adamw") and the hyperparameters.
func (o *Adam) Config() map[string]any {
	m := o.baseConfig()
	m["beta_1"] = float64(o.b1)
	m["beta_2"] = float64(o.b2)
	m["epsilon"] = float64(o.eps)
	m["amsgrad"] = o.amsgrad
	m["lazy"] = o.sparse != nil
	return m
}
