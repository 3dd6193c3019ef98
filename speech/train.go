package speech

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/tensile-ml/tensile/audio"
	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/losses"
	"github.com/tensile-ml/tensile/metrics"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/optim"
)

// Config holds a classifier's training settings.
type Config struct {
	Arch         string  // "cnn" (default) or "crnn"
	Epochs       int     // default 12
	BatchSize    int     // default 32
	LearningRate float32 // Adam; default 2e-3, quartered for the last third of the epochs
	Seed         uint64
	// Seconds is the fixed input length (default 1).
	Seconds float64
	// Features is the front end; the zero value means
	// audio.DefaultFeatures(SampleRate).
	Features   audio.FeatureConfig
	SampleRate int // default 8000
	// NoAugment turns off DefaultAugment.
	NoAugment bool
	Verbose   model.Verbosity
	Output    io.Writer
}

func (c *Config) defaults() {
	if c.Arch == "" {
		c.Arch = "cnn"
	}
	if c.Epochs <= 0 {
		c.Epochs = 12
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 32
	}
	if c.LearningRate <= 0 {
		c.LearningRate = 2e-3
	}
	if c.Seconds <= 0 {
		c.Seconds = 1
	}
	if c.SampleRate <= 0 {
		c.SampleRate = 8000
	}
	if c.Features.SampleRate == 0 {
		c.Features = audio.DefaultFeatures(c.SampleRate)
	}
}

// BuildClassifier returns the uncompiled network for arch ("cnn" or
// "crnn") over inputs of shape [T, F, 1] with k classes.
//
// Inputs are standardised features (Settings.Mean, Std). cnn: three conv(3×3, same, ReLU) + batch norm
// + 2×2 max-pool blocks of 32, 64 and 64 filters, dropout, a 128-unit dense
// layer and the softmax. crnn: two such blocks, the frequency and channel
// axes merged per frame, a 96-unit GRU and the softmax.
func BuildClassifier(arch string, inShape []int, k int) (*model.Model, error) {
	t, f := inShape[0], inShape[1]
	block := func(filters int) []nn.Layer {
		return []nn.Layer{
			nn.NewConv2D(filters, [2]int{3, 3}, nn.Conv2DConfig{Padding: "same", Activation: "relu"}),
			nn.NewBatchNormalization(nn.BatchNormConfig{Momentum: 0.9}),
			nn.NewMaxPooling2D([2]int{2, 2}, nn.PoolConfig{}),
		}
	}
	layers := []nn.Layer{model.InputShape(inShape...)}
	switch arch {
	case "cnn":
		layers = append(layers, block(32)...)
		layers = append(layers, block(64)...)
		layers = append(layers, block(64)...)
		layers = append(layers,
			nn.NewFlatten(),
			nn.NewDropout(0.3, nn.DropoutConfig{}),
			nn.NewDense(128, nn.DenseConfig{Activation: "relu"}),
			nn.NewDropout(0.3, nn.DropoutConfig{}),
			nn.NewDense(k, nn.DenseConfig{Activation: "softmax"}))
	case "crnn":
		layers = append(layers, block(32)...)
		layers = append(layers, block(64)...)
		layers = append(layers,
			nn.NewReshape(t/4, (f/4)*64),
			nn.NewDropout(0.2, nn.DropoutConfig{}),
			nn.NewGRU(96, nn.RNNConfig{}),
			nn.NewDropout(0.2, nn.DropoutConfig{}),
			nn.NewDense(k, nn.DenseConfig{Activation: "softmax"}))
	default:
		return nil, fmt.Errorf("speech: unknown architecture %q (want cnn or crnn)", arch)
	}
	return model.NewSequential(layers...), nil
}

// Train trains a classifier on waveforms (mono at cfg.SampleRate) with
// labels indexing classes. Each epoch re-draws the augmentation.
func Train(waves [][]float32, labels []int, classes []string, cfg Config) (*Recognizer, *model.History, error) {
	cfg.defaults()
	if len(waves) == 0 || len(waves) != len(labels) {
		return nil, nil, fmt.Errorf("speech: %d waveforms and %d labels", len(waves), len(labels))
	}
	if len(classes) < 2 {
		return nil, nil, errors.New("speech: a classifier needs at least 2 classes")
	}
	s := Settings{Features: cfg.Features, Samples: int(cfg.Seconds * float64(cfg.Features.SampleRate)), Classes: classes}
	m, err := BuildClassifier(cfg.Arch, s.InputShape(), len(classes))
	if err != nil {
		return nil, nil, err
	}
	r, err := NewRecognizer(m, s)
	if err != nil {
		return nil, nil, err
	}
	opt, err := optim.NewAdam(optim.AdamConfig{BaseConfig: optim.BaseConfig{LearningRate: cfg.LearningRate}})
	if err != nil {
		return nil, nil, err
	}
	if err := m.Compile(opt, losses.NewSparseCategoricalCrossentropy(losses.Options{}),
		[]metrics.Metric{metrics.NewSparseCategoricalAccuracy()}); err != nil {
		return nil, nil, err
	}
	if err := r.SetStandardization(waves); err != nil {
		return nil, nil, err
	}
	if err := checkLabels(labels, len(classes)); err != nil {
		return nil, nil, err
	}
	y := make([]float32, len(labels))
	for i, l := range labels {
		y[i] = float32(l)
	}
	var aug *Augment
	if !cfg.NoAugment {
		a := DefaultAugment
		aug = &a
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xa0d10))
	hist, err := fitEpochs(m, opt, cfg.LearningRate, cfg.Epochs, model.FitConfig{BatchSize: cfg.BatchSize,
		Seed: cfg.Seed, Verbose: cfg.Verbose, Output: cfg.Output}, func() (*data.Dataset, error) {
		return r.Dataset(waves, y, nil, aug, rng)
	})
	if err != nil {
		return nil, hist, err
	}
	return r, hist, nil
}

// fitEpochs trains m for epochs epochs, one Fit call per epoch on the
// dataset next draws afresh, with opt's learning rate lr quartered for the
// last third of the epochs. fc gives the batch size, output and base seed
// (epoch e uses fc.Seed+e). It returns the history of all epochs run, also
// when it stops at an error.
func fitEpochs(m *model.Model, opt *optim.Adam, lr float32, epochs int, fc model.FitConfig, next func() (*data.Dataset, error)) (*model.History, error) {
	hist := &model.History{Values: map[string][]float64{}}
	seed := fc.Seed
	for e := 0; e < epochs; e++ {
		if e == epochs*2/3 {
			opt.SetLearningRate(lr / 4)
		}
		ds, err := next()
		if err != nil {
			return hist, err
		}
		fc.Epochs, fc.InitialEpoch, fc.Seed = e+1, e, seed+uint64(e)
		h, err := m.Fit(ds, fc)
		for k, v := range h.Values {
			hist.Values[k] = append(hist.Values[k], v...)
		}
		hist.Epochs = append(hist.Epochs, h.Epochs...)
		if err != nil {
			return hist, err
		}
	}
	return hist, nil
}

// checkLabels reports the first label that is not a class index in [0, k).
func checkLabels(labels []int, k int) error {
	for i, l := range labels {
		if l < 0 || l >= k {
			return fmt.Errorf("speech: label %d of clip %d out of range for %d classes", l, i, k)
		}
	}
	return nil
}
