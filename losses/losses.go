package losses

import "github.com/tensile-ml/tensile/tensor"

// Loss computes a per-sample loss from targets and predictions.
//
// PerSample returns a [B] tensor (one value per sample, averaged over the
// remaining axes as Keras does) that is differentiable with respect to
// yPred. The model averages it over the batch, applying class or sample
// weights. Sparse losses take yTrue as class ids stored as float32, shape [B]
// or [B, 1]; an id out of range is an error reported by panicking with a
// *tensor.ShapeError.
type Loss interface {
	PerSample(yTrue, yPred *tensor.Tensor) *tensor.Tensor
	// Name returns the Keras name, e.g. "sparse_categorical_crossentropy".
	Name() string
	// Config returns the name and options (e.g. from_logits).
	Config() map[string]any
}

// LogitsLoss is implemented by probability losses (cross-entropies) that
// can take logits instead: a model whose last layer applies softmax (or
// sigmoid) feeds the pre-activation to FromLogits for one fused, stable step.
type LogitsLoss interface {
	Loss
	// FromLogits reports whether PerSample expects logits already.
	FromLogits() bool
	// WithLogits returns the same loss taking logits.
	WithLogits() Loss
	// Activation is the output activation this loss fuses with:
	// "softmax" or "sigmoid".
	Activation() string
}
