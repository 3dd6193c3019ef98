package model

import (
	"errors"
	"fmt"

	"github.com/tensile-ml/tensile/data"

	"github.com/tensile-ml/tensile/losses"
	"github.com/tensile-ml/tensile/metrics"
	"github.com/tensile-ml/tensile/optim"
)

// CompileNames is Compile with Keras-style names, as in
// model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
// metrics=["accuracy"]): optimizers with their default hyperparameters.
func (m *Model) CompileNames(optimizer, loss string, metricNames ...string) error {
	opt, err := optim.ByName(optimizer)
	if err != nil {
		return fmt.Errorf("model: Compile: %w", err)
	}
	l, err := losses.ByName(loss)
	if err != nil {
		return fmt.Errorf("model: Compile: %w", err)
	}
	ms := make([]metrics.Metric, 0, len(metricNames))
	for _, n := range metricNames {
		mt, err := metrics.ByName(n, l.Name())
		if err != nil {
			return fmt.Errorf("model: Compile: %w", err)
		}
		ms = append(ms, mt)
	}
	return m.Compile(opt, l, ms)
}

// CompileConfigMap compiles from a config map in the format Save stores
// under "tensile.compile" and spec files use under "compile": "optimizer"
// is a name or an optimizer config, "loss" a name or a loss config,
// "metrics" a list of names.
func (m *Model) CompileConfigMap(c map[string]any) error {
	var opt optim.Optimizer
	var err error
	switch o := c["optimizer"].(type) {
	case string:
		opt, err = optim.ByName(o)
	case map[string]any:
		opt, err = optim.FromConfig(o)
	case nil:
		opt, err = optim.ByName("adam")
	default:
		err = fmt.Errorf("optimizer must be a name or a config, got %T", o)
	}
	if err != nil {
		return fmt.Errorf("model: compile config: %w", err)
	}
	var l losses.Loss
	switch v := c["loss"].(type) {
	case string:
		l, err = losses.ByName(v)
	case map[string]any:
		l, err = losses.FromConfig(v)
	default:
		err = fmt.Errorf("loss must be a name or a config, got %T", v)
	}
	if err != nil {
		return fmt.Errorf("model: compile config: %w", err)
	}
	var ms []metrics.Metric
	if list, ok := c["metrics"].([]any); ok {
		for _, e := range list {
			name, ok := e.(string)
			if !ok {
				return fmt.Errorf("model: compile config: metric %v is not a name", e)
			}
			mt, err := metrics.ByName(name, l.Name())
			if err != nil {
				return fmt.Errorf("model: compile config: %w", err)
			}
			ms = append(ms, mt)
		}
	}
	return m.Compile(opt, l, ms)
}

// TrainOnBatch runs one training step (forward, backward and an optimizer
// update) on the samples idx of ds and returns the batch loss, like Keras's
// train_on_batch. Unlike Fit it does not scan the whole dataset's labels
// first; a bad label in the batch is still reported as an error.
func (m *Model) TrainOnBatch(ds *data.Dataset, idx []int) (float64, error) {
	if m.opt == nil || m.loss == nil {
		return 0, errors.New("model: TrainOnBatch: the model is not compiled")
	}
	if err := m.checkData("TrainOnBatch", ds, false); err != nil {
		return 0, err
	}
	if ds.Y == nil {
		return 0, errors.New("model: TrainOnBatch: the dataset has no labels")
	}
	if len(idx) == 0 {
		return 0, errors.New("model: TrainOnBatch: no sample indices")
	}
	for _, i := range idx {
		if i < 0 || i >= ds.N {
			return 0, fmt.Errorf("model: TrainOnBatch: sample index %d out of range [0, %d)", i, ds.N)
		}
	}
	a := m.arena()
	ss, ls := ds.SampleSize(), ds.LabelSize()
	x := a.Uninit(append([]int{len(idx)}, ds.XShape...)...)
	y := a.Uninit(append([]int{len(idx)}, ds.YShape...)...)
	xd, yd := x.Data(), y.Data()
	for k, i := range idx {
		copy(xd[k*ss:(k+1)*ss], ds.X[i*ss:(i+1)*ss])
		copy(yd[k*ls:(k+1)*ls], ds.Y[i*ls:(i+1)*ls])
	}
	m.stepIn[0] = x
	defer func() { m.stepIn[0] = nil }()
	if err := m.checkStep("TrainOnBatch", m.stepIn[:], y, nil, true); err != nil {
		a.Reset()
		return 0, err
	}
	return m.step(m.stepIn[:], y, nil)
}
