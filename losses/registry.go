package losses

import (
	"fmt"

	"github.com/tensile-ml/tensile/internal/registry"
)

// Factory builds a loss from a config map: the keys a loss's Config
// returns ("from_logits", "label_smoothing", "delta", ...). Missing or null
// keys take the defaults, so a factory called with an empty map gives the
// loss with its default options; unknown keys (such as Keras's "reduction")
// are ignored.
type Factory func(config map[string]any) (Loss, error)

var registered = registry.New[Factory]("losses", "loss")

// Register makes a loss available to ByName and FromConfig under name and
// any aliases. Names match ignoring case and underscores. Registering an
// empty name, a nil factory or a name twice panics, as nn.Register does.
// Call it from an init function.
func Register(name string, f Factory, aliases ...string) {
	if name == "" || f == nil {
		panic("losses: Register needs a name and a factory")
	}
	registered.Register(name, f, aliases...)
}

// Names returns the registered names and aliases, sorted.
func Names() []string { return registered.Names() }

func lookup(name string) (Factory, error) { return registered.Lookup(name) }

// ByName returns the loss for a registered name or alias, with default
// options (probabilities, not logits). Built in: "mean_squared_error" /
// "mse", "mean_absolute_error" / "mae", "huber" / "huber_loss",
// "binary_crossentropy", "categorical_crossentropy",
// "sparse_categorical_crossentropy". Matching ignores case and underscores,
// so Keras class names such as "SparseCategoricalCrossentropy" work too.
func ByName(name string) (Loss, error) {
	f, err := lookup(name)
	if err != nil {
		return nil, err
	}
	return f(map[string]any{})
}

// FromConfig rebuilds a loss from the output of its Config method (its
// "name" key selects the factory) or from Keras's serialized form
// {"class_name": "SparseCategoricalCrossentropy", "config": {...}}.
// Numbers may be float64 after a JSON round trip.
func FromConfig(cfg map[string]any) (Loss, error) {
	var name string
	if cls, ok := cfg["class_name"]; ok {
		s, ok := cls.(string)
		if !ok {
			return nil, fmt.Errorf("losses: FromConfig: class_name %v (%T) is not a string", cls, cls)
		}
		sub, ok := cfg["config"].(map[string]any)
		if !ok && cfg["config"] != nil {
			return nil, fmt.Errorf("losses: FromConfig: %s: config is %T, not an object", s, cfg["config"])
		}
		if sub == nil {
			sub = map[string]any{}
		}
		name, cfg = s, sub
	} else {
		s, ok := cfg["name"].(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("losses: FromConfig: the config has neither \"class_name\" nor a \"name\" string")
		}
		name = s
	}
	f, err := lookup(name)
	if err != nil {
		return nil, err
	}
	return f(cfg)
}

// ConfigNumber reads the number cfg[key] for a Factory: 0 when the key is
// missing or null, an error naming the key when it is not a number.
func ConfigNumber(cfg map[string]any, key string) (float32, error) {
	switch v := cfg[key].(type) {
	case nil:
		return 0, nil
	case float64:
		return float32(v), nil
	case float32:
		return v, nil
	case int:
		return float32(v), nil
	}
	return 0, fmt.Errorf("losses: config key %q: %v is not a number", key, cfg[key])
}

// options reads the cross-entropy options.
func options(cfg map[string]any) (Options, error) {
	var o Options
	if v, ok := cfg["from_logits"]; ok && v != nil {
		b, ok := v.(bool)
		if !ok {
			return o, fmt.Errorf("losses: config key \"from_logits\": %v is not a bool", v)
		}
		o.FromLogits = b
	}
	ls, err := ConfigNumber(cfg, "label_smoothing")
	if err != nil {
		return o, err
	}
	if !(ls >= 0 && ls <= 1) {
		return o, fmt.Errorf("losses: label smoothing %g must be in [0, 1]", ls)
	}
	o.LabelSmoothing = ls
	return o, nil
}

func xent[L Loss](mk func(Options) L) Factory {
	return func(cfg map[string]any) (Loss, error) {
		o, err := options(cfg)
		if err != nil {
			return nil, err
		}
		return mk(o), nil
	}
}

func init() {
	Register("mean_squared_error", func(map[string]any) (Loss, error) { return NewMeanSquaredError(), nil }, "mse")
	Register("mean_absolute_error", func(map[string]any) (Loss, error) { return NewMeanAbsoluteError(), nil }, "mae")
	Register("huber", func(cfg map[string]any) (Loss, error) {
		d, err := ConfigNumber(cfg, "delta")
		if err != nil {
			return nil, err
		}
		if d < 0 {
			return nil, fmt.Errorf("losses: huber: delta %g must be > 0", d)
		}
		return NewHuber(d), nil
	}, "huber_loss")
	Register("binary_crossentropy", xent(NewBinaryCrossentropy))
	Register("categorical_crossentropy", xent(NewCategoricalCrossentropy))
	Register("sparse_categorical_crossentropy", xent(NewSparseCategoricalCrossentropy))
}
