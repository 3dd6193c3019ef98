package optim

import (
	"fmt"

	"github.com/tensile-ml/tensile/internal/registry"
)

// Factory builds an optimizer from a config map: the keys an optimizer's
// Config returns (Keras's get_config names: "learning_rate", "beta_1", ...).
// Missing or null keys take the defaults, so a factory called with an
// empty map gives the optimizer with its default hyperparameters.
type Factory func(config map[string]any) (Optimizer, error)

var registered = registry.New[Factory]("optim", "optimizer")

// Register makes an optimizer available to ByName and FromConfig under name
// (matched ignoring case and underscores). Registering an empty name, a nil factory or a name
// twice panics, as nn.Register does. Call it from an init function.
func Register(name string, f Factory) {
	if name == "" || f == nil {
		panic("optim: Register needs a name and a factory")
	}
	registered.Register(name, f)
}

// Names returns the registered optimizer names, sorted.
func Names() []string { return registered.Names() }

func lookup(name string) (Factory, error) { return registered.Lookup(name) }

// ByName returns an optimizer with its default hyperparameters for a
// registered name, matched ignoring case: the built-in "sgd", "adam",
// "adamw", "rmsprop", "adagrad" and "lazy_adam" (Adam with Lazy set), so
// Keras's class names "Adam", "SGD" ... work too, or a name added with
// Register.
func ByName(name string) (Optimizer, error) {
	f, err := lookup(name)
	if err != nil {
		return nil, err
	}
	return f(map[string]any{})
}

// FromConfig rebuilds an optimizer from a config map. Two forms are
// accepted: the output of an optimizer's Config method, whose "name" key
// selects the factory, and Keras's serialized form
// {"class_name": "Adam", "config": {...}}. After a JSON round trip numbers
// may be float64 or int; both are accepted. Schedules are rebuilt from their
// Config as well.
func FromConfig(cfg map[string]any) (Optimizer, error) {
	name := ""
	if cls, ok := cfg["class_name"]; ok {
		s, ok := cls.(string)
		if !ok {
			return nil, fmt.Errorf("optim: FromConfig: class_name %v (%T) is not a string", cls, cls)
		}
		name = s
		sub, ok := cfg["config"].(map[string]any)
		if !ok && cfg["config"] != nil {
			return nil, fmt.Errorf("optim: FromConfig: %s: config is %T, not an object", s, cfg["config"])
		}
		if sub == nil {
			sub = map[string]any{}
		}
		cfg = sub
	} else {
		r := cfgReader{m: cfg}
		name = r.str("name")
		if r.err != nil {
			return nil, r.err
		}
		if name == "" {
			return nil, fmt.Errorf("optim: FromConfig: the config has neither \"class_name\" nor \"name\"")
		}
	}
	f, err := lookup(name)
	if err != nil {
		return nil, fmt.Errorf("optim: FromConfig: %w", err)
	}
	return f(cfg)
}

// DecodeBaseConfig reads the settings every optimizer shares from a config
// map (the keys baseConfig writes: "learning_rate" as a number or a
// schedule config, "clipnorm", "global_clipnorm", "clipvalue",
// "weight_decay", "exclude_from_weight_decay"). A factory for a user's
// optimizer calls it to honour them. A key present with value 0 reads as
// Zero (an explicit zero).
func DecodeBaseConfig(cfg map[string]any) (BaseConfig, error) {
	r := cfgReader{m: cfg}
	b := r.base()
	return b, r.err
}

func (r *cfgReader) base() BaseConfig {
	lr, sched := r.learningRate()
	return BaseConfig{LearningRate: lr, Schedule: sched,
		ClipNorm: r.zf("clipnorm"), GlobalClipNorm: r.zf("global_clipnorm"), ClipValue: r.zf("clipvalue"),
		WeightDecay: r.zf("weight_decay"), ExcludeFromWeightDecay: r.strs("exclude_from_weight_decay")}
}

// builtin registers a built-in optimizer: read decodes the config with r,
// and a decoding error wins over the constructor's.
func builtin(name string, read func(r *cfgReader) (Optimizer, error)) {
	Register(name, func(cfg map[string]any) (Optimizer, error) {
		r := &cfgReader{m: cfg}
		o, err := read(r)
		if r.err != nil {
			return nil, r.err
		}
		if err != nil {
			return nil, err
		}
		return o, nil
	})
}

func init() {
	builtin("sgd", func(r *cfgReader) (Optimizer, error) {
		return NewSGD(SGDConfig{BaseConfig: r.base(), Momentum: r.zf("momentum"), Nesterov: r.b("nesterov"), Lazy: r.b("lazy")})
	})
	adam := func(r *cfgReader) AdamConfig {
		return AdamConfig{BaseConfig: r.base(), Beta1: r.zf("beta_1"), Beta2: r.zf("beta_2"), Epsilon: r.zf("epsilon"), AMSGrad: r.b("amsgrad"),
			Lazy: r.b("lazy")}
	}
	builtin("adam", func(r *cfgReader) (Optimizer, error) { return NewAdam(adam(r)) })
	builtin("adamw", func(r *cfgReader) (Optimizer, error) { return NewAdamW(AdamWConfig(adam(r))) })
	// TensorFlow Addons' LazyAdam: Adam with Lazy set (its Config says
	// "adam" with "lazy": true).
	builtin("lazy_adam", func(r *cfgReader) (Optimizer, error) {
		c := adam(r)
		if _, set := r.m["lazy"]; !set {
			c.Lazy = true
		}
		return NewAdam(c)
	})
	builtin("rmsprop", func(r *cfgReader) (Optimizer, error) {
		return NewRMSprop(RMSpropConfig{BaseConfig: r.base(), Rho: r.zf("rho"), Momentum: r.zf("momentum"),
			Epsilon: r.zf("epsilon"), Centered: r.b("centered")})
	})
	builtin("adagrad", func(r *cfgReader) (Optimizer, error) {
		return NewAdagrad(AdagradConfig{BaseConfig: r.base(), InitialAccumulatorValue: r.zf("initial_accumulator_value"),
			Epsilon: r.zf("epsilon")})
	})
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
