package metrics

import (
	"math"

	"github.com/tensile-ml/tensile/tensor"
)

// MeanAbsoluteError is the mean of |yTrue - yPred| over all elements seen
// (Keras's per-sample mean over the last axis, averaged over samples).
type MeanAbsoluteError struct {
	name string
	meanState
}

// NewMeanAbsoluteError returns the metric named "mean_absolute_error".
func NewMeanAbsoluteError() *MeanAbsoluteError {
	return &MeanAbsoluteError{name: "mean_absolute_error"}
}

// Name returns the metric's name.
func (m *MeanAbsoluteError) Name() string { return m.name }

// Update adds a batch.
func (m *MeanAbsoluteError) Update(yTrue, yPred *tensor.Tensor) {
	t, p := sameSize("MeanAbsoluteError", yTrue, yPred)
	for i, v := range p {
		m.sum += math.Abs(float64(v) - float64(t[i]))
	}
	m.count += float64(len(p))
}

// MeanSquaredError is the mean of (yTrue - yPred)² over all elements seen.
type MeanSquaredError struct {
	name string
	meanState
}

// NewMeanSquaredError returns the metric named "mean_squared_error".
func NewMeanSquaredError() *MeanSquaredError {
	return &MeanSquaredError{name: "mean_squared_error"}
}

// Name returns the metric's name.
func (m *MeanSquaredError) Name() string { return m.name }

// Update adds a batch.
func (m *MeanSquaredError) Update(yTrue, yPred *tensor.Tensor) {
	t, p := sameSize("MeanSquaredError", yTrue, yPred)
	for i, v := range p {
		d := float64(v) - float64(t[i])
		m.sum += d * d
	}
	m.count += float64(len(p))
}

// Mean is a weighted running mean, as the training loop uses for the loss.
// Update averages every element of yPred (yTrue is ignored); UpdateValue
// adds one value with a weight, e.g. a batch's mean loss weighted by the
// batch size, as Keras's loss tracker does.
type Mean struct {
	name string
	meanState
}

// NewMean returns a Mean with the given name ("mean" if empty).
func NewMean(name string) *Mean {
	if name == "" {
		name = "mean"
	}
	return &Mean{name: name}
}

// Name returns the metric's name.
func (m *Mean) Name() string { return m.name }

// Update adds every element of yPred with weight 1.
func (m *Mean) Update(_, yPred *tensor.Tensor) {
	for _, v := range yPred.Data() {
		m.sum += float64(v)
	}
	m.count += float64(yPred.Size())
}

// UpdateValue adds v with the given weight.
func (m *Mean) UpdateValue(v, weight float64) {
	m.sum += v * weight
	m.count += weight
}
