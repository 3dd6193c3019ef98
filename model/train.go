package model

import (
	"errors"
	"fmt"
	"math"
	"os"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/metrics"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
)

// Metrics returns the compiled metrics. TrainStep updates them; a custom
// training loop reads their Result and calls ResetMetrics between epochs.
func (m *Model) Metrics() []metrics.Metric { return m.metrics }

// ResetMetrics resets the compiled metrics.
func (m *Model) ResetMetrics() {
	for _, mt := range m.metrics {
		mt.Reset()
	}
}

// TrainStep runs one training step of a compiled single-input model on one
// batch: forward pass in training mode, loss (weighted per sample by
// sampleWeight [B] when it is not nil, plus the layers' weight penalties),
// backward pass, one optimizer update, and an update of the compiled
// metrics. It returns the batch's loss. x is [B, ...] (its sample
// dimensions may differ from the model's declared input where the layers
// allow, e.g. a different sequence length), y holds the B targets.
//
// TrainStep is the step Fit runs for every batch; custom loops
// (reinforcement learning, recommendation, distributed training) call it
// directly. Activations and gradients live in the model's training arena,
// which is reset before TrainStep returns: tensors it computed must not be
// kept, and x and y may be reused by the caller. A step of the same shapes
// allocates (almost) nothing once warm. Shape errors, bad labels and panics
// inside layers come back as errors (see Guard); a NaN loss is returned as
// it is, for the caller to judge. TrainStep must not run concurrently with
// itself or Fit on the same model.
func (m *Model) TrainStep(x, y, sampleWeight *tensor.Tensor) (float64, error) {
	m.stepIn[0] = x
	defer func() { m.stepIn[0] = nil }()
	return m.TrainStepInputs(m.stepIn[:], y, sampleWeight)
}

// TrainStepInputs is TrainStep for a functional model with several inputs:
// xs holds one batch per model input, in the order of the model's inputs.
func (m *Model) TrainStepInputs(xs []*tensor.Tensor, y, sampleWeight *tensor.Tensor) (float64, error) {
	if m.opt == nil || m.loss == nil {
		return 0, errors.New("model: TrainStep: the model is not compiled")
	}
	if err := m.checkStep("TrainStep", xs, y, sampleWeight, true); err != nil {
		return 0, err
	}
	a := m.arena()
	y = inArena(a, y)
	if sampleWeight != nil {
		sampleWeight = inArena(a, sampleWeight)
	}
	return m.step(inputsInArena(a, xs), y, sampleWeight)
}

// inArena returns t if it lives in arena a, else a copy of it in a, so that
// every activation of a training step is allocated from the arena.
func inArena(a *tensor.Arena, t *tensor.Tensor) *tensor.Tensor {
	if t.Arena() == a {
		return t
	}
	return a.FromSlice(t.Data(), t.Shape()...)
}

// inputsInArena returns xs with every input moved into arena a (xs itself
// when all are there already).
func inputsInArena(a *tensor.Arena, xs []*tensor.Tensor) []*tensor.Tensor {
	in, copied := xs, false
	for i, x := range xs {
		if x.Arena() != a {
			if !copied {
				in, copied = make([]*tensor.Tensor, len(xs)), true
				copy(in, xs)
			}
			in[i] = inArena(a, x)
		}
	}
	return in
}

// SetGradientHook installs f, which every training step (TrainStep,
// TrainStepLoss, Fit) calls after the backward pass (and after the
// replicas' all-reduce, see SetReplicas) and before the optimizer update,
// with the trainable parameters whose Grad holds the batch gradient. f may
// change the gradients in place: DP-SGD adds its noise here (package
// privacy); another use is custom gradient clipping. An error from f ends
// the step without an update. nil removes the hook.
func (m *Model) SetGradientHook(f func(params []*tensor.Tensor) error) { m.gradHook = f }

// arena returns the training arena, creating it on first use.
func (m *Model) arena() *tensor.Arena {
	if m.trainArena == nil {
		m.trainArena = tensor.NewArena()
	}
	return m.trainArena
}

// checkStep validates one batch against the model: one tensor per input,
// each of the input's rank with a common batch size, targets and sample
// weights of that batch size and, for a sparse loss, class ids in range.
// A Sequential model without an input shape is built from xs[0].
func (m *Model) checkStep(what string, xs []*tensor.Tensor, y, w *tensor.Tensor, labeled bool) error {
	if !m.built && m.sequential && len(xs) == 1 && xs[0] != nil && xs[0].Dims() > 1 {
		var shape []int // a declared input shape wins over the batch's
		if len(m.seqLayers) == 0 || !isInputLayer(m.seqLayers[0]) {
			shape = xs[0].Shape()[1:]
		}
		if err := m.Build(shape); err != nil {
			return fmt.Errorf("model: %s: %w", what, err)
		}
	}
	if !m.built {
		return fmt.Errorf("model: %s: the model is not built", what)
	}
	if labeled && len(m.outputs) != 1 {
		return fmt.Errorf("model: %s: needs a model with one output, this one has %d", what, len(m.outputs))
	}
	if len(xs) != len(m.inputs) {
		return fmt.Errorf("model: %s: %d inputs given, the model has %d", what, len(xs), len(m.inputs))
	}
	b := -1
	for i, x := range xs {
		if x == nil {
			return fmt.Errorf("model: %s: input %d is nil", what, i)
		}
		want := m.inputs[i].shape
		if x.Dims() != len(want)+1 || x.Shape()[0] < 1 {
			return fmt.Errorf("model: %s: input %d has shape %v, the model expects a batch of %v", what, i, x.Shape(), want)
		}
		if b >= 0 && x.Shape()[0] != b {
			return fmt.Errorf("model: %s: inputs have batch sizes %d and %d", what, b, x.Shape()[0])
		}
		b = x.Shape()[0]
	}
	if !labeled {
		return nil
	}
	if y == nil {
		return fmt.Errorf("model: %s: no targets", what)
	}
	if y.Dims() < 1 || y.Shape()[0] != b {
		return fmt.Errorf("model: %s: targets of shape %v for a batch of %d", what, y.Shape(), b)
	}
	if w != nil && (w.Dims() != 1 || w.Shape()[0] != b) {
		return fmt.Errorf("model: %s: sample weights of shape %v for a batch of %d (want [%d])", what, w.Shape(), b, b)
	}
	if isSparse(m.loss) {
		out := m.outputs[0].shape
		c := out[len(out)-1]
		for i, v := range y.Data() {
			if v != float32(int(v)) || v < 0 || int(v) >= c {
				return fmt.Errorf("model: %s: label %v (value %d of the batch) is not a class id in [0, %d) for the model's %d outputs", what, v, i, c, c)
			}
		}
	}
	return nil
}

func isInputLayer(l nn.Layer) bool {
	_, ok := l.(*nn.Input)
	return ok
}

// TrainStepLoss runs one training step whose loss the caller computes from
// the model's outputs: forward pass on xs in training mode, loss(outs) (a
// scalar tensor built with tensor ops, so that it has a gradient), plus the
// layers' weight penalties, backward pass, gradient reduction across
// replicas (SetReplicas) and one update of the compiled optimizer. It
// returns the loss value. It is TrainStep for objectives that are not a
// loss over (x, y) pairs, such as DQN's Huber loss on the actions taken,
// PPO's clipped surrogate or AlphaZero's policy-value loss; the model needs
// only an optimizer (Compile with a nil loss is enough) and its compiled
// metrics are not updated.
//
// As in TrainStep, the inputs are copied into the training arena, which is
// reset before TrainStepLoss returns: the loss function may capture tensors
// of its own, but tensors it computes must not be kept. Panics inside
// layers or inside loss come back as errors (see Guard).
// TrainStepLoss must not run concurrently with other training of the model.
func (m *Model) TrainStepLoss(xs []*tensor.Tensor, loss func(outs []*tensor.Tensor) *tensor.Tensor) (lossVal float64, err error) {
	if m.opt == nil {
		return 0, errors.New("model: TrainStepLoss: the model has no optimizer (Compile it; the loss may be nil)")
	}
	if loss == nil {
		return 0, errors.New("model: TrainStepLoss: nil loss function")
	}
	if err := m.checkStep("TrainStepLoss", xs, nil, nil, false); err != nil {
		return 0, err
	}
	a := m.arena()
	defer a.Reset()
	var cur *Node
	defer guard(&cur, &err)
	outs := m.run(inputsInArena(a, xs), true, false, &cur)
	cur = nil
	total := loss(outs)
	if total == nil || total.Size() != 1 {
		return 0, errors.New("model: TrainStepLoss: the loss function must return a scalar tensor")
	}
	return m.descend(total, xs[0].Shape()[0])
}

// descend adds the layers' weight penalties to total, backpropagates it,
// reduces the gradients across replicas (batch samples on this replica) and
// takes one optimizer step: the part of a training step after the loss,
// shared by every step. It returns the value of the whole loss.
func (m *Model) descend(total *tensor.Tensor, batch int) (float64, error) {
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
	if err := m.backward(total, params, batch); err != nil {
		return 0, err
	}
	if m.gradHook != nil {
		if err := m.gradHook(params); err != nil {
			return 0, err
		}
	}
	m.opt.Step(params)
	return float64(total.Item()), nil
}

// backward runs the backward pass of total and, with replicas, the
// reduction of the gradients across them: overlapped with the pass when
// the replicas are a GradientStream, after it otherwise.
func (m *Model) backward(total *tensor.Tensor, params []*tensor.Tensor, batch int) error {
	if m.replicas == nil {
		total.Backward()
		return nil
	}
	if s, ok := m.replicas.(GradientStream); ok {
		ready, err := s.StartGradients(params, batch)
		if err != nil {
			return fmt.Errorf("model: training step: %w", err)
		}
		passed := false
		defer func() {
			if !passed { // the pass panicked: leave no reduction waiting
				_ = m.replicas.ReduceGradients(params, batch)
			}
		}()
		total.BackwardNotify(ready)
		passed = true
	} else {
		total.Backward()
	}
	if err := m.replicas.ReduceGradients(params, batch); err != nil {
		return fmt.Errorf("model: training step: %w", err)
	}
	return nil
}

// step runs forward, backward and one optimizer step on one batch whose
// tensors live in the training arena, updates the metrics and returns the
// batch loss. The arena is reset at the end.
func (m *Model) step(xs []*tensor.Tensor, y, w *tensor.Tensor) (lossVal float64, err error) {
	a := m.arena()
	defer a.Reset()
	var cur *Node
	defer guard(&cur, &err)
	loss, fused := m.fusedLoss()
	out := m.run(xs, true, fused, &cur)[0]
	per := loss.PerSample(y, out)
	if w != nil {
		per = tensor.Mul(per, w)
	}
	lossVal, err = m.descend(tensor.Mean(per, nil, false), xs[0].Shape()[0])
	if err != nil {
		return 0, err
	}
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
	return lossVal, nil
}

// batchTensors copies a data.Batch into tensors of arena a.
func batchTensors(a *tensor.Arena, b *data.Batch) (x, y *tensor.Tensor) {
	x = a.Uninit(b.XShape...)
	copy(x.Data(), b.X)
	if b.Y != nil {
		y = a.Uninit(b.YShape...)
		copy(y.Data(), b.Y)
	}
	return x, y
}

// fitStep runs TrainStep's work on a batch of a data source. checked says
// the batch comes from a dataset whose shapes and labels Fit validated.
func (m *Model) fitStep(b *data.Batch, classWeight map[int]float64, checked bool) (float64, error) {
	if !checked {
		if err := data.CheckBatch(b); err != nil {
			return 0, fmt.Errorf("model: Fit: %w", err)
		}
		if b.Y == nil {
			return 0, errors.New("model: Fit: the batch has no labels")
		}
		if classWeight != nil && len(b.YShape) != 1 {
			return 0, fmt.Errorf("model: Fit: class weights need one class id per sample, labels have shape %v", b.YShape)
		}
	}
	a := m.arena()
	x, y := batchTensors(a, b)
	var w *tensor.Tensor
	if classWeight != nil {
		w = a.Uninit(b.N)
		wd := w.Data()
		for i := range wd {
			cw, ok := classWeight[int(b.Y[i])]
			if !ok {
				cw = 1
			}
			wd[i] = float32(cw)
		}
	}
	m.stepIn[0] = x
	defer func() { m.stepIn[0] = nil }()
	if !checked {
		if err := m.checkStep("Fit", m.stepIn[:], y, w, true); err != nil {
			a.Reset()
			return 0, err
		}
	}
	return m.step(m.stepIn[:], y, w)
}

// Fit trains the model for cfg.Epochs epochs and returns the history of
// losses and metrics. src is a *data.Dataset (batched, shuffled and split
// by cfg) or any other data.Source: a data.Loader, a generator
// (data.SourceFunc) with batches of varying length, a data.Prefetch
// wrapper. Every batch goes through the same step as TrainStep.
//
// Fit returns an error (with the history so far) when the data does not
// fit the model, a layer fails (naming the layer), the loss becomes NaN
// (*NaNLossError), the source fails or yields no batch, or a callback
// fails.
func (m *Model) Fit(src data.Source, cfg FitConfig) (*History, error) {
	hist := &History{Values: map[string][]float64{}}
	if m.opt == nil || m.loss == nil {
		return hist, errors.New("model: Fit: the model is not compiled")
	}
	if cfg.Epochs <= 0 {
		cfg.Epochs = 1
	}
	if cfg.InitialEpoch < 0 || cfg.InitialEpoch >= cfg.Epochs {
		return hist, fmt.Errorf("model: Fit: initial epoch %d must be in [0, %d) for %d epochs", cfg.InitialEpoch, cfg.Epochs, cfg.Epochs)
	}
	if cfg.BatchSize < 0 {
		return hist, fmt.Errorf("model: Fit: batch size %d must be positive", cfg.BatchSize)
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 32
	}
	if !(cfg.ValidationSplit >= 0 && cfg.ValidationSplit < 1) {
		return hist, fmt.Errorf("model: Fit: validation split %g must be in [0, 1)", cfg.ValidationSplit)
	}
	if cfg.ClassWeight != nil && !isSparse(m.loss) {
		return hist, errors.New("model: Fit: class weights need one class id per sample (a sparse loss)")
	}
	val := cfg.ValidationData
	if vd, ok := val.(*data.Dataset); ok && vd == nil {
		val = nil
	}
	var train data.Source
	checked := false
	if ds, ok := src.(*data.Dataset); ok {
		if err := m.checkData("Fit", ds, true); err != nil {
			return hist, err
		}
		if cfg.ClassWeight != nil && ds.LabelSize() != 1 {
			return hist, errors.New("model: Fit: class weights need one class id per sample (a sparse loss)")
		}
		tr := ds
		if val == nil && cfg.ValidationSplit > 0 {
			nVal := ds.N - TrainSplit(ds.N, cfg.ValidationSplit)
			if nVal == 0 || nVal == ds.N {
				return hist, fmt.Errorf("model: Fit: validation split %g of %d samples leaves an empty set", cfg.ValidationSplit, ds.N)
			}
			tr, val = ds.Split(cfg.ValidationSplit) // views, at TrainSplit
		}
		lo := data.LoaderOptions{BatchSize: cfg.BatchSize, Shuffle: !cfg.NoShuffle, Seed: cfg.Seed}
		if r := m.replicas; r != nil { // each replica reads its shard of every batch
			if r.Size() < 1 || r.Rank() < 0 || r.Rank() >= r.Size() {
				return hist, fmt.Errorf("model: Fit: replica rank %d is not in [0, %d)", r.Rank(), r.Size())
			}
			lo.Shard, lo.Shards = r.Rank(), r.Size()
		}
		train = data.NewLoader(tr, lo)
		checked = true
	} else {
		if src == nil {
			return hist, errors.New("model: Fit: nil data source")
		}
		if cfg.ValidationSplit > 0 && val == nil {
			return hist, errors.New("model: Fit: a validation split needs a *data.Dataset; give another source's validation data as ValidationData")
		}
		train = src
	}
	valSrc, valChecked, err := m.evalSource("Fit validation data", val, cfg.BatchSize)
	if err != nil {
		return hist, err
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
	steps := -1
	if s, ok := train.(data.Sized); ok {
		steps = s.NumBatches()
	}
	var last Logs
	metricNames := m.metricNames() // fixed for the run: not rebuilt per batch
	for e := cfg.InitialEpoch; e < cfg.Epochs; e++ {
		for _, cb := range cfg.Callbacks {
			if err := cb.OnEpochBegin(e); err != nil {
				return hist, err
			}
		}
		prog.epochBegin(e+1, cfg.Epochs, steps)
		m.ResetMetrics()
		var lossSum float64
		seen, s := 0, 0
		batchLogs := Logs{}
		for b, err := range train.Batches(e) {
			if err != nil {
				return hist, fmt.Errorf("model: Fit: reading batch %d of epoch %d: %w", s, e+1, err)
			}
			lv, err := m.fitStep(b, cfg.ClassWeight, checked)
			if err != nil {
				return hist, fmt.Errorf("%w (epoch %d, batch %d)", err, e+1, s)
			}
			if math.IsNaN(lv) || math.IsInf(lv, 0) {
				return hist, &NaNLossError{Epoch: e + 1, Batch: s, Loss: lv}
			}
			lossSum += lv * float64(b.N)
			seen += b.N
			s++
			clear(batchLogs)
			batchLogs["loss"] = lossSum / float64(seen)
			for _, mt := range m.metrics {
				batchLogs[mt.Name()] = mt.Result()
			}
			for _, cb := range cfg.Callbacks {
				if err := cb.OnBatchEnd(s-1, batchLogs); err != nil {
					return hist, err
				}
			}
			prog.step(s, batchLogs, metricNames)
			if m.stop { // a callback stopped training mid-epoch, as in Keras
				break
			}
		}
		if s == 0 {
			return hist, fmt.Errorf("model: Fit: the data source gave no batch in epoch %d", e+1)
		}
		prog.steps = s
		logs := Logs{}
		for k, v := range batchLogs {
			logs[k] = v
		}
		if m.replicas != nil { // the epoch's values over all replicas' samples
			if err := m.replicas.ReduceLogs(logs, seen); err != nil {
				return hist, fmt.Errorf("model: Fit: epoch %d: %w", e+1, err)
			}
		}
		if valSrc != nil {
			vl, _, err := m.evaluate("Fit validation data", valSrc, valChecked)
			if err != nil {
				return hist, fmt.Errorf("%w (validation after epoch %d)", err, e+1)
			}
			for k, v := range vl {
				logs["val_"+k] = v
			}
		}
		prog.epochEnd(logs, m.logNames(valSrc != nil))
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
