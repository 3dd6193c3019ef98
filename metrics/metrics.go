package metrics

import "github.com/tensile-ml/tensile/tensor"

// Metric accumulates a statistic over batches.
//
// Update is called once per batch with targets and the model's outputs
// (probabilities after the output activation); it records no gradient.
// Result returns the value over everything seen since Reset.
type Metric interface {
	Name() string
	Update(yTrue, yPred *tensor.Tensor)
	Result() float64
	Reset()
}
