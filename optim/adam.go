package optim

import (
	"fmt"
	"math"

	"github.com/tensile-ml/tensile/backend"
	"github.com/tensile-ml/tensile/tensor"
)

// AdamConfig configures Adam. Zero fields take the Keras defaults; use Zero
// for an explicit 0 (e.g. Beta1: optim.Zero). The shared fields are described
// at SGDConfig.
type AdamConfig struct {
	LearningRate float32  // default 1e-3
	Schedule     Schedule // per-step learning rate instead of LearningRate
	Beta1        float32  // default 0.9
	Beta2        float32  // default 0.999
	Epsilon      float32  // default 1e-7
	AMSGrad      bool     // keep the running maximum of v

	ClipNorm               float32
	GlobalClipNorm         float32
	ClipValue              float32
	WeightDecay            float32
	ExcludeFromWeightDecay []string
}

func (c AdamConfig) common() common {
	return common{c.LearningRate, c.Schedule, c.ClipNorm, c.GlobalClipNorm, c.ClipValue, c.WeightDecay, c.ExcludeFromWeightDecay}
}

// AdamWConfig configures AdamW: Adam with decoupled weight decay, default
// 0.004 as in Keras (use WeightDecay: optim.Zero for none).
type AdamWConfig struct {
	LearningRate float32  // default 1e-3
	Schedule     Schedule // per-step learning rate instead of LearningRate
	WeightDecay  float32  // default 0.004
	Beta1        float32  // default 0.9
	Beta2        float32  // default 0.999
	Epsilon      float32  // default 1e-7
	AMSGrad      bool

	ClipNorm               float32
	GlobalClipNorm         float32
	ClipValue              float32
	ExcludeFromWeightDecay []string
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
	return newAdam("adamw", AdamConfig{
		LearningRate: cfg.LearningRate, Schedule: cfg.Schedule,
		Beta1: cfg.Beta1, Beta2: cfg.Beta2, Epsilon: cfg.Epsilon, AMSGrad: cfg.AMSGrad,
		ClipNorm: cfg.ClipNorm, GlobalClipNorm: cfg.GlobalClipNorm, ClipValue: cfg.ClipValue,
		WeightDecay: orDefault(cfg.WeightDecay, 0.004), ExcludeFromWeightDecay: cfg.ExcludeFromWeightDecay,
	})
}

// MustNewAdamW is NewAdamW that panics on an invalid config.
func MustNewAdamW(cfg AdamWConfig) *Adam { return must(NewAdamW(cfg)) }

func newAdam(name string, cfg AdamConfig) (*Adam, error) {
	c, err := cfg.common().validate(name, 1e-3)
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
	return o, nil
}

// Step updates every parameter that has a gradient.
func (o *Adam) Step(params []*tensor.Tensor) {
	t := float64(o.iters + 1)
	corr := math.Sqrt(1-math.Pow(float64(o.b2), t)) / (1 - math.Pow(float64(o.b1), t))
	o.step(params, func(st *paramState, p, g backend.Buffer, lr float32) {
		u := backend.Update{Op: backend.Adam, LR: float32(float64(lr) * corr), Beta1: o.b1, Beta2: o.b2, Eps: o.eps}
		var vhat backend.Buffer
		if o.amsgrad {
			u.Op, vhat = backend.AMSGrad, backend.Host(st.slots[2])
		}
		tensor.Backend().ApplyUpdate(u, p, g, backend.Host(st.slots[0]), backend.Host(st.slots[1]), vhat)
	})
}

// Config returns the name ("adam" or "adamw") and the hyperparameters.
func (o *Adam) Config() map[string]any {
	m := o.baseConfig()
	m["beta_1"] = float64(o.b1)
	m["beta_2"] = float64(o.b2)
	m["epsilon"] = float64(o.eps)
	m["amsgrad"] = o.amsgrad
	return m
}
