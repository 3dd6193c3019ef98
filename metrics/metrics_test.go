package metrics

import (
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/tensor"
)

func T(data []float32, shape ...int) *tensor.Tensor { return tensor.FromSlice(data, shape...) }

type batch struct{ yTrue, yPred *tensor.Tensor }

func TestMetricsHandComputed(t *testing.T) {
	probs := T([]float32{
		0.1, 0.7, 0.2, // argmax 1
		0.5, 0.3, 0.2, // argmax 0
		0.3, 0.3, 0.4, // argmax 2
		0.4, 0.4, 0.2, // tie -> 0
	}, 4, 3)
	for _, tc := range []struct {
		name    string
		m       Metric
		batches []batch
		want    float64
	}{
		{"sparse acc", NewSparseCategoricalAccuracy(), []batch{{T([]float32{1, 0, 0, 1}, 4), probs}}, 0.5},
		{"sparse acc [B,1]", NewSparseCategoricalAccuracy(), []batch{{T([]float32{1, 0, 2, 0}, 4, 1), probs}}, 1},
		{"sparse acc streaming", NewSparseCategoricalAccuracy(), []batch{
			{T([]float32{1, 0, 0, 1}, 4), probs},
			{T([]float32{2}, 1), T([]float32{0, 0, 1}, 1, 3)},
		}, 3.0 / 5},
		{"categorical acc", NewCategoricalAccuracy(), []batch{{T([]float32{0, 1, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0}, 4, 3), probs}}, 0.75},
		{"binary acc", NewBinaryAccuracy(), []batch{{T([]float32{1, 0, 1, 0, 1}, 5, 1), T([]float32{0.9, 0.2, 0.5, 0.6, 0.51}, 5, 1)}}, 0.6},
		{"binary acc threshold", NewBinaryAccuracyThreshold(0.7), []batch{{T([]float32{1, 0, 1, 0}, 4), T([]float32{0.9, 0.2, 0.6, 0.6}, 4)}}, 0.75},
		{"top2 sparse", NewSparseTopKCategoricalAccuracy(2), []batch{{T([]float32{2, 2, 1, 2}, 4), probs}}, 0.5},
		{"top1 sparse tie", NewSparseTopKCategoricalAccuracy(1), []batch{{T([]float32{1, 0, 2, 1}, 4), probs}}, 1},
		{"top2 categorical", NewTopKCategoricalAccuracy(2), []batch{{T([]float32{0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 1}, 4, 3), probs}}, 0.5},
		{"top5 default", NewSparseTopKCategoricalAccuracy(0), []batch{{T([]float32{2, 2, 1, 2}, 4), probs}}, 1},
		{"precision", NewPrecision(), []batch{{T([]float32{1, 0, 1, 0, 1}, 5), T([]float32{0.9, 0.8, 0.4, 0.6, 0.7}, 5)}}, 2.0 / 4},
		{"recall", NewRecall(), []batch{{T([]float32{1, 0, 1, 0, 1}, 5), T([]float32{0.9, 0.8, 0.4, 0.6, 0.7}, 5)}}, 2.0 / 3},
		{"precision none predicted", NewPrecision(), []batch{{T([]float32{1, 0}, 2), T([]float32{0.1, 0.2}, 2)}}, 0},
		{"auc perfect", NewAUC(), []batch{{T([]float32{0, 0, 1, 1}, 4), T([]float32{0.1, 0.3, 0.6, 0.9}, 4)}}, 1},
		{"auc reversed", NewAUC(), []batch{{T([]float32{1, 1, 0, 0}, 4), T([]float32{0.1, 0.3, 0.6, 0.9}, 4)}}, 0},
		{"auc constant", NewAUC(), []batch{{T([]float32{1, 0, 1, 0}, 4), T([]float32{0.5, 0.5, 0.5, 0.5}, 4)}}, 0.5},
		// One swapped pair out of 4: exact AUC 0.75; the thresholds separate
		// all these values, so the trapezoid is exact.
		{"auc one swap", NewAUC(), []batch{{T([]float32{0, 1, 0, 1}, 4), T([]float32{0.1, 0.3, 0.6, 0.9}, 4)}}, 0.75},
		{"mae", NewMeanAbsoluteError(), []batch{{T([]float32{1, 2, 3, 4}, 2, 2), T([]float32{1.5, 2, 2, 4}, 2, 2)}, {T([]float32{0}, 1, 1), T([]float32{-2.5}, 1, 1)}}, 4.0 / 5},
		{"mse", NewMeanSquaredError(), []batch{{T([]float32{1, 2}, 2), T([]float32{3, 2}, 2)}}, 2},
		{"mean", NewMean(""), []batch{{nil, T([]float32{1, 2, 6}, 3)}}, 3},
	} {
		tc.m.Reset()
		for _, b := range tc.batches {
			tc.m.Update(b.yTrue, b.yPred)
		}
		if got := tc.m.Result(); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: got %g, want %g", tc.name, got, tc.want)
		}
		tc.m.Reset()
		if got := tc.m.Result(); got != 0 {
			t.Errorf("%s: after Reset got %g", tc.name, got)
		}
	}
}

func TestMeanUpdateValue(t *testing.T) {
	m := NewMean("loss")
	m.UpdateValue(2, 32)
	m.UpdateValue(4, 16)
	if got := m.Result(); math.Abs(got-(2*32+4*16)/48.0) > 1e-12 || m.Name() != "loss" {
		t.Errorf("got %g (%s)", got, m.Name())
	}
}

// exactAUC is the Mann-Whitney statistic with ties counted half.
func exactAUC(labels, scores []float32) float64 {
	var pos, neg []float32
	for i, l := range labels {
		if l > 0.5 {
			pos = append(pos, scores[i])
		} else {
			neg = append(neg, scores[i])
		}
	}
	sort.Slice(neg, func(i, j int) bool { return neg[i] < neg[j] })
	var s float64
	for _, p := range pos {
		lo := sort.Search(len(neg), func(i int) bool { return neg[i] >= p })
		hi := sort.Search(len(neg), func(i int) bool { return neg[i] > p })
		s += float64(lo) + 0.5*float64(hi-lo)
	}
	return s / float64(len(pos)*len(neg))
}

func TestAUCApproximatesExact(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	n := 2000
	labels, scores := make([]float32, n), make([]float32, n)
	for i := range labels {
		if r.Float64() < 0.4 {
			labels[i] = 1
		}
		z := r.NormFloat64() + 1.2*float64(labels[i])
		scores[i] = float32(1 / (1 + math.Exp(-z)))
	}
	m := NewAUC()
	// Streaming in uneven batches.
	for lo := 0; lo < n; lo += 333 {
		hi := min(lo+333, n)
		m.Update(T(labels[lo:hi], hi-lo, 1), T(scores[lo:hi], hi-lo, 1))
	}
	got, want := m.Result(), exactAUC(labels, scores)
	if math.Abs(got-want) > 5e-3 {
		t.Errorf("AUC %g, exact %g", got, want)
	}
	// Bucketing agrees with direct comparison against every threshold.
	for i := 0; i < 5000; i++ {
		v := float32(r.Float64()*1.2 - 0.1)
		if i%7 == 0 {
			v = float32(r.IntN(200)) / 199
		}
		b := m.bucket(v)
		cnt := 0
		vc := min(max(v, 0), 1)
		for _, th := range m.thresholds {
			if vc > th {
				cnt++
			}
		}
		if b != cnt-1 {
			t.Fatalf("bucket(%g) = %d, want %d", v, b, cnt-1)
		}
	}
}

func TestByName(t *testing.T) {
	sparseY, probs := T([]float32{1, 0}, 2), T([]float32{0.2, 0.8, 0.6, 0.4}, 2, 2)
	oneHot := T([]float32{0, 1, 0, 1}, 2, 2)
	for _, tc := range []struct {
		name, loss string
		yTrue      *tensor.Tensor
		yPred      *tensor.Tensor
		want       float64
		typ        string
	}{
		{"accuracy", "sparse_categorical_crossentropy", sparseY, probs, 1, "*metrics.SparseCategoricalAccuracy"},
		{"acc", "categorical_crossentropy", oneHot, probs, 0.5, "*metrics.CategoricalAccuracy"},
		{"accuracy", "binary_crossentropy", T([]float32{1, 0}, 2, 1), T([]float32{0.7, 0.7}, 2, 1), 0.5, "*metrics.BinaryAccuracy"},
		{"accuracy", "", sparseY, probs, 1, "auto"},
		{"accuracy", "mse", oneHot, probs, 0.5, "auto"},
		{"accuracy", "", T([]float32{1, 0}, 2, 1), T([]float32{0.7, 0.2}, 2, 1), 1, "auto"},
		{"accuracy", "", T([]float32{1, 0}, 2, 1), probs, 1, "auto"},
		{"mae", "", T([]float32{1, 0}, 2), T([]float32{0.5, 0.5}, 2), 0.5, "*metrics.MeanAbsoluteError"},
		{"mean_squared_error", "", T([]float32{1, 0}, 2), T([]float32{0.5, 0.5}, 2), 0.25, "*metrics.MeanSquaredError"},
		{"top_k_categorical_accuracy", "", oneHot, probs, 1, "*metrics.TopKCategoricalAccuracy"},
		{"sparse_top_k_categorical_accuracy", "", sparseY, probs, 1, "*metrics.SparseTopKCategoricalAccuracy"},
		{"precision", "", T([]float32{1, 0}, 2), T([]float32{0.7, 0.7}, 2), 0.5, "*metrics.Precision"},
		{"recall", "", T([]float32{1, 0}, 2), T([]float32{0.7, 0.7}, 2), 1, "*metrics.Recall"},
		{"auc", "", T([]float32{1, 0}, 2), T([]float32{0.7, 0.3}, 2), 1, "*metrics.AUC"},
		{"binary_accuracy", "", T([]float32{1, 0}, 2), T([]float32{0.7, 0.3}, 2), 1, "*metrics.BinaryAccuracy"},
		{"categorical_accuracy", "", oneHot, probs, 0.5, "*metrics.CategoricalAccuracy"},
		{"sparse_categorical_accuracy", "", sparseY, probs, 1, "*metrics.SparseCategoricalAccuracy"},
	} {
		m, err := ByName(tc.name, tc.loss)
		if err != nil {
			t.Fatal(err)
		}
		if m.Name() != tc.name {
			t.Errorf("%s: Name() = %q", tc.name, m.Name())
		}
		m.Update(tc.yTrue, tc.yPred)
		if got := m.Result(); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s/%s: got %g, want %g", tc.name, tc.loss, got, tc.want)
		}
	}
	if _, err := ByName("f1", ""); err == nil {
		t.Error("unknown metric: no error")
	}
}

func TestMetricShapeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"sparse id range", func() {
			NewSparseCategoricalAccuracy().Update(T([]float32{3}, 1), T([]float32{0.1, 0.9, 0}, 1, 3))
		}, "class id 3 is not an integer in [0, 3)"},
		{"sparse id fraction", func() {
			NewSparseTopKCategoricalAccuracy(1).Update(T([]float32{0.5}, 1), T([]float32{0.1, 0.9}, 1, 2))
		}, "class id 0.5"},
		{"sparse count", func() {
			NewSparseCategoricalAccuracy().Update(T([]float32{0, 1, 1}, 3), T([]float32{0.1, 0.9}, 1, 2))
		}, "one class id per row"},
		{"size", func() { NewBinaryAccuracy().Update(T([]float32{1, 0}, 2), T([]float32{0.5}, 1)) }, "differ in size"},
	} {
		func() {
			defer func() {
				r := recover()
				e, ok := r.(*tensor.ShapeError)
				if !ok || !strings.Contains(e.Error(), tc.want) {
					t.Errorf("%s: panic %v, want *tensor.ShapeError with %q", tc.name, r, tc.want)
				}
			}()
			tc.f()
		}()
	}
}
