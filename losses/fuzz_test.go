package losses

import (
	"encoding/json"
	"testing"
)

// FuzzFromConfig feeds loss configs as a saved model or a spec file would
// carry them: FromConfig returns a loss or an error, never panics, and a
// loss it returns round-trips through its Config.
func FuzzFromConfig(f *testing.F) {
	for _, s := range []string{
		`{"name": "sparse_categorical_crossentropy", "from_logits": true}`,
		`{"class_name": "Huber", "config": {"delta": 2}}`,
		`{"class_name": "BinaryCrossentropy", "config": {"label_smoothing": 0.1, "reduction": "sum_over_batch_size"}}`,
		`{"name": "mse"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m map[string]any
		if json.Unmarshal(b, &m) != nil {
			return
		}
		l, err := FromConfig(m)
		if err != nil {
			return
		}
		if _, err := FromConfig(l.Config()); err != nil {
			t.Fatalf("Config %v does not round-trip: %v", l.Config(), err)
		}
	})
}
