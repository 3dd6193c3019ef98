package metrics

import "slices"

// Cloner is implemented by metrics that can make an independent copy of
// themselves: the same name and configuration, with empty state. Evaluate
// clones a model's metrics per call so that concurrent calls on one model
// accumulate separately; every metric in this package implements it, and a
// user metric that does not is shared under a lock instead.
type Cloner interface {
	Clone() Metric
}

// Clone returns an empty SparseCategoricalAccuracy with the same name.
func (m *SparseCategoricalAccuracy) Clone() Metric {
	return &SparseCategoricalAccuracy{name: m.name}
}

// Clone returns an empty CategoricalAccuracy with the same name.
func (m *CategoricalAccuracy) Clone() Metric { return &CategoricalAccuracy{name: m.name} }

// Clone returns an empty BinaryAccuracy with the same name and threshold.
func (m *BinaryAccuracy) Clone() Metric {
	return &BinaryAccuracy{name: m.name, threshold: m.threshold}
}

// Clone returns an empty SparseTopKCategoricalAccuracy with the same name
// and k.
func (m *SparseTopKCategoricalAccuracy) Clone() Metric {
	return &SparseTopKCategoricalAccuracy{name: m.name, k: m.k}
}

// Clone returns an empty TopKCategoricalAccuracy with the same name and k.
func (m *TopKCategoricalAccuracy) Clone() Metric {
	return &TopKCategoricalAccuracy{name: m.name, k: m.k}
}

// Clone returns an empty "accuracy" that picks its variant again from the
// first batch it sees.
func (m *autoAccuracy) Clone() Metric { return &autoAccuracy{name: m.name} }

// Clone returns an empty Precision with the same name and threshold.
func (m *Precision) Clone() Metric { return &Precision{name: m.name, threshold: m.threshold} }

// Clone returns an empty Recall with the same name and threshold.
func (m *Recall) Clone() Metric { return &Recall{name: m.name, threshold: m.threshold} }

// Clone returns an empty AUC with the same name and thresholds.
func (m *AUC) Clone() Metric {
	n := len(m.thresholds)
	return &AUC{name: m.name, thresholds: slices.Clone(m.thresholds), pos: make([]float64, n), neg: make([]float64, n)}
}

// Clone returns an empty MeanAbsoluteError with the same name.
func (m *MeanAbsoluteError) Clone() Metric { return &MeanAbsoluteError{name: m.name} }

// Clone returns an empty MeanSquaredError with the same name.
func (m *MeanSquaredError) Clone() Metric { return &MeanSquaredError{name: m.name} }

// Clone returns an empty Mean with the same name.
func (m *Mean) Clone() Metric { return &Mean{name: m.name} }
