package metrics

import (
	"github.com/tensile-ml/tensile/internal/floats"
	"github.com/tensile-ml/tensile/tensor"
)

// SparseCategoricalAccuracy is the fraction of rows whose largest
// prediction is at the true class id. yPred is [..., C]; yTrue holds class
// ids as float32, shape [...] or [..., 1]. An id that is not an integer in
// [0, C) panics with a *tensor.ShapeError.
type SparseCategoricalAccuracy struct {
	name string
	meanState
}

// NewSparseCategoricalAccuracy returns the metric named
// "sparse_categorical_accuracy".
func NewSparseCategoricalAccuracy() *SparseCategoricalAccuracy {
	return &SparseCategoricalAccuracy{name: "sparse_categorical_accuracy"}
}

// Name returns the metric's name.
func (m *SparseCategoricalAccuracy) Name() string { return m.name }

// Update adds a batch.
func (m *SparseCategoricalAccuracy) Update(yTrue, yPred *tensor.Tensor) {
	ids, c, n := sparseIDs("SparseCategoricalAccuracy", yTrue, yPred)
	p := yPred.Data()
	for i := 0; i < n; i++ {
		if floats.ArgMax(p[i*c:(i+1)*c]) == int(ids[i]) {
			m.sum++
		}
	}
	m.count += float64(n)
}

// CategoricalAccuracy is the fraction of rows whose largest prediction is at
// the largest target (one-hot targets). yTrue and yPred are [..., C].
type CategoricalAccuracy struct {
	name string
	meanState
}

// NewCategoricalAccuracy returns the metric named "categorical_accuracy".
func NewCategoricalAccuracy() *CategoricalAccuracy {
	return &CategoricalAccuracy{name: "categorical_accuracy"}
}

// Name returns the metric's name.
func (m *CategoricalAccuracy) Name() string { return m.name }

// Update adds a batch.
func (m *CategoricalAccuracy) Update(yTrue, yPred *tensor.Tensor) {
	t, p := sameSize("CategoricalAccuracy", yTrue, yPred)
	c, n := classes("CategoricalAccuracy", yPred)
	for i := 0; i < n; i++ {
		if floats.ArgMax(p[i*c:(i+1)*c]) == floats.ArgMax(t[i*c:(i+1)*c]) {
			m.sum++
		}
	}
	m.count += float64(n)
}

// BinaryAccuracy is the fraction of elements where (yPred > Threshold)
// equals the target (0 or 1). yTrue and yPred have the same size.
type BinaryAccuracy struct {
	name      string
	threshold float32
	meanState
}

// NewBinaryAccuracy returns the metric named "binary_accuracy" with
// threshold 0.5.
func NewBinaryAccuracy() *BinaryAccuracy { return NewBinaryAccuracyThreshold(0.5) }

// NewBinaryAccuracyThreshold returns a binary accuracy with the given
// threshold.
func NewBinaryAccuracyThreshold(threshold float32) *BinaryAccuracy {
	return &BinaryAccuracy{name: "binary_accuracy", threshold: threshold}
}

// Name returns the metric's name.
func (m *BinaryAccuracy) Name() string { return m.name }

// Update adds a batch.
func (m *BinaryAccuracy) Update(yTrue, yPred *tensor.Tensor) {
	t, p := sameSize("BinaryAccuracy", yTrue, yPred)
	for i, v := range p {
		var pred float32
		if v > m.threshold {
			pred = 1
		}
		if pred == t[i] {
			m.sum++
		}
	}
	m.count += float64(len(p))
}

// SparseTopKCategoricalAccuracy is the fraction of rows whose true class id
// is among the K largest predictions (ties count in the class's favour).
type SparseTopKCategoricalAccuracy struct {
	name string
	k    int
	meanState
}

// NewSparseTopKCategoricalAccuracy returns the metric named
// "sparse_top_k_categorical_accuracy"; k < 1 means Keras's default 5.
func NewSparseTopKCategoricalAccuracy(k int) *SparseTopKCategoricalAccuracy {
	if k < 1 {
		k = 5
	}
	return &SparseTopKCategoricalAccuracy{name: "sparse_top_k_categorical_accuracy", k: k}
}

// Name returns the metric's name.
func (m *SparseTopKCategoricalAccuracy) Name() string { return m.name }

// Update adds a batch.
func (m *SparseTopKCategoricalAccuracy) Update(yTrue, yPred *tensor.Tensor) {
	ids, c, n := sparseIDs("SparseTopKCategoricalAccuracy", yTrue, yPred)
	p := yPred.Data()
	for i := 0; i < n; i++ {
		if inTopK(p[i*c:(i+1)*c], int(ids[i]), m.k) {
			m.sum++
		}
	}
	m.count += float64(n)
}

// TopKCategoricalAccuracy is the fraction of rows whose target class (the
// argmax of the one-hot yTrue) is among the K largest predictions.
type TopKCategoricalAccuracy struct {
	name string
	k    int
	meanState
}

// NewTopKCategoricalAccuracy returns the metric named
// "top_k_categorical_accuracy"; k < 1 means Keras's default 5.
func NewTopKCategoricalAccuracy(k int) *TopKCategoricalAccuracy {
	if k < 1 {
		k = 5
	}
	return &TopKCategoricalAccuracy{name: "top_k_categorical_accuracy", k: k}
}

// Name returns the metric's name.
func (m *TopKCategoricalAccuracy) Name() string { return m.name }

// Update adds a batch.
func (m *TopKCategoricalAccuracy) Update(yTrue, yPred *tensor.Tensor) {
	t, p := sameSize("TopKCategoricalAccuracy", yTrue, yPred)
	c, n := classes("TopKCategoricalAccuracy", yPred)
	for i := 0; i < n; i++ {
		if inTopK(p[i*c:(i+1)*c], floats.ArgMax(t[i*c:(i+1)*c]), m.k) {
			m.sum++
		}
	}
	m.count += float64(n)
}

// autoAccuracy is "accuracy" when the loss does not say which variant: it
// picks one from the shapes of the first batch, as Keras 3 does: binary when
// yPred's last axis is 1, sparse when yTrue has fewer dimensions than yPred
// or a last axis of 1, categorical otherwise.
type autoAccuracy struct {
	name  string
	inner Metric
}

func (m *autoAccuracy) Name() string { return m.name }

func (m *autoAccuracy) Update(yTrue, yPred *tensor.Tensor) {
	if m.inner == nil {
		ts, ps := yTrue.Shape(), yPred.Shape()
		switch {
		case len(ps) == 0 || ps[len(ps)-1] == 1:
			m.inner = NewBinaryAccuracy()
		case len(ts) < len(ps) || (len(ts) > 0 && ts[len(ts)-1] == 1):
			m.inner = NewSparseCategoricalAccuracy()
		default:
			m.inner = NewCategoricalAccuracy()
		}
	}
	m.inner.Update(yTrue, yPred)
}

func (m *autoAccuracy) Result() float64 {
	if m.inner == nil {
		return 0
	}
	return m.inner.Result()
}

func (m *autoAccuracy) Reset() {
	if m.inner != nil {
		m.inner.Reset()
	}
}
