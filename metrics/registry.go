package metrics

import (
	"fmt"
	"strings"
)

// ByName returns a fresh metric for a Keras name, reporting under that name.
// "accuracy" and "acc" resolve like Keras: with lossName
// "sparse_categorical_crossentropy" to SparseCategoricalAccuracy, with
// "categorical_crossentropy" to CategoricalAccuracy, with
// "binary_crossentropy" to BinaryAccuracy, and otherwise from the shapes of
// the first batch (see Keras 3's compile utilities). Other names:
// sparse_categorical_accuracy, categorical_accuracy, binary_accuracy,
// sparse_top_k_categorical_accuracy, top_k_categorical_accuracy (k = 5),
// precision, recall, auc, mae / mean_absolute_error, mse /
// mean_squared_error.
func ByName(name, lossName string) (Metric, error) {
	var m Metric
	switch strings.ToLower(name) {
	case "accuracy", "acc":
		switch strings.ToLower(lossName) {
		case "sparse_categorical_crossentropy":
			m = &SparseCategoricalAccuracy{name: name}
		case "categorical_crossentropy":
			m = &CategoricalAccuracy{name: name}
		case "binary_crossentropy":
			m = &BinaryAccuracy{name: name, threshold: 0.5}
		default:
			m = &autoAccuracy{name: name}
		}
	case "sparse_categorical_accuracy":
		m = &SparseCategoricalAccuracy{name: name}
	case "categorical_accuracy":
		m = &CategoricalAccuracy{name: name}
	case "binary_accuracy":
		m = &BinaryAccuracy{name: name, threshold: 0.5}
	case "sparse_top_k_categorical_accuracy":
		t := NewSparseTopKCategoricalAccuracy(5)
		t.name = name
		m = t
	case "top_k_categorical_accuracy":
		t := NewTopKCategoricalAccuracy(5)
		t.name = name
		m = t
	case "precision":
		m = &Precision{name: name, threshold: 0.5}
	case "recall":
		m = &Recall{name: name, threshold: 0.5}
	case "auc":
		a := NewAUC()
		a.name = name
		m = a
	case "mae", "mean_absolute_error":
		m = &MeanAbsoluteError{name: name}
	case "mse", "mean_squared_error":
		m = &MeanSquaredError{name: name}
	default:
		return nil, fmt.Errorf("metrics: unknown metric %q", name)
	}
	return m, nil
}
