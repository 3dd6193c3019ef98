package losses

import (
	"fmt"
	"strings"
)

// ByName returns the loss for a Keras name or alias, with default options
// (probabilities, not logits): "mean_squared_error" / "mse",
// "mean_absolute_error" / "mae", "huber" / "huber_loss",
// "binary_crossentropy", "categorical_crossentropy",
// "sparse_categorical_crossentropy", or a Keras class name such as
// "SparseCategoricalCrossentropy". Matching ignores case.
func ByName(name string) (Loss, error) {
	switch strings.ToLower(name) {
	case "mean_squared_error", "mse", "meansquarederror":
		return NewMeanSquaredError(), nil
	case "mean_absolute_error", "mae", "meanabsoluteerror":
		return NewMeanAbsoluteError(), nil
	case "huber", "huber_loss", "huberloss":
		return NewHuber(1), nil
	case "binary_crossentropy", "binarycrossentropy":
		return NewBinaryCrossentropy(Options{}), nil
	case "categorical_crossentropy", "categoricalcrossentropy":
		return NewCategoricalCrossentropy(Options{}), nil
	case "sparse_categorical_crossentropy", "sparsecategoricalcrossentropy":
		return NewSparseCategoricalCrossentropy(Options{}), nil
	}
	return nil, fmt.Errorf("losses: unknown loss %q (want e.g. mse, mae, huber, binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy)", name)
}

// FromConfig rebuilds a loss from the output of its Config method (numbers
// may be float64 after a JSON round trip).
func FromConfig(cfg map[string]any) (Loss, error) {
	name, _ := cfg["name"].(string)
	l, err := ByName(name)
	if err != nil {
		return nil, err
	}
	num := func(k string) (float32, error) {
		switch v := cfg[k].(type) {
		case nil:
			return 0, nil
		case float64:
			return float32(v), nil
		case float32:
			return v, nil
		case int:
			return float32(v), nil
		}
		return 0, fmt.Errorf("losses: config key %q: %v is not a number", k, cfg[k])
	}
	var o Options
	if v, ok := cfg["from_logits"]; ok && v != nil {
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("losses: config key \"from_logits\": %v is not a bool", v)
		}
		o.FromLogits = b
	}
	ls, err := num("label_smoothing")
	if err != nil {
		return nil, err
	}
	if !(ls >= 0 && ls <= 1) {
		return nil, fmt.Errorf("losses: label smoothing %g must be in [0, 1]", ls)
	}
	o.LabelSmoothing = ls
	switch l.(type) {
	case *Huber:
		d, err := num("delta")
		if err != nil {
			return nil, err
		}
		return NewHuber(d), nil
	case *BinaryCrossentropy:
		return NewBinaryCrossentropy(o), nil
	case *CategoricalCrossentropy:
		return NewCategoricalCrossentropy(o), nil
	case *SparseCategoricalCrossentropy:
		return NewSparseCategoricalCrossentropy(o), nil
	}
	return l, nil
}
