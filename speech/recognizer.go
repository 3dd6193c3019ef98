package speech

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tensile-ml/tensile/audio"
	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/internal/floats"
	"github.com/tensile-ml/tensile/internal/parallel"
	"github.com/tensile-ml/tensile/model"
)

// MetadataKey is the model metadata key that holds a speech model's
// Settings (model.SetMetadata / Metadata).
const MetadataKey = "speech"

// Settings is everything besides the weights that a speech model needs to
// turn a WAV file into its input: the feature front end, the fixed input
// length, the class names and, for CTC models, the output alphabet.
type Settings struct {
	Features audio.FeatureConfig `json:"features"`
	// Samples is the fixed input length in samples at Features.SampleRate:
	// shorter audio is padded with silence (centred), longer audio keeps
	// its loudest stretch of this length.
	Samples int      `json:"samples"`
	Classes []string `json:"classes"`
	// CTC marks a sequence model: its output is per-frame logits over
	// Classes plus a final blank symbol, decoded to a string of classes.
	CTC bool `json:"ctc,omitempty"`
	// Mean and Std standardise each feature dimension (computed from the
	// training data by Train); empty means none.
	Mean []float32 `json:"mean,omitempty"`
	Std  []float32 `json:"std,omitempty"`
}

// Frames returns the number of feature frames per input.
func (s Settings) Frames() int {
	hop := s.Features.STFT.Hop
	if s.Features.STFT.NoCenter {
		return (s.Samples-s.Features.STFT.NFFT)/hop + 1
	}
	return s.Samples/hop + 1
}

// InputShape returns the model's per-sample input shape [T, F, 1].
func (s Settings) InputShape() []int { return []int{s.Frames(), s.Features.Dim(), 1} }

// Validate checks the settings.
func (s Settings) Validate() error {
	if err := s.Features.Validate(); err != nil {
		return err
	}
	if s.Samples < s.Features.STFT.NFFT || s.Samples > 3600*s.Features.SampleRate {
		return fmt.Errorf("speech: input length %d samples out of range", s.Samples)
	}
	if len(s.Classes) < 1 {
		return errors.New("speech: no class names")
	}
	if len(s.Mean) != len(s.Std) || len(s.Mean) != 0 && len(s.Mean) != s.Features.Dim() {
		return fmt.Errorf("speech: %d means and %d deviations for %d features", len(s.Mean), len(s.Std), s.Features.Dim())
	}
	for _, v := range s.Std {
		if !(v > 0) {
			return fmt.Errorf("speech: feature deviation %v is not positive", v)
		}
	}
	return nil
}

// Recognizer is a trained speech model with its Settings.
type Recognizer struct {
	Model    *model.Model
	Settings Settings
	ex       *audio.Extractor
}

// NewRecognizer pairs a model with its settings.
func NewRecognizer(m *model.Model, s Settings) (*Recognizer, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	ex, err := audio.NewExtractor(s.Features)
	if err != nil {
		return nil, err
	}
	return &Recognizer{Model: m, Settings: s, ex: ex}, nil
}

// FromModel returns the Recognizer of a model saved with speech settings;
// ok is false for other models.
func FromModel(m *model.Model) (r *Recognizer, ok bool, err error) {
	b, ok := m.Metadata(MetadataKey)
	if !ok {
		return nil, false, nil
	}
	var s Settings
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, true, fmt.Errorf("speech settings: %w", err)
	}
	r, err = NewRecognizer(m, s)
	if err != nil {
		return nil, true, err
	}
	want := s.InputShape()
	if in := m.InputShapes(); len(in) != 1 || fmt.Sprint(in[0]) != fmt.Sprint(want) {
		return nil, true, fmt.Errorf("speech settings give inputs %v, the model takes %v", want, in)
	}
	return r, true, nil
}

// Load loads a model file saved by Save.
func Load(path string) (*Recognizer, error) {
	m, err := model.Load(path)
	if err != nil {
		return nil, err
	}
	r, ok, err := FromModel(m)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !ok {
		return nil, fmt.Errorf("%s: not a speech model (no %q metadata)", path, MetadataKey)
	}
	return r, nil
}

// Save writes the model with its settings.
func (r *Recognizer) Save(path string) error {
	b, err := json.Marshal(r.Settings)
	if err != nil {
		return err
	}
	if err := r.Model.SetMetadata(MetadataKey, b); err != nil {
		return err
	}
	return r.Model.Save(path)
}

// Fit places x (mono samples at the settings' rate) in the fixed input
// window: centred when offset < 0, else at offset when it is shorter; the
// loudest stretch when it is longer.
func (s Settings) Fit(x []float32, offset int) []float32 {
	n := s.Samples
	out := make([]float32, n)
	if len(x) <= n {
		if offset < 0 {
			offset = (n - len(x)) / 2
		}
		offset = min(offset, n-len(x))
		copy(out[offset:], x)
		return out
	}
	// Loudest window: running energy sum.
	var e, best float64
	for _, v := range x[:n] {
		e += float64(v) * float64(v)
	}
	best = e
	start := 0
	for i := n; i < len(x); i++ {
		e += float64(x[i])*float64(x[i]) - float64(x[i-n])*float64(x[i-n])
		if e > best {
			best, start = e, i-n+1
		}
	}
	copy(out, x[start:start+n])
	return out
}

// Features returns the model input of one fixed-length window of samples,
// frame-major ([T, F] flattened).
func (r *Recognizer) Features(window []float32) ([]float32, error) {
	f, err := r.ex.Features(window, r.Settings.Features.SampleRate)
	if err != nil {
		return nil, err
	}
	r.standardize(f)
	return f.Data, nil
}

// standardize applies Settings.Mean and Std in place.
func (r *Recognizer) standardize(f *audio.Spectrogram) {
	if len(r.Settings.Mean) != f.Bins {
		return
	}
	for t := 0; t < f.Frames; t++ {
		row := f.Row(t)
		for j := range row {
			row[j] = (row[j] - r.Settings.Mean[j]) / r.Settings.Std[j]
		}
	}
}

// SetStandardization computes per-feature means and deviations over the
// features of waves (placed with Fit, not augmented) and stores them in the
// settings.
func (r *Recognizer) SetStandardization(waves [][]float32) error {
	r.Settings.Mean, r.Settings.Std = nil, nil
	ds, err := r.Dataset(waves, nil, nil, nil, nil)
	if err != nil {
		return err
	}
	d := r.Settings.Features.Dim()
	sum := make([]float64, d)
	sq := make([]float64, d)
	n := len(ds.X) / d
	for i, v := range ds.X {
		sum[i%d] += float64(v)
		sq[i%d] += float64(v) * float64(v)
	}
	mean := make([]float32, d)
	std := make([]float32, d)
	for j := range mean {
		m := sum[j] / float64(n)
		mean[j] = float32(m)
		std[j] = float32(math.Sqrt(max(sq[j]/float64(n)-m*m, 0)) + 1e-3)
	}
	r.Settings.Mean, r.Settings.Std = mean, std
	return nil
}

// Augment holds the training-time augmentation ranges; the zero value
// turns augmentation off.
type Augment struct {
	Shift     float64 // move short clips up to ±Shift seconds from the centre
	GainDB    float64 // random gain in ±GainDB
	NoiseProb float64 // probability of adding white noise
	SNRMin    float64 // noise SNR range in dB
	SNRMax    float64
	FreqMasks int // SpecAugment frequency masks of up to FreqWidth bins
	FreqWidth int
	TimeMasks int // SpecAugment time masks of up to TimeWidth frames
	TimeWidth int
}

// DefaultAugment is the augmentation train-audio uses.
var DefaultAugment = Augment{Shift: 0.1, GainDB: 6, NoiseProb: 0.3, SNRMin: 20, SNRMax: 40, FreqMasks: 1, FreqWidth: 4, TimeMasks: 1, TimeWidth: 6}

// Dataset computes the features of every waveform (placed with Fit) into an
// in-memory data set with the given labels (nil: unlabelled). With aug
// and rng it augments each waveform first (time shift, gain, noise) and its
// features after (SpecAugment masks filled with the clip's mean).
func (r *Recognizer) Dataset(waves [][]float32, labels []float32, labelShape []int, aug *Augment, rng *rand.Rand) (*data.Dataset, error) {
	shape := r.Settings.InputShape()
	per := shape[0] * shape[1]
	x := make([]float32, len(waves)*per)
	seeds := make([]uint64, len(waves))
	if rng != nil {
		for i := range seeds {
			seeds[i] = rng.Uint64()
		}
	}
	errs := make([]error, len(waves))
	parallel.Each(len(waves), func(i int) {
		errs[i] = r.features(x[i*per:(i+1)*per], waves[i], aug, seeds[i])
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return data.New(x, shape, labels, labelShape)
}

func (r *Recognizer) features(dst, wave []float32, aug *Augment, seed uint64) error {
	if len(wave) == 0 {
		return errors.New("speech: zero-length audio")
	}
	if aug == nil {
		f, err := r.Features(r.Settings.Fit(wave, -1))
		if err != nil {
			return err
		}
		copy(dst, f)
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eec))
	off := -1
	if aug.Shift > 0 && len(wave) < r.Settings.Samples {
		c := (r.Settings.Samples - len(wave)) / 2
		d := int(aug.Shift * float64(r.Settings.Features.SampleRate))
		off = max(0, min(2*c, c-d+rng.IntN(2*d+1)))
	}
	wave = append([]float32(nil), wave...)
	if aug.GainDB > 0 {
		audio.Gain(wave, (2*rng.Float64()-1)*aug.GainDB)
	}
	if aug.NoiseProb > 0 && rng.Float64() < aug.NoiseProb {
		// SNR relative to the clip, before it is padded with silence.
		audio.AddNoise(wave, aug.SNRMin+rng.Float64()*(aug.SNRMax-aug.SNRMin), rng)
	}
	w := r.Settings.Fit(wave, off)
	fd, err := r.ex.Features(w, r.Settings.Features.SampleRate)
	if err != nil {
		return err
	}
	r.standardize(fd)
	var mean float64
	for _, v := range fd.Data {
		mean += float64(v)
	}
	fill := float32(mean / float64(len(fd.Data)))
	audio.FreqMask(fd, aug.FreqMasks, aug.FreqWidth, fill, rng)
	audio.TimeMask(fd, aug.TimeMasks, aug.TimeWidth, fill, rng)
	copy(dst, fd.Data)
	return nil
}

// Prediction is one input's classification.
type Prediction struct {
	Class         string    `json:"class"`
	Index         int       `json:"index"`
	Probability   float32   `json:"probability"`
	Probabilities []float32 `json:"probabilities"`
}

// Classify returns the class probabilities of each waveform (mono, at the
// settings' rate).
func (r *Recognizer) Classify(waves [][]float32) ([]Prediction, error) {
	if r.Settings.CTC {
		return nil, errors.New("speech: a CTC model transcribes (Transcribe), it does not classify")
	}
	ds, err := r.Dataset(waves, nil, nil, nil, nil)
	if err != nil {
		return nil, err
	}
	p, err := r.Model.Predict(ds, model.EvalConfig{BatchSize: 64, Verbose: model.VerboseSilent})
	if err != nil {
		return nil, err
	}
	k := len(r.Settings.Classes)
	if p.Size() != len(waves)*k {
		return nil, fmt.Errorf("speech: the model gives %d outputs per input for %d classes", p.Size()/max(1, len(waves)), k)
	}
	d := p.Data()
	out := make([]Prediction, len(waves))
	for i := range out {
		row := append([]float32(nil), d[i*k:(i+1)*k]...)
		best := floats.ArgMax(row)
		out[i] = Prediction{Class: r.Settings.Classes[best], Index: best, Probability: row[best], Probabilities: row}
	}
	return out, nil
}

// Accuracy classifies waves and returns the fraction whose class index
// equals the label.
func (r *Recognizer) Accuracy(waves [][]float32, labels []int) (float64, error) {
	preds, err := r.Classify(waves)
	if err != nil {
		return 0, err
	}
	ok := 0
	for i, p := range preds {
		if p.Index == labels[i] {
			ok++
		}
	}
	return float64(ok) / float64(max(1, len(preds))), nil
}
