package optim

import "github.com/tensile-ml/tensile/tensor"

// Optimizer updates parameters from their accumulated gradients.
//
// Step reads p.Grad() of every parameter (parameters with a nil gradient are
// skipped) and updates p's data in place; it does not zero the gradients.
// Per-parameter state (moments, accumulators) is keyed by the parameter's
// Name(), which must be unique and non-empty, so that State and LoadState can
// round-trip through a checkpoint.
type Optimizer interface {
	Step(params []*tensor.Tensor)
	LearningRate() float32
	SetLearningRate(lr float32)
	// Iterations returns how many Steps have been taken.
	Iterations() int
	// State returns copies of the optimizer's slots, keyed
	// "<param name>/<slot>" (e.g. "dense_1/kernel/m"), plus "iterations".
	State() map[string][]float32
	// LoadState restores slots from State's output; it returns an error
	// naming the key when a slot's size does not match.
	LoadState(state map[string][]float32) error
	// Config returns the name ("adam", "sgd", ...) and hyperparameters, in
	// the spirit of Keras's get_config.
	Config() map[string]any
}
