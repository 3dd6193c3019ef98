package optim

import (
	"fmt"
	"strings"
)

// ByName returns an optimizer with Keras's defaults for a Keras name:
// "sgd", "adam", "adamw", "rmsprop" or "adagrad" (case-insensitive).
func ByName(name string) (Optimizer, error) {
	switch strings.ToLower(name) {
	case "sgd":
		return NewSGD(SGDConfig{})
	case "adam":
		return NewAdam(AdamConfig{})
	case "adamw":
		return NewAdamW(AdamWConfig{})
	case "rmsprop":
		return NewRMSprop(RMSpropConfig{})
	case "adagrad":
		return NewAdagrad(AdagradConfig{})
	}
	return nil, fmt.Errorf("optim: unknown optimizer %q (want sgd, adam, adamw, rmsprop or adagrad)", name)
}

// FromConfig rebuilds an optimizer from the output of its Config method
// (after a JSON round trip numbers may be float64 or int; both are
// accepted). Schedules are rebuilt from their Config as well.
func FromConfig(cfg map[string]any) (Optimizer, error) {
	r := cfgReader{m: cfg}
	name := r.str("name")
	lr, sched := r.learningRate()
	clipN, gclip, clipV := r.f("clipnorm"), r.f("global_clipnorm"), r.f("clipvalue")
	wd := r.f("weight_decay")
	excl := r.strs("exclude_from_weight_decay")
	if r.err != nil {
		return nil, r.err
	}
	var o Optimizer
	var err error
	switch name {
	case "sgd":
		o, err = NewSGD(SGDConfig{LearningRate: lr, Schedule: sched, Momentum: r.zf("momentum"), Nesterov: r.b("nesterov"),
			ClipNorm: clipN, GlobalClipNorm: gclip, ClipValue: clipV, WeightDecay: wd, ExcludeFromWeightDecay: excl})
	case "adam", "adamw":
		c := AdamConfig{LearningRate: lr, Schedule: sched, Beta1: r.zf("beta_1"), Beta2: r.zf("beta_2"), Epsilon: r.zf("epsilon"),
			AMSGrad: r.b("amsgrad"), ClipNorm: clipN, GlobalClipNorm: gclip, ClipValue: clipV, WeightDecay: wd, ExcludeFromWeightDecay: excl}
		o, err = newAdam(name, c)
	case "rmsprop":
		o, err = NewRMSprop(RMSpropConfig{LearningRate: lr, Schedule: sched, Rho: r.zf("rho"), Momentum: r.zf("momentum"),
			Epsilon: r.zf("epsilon"), Centered: r.b("centered"),
			ClipNorm: clipN, GlobalClipNorm: gclip, ClipValue: clipV, WeightDecay: wd, ExcludeFromWeightDecay: excl})
	case "adagrad":
		o, err = NewAdagrad(AdagradConfig{LearningRate: lr, Schedule: sched, InitialAccumulatorValue: r.zf("initial_accumulator_value"),
			Epsilon: r.zf("epsilon"), ClipNorm: clipN, GlobalClipNorm: gclip, ClipValue: clipV, WeightDecay: wd, ExcludeFromWeightDecay: excl})
	default:
		return nil, fmt.Errorf("optim: FromConfig: unknown optimizer name %q", name)
	}
	if r.err != nil {
		return nil, r.err
	}
	return o, err
}

// ScheduleFromConfig rebuilds a schedule from the output of its Config
// method.
func ScheduleFromConfig(cfg map[string]any) (Schedule, error) {
	r := cfgReader{m: cfg}
	var s Schedule
	switch cls := r.str("class_name"); cls {
	case "Constant":
		s = Constant(r.f("value"))
	case "ExponentialDecay":
		s = ExponentialDecay{InitialLR: r.f("initial_learning_rate"), DecaySteps: r.i("decay_steps"), DecayRate: r.f("decay_rate"), Staircase: r.b("staircase")}
	case "InverseTimeDecay":
		s = InverseTimeDecay{InitialLR: r.f("initial_learning_rate"), DecaySteps: r.i("decay_steps"), DecayRate: r.f("decay_rate"), Staircase: r.b("staircase")}
	case "PiecewiseConstantDecay":
		var b []int
		for _, v := range r.list("boundaries") {
			b = append(b, int(v))
		}
		var vals []float32
		for _, v := range r.list("values") {
			vals = append(vals, float32(v))
		}
		s = PiecewiseConstantDecay{Boundaries: b, Values: vals}
	case "StepDecay":
		s = StepDecay{InitialLR: r.f("initial_learning_rate"), StepSize: r.i("step_size"), Gamma: r.f("gamma")}
	case "CosineDecay":
		s = CosineDecay{InitialLR: r.f("initial_learning_rate"), DecaySteps: r.i("decay_steps"), Alpha: r.f("alpha"),
			WarmupTarget: r.f("warmup_target"), WarmupSteps: r.i("warmup_steps")}
	case "PolynomialDecay":
		s = PolynomialDecay{InitialLR: r.f("initial_learning_rate"), DecaySteps: r.i("decay_steps"), EndLR: r.zf("end_learning_rate"), Power: r.zf("power")}
	case "WarmUp":
		w := WarmUp{Steps: r.i("steps"), InitialLR: r.f("initial_learning_rate")}
		if sub, ok := cfg["after"].(map[string]any); ok {
			a, err := ScheduleFromConfig(sub)
			if err != nil {
				return nil, err
			}
			w.After = a
		}
		s = w
	default:
		return nil, fmt.Errorf("optim: unknown schedule class %q", cls)
	}
	if r.err != nil {
		return nil, r.err
	}
	if v, ok := s.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return nil, fmt.Errorf("optim: %w", err)
		}
	}
	return s, nil
}

// cfgReader reads typed values from a config map, remembering the first
// error.
type cfgReader struct {
	m   map[string]any
	err error
}

func (r *cfgReader) fail(k string, v any, want string) {
	if r.err == nil {
		r.err = fmt.Errorf("optim: config key %q: %v (%T) is not %s", k, v, v, want)
	}
}

func (r *cfgReader) num(k string) (float64, bool) {
	v, ok := r.m[k]
	if !ok || v == nil {
		return 0, false
	}
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	r.fail(k, v, "a number")
	return 0, false
}

// f reads a number where 0 means unset.
func (r *cfgReader) f(k string) float32 { v, _ := r.num(k); return float32(v) }

// zf reads a number where a present 0 means an explicit zero.
func (r *cfgReader) zf(k string) float32 {
	v, ok := r.num(k)
	if ok && v == 0 {
		return Zero
	}
	return float32(v)
}

func (r *cfgReader) i(k string) int { v, _ := r.num(k); return int(v) }

func (r *cfgReader) b(k string) bool {
	v, ok := r.m[k]
	if !ok || v == nil {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		r.fail(k, v, "a bool")
	}
	return b
}

func (r *cfgReader) str(k string) string {
	v, ok := r.m[k]
	if !ok {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		r.fail(k, v, "a string")
	}
	return s
}

func (r *cfgReader) strs(k string) []string {
	v, ok := r.m[k]
	if !ok || v == nil {
		return nil
	}
	switch x := v.(type) {
	case []string:
		return append([]string(nil), x...)
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				r.fail(k, v, "a list of strings")
				return nil
			}
			out = append(out, s)
		}
		return out
	}
	r.fail(k, v, "a list of strings")
	return nil
}

func (r *cfgReader) list(k string) []float64 {
	v, ok := r.m[k]
	if !ok || v == nil {
		return nil
	}
	switch x := v.(type) {
	case []float64:
		return x
	case []int:
		out := make([]float64, len(x))
		for i, e := range x {
			out[i] = float64(e)
		}
		return out
	case []any:
		out := make([]float64, 0, len(x))
		for _, e := range x {
			switch n := e.(type) {
			case float64:
				out = append(out, n)
			case int:
				out = append(out, float64(n))
			default:
				r.fail(k, v, "a list of numbers")
				return nil
			}
		}
		return out
	}
	r.fail(k, v, "a list of numbers")
	return nil
}

func (r *cfgReader) learningRate() (float32, Schedule) {
	v, ok := r.m["learning_rate"]
	if !ok || v == nil {
		return 0, nil
	}
	if sub, ok := v.(map[string]any); ok {
		s, err := ScheduleFromConfig(sub)
		if err != nil && r.err == nil {
			r.err = err
		}
		return 0, s
	}
	return r.zf("learning_rate"), nil
}
