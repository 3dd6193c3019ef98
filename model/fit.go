package model

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/losses"
	"github.com/tensile-ml/tensile/metrics"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/optim"
	"github.com/tensile-ml/tensile/tensor"
)

// Logs holds the values of one epoch or batch: "loss", metric names, and
// "val_"-prefixed validation values.
type Logs map[string]float64

// Compile sets the optimizer, the loss and the metrics used by Fit and
// Evaluate. When the model was loaded with optimizer state and opt has the
// same name, the state is restored into opt so training resumes.
//
// The loss may be nil for a model trained only with TrainStepLoss, whose
// caller computes the loss (as Keras's compile(optimizer) for a custom
// train_step); Fit, TrainStep and Evaluate then report that it has none.
func (m *Model) Compile(opt optim.Optimizer, loss losses.Loss, ms []metrics.Metric) error {
	if opt == nil {
		return errors.New("model: Compile needs an optimizer")
	}
	for i, mt := range ms {
		if mt == nil {
			return fmt.Errorf("model: Compile: metric %d is nil", i)
		}
	}
	if m.pendingState != nil {
		if name, _ := opt.Config()["name"].(string); name == m.pendingOpt {
			// Create the slots for this model's parameters first, so that a
			// slot of the wrong size is reported here, not at the first Step.
			if b, ok := opt.(interface{ Build([]*tensor.Tensor) }); ok && m.built {
				b.Build(m.Params())
			}
			if err := opt.LoadState(m.pendingState); err != nil {
				return fmt.Errorf("model: Compile: restoring %s state: %w", name, err)
			}
		}
		m.pendingState = nil
	}
	m.opt, m.loss, m.metrics = opt, loss, ms
	return nil
}

// DropOptimizerState forgets optimizer state loaded with the model, so the
// next Compile starts the optimizer afresh (evaluation needs no state).
func (m *Model) DropOptimizerState() { m.pendingState, m.pendingOpt = nil, "" }

// Optimizer returns the compiled optimizer, or nil.
func (m *Model) Optimizer() optim.Optimizer { return m.opt }

// Loss returns the compiled loss, or nil.
func (m *Model) Loss() losses.Loss { return m.loss }

// Verbosity selects Fit's and Evaluate's progress output.
type Verbosity int

const (
	// VerboseAuto (the default) shows a progress bar when the output is a
	// terminal and one line per epoch otherwise.
	VerboseAuto Verbosity = iota
	// VerboseSilent prints nothing.
	VerboseSilent
	// VerboseBar always shows Keras's progress bar (verbose=1).
	VerboseBar
	// VerboseEpoch prints one line per epoch (verbose=2).
	VerboseEpoch
)

// FitConfig holds Fit's options. The zero value is Keras's default except
// where noted: 1 epoch, batch size 32, shuffled each epoch.
//
// BatchSize, NoShuffle and Seed apply when Fit is given a *data.Dataset;
// another data.Source brings its own batches and order. A BatchSize larger
// than the data is clamped to it (one batch per epoch), as in Keras.
type FitConfig struct {
	Epochs    int
	BatchSize int  // default 32
	NoShuffle bool // keep the sample order (Keras shuffle=False)
	Seed      uint64
	// ValidationSplit holds out the last fraction of the data (before
	// shuffling, as Keras) and evaluates on it after each epoch.
	ValidationSplit float64
	// ValidationData is evaluated after each epoch (overrides the split):
	// a *data.Dataset (in batches of BatchSize) or any data.Source (its
	// epoch-0 batches).
	ValidationData data.Source
	// ClassWeight weights each sample's loss by its class (sparse labels).
	ClassWeight map[int]float64
	Callbacks   []Callback
	Verbose     Verbosity
	Output      io.Writer // progress output; default os.Stdout
	// InitialEpoch is the epoch to resume at, as Keras's initial_epoch:
	// Fit trains epochs InitialEpoch .. Epochs-1 (Epochs is the final
	// epoch's number, not a count of further epochs); it must be in
	// [0, Epochs). Each epoch's shuffle order depends only on Seed and the
	// epoch, so a run resumed at epoch k (from a model saved after epoch
	// k, with its optimizer state) repeats the uninterrupted run's batches.
	InitialEpoch int
}

// EvalConfig holds Evaluate's and Predict's options.
type EvalConfig struct {
	BatchSize int // default 32
	Verbose   Verbosity
	Output    io.Writer
}

// History records the logs of every epoch of a Fit.
type History struct {
	Epochs []int
	Values map[string][]float64
}

// Last returns the last recorded value of key, or NaN.
func (h *History) Last(key string) float64 {
	v := h.Values[key]
	if len(v) == 0 {
		return math.NaN()
	}
	return v[len(v)-1]
}

func (h *History) add(epoch int, logs Logs) {
	h.Epochs = append(h.Epochs, epoch)
	for k, v := range logs {
		h.Values[k] = append(h.Values[k], v)
	}
}

// NaNLossError reports a loss that became NaN or infinite.
type NaNLossError struct {
	Epoch, Batch int // 1-based epoch and 0-based batch
	Loss         float64
}

func (e *NaNLossError) Error() string {
	return fmt.Sprintf("model: loss is %v at epoch %d, batch %d", e.Loss, e.Epoch, e.Batch)
}

// StopTraining asks Fit to stop after the current epoch (callbacks call it).
func (m *Model) StopTraining() { m.stop = true }

// fuseActivation reports whether training can feed the last layer's
// pre-activation to the loss's logits form, and returns that loss.
func (m *Model) fusedLoss() (losses.Loss, bool) {
	ll, ok := m.loss.(losses.LogitsLoss)
	if !ok || ll.FromLogits() || len(m.outputs) != 1 || m.outputs[0].isOutputNode() || m.outputs[0].nout > 1 {
		return m.loss, false
	}
	last := m.outputs[0].layer
	lg, ok := last.(nn.LogitsLayer)
	if !ok || lg.OutputActivation() == "" || lg.OutputActivation() != ll.Activation() {
		return m.loss, false
	}
	return ll.WithLogits(), true
}

// checkData validates a dataset against the model's input and output.
func (m *Model) checkData(what string, ds *data.Dataset, labeled bool) error {
	if ds == nil {
		return fmt.Errorf("model: %s: nil dataset", what)
	}
	if ds.N == 0 {
		return fmt.Errorf("model: %s: the dataset is empty", what)
	}
	if err := m.Build(ds.XShape); err != nil {
		return fmt.Errorf("model: %s: %w", what, err)
	}
	if len(m.inputs) != 1 || len(m.outputs) != 1 {
		return fmt.Errorf("model: %s: datasets need a model with one input and one output, this one has %d and %d", what, len(m.inputs), len(m.outputs))
	}
	if want := m.inputs[0].shape; !slices.Equal(ds.XShape, want) {
		return fmt.Errorf("model: %s: data has per-sample shape %v, the model expects %v", what, ds.XShape, want)
	}
	if !labeled {
		return nil
	}
	if ds.Y == nil {
		return fmt.Errorf("model: %s: the dataset has no labels", what)
	}
	if m.loss != nil && isSparse(m.loss) {
		out := m.outputs[0].shape
		c := out[len(out)-1]
		// One class id per sample, or per position for outputs with more
		// axes (labels [T] for outputs [T, K]).
		if ds.LabelSize() != 1 && !slices.Equal(ds.YShape, out[:len(out)-1]) {
			return fmt.Errorf("model: %s: %s needs one class id per sample (or per position: labels of shape %v), labels have shape %v", what, m.loss.Name(), out[:len(out)-1], ds.YShape)
		}
		for i, v := range ds.Y {
			if v != float32(int(v)) || v < 0 || int(v) >= c {
				return fmt.Errorf("model: %s: label %v of sample %d is not a class id in [0, %d) for the model's %d outputs", what, v, i, c, c)
			}
		}
	}
	return nil
}

func isSparse(l losses.Loss) bool {
	return l != nil && l.Name() == "sparse_categorical_crossentropy"
}

// TrainSplit returns how many of n samples Fit trains on with a validation
// split frac: floor(n·(1-frac)), as Keras; the rest validate.
func TrainSplit(n int, frac float64) int {
	return int(math.Floor(float64(n) * (1 - frac)))
}

// regularization returns the current value of the layers' weight
// penalties (0 without regularizers).
func (m *Model) regularization() float64 {
	var total float64
	for _, l := range m.layers {
		if r, ok := l.(nn.Regularized); ok {
			if rl := r.RegularizationLoss(); rl != nil {
				total += float64(rl.Item())
			}
		}
	}
	return total
}

// applyOutputActivation applies the last layer's activation to logits.
func (m *Model) applyOutputActivation(z *tensor.Tensor) *tensor.Tensor {
	name := m.outputs[0].layer.(nn.LogitsLayer).OutputActivation()
	act, err := nn.ActivationByName(name)
	if err != nil {
		panic(err)
	}
	return act(z)
}
