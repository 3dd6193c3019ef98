package metrics

import (
	"encoding/json"
	"testing"
)

// FuzzFromConfig feeds Keras metric configs: FromConfig returns a metric or
// an error and never panics.
func FuzzFromConfig(f *testing.F) {
	for _, s := range []string{
		`{"class_name": "SparseTopKCategoricalAccuracy", "config": {"name": "top3", "k": 3}}`,
		`{"class_name": "AUC", "config": {"num_thresholds": 50}}`,
		`{"class_name": "Precision", "config": {"threshold": 0.3}}`,
		`{"class_name": "accuracy"}`,
	} {
		f.Add([]byte(s), "sparse_categorical_crossentropy")
	}
	f.Fuzz(func(t *testing.T, b []byte, loss string) {
		var m map[string]any
		if json.Unmarshal(b, &m) != nil {
			return
		}
		if mt, err := FromConfig(m, loss); err == nil && mt.Name() == "" {
			t.Fatalf("metric from %s has no name", b)
		}
	})
}
