package metrics

import (
	"fmt"
	"strings"

	"github.com/tensile-ml/tensile/internal/registry"
)

// Spec is what a metric Factory receives: the name the metric reports
// under, the name of the compiled loss (so that "accuracy" can pick the
// matching variant, as Keras's compile does; may be empty) and options
// from a Keras config ("k", "threshold", "num_thresholds"; may be empty).
type Spec struct {
	Name   string
	Loss   string
	Config map[string]any
}

// Factory builds a fresh metric from a Spec.
type Factory func(s Spec) (Metric, error)

var registered = registry.New[Factory]("metrics", "metric")

// Register makes a metric available to ByName and FromConfig under name and
// any aliases (matched ignoring case and underscores). Registering an empty
// name, a nil factory or a name twice panics, as nn.Register does. Call it
// from an init function.
func Register(name string, f Factory, aliases ...string) {
	if name == "" || f == nil {
		panic("metrics: Register needs a name and a factory")
	}
	registered.Register(name, f, aliases...)
}

// Names returns the registered names and aliases, sorted.
func Names() []string { return registered.Names() }

func build(key string, s Spec) (Metric, error) {
	f, err := registered.Lookup(key)
	if err != nil {
		return nil, err
	}
	if s.Config == nil {
		s.Config = map[string]any{}
	}
	return f(s)
}

// ByName returns a fresh metric for a registered name, reporting under that
// name. "accuracy" and "acc" resolve like Keras: with lossName
// "sparse_categorical_crossentropy" to SparseCategoricalAccuracy, with
// "categorical_crossentropy" to CategoricalAccuracy, with
// "binary_crossentropy" to BinaryAccuracy, and otherwise from the shapes of
// the first batch (see Keras 3's compile utilities). Other built-in names:
// sparse_categorical_accuracy, categorical_accuracy, binary_accuracy,
// sparse_top_k_categorical_accuracy, top_k_categorical_accuracy (k = 5),
// precision, recall, auc, mae / mean_absolute_error, mse /
// mean_squared_error. Names match ignoring case and underscores, so Keras
// class names ("SparseCategoricalAccuracy", "AUC") work too.
func ByName(name, lossName string) (Metric, error) {
	return build(name, Spec{Name: name, Loss: lossName})
}

// FromConfig builds a metric from Keras's serialized form,
// {"class_name": "SparseTopKCategoricalAccuracy", "config": {"name": "top3", "k": 3}}:
// the class selects the factory, config's "name" (default: the class name)
// is the name it reports under, and the other keys are its options.
func FromConfig(cfg map[string]any, lossName string) (Metric, error) {
	cls, ok := cfg["class_name"].(string)
	if !ok || cls == "" {
		return nil, fmt.Errorf("metrics: FromConfig: the config has no \"class_name\" string")
	}
	sub, ok := cfg["config"].(map[string]any)
	if !ok && cfg["config"] != nil {
		return nil, fmt.Errorf("metrics: FromConfig: %s: config is %T, not an object", cls, cfg["config"])
	}
	name := cls
	if n, ok := sub["name"].(string); ok && n != "" {
		name = n
	}
	return build(cls, Spec{Name: name, Loss: lossName, Config: sub})
}

// Number reads the option key from s.Config: def when it is missing or
// null, an error naming the metric and key when it is not a number.
func (s Spec) Number(key string, def float64) (float64, error) {
	switch v := s.Config[key].(type) {
	case nil:
		return def, nil
	case float64:
		return v, nil
	case float32:
		return float64(v), nil
	case int:
		return float64(v), nil
	}
	return 0, fmt.Errorf("metrics: %s: option %q: %v is not a number", s.Name, key, s.Config[key])
}

// threshold reads a threshold option in [0, 1].
func (s Spec) threshold() (float32, error) {
	th, err := s.Number("threshold", 0.5)
	if err == nil && !(th >= 0 && th <= 1) {
		err = fmt.Errorf("metrics: %s: threshold %g must be in [0, 1]", s.Name, th)
	}
	return float32(th), err
}

// topK reads the "k" option (default 5).
func (s Spec) topK() (int, error) {
	k, err := s.Number("k", 5)
	if err == nil && (k < 1 || k != float64(int(k)) || k > 1<<20) {
		err = fmt.Errorf("metrics: %s: k %g must be a positive integer", s.Name, k)
	}
	return int(k), err
}

func init() {
	Register("accuracy", func(s Spec) (Metric, error) {
		switch strings.ToLower(s.Loss) {
		case "sparse_categorical_crossentropy":
			return &SparseCategoricalAccuracy{name: s.Name}, nil
		case "categorical_crossentropy":
			return &CategoricalAccuracy{name: s.Name}, nil
		case "binary_crossentropy":
			return &BinaryAccuracy{name: s.Name, threshold: 0.5}, nil
		}
		return &autoAccuracy{name: s.Name}, nil
	}, "acc")
	Register("sparse_categorical_accuracy", func(s Spec) (Metric, error) {
		return &SparseCategoricalAccuracy{name: s.Name}, nil
	})
	Register("categorical_accuracy", func(s Spec) (Metric, error) {
		return &CategoricalAccuracy{name: s.Name}, nil
	})
	Register("binary_accuracy", func(s Spec) (Metric, error) {
		th, err := s.threshold()
		return &BinaryAccuracy{name: s.Name, threshold: th}, err
	})
	Register("sparse_top_k_categorical_accuracy", func(s Spec) (Metric, error) {
		k, err := s.topK()
		return &SparseTopKCategoricalAccuracy{name: s.Name, k: k}, err
	})
	Register("top_k_categorical_accuracy", func(s Spec) (Metric, error) {
		k, err := s.topK()
		return &TopKCategoricalAccuracy{name: s.Name, k: k}, err
	})
	Register("precision", func(s Spec) (Metric, error) {
		th, err := s.threshold()
		return &Precision{name: s.Name, threshold: th}, err
	})
	Register("recall", func(s Spec) (Metric, error) {
		th, err := s.threshold()
		return &Recall{name: s.Name, threshold: th}, err
	})
	Register("auc", func(s Spec) (Metric, error) {
		n, err := s.Number("num_thresholds", 200)
		if err == nil && (n < 3 || n > 1<<20 || n != float64(int(n))) {
			err = fmt.Errorf("metrics: %s: num_thresholds %g must be an integer in [3, 2^20]", s.Name, n)
		}
		if err != nil {
			return nil, err
		}
		a := NewAUCThresholds(int(n))
		a.name = s.Name
		return a, nil
	})
	Register("mean_absolute_error", func(s Spec) (Metric, error) { return &MeanAbsoluteError{name: s.Name}, nil }, "mae")
	Register("mean_squared_error", func(s Spec) (Metric, error) { return &MeanSquaredError{name: s.Name}, nil }, "mse")
}
