// Package optim holds gradient-descent optimizers (SGD, Adam, AdamW,
// RMSprop, Adagrad), learning-rate schedules and gradient clipping, with
// Keras 3's update rules and defaults.
//
// # Optimizers
//
// Each optimizer is built from a config struct whose zero fields take the
// Keras defaults (Adam: lr 1e-3, β1 0.9, β2 0.999, ε 1e-7; SGD: lr 0.01;
// RMSprop: lr 1e-3, ρ 0.9, ε 1e-7; Adagrad: lr 1e-3, initial accumulator
// 0.1, ε 1e-7; AdamW: weight decay 0.004). A field whose default is not 0 is
// set to exactly 0 with the sentinel Zero. Constructors validate the config
// and return an error (NewAdam); MustNewAdam panics instead. The settings
// every optimizer shares (learning rate or schedule, clipping, weight decay)
// live in BaseConfig, which each config embeds.
//
// # Registry
//
// Optimizers are registered by name, as nn's layers are: ByName gives the
// defaults for a name ("adam", or Keras's class name "Adam"), FromConfig
// rebuilds an optimizer from its Config or from Keras's serialized
// {"class_name": "Adam", "config": {...}} form, and Register adds a user's
// optimizer under a new name (DecodeBaseConfig reads the shared keys for
// its factory).
//
// Step(params) reads each parameter's Grad (parameters without one are
// skipped), then per parameter: clips the gradient (ClipNorm per parameter,
// GlobalClipNorm jointly, or ClipValue elementwise — on a copy, the Grad is
// not modified), applies decoupled weight decay p -= lr·wd·p, and runs the
// algorithm's update as one pass of a slice kernel from internal/kernels
// over the flat data (split across the worker pool for parameters of 64Ki
// elements or more). Slots (moments, accumulators) are created on the first
// Step and keyed by the parameter's Name(), so names must be unique and
// non-empty; after that a Step allocates nothing. The update formulas are
// documented on each type; in particular Adam uses Keras's ε-hat form
// p -= lr·sqrt(1-β2^t)/(1-β1^t)·m/(sqrt(v)+ε), and RMSprop and Adagrad put ε
// inside the square root, as Keras does.
//
// # Row-sparse gradients
//
// An embedding table looked up with tensor.GatherRows (nn.Embedding) has a
// row-sparse gradient (tensor.RowGrad). SGD and Adagrad update only its
// rows, giving exactly the dense result. SGD with momentum and Adam
// (AMSGrad too) do so when their config sets Lazy ("lazy_adam" by name):
// they are then lazy, as TensorFlow's LazyAdam and PyTorch's SparseAdam,
// and rows not looked up keep their values and slots; without Lazy they
// densify the gradient and match Keras. Clipping gives the dense result;
// weight decay still shrinks the whole table. RMSprop densifies the
// gradient (its dense update moves rows with zero gradient), as does every
// optimizer when the table also has a dense gradient (an L2 term). See
// docs/embeddings.md for the cost figures.
//
// # Learning rate
//
// An optimizer takes a fixed LearningRate or a Schedule (ExponentialDecay,
// InverseTimeDecay, PiecewiseConstantDecay, StepDecay, CosineDecay with
// optional warm-up, PolynomialDecay, or WarmUp wrapping any schedule). The
// k-th Step (k from 0) uses Schedule.LR(k). SetLearningRate replaces the
// schedule with a fixed rate, which is how callbacks such as
// ReduceLROnPlateau adjust it.
//
// # Checkpoints
//
// State returns copies of all slots keyed "<param>/<slot>" (e.g.
// "dense_1/kernel/m") plus "iterations"; LoadState restores them, checking
// slot names and sizes, and leaves the optimizer unchanged on error. The
// iteration count is stored as one float32, exact up to 2^24 steps.
//
// # Errors
//
// Invalid configs are errors from the constructors. Misuse during Step — an
// unnamed parameter, two parameters with one name, a parameter whose size
// no longer matches its slots — is a programmer error and panics with a
// *tensor.ShapeError naming the optimizer and the parameter.
//
// # Fidelity
//
// testdata/golden/optim/gen.py computes Keras's formulas in float64 and
// cross-checks every case against torch.optim (with a hyperparameter
// mapping that makes PyTorch compute the same update); the tests replay
// three steps of each optimizer against those values.
package optim
