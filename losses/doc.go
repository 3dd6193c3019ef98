// Package losses holds training losses with Keras semantics: mean squared
// and absolute error, Huber, and binary, categorical and sparse categorical
// cross-entropy.
//
// A Loss maps targets yTrue and predictions yPred (batch first, [B, ...])
// to a per-sample loss [B], averaged over the non-batch axes as Keras does;
// the model averages that over the batch. It is differentiable with respect
// to yPred. Class axes are last ([B, ..., C]); sparse targets are class ids
// stored as float32, [B, ...] or [B, ..., 1].
//
// Probability inputs are handled exactly as Keras 3 handles them: binary
// cross-entropy clips p to [Epsilon, 1-Epsilon] (Epsilon = 1e-7);
// categorical and sparse categorical cross-entropy first renormalise the
// probabilities to sum to 1 over the class axis, then clip. With
// Options{FromLogits: true} the cross-entropies take logits and use the
// fused, numerically stable primitives tensor.SoftmaxCrossEntropy,
// tensor.SoftmaxCrossEntropyDense and tensor.SigmoidCrossEntropy, which are
// finite for any finite logits. The cross-entropies implement LogitsLoss, so
// a model whose last layer is a softmax or sigmoid can feed them the
// pre-activation instead (WithLogits, Activation).
//
// ByName resolves Keras names and aliases ("mse", "mae", "huber",
// "binary_crossentropy", "categorical_crossentropy",
// "sparse_categorical_crossentropy", and Keras class names such as
// "SparseCategoricalCrossentropy": names match ignoring case and
// underscores); FromConfig rebuilds a loss from Config or from Keras's
// serialized {"class_name": ..., "config": {...}} form. Losses live in a
// name registry, as nn's layers do: Register adds a user's loss, with
// aliases.
//
// Errors: mismatched shapes and sparse class ids that are not integers in
// [0, C) are programmer errors and panic with a *tensor.ShapeError naming
// the id and the number of classes; the model turns the panic into an
// error. A label smoothing outside [0, 1] panics in the constructor.
//
// Fidelity: testdata/golden/losses/gen.py writes Keras's formulas in torch
// float64 (cross-checked against PyTorch's own losses where they coincide),
// and the tests match per-sample values and gradients, including logits of
// ±1e4.
//
//	loss := losses.NewSparseCategoricalCrossentropy(losses.Options{FromLogits: true})
//	perSample := loss.PerSample(labels, logits) // [B]
//	tensor.Mean(perSample, nil, false).Backward()
package losses
