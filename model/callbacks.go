package model

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Callback observes training. Fit calls OnTrainBegin once with the model
// (keep it to call StopTraining or read weights), then per epoch
// OnEpochBegin, OnBatchEnd after each batch (running epoch averages) and
// OnEpochEnd (with validation values), and OnTrainEnd with the last epoch's
// logs. An error from a callback stops Fit, which returns it. Embed
// BaseCallback to implement only some methods.
type Callback interface {
	OnTrainBegin(m *Model) error
	OnTrainEnd(logs Logs) error
	OnEpochBegin(epoch int) error
	OnEpochEnd(epoch int, logs Logs) error
	OnBatchEnd(batch int, logs Logs) error
}

// BaseCallback implements Callback with methods that do nothing.
type BaseCallback struct{}

func (BaseCallback) OnTrainBegin(*Model) error  { return nil }
func (BaseCallback) OnTrainEnd(Logs) error      { return nil }
func (BaseCallback) OnEpochBegin(int) error     { return nil }
func (BaseCallback) OnEpochEnd(int, Logs) error { return nil }
func (BaseCallback) OnBatchEnd(int, Logs) error { return nil }
func (BaseCallback) String() string             { return "callback" }

// monitorMode resolves "min"/"max"/"auto" for a monitored key: auto means
// max for accuracies and AUC, min otherwise (as Keras).
func monitorMode(mode, monitor string) (better func(a, b, delta float64) bool, err error) {
	if mode == "" || mode == "auto" {
		mode = "min"
		if strings.Contains(monitor, "acc") || strings.Contains(monitor, "auc") {
			mode = "max"
		}
	}
	switch mode {
	case "min":
		return func(a, b, d float64) bool { return a < b-d }, nil
	case "max":
		return func(a, b, d float64) bool { return a > b+d }, nil
	}
	return nil, fmt.Errorf("model: mode must be \"auto\", \"min\" or \"max\", got %q", mode)
}

func monitored(logs Logs, key, who string) (float64, error) {
	v, ok := logs[key]
	if !ok {
		keys := make([]string, 0, len(logs))
		for k := range logs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return 0, fmt.Errorf("model: %s: monitored value %q is not in the logs %v", who, key, keys)
	}
	return v, nil
}

// EarlyStopping stops training when a monitored value stops improving.
type EarlyStopping struct {
	BaseCallback
	Monitor  string  // default "val_loss"
	MinDelta float64 // smallest change counted as an improvement
	Patience int     // epochs without improvement before stopping
	Mode     string  // "auto" (default), "min" or "max"
	// RestoreBestWeights restores the weights of the best epoch when
	// training stops or ends.
	RestoreBestWeights bool

	// StoppedEpoch is the epoch at which training stopped (0: it did not).
	StoppedEpoch int
	// BestEpoch is the 0-based epoch with the best monitored value.
	BestEpoch int

	m      *Model
	better func(a, b, d float64) bool
	best   float64
	wait   int
	saved  [][]float32
}

func (c *EarlyStopping) OnTrainBegin(m *Model) error {
	if c.Monitor == "" {
		c.Monitor = "val_loss"
	}
	var err error
	if c.better, err = monitorMode(c.Mode, c.Monitor); err != nil {
		return err
	}
	c.m, c.wait, c.StoppedEpoch, c.BestEpoch, c.saved = m, 0, 0, 0, nil
	c.best = math.NaN()
	return nil
}

func (c *EarlyStopping) OnEpochEnd(epoch int, logs Logs) error {
	v, err := monitored(logs, c.Monitor, "EarlyStopping")
	if err != nil {
		return err
	}
	if math.IsNaN(c.best) || c.better(v, c.best, c.MinDelta) {
		c.best, c.wait, c.BestEpoch = v, 0, epoch
		if c.RestoreBestWeights {
			c.saved = snapshot(c.m)
		}
		return nil
	}
	c.wait++
	if c.wait >= c.Patience {
		c.StoppedEpoch = epoch + 1
		c.m.StopTraining()
	}
	return nil
}

func (c *EarlyStopping) OnTrainEnd(Logs) error {
	if c.RestoreBestWeights && c.saved != nil {
		restore(c.m, c.saved)
	}
	return nil
}

func snapshot(m *Model) [][]float32 {
	ws := m.Weights()
	out := make([][]float32, len(ws))
	for i, w := range ws {
		out[i] = w.Float32s()
	}
	return out
}

func restore(m *Model, s [][]float32) {
	for i, w := range m.Weights() {
		w.CopyFromSlice(s[i])
	}
}

// ModelCheckpoint saves the model (with optimizer state) after epochs. The
// path may contain "{epoch}", replaced by the 1-based epoch number.
type ModelCheckpoint struct {
	BaseCallback
	Path         string
	Monitor      string // default "val_loss"
	Mode         string // "auto" (default), "min" or "max"
	SaveBestOnly bool   // save only when the monitored value improves

	m      *Model
	better func(a, b, d float64) bool
	best   float64
}

func (c *ModelCheckpoint) OnTrainBegin(m *Model) error {
	if c.Path == "" {
		return fmt.Errorf("model: ModelCheckpoint: empty path")
	}
	if c.Monitor == "" {
		c.Monitor = "val_loss"
	}
	var err error
	c.better, err = monitorMode(c.Mode, c.Monitor)
	c.m, c.best = m, math.NaN()
	return err
}

func (c *ModelCheckpoint) OnEpochEnd(epoch int, logs Logs) error {
	if c.SaveBestOnly {
		v, err := monitored(logs, c.Monitor, "ModelCheckpoint")
		if err != nil {
			return err
		}
		if !math.IsNaN(c.best) && !c.better(v, c.best, 0) {
			return nil
		}
		c.best = v
	}
	return c.m.Save(strings.ReplaceAll(c.Path, "{epoch}", strconv.Itoa(epoch+1)))
}

// ReduceLROnPlateau multiplies the learning rate by Factor when a
// monitored value has not improved for Patience epochs.
type ReduceLROnPlateau struct {
	BaseCallback
	Monitor  string  // default "val_loss"
	Factor   float64 // default 0.1
	Patience int     // default 10
	MinDelta float64 // default 1e-4
	Cooldown int     // epochs to wait after a reduction
	MinLR    float64
	Mode     string

	m        *Model
	better   func(a, b, d float64) bool
	best     float64
	wait     int
	cooldown int
}

func (c *ReduceLROnPlateau) OnTrainBegin(m *Model) error {
	if c.Monitor == "" {
		c.Monitor = "val_loss"
	}
	if c.Factor == 0 {
		c.Factor = 0.1
	}
	if c.Factor >= 1 || c.Factor < 0 {
		return fmt.Errorf("model: ReduceLROnPlateau: factor %g must be in (0, 1)", c.Factor)
	}
	if c.Patience == 0 {
		c.Patience = 10
	}
	if c.MinDelta == 0 {
		c.MinDelta = 1e-4
	}
	var err error
	c.better, err = monitorMode(c.Mode, c.Monitor)
	c.m, c.best, c.wait, c.cooldown = m, math.NaN(), 0, 0
	return err
}

func (c *ReduceLROnPlateau) OnEpochEnd(epoch int, logs Logs) error {
	v, err := monitored(logs, c.Monitor, "ReduceLROnPlateau")
	if err != nil {
		return err
	}
	logs["lr"] = float64(c.m.opt.LearningRate())
	if c.cooldown > 0 {
		c.cooldown--
		c.wait = 0
	}
	if math.IsNaN(c.best) || c.better(v, c.best, c.MinDelta) {
		c.best, c.wait = v, 0
		return nil
	}
	if c.cooldown > 0 {
		return nil
	}
	c.wait++
	if c.wait >= c.Patience {
		lr := float64(c.m.opt.LearningRate())
		if nl := math.Max(lr*c.Factor, c.MinLR); nl < lr {
			c.m.opt.SetLearningRate(float32(nl))
		}
		c.cooldown, c.wait = c.Cooldown, 0
	}
	return nil
}

// CSVLogger writes one CSV row per epoch (epoch, then the log keys sorted)
// to Path.
type CSVLogger struct {
	BaseCallback
	Path   string
	Append bool

	f    *os.File
	w    *csv.Writer
	keys []string
}

func (c *CSVLogger) OnTrainBegin(*Model) error {
	flag := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if c.Append {
		flag = os.O_CREATE | os.O_WRONLY | os.O_APPEND
	}
	var keys []string
	if c.Append {
		// Appending to an earlier log: keep its columns, write no header.
		if old, err := os.Open(c.Path); err == nil {
			header, rerr := csv.NewReader(old).Read()
			old.Close()
			if rerr == nil && len(header) > 0 && header[0] == "epoch" {
				keys = header[1:]
			}
		}
	}
	f, err := os.OpenFile(c.Path, flag, 0o644)
	if err != nil {
		return fmt.Errorf("model: CSVLogger: %w", err)
	}
	c.f, c.w, c.keys = f, csv.NewWriter(f), keys
	return nil
}

func (c *CSVLogger) OnEpochEnd(epoch int, logs Logs) error {
	if c.keys == nil {
		for k := range logs {
			c.keys = append(c.keys, k)
		}
		sort.Strings(c.keys)
		if err := c.w.Write(append([]string{"epoch"}, c.keys...)); err != nil {
			return err
		}
	}
	row := []string{strconv.Itoa(epoch)}
	for _, k := range c.keys {
		row = append(row, strconv.FormatFloat(logs[k], 'g', -1, 64))
	}
	if err := c.w.Write(row); err != nil {
		return err
	}
	c.w.Flush()
	return c.w.Error()
}

func (c *CSVLogger) OnTrainEnd(Logs) error {
	if c.f == nil {
		return nil
	}
	c.w.Flush()
	err := c.f.Close()
	c.f = nil
	return err
}

// TerminateOnNaN stops training after an epoch whose logged values
// (including validation values) are NaN or infinite. (A NaN training loss
// already makes Fit return a *NaNLossError at the batch where it appears.)
type TerminateOnNaN struct {
	BaseCallback
	m *Model
}

func (c *TerminateOnNaN) OnTrainBegin(m *Model) error { c.m = m; return nil }

func (c *TerminateOnNaN) OnEpochEnd(_ int, logs Logs) error {
	for _, v := range logs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			c.m.StopTraining()
		}
	}
	return nil
}
