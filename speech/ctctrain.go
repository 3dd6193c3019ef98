package speech

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/tensile-ml/tensile/audio"
	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/optim"
)

// TrimSilence drops the leading and trailing stretch of x whose 20 ms frames
// are more than 30 dB below the loudest frame, keeping a 20 ms margin.
func TrimSilence(x []float32, rate int) []float32 {
	fl := max(1, rate/50)
	n := len(x) / fl
	if n == 0 {
		return x
	}
	e := make([]float64, n)
	peak := 0.0
	for i := range e {
		for _, v := range x[i*fl : (i+1)*fl] {
			e[i] += float64(v) * float64(v)
		}
		peak = math.Max(peak, e[i])
	}
	thr := peak * 1e-3
	lo, hi := 0, n-1
	for lo < n && e[lo] < thr {
		lo++
	}
	for hi > lo && e[hi] < thr {
		hi--
	}
	start := max(0, (lo-1)*fl)
	end := min(len(x), (hi+2)*fl)
	if start >= end {
		return x
	}
	return x[start:end]
}

// StringConfig sets how Strings joins clips into spoken digit strings.
type StringConfig struct {
	MinLen, MaxLen int     // digits per string (default 3 and 7)
	MinGap, MaxGap float64 // silence between clips in seconds (default 0.05, 0.25)
	MaxLead        float64 // silence before the first clip, up to (default 0.2 s)
	NoiseProb      float64 // probability of white noise at SNRMin..SNRMax dB
	SNRMin, SNRMax float64
}

func (c *StringConfig) defaults() {
	if c.MinLen <= 0 {
		c.MinLen = 3
	}
	if c.MaxLen < c.MinLen {
		c.MaxLen = max(c.MinLen, 7)
	}
	if c.MaxGap <= 0 {
		c.MinGap, c.MaxGap = 0.05, 0.25
	}
	if c.MaxLead <= 0 {
		c.MaxLead = 0.2
	}
}

// Strings makes n spoken strings by joining randomly drawn clips (trimmed of
// silence) with random silences, each at most maxSamples long (fewer
// digits are drawn when a string would not fit). It returns the waveforms
// and each string's labels.
func Strings(clips [][]float32, labels []int, n, rate, maxSamples int, cfg StringConfig, rng *rand.Rand) ([][]float32, [][]int, error) {
	cfg.defaults()
	if len(clips) == 0 || len(clips) != len(labels) {
		return nil, nil, fmt.Errorf("speech: %d clips and %d labels", len(clips), len(labels))
	}
	waves := make([][]float32, n)
	labs := make([][]int, n)
	for s := range waves {
		want := cfg.MinLen + rng.IntN(cfg.MaxLen-cfg.MinLen+1)
		var parts []int
		var gaps []int
		total := int(rng.Float64() * cfg.MaxLead * float64(rate))
		lead := total
		for len(parts) < want {
			j := rng.IntN(len(clips))
			gap := 0
			if len(parts) > 0 {
				gap = int((cfg.MinGap + rng.Float64()*(cfg.MaxGap-cfg.MinGap)) * float64(rate))
			}
			if total+gap+len(clips[j]) > maxSamples {
				if len(parts) == 0 {
					return nil, nil, fmt.Errorf("speech: clip %d (%d samples) is longer than the %d-sample input", j, len(clips[j]), maxSamples)
				}
				break
			}
			total += gap + len(clips[j])
			parts = append(parts, j)
			gaps = append(gaps, gap)
		}
		w := make([]float32, maxSamples)
		pos := lead
		for i, j := range parts {
			pos += gaps[i]
			copy(w[pos:], clips[j])
			pos += len(clips[j])
			labs[s] = append(labs[s], labels[j])
		}
		w = w[:pos+int(rng.Float64()*float64(maxSamples-pos))]
		if cfg.NoiseProb > 0 && rng.Float64() < cfg.NoiseProb {
			audio.AddNoise(w, cfg.SNRMin+rng.Float64()*(cfg.SNRMax-cfg.SNRMin), rng)
		}
		waves[s] = w
	}
	return waves, labs, nil
}

// BuildCTCModel returns the uncompiled CRNN for CTC over inputs [T, F, 1]
// and k symbols (the output has k+1 logits per step, the last the blank):
// conv(3×3, same, ReLU) + batch norm + max-pool
// blocks of 16, 32 and 32 filters pooling time by 8 and frequency by 4, the
// frequency and channel axes merged per step, a bidirectional 64-unit GRU
// returning every step, and a dense layer of logits.
func BuildCTCModel(inShape []int, k int) *model.Model {
	t, f := inShape[0], inShape[1]
	block := func(filters int, pool [2]int) []nn.Layer {
		return []nn.Layer{
			nn.NewConv2D(filters, [2]int{3, 3}, nn.Conv2DConfig{Padding: "same", Activation: "relu"}),
			nn.NewBatchNormalization(nn.BatchNormConfig{Momentum: 0.9}),
			nn.NewMaxPooling2D(pool, nn.PoolConfig{}),
		}
	}
	layers := []nn.Layer{model.InputShape(inShape...)}
	layers = append(layers, block(16, [2]int{2, 2})...)
	layers = append(layers, block(32, [2]int{2, 2})...)
	layers = append(layers, block(32, [2]int{2, 1})...)
	layers = append(layers,
		nn.NewReshape(t/8, (f/4)*32),
		nn.NewDropout(0.2, nn.DropoutConfig{}),
		nn.NewBidirectional(nn.NewGRU(64, nn.RNNConfig{ReturnSequences: true}), nn.BidirectionalConfig{}),
		nn.NewDense(k+1, nn.DenseConfig{}))
	return model.NewSequential(layers...)
}

// CTCConfig holds the CTC recogniser's training settings.
type CTCConfig struct {
	Epochs       int     // default 15
	Strings      int     // training strings drawn afresh each epoch (default 2000)
	BatchSize    int     // default 32
	LearningRate float32 // Adam; default 2e-3, quartered for the last third
	Seed         uint64
	Seconds      float64 // input length (default 4.5)
	SampleRate   int     // default 8000
	Features     audio.FeatureConfig
	StringConfig StringConfig
	Verbose      model.Verbosity
	Output       io.Writer
}

func (c *CTCConfig) defaults() {
	if c.Epochs <= 0 {
		c.Epochs = 15
	}
	if c.Strings <= 0 {
		c.Strings = 2000
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 32
	}
	if c.LearningRate <= 0 {
		c.LearningRate = 2e-3
	}
	if c.Seconds <= 0 {
		c.Seconds = 4.5
	}
	if c.SampleRate <= 0 {
		c.SampleRate = 8000
	}
	if c.Features.SampleRate == 0 {
		c.Features = audio.DefaultFeatures(c.SampleRate)
	}
}

// TrainCTC trains a CTC recogniser of digit strings made from single-word
// clips (mono at cfg.SampleRate) with labels indexing classes. Each epoch
// draws new strings.
func TrainCTC(clips [][]float32, labels []int, classes []string, cfg CTCConfig) (*Recognizer, *model.History, error) {
	cfg.defaults()
	if len(clips) == 0 || len(clips) != len(labels) {
		return nil, nil, fmt.Errorf("speech: %d clips and %d labels", len(clips), len(labels))
	}
	if len(classes) < 1 {
		return nil, nil, errors.New("speech: no classes")
	}
	if err := checkLabels(labels, len(classes)); err != nil {
		return nil, nil, err
	}
	s := Settings{Features: cfg.Features, Samples: int(cfg.Seconds * float64(cfg.Features.SampleRate)), Classes: classes, CTC: true}
	m := BuildCTCModel(s.InputShape(), len(classes))
	r, err := NewRecognizer(m, s)
	if err != nil {
		return nil, nil, err
	}
	opt, err := optim.NewAdam(optim.AdamConfig{BaseConfig: optim.BaseConfig{LearningRate: cfg.LearningRate}})
	if err != nil {
		return nil, nil, err
	}
	if err := m.Compile(opt, NewCTCLoss(), nil); err != nil {
		return nil, nil, err
	}
	trimmed := make([][]float32, len(clips))
	for i, c := range clips {
		trimmed[i] = TrimSilence(c, cfg.Features.SampleRate)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xc7c))
	sample, _, err := Strings(trimmed, labels, 200, cfg.Features.SampleRate, s.Samples, cfg.StringConfig, rng)
	if err != nil {
		return nil, nil, err
	}
	if err := r.SetStandardization(sample); err != nil {
		return nil, nil, err
	}
	sc := cfg.StringConfig
	if sc.NoiseProb == 0 {
		sc.NoiseProb, sc.SNRMin, sc.SNRMax = 0.5, 15, 40
	}
	hist, err := fitEpochs(m, opt, cfg.LearningRate, cfg.Epochs, model.FitConfig{BatchSize: cfg.BatchSize,
		Seed: cfg.Seed, Verbose: cfg.Verbose, Output: cfg.Output}, func() (*data.Dataset, error) {
		waves, labs, err := Strings(trimmed, labels, cfg.Strings, cfg.Features.SampleRate, s.Samples, sc, rng)
		if err != nil {
			return nil, err
		}
		return r.ctcDataset(waves, labs, rng)
	})
	if err != nil {
		return nil, hist, err
	}
	return r, hist, nil
}

// ctcDataset holds strings (placed at the start of the input) with their
// labels padded by -1; rng != nil adds SpecAugment masks.
func (r *Recognizer) ctcDataset(waves [][]float32, labs [][]int, rng *rand.Rand) (*data.Dataset, error) {
	l := 1
	for _, lb := range labs {
		l = max(l, len(lb))
	}
	y := make([]float32, len(labs)*l)
	for i, lb := range labs {
		for j := range l {
			y[i*l+j] = -1
			if j < len(lb) {
				y[i*l+j] = float32(lb[j])
			}
		}
	}
	var aug *Augment
	if rng != nil {
		aug = &Augment{FreqMasks: 1, FreqWidth: 4, TimeMasks: 2, TimeWidth: 5}
	}
	return r.Dataset(waves, y, []int{l}, aug, rng)
}

// Transcribe decodes each waveform (mono at the settings' rate) with a CTC
// model: greedy best-path decoding when beam <= 1, else prefix beam search
// of that width. It returns class indices.
func (r *Recognizer) Transcribe(waves [][]float32, beam int) ([][]int, error) {
	if !r.Settings.CTC {
		return nil, errors.New("speech: Transcribe needs a CTC model")
	}
	ds, err := r.Dataset(waves, nil, nil, nil, nil)
	if err != nil {
		return nil, err
	}
	p, err := r.Model.Predict(ds, model.EvalConfig{BatchSize: 32, Verbose: model.VerboseSilent})
	if err != nil {
		return nil, err
	}
	sh := p.Shape()
	if len(sh) != 3 || sh[2] != len(r.Settings.Classes)+1 {
		return nil, fmt.Errorf("speech: CTC model output %v, want [B, T, %d]", sh, len(r.Settings.Classes)+1)
	}
	t, k := sh[1], sh[2]
	d := p.Data()
	out := make([][]int, len(waves))
	for i := range out {
		lg := d[i*t*k : (i+1)*t*k]
		if beam <= 1 {
			out[i] = GreedyDecode(lg, t, k)
		} else {
			out[i], _ = BeamDecode(lg, t, k, beam)
		}
	}
	return out, nil
}

// ErrorRate returns Σ edit distance / Σ reference length (the digit or
// word error rate) of hypotheses against references.
func ErrorRate(hyp, ref [][]int) float64 {
	var e, n int
	for i := range ref {
		e += EditDistance(hyp[i], ref[i])
		n += len(ref[i])
	}
	return float64(e) / float64(max(1, n))
}
