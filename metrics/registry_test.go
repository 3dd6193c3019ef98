package metrics

import (
	"math"
	"testing"

	"github.com/tensile-ml/tensile/tensor"
)

// countMetric is a user metric registered in TestRegisterCustom: it counts
// the samples seen.
type countMetric struct {
	name string
	n    float64
}

func (m *countMetric) Name() string                       { return m.name }
func (m *countMetric) Update(yTrue, yPred *tensor.Tensor) { m.n += float64(yTrue.Shape()[0]) }
func (m *countMetric) Result() float64                    { return m.n }
func (m *countMetric) Reset()                             { m.n = 0 }

func TestRegisterCustom(t *testing.T) {
	Register("sample_count", func(s Spec) (Metric, error) { return &countMetric{name: s.Name}, nil }, "count")
	m, err := ByName("Count", "")
	if err != nil || m.Name() != "Count" {
		t.Fatalf("ByName(Count) = %v, %v", m, err)
	}
	m.Update(T([]float32{1, 2, 3}, 3), T([]float32{1, 2, 3}, 3))
	if m.Result() != 3 {
		t.Errorf("count = %g", m.Result())
	}
	defer func() {
		if recover() == nil {
			t.Error("registering count twice did not panic")
		}
	}()
	Register("COUNT", func(Spec) (Metric, error) { return nil, nil })
}

func TestFromConfigKeras(t *testing.T) {
	sparseY := T([]float32{2, 0}, 2)
	probs := T([]float32{0.1, 0.5, 0.4, 0.2, 0.3, 0.5}, 2, 3)
	for _, tc := range []struct {
		cfg    map[string]any
		name   string
		yT, yP *tensor.Tensor
		want   float64
	}{
		// k = 2: class 2 (0.4) is in the top 2 of row 0; class 0 (0.2) is not in row 1.
		{map[string]any{"class_name": "SparseTopKCategoricalAccuracy", "config": map[string]any{"name": "top2", "k": 2}}, "top2", sparseY, probs, 0.5},
		{map[string]any{"class_name": "SparseTopKCategoricalAccuracy", "config": map[string]any{"k": 3.0}}, "SparseTopKCategoricalAccuracy", sparseY, probs, 1},
		{map[string]any{"class_name": "BinaryAccuracy", "config": map[string]any{"threshold": 0.8}}, "BinaryAccuracy", T([]float32{1, 0}, 2), T([]float32{0.7, 0.3}, 2), 0.5},
		{map[string]any{"class_name": "AUC", "config": map[string]any{"num_thresholds": 50}}, "AUC", T([]float32{1, 0}, 2), T([]float32{0.7, 0.3}, 2), 1},
	} {
		m, err := FromConfig(tc.cfg, "")
		if err != nil {
			t.Fatalf("%v: %v", tc.cfg, err)
		}
		if m.Name() != tc.name {
			t.Errorf("%v: name %q, want %q", tc.cfg, m.Name(), tc.name)
		}
		m.Update(tc.yT, tc.yP)
		if got := m.Result(); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%v: result %g, want %g", tc.cfg, got, tc.want)
		}
	}
	for _, cfg := range []map[string]any{
		{}, {"class_name": "F1Score"}, {"class_name": "AUC", "config": 1},
		{"class_name": "AUC", "config": map[string]any{"num_thresholds": 1}},
		{"class_name": "Precision", "config": map[string]any{"threshold": 2}},
		{"class_name": "TopKCategoricalAccuracy", "config": map[string]any{"k": 0.5}},
		{"class_name": "TopKCategoricalAccuracy", "config": map[string]any{"k": "x"}},
	} {
		if _, err := FromConfig(cfg, ""); err == nil {
			t.Errorf("FromConfig(%v): no error", cfg)
		}
	}
}
