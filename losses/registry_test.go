package losses

import (
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/tensor"
)

// scaledMSE is a user loss registered in TestRegisterCustom.
type scaledMSE struct{ k float32 }

func (l scaledMSE) PerSample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return tensor.MulScalar(NewMeanSquaredError().PerSample(yTrue, yPred), l.k)
}
func (l scaledMSE) Name() string { return "scaled_mse" }
func (l scaledMSE) Config() map[string]any {
	return map[string]any{"name": l.Name(), "k": float64(l.k)}
}

func TestRegisterCustom(t *testing.T) {
	Register("scaled_mse", func(cfg map[string]any) (Loss, error) {
		k, err := ConfigNumber(cfg, "k")
		if k == 0 {
			k = 1
		}
		return scaledMSE{k}, err
	}, "smse")
	l, err := FromConfig(scaledMSE{3}.Config())
	if err != nil || l.(scaledMSE).k != 3 {
		t.Fatalf("FromConfig round trip: %v, %v", l, err)
	}
	for _, n := range []string{"SMSE", "ScaledMSE", "scaled_mse"} {
		if l, err := ByName(n); err != nil || l.(scaledMSE).k != 1 {
			t.Errorf("ByName(%q) = %v, %v", n, l, err)
		}
	}
	if _, err := FromConfig(map[string]any{"name": "smse", "k": "x"}); err == nil || !strings.Contains(err.Error(), `"k"`) {
		t.Errorf("bad k: error %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering smse twice did not panic")
		}
	}()
	Register("S_MSE", func(map[string]any) (Loss, error) { return nil, nil })
}

func TestKerasSerializedLoss(t *testing.T) {
	for _, tc := range []struct {
		cfg  map[string]any
		want map[string]any
	}{
		{map[string]any{"class_name": "SparseCategoricalCrossentropy", "config": map[string]any{
			"name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size", "from_logits": true, "ignore_class": nil}},
			map[string]any{"name": "sparse_categorical_crossentropy", "from_logits": true}},
		{map[string]any{"class_name": "Huber", "config": map[string]any{"delta": 2.5}},
			map[string]any{"name": "huber", "delta": 2.5}},
		{map[string]any{"class_name": "MeanSquaredError"}, map[string]any{"name": "mean_squared_error"}},
	} {
		l, err := FromConfig(tc.cfg)
		if err != nil {
			t.Fatalf("%v: %v", tc.cfg, err)
		}
		c := l.Config()
		for k, v := range tc.want {
			if c[k] != v {
				t.Errorf("%v: %s = %v, want %v", tc.cfg, k, c[k], v)
			}
		}
	}
	for _, cfg := range []map[string]any{
		{}, {"class_name": 1}, {"class_name": "Huber", "config": 2}, {"class_name": "KLDivergence"},
		{"class_name": "Huber", "config": map[string]any{"delta": -1.0}},
		{"name": "binary_crossentropy", "label_smoothing": 2.0},
	} {
		if _, err := FromConfig(cfg); err == nil {
			t.Errorf("FromConfig(%v): no error", cfg)
		}
	}
}
