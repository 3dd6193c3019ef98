// Package layering holds the test that keeps the module's dependencies
// pointing one way, down the layers of the architecture:
//
//	internal/kernels, internal/parallel  hot loops, worker pool
//	backend (cpu, ...)                   execution: buffers, ops, conformance suite
//	tensor                               arrays, autodiff; says what to compute
//	nn, optim, losses, metrics, data ... layers, optimizers, losses, metrics, data sources
//	model                                models, training, save/load
//	task packages                        textclf, charlm, zoo, ...
//	cmd/..., examples/...                programs
//
// A package (and its in-package tests) may import packages of its own layer
// or below, never above.
// The package has no code; its test is the check.
package layering
