package model

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"time"

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
func (m *Model) Compile(opt optim.Optimizer, loss losses.Loss, ms []metrics.Metric) error {
	if opt == nil || loss == nil {
		return errors.New("model: Compile needs an optimizer and a loss")
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
type FitConfig struct {
	Epochs    int
	BatchSize int  // default 32
	NoShuffle bool // keep the sample order (Keras shuffle=False)
	Seed      uint64
	// ValidationSplit holds out the last fraction of the data (before
	// shuffling, as Keras) and evaluates on it after each epoch.
	ValidationSplit float64
	// ValidationData is evaluated after each epoch (overrides the split).
	ValidationData *data.Dataset
	// ClassWeight weights each sample's loss by its class (sparse labels).
	ClassWeight map[int]float64
	Callbacks   []Callback
	Verbose     Verbosity
	Output      io.Writer // progress output; default os.Stdout
	// InitialEpoch is the epoch to resume at, as Keras's initial_epoch:
	// Fit trains epochs InitialEpoch .. Epochs-1 (Epochs is the final
	// epoch's number, not a count of further epochs).
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
	if !ok || ll.FromLogits() || len(m.outputs) != 1 {
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
	return l.Name() == "sparse_categorical_crossentropy"
}

// labelShape returns the batch label shape for b samples.
func labelShape(ds *data.Dataset, b int) []int {
	if len(ds.YShape) == 0 {
		return []int{b}
	}
	return append([]int{b}, ds.YShape...)
}

// gather copies samples idx of ds into arena tensors x [B, XShape...] and y.
func gather(a *tensor.Arena, ds *data.Dataset, idx []int, withY bool) (x, y *tensor.Tensor) {
	b := len(idx)
	ss := ds.SampleSize()
	// every element is copied below, so the batch buffers are not zeroed
	x = a.Uninit(append([]int{b}, ds.XShape...)...)
	xd := x.Data()
	for i, j := range idx {
		copy(xd[i*ss:(i+1)*ss], ds.X[j*ss:(j+1)*ss])
	}
	if withY {
		ls := ds.LabelSize()
		y = a.Uninit(labelShape(ds, b)...)
		yd := y.Data()
		for i, j := range idx {
			copy(yd[i*ls:(i+1)*ls], ds.Y[j*ls:(j+1)*ls])
		}
	}
	return x, y
}

// subset returns the samples [lo, hi) of ds as a view.
func subset(ds *data.Dataset, lo, hi int) *data.Dataset {
	ss, ls := ds.SampleSize(), ds.LabelSize()
	out := &data.Dataset{X: ds.X[lo*ss : hi*ss], XShape: ds.XShape, YShape: ds.YShape, N: hi - lo, Classes: ds.Classes}
	if ds.Y != nil {
		out.Y = ds.Y[lo*ls : hi*ls]
	}
	return out
}

// TrainSplit returns how many of n samples Fit trains on with a validation
// split frac: floor(n·(1-frac)), as Keras; the rest validate.
func TrainSplit(n int, frac float64) int {
	return int(math.Floor(float64(n) * (1 - frac)))
}

// Fit trains the model on ds for cfg.Epochs epochs and returns the history
// of losses and metrics. It returns an error (with the history so far) when
// the data does not fit the model, a layer fails (naming the layer), the loss
// becomes NaN, or a callback fails.
func (m *Model) Fit(ds *data.Dataset, cfg FitConfig) (*History, error) {
	hist := &History{Values: map[string][]float64{}}
	if m.opt == nil || m.loss == nil {
		return hist, errors.New("model: Fit: the model is not compiled")
	}
	if cfg.Epochs <= 0 {
		cfg.Epochs = 1
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 32
	}
	if cfg.ValidationSplit < 0 || cfg.ValidationSplit >= 1 {
		return hist, fmt.Errorf("model: Fit: validation split %g must be in [0, 1)", cfg.ValidationSplit)
	}
	if err := m.checkData("Fit", ds, true); err != nil {
		return hist, err
	}
	train, val := ds, cfg.ValidationData
	if val == nil && cfg.ValidationSplit > 0 {
		nVal := ds.N - TrainSplit(ds.N, cfg.ValidationSplit)
		if nVal == 0 || nVal == ds.N {
			return hist, fmt.Errorf("model: Fit: validation split %g of %d samples leaves an empty set", cfg.ValidationSplit, ds.N)
		}
		train, val = subset(ds, 0, ds.N-nVal), subset(ds, ds.N-nVal, ds.N)
	}
	if val != nil {
		if err := m.checkData("Fit validation data", val, true); err != nil {
			return hist, err
		}
	}
	if cfg.ClassWeight != nil && (!isSparse(m.loss) || ds.LabelSize() != 1) {
		return hist, errors.New("model: Fit: class weights need one class id per sample (a sparse loss)")
	}
	out := cfg.Output
	if out == nil {
		out = os.Stdout
	}
	prog := newProgress(out, cfg.Verbose)
	m.stop = false
	for _, cb := range cfg.Callbacks {
		if err := cb.OnTrainBegin(m); err != nil {
			return hist, err
		}
	}
	rng := tensor.NewRNG(cfg.Seed)
	idx := make([]int, train.N)
	for i := range idx {
		idx[i] = i
	}
	if m.arena == nil {
		m.arena = tensor.NewArena()
	}
	steps := (train.N + cfg.BatchSize - 1) / cfg.BatchSize
	var last Logs
	for e := cfg.InitialEpoch; e < cfg.Epochs; e++ {
		for _, cb := range cfg.Callbacks {
			if err := cb.OnEpochBegin(e); err != nil {
				return hist, err
			}
		}
		if !cfg.NoShuffle {
			rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		}
		prog.epochBegin(e+1, cfg.Epochs, steps)
		for _, mt := range m.metrics {
			mt.Reset()
		}
		var lossSum float64
		seen := 0
		batchLogs := Logs{}
		for s := 0; s < steps; s++ {
			bi := idx[s*cfg.BatchSize : min((s+1)*cfg.BatchSize, train.N)]
			lv, err := m.trainStep(train, bi, cfg.ClassWeight)
			if err != nil {
				return hist, fmt.Errorf("%w (epoch %d, batch %d)", err, e+1, s)
			}
			if math.IsNaN(lv) || math.IsInf(lv, 0) {
				return hist, &NaNLossError{Epoch: e + 1, Batch: s, Loss: lv}
			}
			lossSum += lv * float64(len(bi))
			seen += len(bi)
			clear(batchLogs)
			batchLogs["loss"] = lossSum / float64(seen)
			for _, mt := range m.metrics {
				batchLogs[mt.Name()] = mt.Result()
			}
			for _, cb := range cfg.Callbacks {
				if err := cb.OnBatchEnd(s, batchLogs); err != nil {
					return hist, err
				}
			}
			prog.step(s+1, batchLogs, m.metricNames())
			if m.stop { // a callback stopped training mid-epoch, as in Keras
				break
			}
		}
		logs := Logs{}
		for k, v := range batchLogs {
			logs[k] = v
		}
		if val != nil {
			vl, err := m.evaluate(val, cfg.BatchSize)
			if err != nil {
				return hist, fmt.Errorf("%w (validation after epoch %d)", err, e+1)
			}
			for k, v := range vl {
				logs["val_"+k] = v
			}
		}
		prog.epochEnd(logs, m.logNames(val != nil))
		hist.add(e, logs)
		last = logs
		for _, cb := range cfg.Callbacks {
			if err := cb.OnEpochEnd(e, logs); err != nil {
				return hist, err
			}
		}
		if m.stop {
			break
		}
	}
	for _, cb := range cfg.Callbacks {
		if err := cb.OnTrainEnd(last); err != nil {
			return hist, err
		}
	}
	return hist, nil
}

func (m *Model) metricNames() []string {
	n := []string{"loss"}
	for _, mt := range m.metrics {
		n = append(n, mt.Name())
	}
	return n
}

func (m *Model) logNames(withVal bool) []string {
	n := m.metricNames()
	if withVal {
		for _, k := range m.metricNames() {
			n = append(n, "val_"+k)
		}
	}
	return n
}

// trainStep runs forward, backward and one optimizer step on the samples
// idx, updates the metrics and returns the batch loss. All activations and
// gradients live in the model's arena, which is reset at the end.
func (m *Model) trainStep(ds *data.Dataset, idx []int, classWeight map[int]float64) (lossVal float64, err error) {
	a := m.arena
	defer a.Reset()
	var cur *Node
	defer guard(&cur, &err)
	x, y := gather(a, ds, idx, true)
	loss, fused := m.fusedLoss()
	out := m.run([]*tensor.Tensor{x}, true, fused, &cur)[0]
	per := loss.PerSample(y, out)
	if classWeight != nil {
		w := a.Zeros(len(idx))
		wd, yd := w.Data(), y.Data()
		for i := range wd {
			cw, ok := classWeight[int(yd[i])]
			if !ok {
				cw = 1
			}
			wd[i] = float32(cw)
		}
		per = tensor.Mul(per, w)
	}
	total := tensor.Mean(per, nil, false)
	for _, l := range m.layers {
		if r, ok := l.(nn.Regularized); ok {
			if rl := r.RegularizationLoss(); rl != nil {
				total = tensor.Add(total, rl)
			}
		}
	}
	params := m.Params()
	for _, p := range params {
		p.ZeroGrad()
	}
	total.Backward()
	m.opt.Step(params)
	if len(m.metrics) > 0 {
		// Detached outputs record no graph.
		pred := out.Detach()
		if fused {
			pred = m.applyOutputActivation(pred)
		}
		for _, mt := range m.metrics {
			mt.Update(y, pred)
		}
	}
	return float64(total.Item()), nil
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

// Evaluate returns the loss and metrics of the model on ds, computed in
// inference mode without gradients.
func (m *Model) Evaluate(ds *data.Dataset, cfg EvalConfig) (Logs, error) {
	if m.loss == nil {
		return nil, errors.New("model: Evaluate: the model is not compiled")
	}
	if err := m.checkData("Evaluate", ds, true); err != nil {
		return nil, err
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 32
	}
	start := time.Now()
	logs, err := m.evaluate(ds, cfg.BatchSize)
	if err != nil {
		return nil, err
	}
	out := cfg.Output
	if out == nil {
		out = os.Stdout
	}
	if cfg.Verbose != VerboseSilent {
		steps := (ds.N + cfg.BatchSize - 1) / cfg.BatchSize
		fmt.Fprintf(out, "%d/%d - %s%s\n", steps, steps, fmtDuration(time.Since(start)), fmtLogs(logs, m.metricNames()))
	}
	return logs, nil
}

func (m *Model) evaluate(ds *data.Dataset, batch int) (logs Logs, err error) {
	for _, mt := range m.metrics {
		mt.Reset()
	}
	if m.arena == nil {
		m.arena = tensor.NewArena()
	}
	a := m.arena
	var lossSum float64
	idx := make([]int, 0, batch)
	func() { // inputs in inference mode: no graph, other goroutines unaffected
		var cur *Node
		defer guard(&cur, &err)
		for lo := 0; lo < ds.N; lo += batch {
			idx = idx[:0]
			for i := lo; i < min(lo+batch, ds.N); i++ {
				idx = append(idx, i)
			}
			x, y := gather(a, ds, idx, true)
			out := m.run([]*tensor.Tensor{x.InferenceMode()}, false, false, &cur)[0]
			cur = nil
			per := m.loss.PerSample(y, out)
			lossSum += float64(tensor.Sum(per, nil, false).Item())
			for _, mt := range m.metrics {
				mt.Update(y, out)
			}
			a.Reset()
		}
	}()
	if err != nil {
		a.Reset()
		return nil, err
	}
	// As in Keras, the reported loss includes the weight penalties.
	logs = Logs{"loss": lossSum/float64(ds.N) + m.regularization()}
	for _, mt := range m.metrics {
		logs[mt.Name()] = mt.Result()
	}
	return logs, nil
}

// Predict returns the model's outputs for every sample of ds (labels are
// ignored), computed in inference mode in batches without gradients.
func (m *Model) Predict(ds *data.Dataset, cfg EvalConfig) (pred *tensor.Tensor, err error) {
	if err := m.checkData("Predict", ds, false); err != nil {
		return nil, err
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 32
	}
	if m.arena == nil {
		m.arena = tensor.NewArena()
	}
	a := m.arena
	outShape := m.outputs[0].shape
	per := 1
	for _, d := range outShape {
		per *= d
	}
	res := make([]float32, 0, ds.N*per)
	idx := make([]int, 0, cfg.BatchSize)
	func() { // inputs in inference mode: no graph, other goroutines unaffected
		var cur *Node
		defer guard(&cur, &err)
		defer a.Reset()
		for lo := 0; lo < ds.N; lo += cfg.BatchSize {
			idx = idx[:0]
			for i := lo; i < min(lo+cfg.BatchSize, ds.N); i++ {
				idx = append(idx, i)
			}
			x, _ := gather(a, ds, idx, false)
			out := m.run([]*tensor.Tensor{x.InferenceMode()}, false, false, &cur)[0]
			res = append(res, out.Data()...)
			a.Reset()
		}
	}()
	if err != nil {
		return nil, err
	}
	return tensor.FromSlice(res, append([]int{ds.N}, outShape...)...), nil
}

var _ = rand.New
