package model

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/metrics"
	"github.com/tensile-ml/tensile/tensor"
)

// Concurrent inference.
//
// Evaluate, Predict and Call may run from many goroutines at once on one
// built model (a server answering requests): each call takes its own arena
// from a pool, runs its inputs in tensor inference mode (no graph, nothing
// written to the weights) and keeps its own loss sums. Compiled metrics
// that implement Clone() metrics.Metric are cloned per call; Evaluate calls
// with other metrics take turns on them. None of these may run
// concurrently with Fit or TrainStep, which change the weights.

// getArena returns an inference arena from the model's pool.
func (m *Model) getArena() *tensor.Arena {
	if a, ok := m.arenas.Get().(*tensor.Arena); ok {
		return a
	}
	return tensor.NewArena()
}

func (m *Model) putArena(a *tensor.Arena) {
	a.Reset()
	m.arenas.Put(a)
}

// evalMetrics returns the metrics one evaluation uses and the function to
// call when it is done: per-call clones when every metric can be cloned,
// else the compiled metrics themselves, held under the model's lock.
func (m *Model) evalMetrics() ([]metrics.Metric, func()) {
	if len(m.metrics) == 0 {
		return nil, func() {}
	}
	ms := make([]metrics.Metric, len(m.metrics))
	for i, mt := range m.metrics {
		c, ok := mt.(metrics.Cloner)
		if !ok {
			m.metricMu.Lock()
			return m.metrics, m.metricMu.Unlock
		}
		ms[i] = c.Clone()
	}
	return ms, func() {}
}

// evalSource validates evaluation data and returns it as a source: a
// *data.Dataset is checked against the model and batched by batch; a nil
// source (or nil *data.Dataset) gives nil. checked reports that the
// dataset's shapes and labels were validated up front.
func (m *Model) evalSource(what string, src data.Source, batch int) (s data.Source, checked bool, err error) {
	if src == nil {
		return nil, false, nil
	}
	if ds, ok := src.(*data.Dataset); ok {
		if ds == nil {
			return nil, false, nil
		}
		if err := m.checkData(what, ds, true); err != nil {
			return nil, false, err
		}
		return data.NewLoader(ds, data.LoaderOptions{BatchSize: batch}), true, nil
	}
	return src, false, nil
}

// Evaluate returns the loss and metrics of the model on src (a
// *data.Dataset, batched by cfg.BatchSize, or any data.Source: its epoch-0
// batches), computed in inference mode without gradients. It is safe to
// call from several goroutines at once (see Predict).
func (m *Model) Evaluate(src data.Source, cfg EvalConfig) (Logs, error) {
	if m.loss == nil {
		return nil, errors.New("model: Evaluate: the model is not compiled")
	}
	if cfg.BatchSize < 0 {
		return nil, fmt.Errorf("model: Evaluate: batch size %d must be positive", cfg.BatchSize)
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 32
	}
	if ds, ok := src.(*data.Dataset); src == nil || ok && ds == nil {
		return nil, errors.New("model: Evaluate: nil dataset")
	}
	s, checked, err := m.evalSource("Evaluate", src, cfg.BatchSize)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	logs, steps, err := m.evaluate("Evaluate", s, checked)
	if err != nil {
		return nil, err
	}
	out := cfg.Output
	if out == nil {
		out = os.Stdout
	}
	if cfg.Verbose != VerboseSilent {
		fmt.Fprintf(out, "%d/%d - %s%s\n", steps, steps, fmtDuration(time.Since(start)), fmtLogs(logs, m.metricNames()))
	}
	return logs, nil
}

// evaluate runs the model over the epoch-0 batches of src and returns the
// logs and the number of batches.
func (m *Model) evaluate(what string, src data.Source, checked bool) (logs Logs, steps int, err error) {
	ms, done := m.evalMetrics()
	defer done()
	for _, mt := range ms {
		mt.Reset()
	}
	a := m.getArena()
	defer m.putArena(a)
	var lossSum float64
	n := 0
	for b, err := range src.Batches(0) {
		if err != nil {
			return nil, steps, fmt.Errorf("model: %s: reading batch %d: %w", what, steps, err)
		}
		if !checked {
			if err := data.CheckBatch(b); err != nil {
				return nil, steps, fmt.Errorf("model: %s: %w", what, err)
			}
			if b.Y == nil {
				return nil, steps, fmt.Errorf("model: %s: the batch has no labels", what)
			}
		}
		x, y := batchTensors(a, b)
		x.InferenceMode() // no graph, other goroutines unaffected
		in := []*tensor.Tensor{x}
		if !checked {
			if err := m.checkStep(what, in, y, nil, true); err != nil {
				a.Reset()
				return nil, steps, err
			}
		}
		func() {
			var cur *Node
			defer guard(&cur, &err)
			out := m.run(in, false, false, &cur)[0]
			cur = nil
			per := m.loss.PerSample(y, out)
			lossSum += float64(tensor.Sum(per, nil, false).Item())
			for _, mt := range ms {
				mt.Update(y, out)
			}
		}()
		a.Reset()
		if err != nil {
			return nil, steps, err
		}
		n += b.N
		steps++
	}
	if n == 0 {
		return nil, 0, fmt.Errorf("model: %s: no samples", what)
	}
	// As in Keras, the reported loss includes the weight penalties.
	logs = Logs{"loss": lossSum/float64(n) + m.regularization()}
	for _, mt := range ms {
		logs[mt.Name()] = mt.Result()
	}
	return logs, steps, nil
}

// Predict returns the model's outputs for every sample of ds (labels are
// ignored), computed in inference mode in batches without gradients.
// Predict and Evaluate are safe to call from several goroutines at once on
// one built model: each call has its own arena.
func (m *Model) Predict(ds *data.Dataset, cfg EvalConfig) (pred *tensor.Tensor, err error) {
	if err := m.checkData("Predict", ds, false); err != nil {
		return nil, err
	}
	if cfg.BatchSize < 0 {
		return nil, fmt.Errorf("model: Predict: batch size %d must be positive", cfg.BatchSize)
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 32
	}
	a := m.getArena()
	defer m.putArena(a)
	outShape := m.outputs[0].shape
	per := 1
	for _, d := range outShape {
		per *= d
	}
	res := make([]float32, 0, ds.N*per)
	ss := ds.SampleSize()
	for lo := 0; lo < ds.N; lo += cfg.BatchSize {
		hi := min(lo+cfg.BatchSize, ds.N)
		x := a.Uninit(append([]int{hi - lo}, ds.XShape...)...)
		copy(x.Data(), ds.X[lo*ss:hi*ss])
		x.InferenceMode() // no graph, other goroutines unaffected
		func() {
			var cur *Node
			defer guard(&cur, &err)
			out := m.run([]*tensor.Tensor{x}, false, false, &cur)[0]
			res = append(res, out.Data()...)
		}()
		a.Reset()
		if err != nil {
			return nil, err
		}
	}
	return tensor.FromSlice(res, append([]int{ds.N}, outShape...)...), nil
}
