package audio

import (
	"fmt"
	"math"
	"sync"

	"gonum.org/v1/gonum/dsp/fourier"
)

// HzToMel converts a frequency to mels: the HTK scale 2595·log10(1+f/700)
// when htk is set, else the Slaney (Auditory Toolbox) scale, linear below
// 1 kHz (f/(200/3)) and logarithmic above, as librosa.hz_to_mel.
func HzToMel(f float64, htk bool) float64 {
	if htk {
		return 2595 * math.Log10(1+f/700)
	}
	const fsp, minLogHz, minLogMel = 200.0 / 3, 1000.0, 1000.0 / (200.0 / 3)
	logstep := math.Log(6.4) / 27
	if f >= minLogHz {
		return minLogMel + math.Log(f/minLogHz)/logstep
	}
	return f / fsp
}

// MelToHz inverts HzToMel.
func MelToHz(m float64, htk bool) float64 {
	if htk {
		return 700 * (math.Pow(10, m/2595) - 1)
	}
	const fsp, minLogHz, minLogMel = 200.0 / 3, 1000.0, 1000.0 / (200.0 / 3)
	logstep := math.Log(6.4) / 27
	if m >= minLogMel {
		return minLogHz * math.Exp(logstep*(m-minLogMel))
	}
	return m * fsp
}

// MelConfig describes a mel filterbank, with librosa.filters.mel's meaning.
type MelConfig struct {
	SampleRate int     `json:"sample_rate"`
	NFFT       int     `json:"n_fft"`
	NMels      int     `json:"n_mels"`
	FMin       float64 `json:"fmin"`
	FMax       float64 `json:"fmax"` // 0 = SampleRate/2
	HTK        bool    `json:"htk,omitempty"`
	// NoNorm leaves the triangles with peak 1; the default is Slaney's
	// area normalisation (each filter scaled by 2/(f[i+2]-f[i])).
	NoNorm bool `json:"no_norm,omitempty"`
}

// Validate checks the settings.
func (c MelConfig) Validate() error {
	fmax := c.FMax
	if fmax == 0 {
		fmax = float64(c.SampleRate) / 2
	}
	switch {
	case c.SampleRate <= 0:
		return fmt.Errorf("audio: mel: sample rate %d must be positive", c.SampleRate)
	case c.NFFT < 2 || c.NFFT > 1<<20:
		return fmt.Errorf("audio: mel: n_fft %d out of range", c.NFFT)
	case c.NMels < 1 || c.NMels > 4096:
		return fmt.Errorf("audio: mel: n_mels %d out of range [1, 4096]", c.NMels)
	case c.FMin < 0 || fmax <= c.FMin || fmax > float64(c.SampleRate)/2+1e-9:
		return fmt.Errorf("audio: mel: need 0 <= fmin (%g) < fmax (%g) <= sample_rate/2", c.FMin, fmax)
	}
	return nil
}

// MelFilterbank returns the NMels × (NFFT/2+1) filterbank matrix, row-major,
// computed with librosa.filters.mel's formulas.
func MelFilterbank(c MelConfig) ([]float64, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	fmax := c.FMax
	if fmax == 0 {
		fmax = float64(c.SampleRate) / 2
	}
	bins := c.NFFT/2 + 1
	fftFreq := make([]float64, bins)
	for i := range fftFreq {
		fftFreq[i] = float64(i) * float64(c.SampleRate) / float64(c.NFFT)
	}
	lo, hi := HzToMel(c.FMin, c.HTK), HzToMel(fmax, c.HTK)
	melF := make([]float64, c.NMels+2)
	for i := range melF {
		melF[i] = MelToHz(lo+(hi-lo)*float64(i)/float64(c.NMels+1), c.HTK)
	}
	w := make([]float64, c.NMels*bins)
	for m := 0; m < c.NMels; m++ {
		d0, d1 := melF[m+1]-melF[m], melF[m+2]-melF[m+1]
		enorm := 1.0
		if !c.NoNorm {
			enorm = 2 / (melF[m+2] - melF[m])
		}
		for k, f := range fftFreq {
			lower := (f - melF[m]) / d0
			upper := (melF[m+2] - f) / d1
			w[m*bins+k] = math.Max(0, math.Min(lower, upper)) * enorm
		}
	}
	return w, nil
}

// ApplyFilterbank multiplies each frame of s by the filterbank fb
// (rows × s.Bins), giving rows values per frame.
func ApplyFilterbank(s *Spectrogram, fb []float64, rows int) *Spectrogram {
	if rows*s.Bins != len(fb) {
		panic(fmt.Sprintf("audio: ApplyFilterbank: filterbank of %d values is not %d × %d", len(fb), rows, s.Bins))
	}
	out := &Spectrogram{Frames: s.Frames, Bins: rows, Data: make([]float32, s.Frames*rows)}
	for t := 0; t < s.Frames; t++ {
		in := s.Row(t)
		o := out.Row(t)
		for m := 0; m < rows; m++ {
			row := fb[m*s.Bins : (m+1)*s.Bins]
			var acc float64
			for k, v := range in {
				if row[k] != 0 {
					acc += row[k] * float64(v)
				}
			}
			o[m] = float32(acc)
		}
	}
	return out
}

// LogFloor replaces each value v by ln(max(v, floor)) in place.
func LogFloor(s *Spectrogram, floor float64) {
	for i, v := range s.Data {
		s.Data[i] = float32(math.Log(math.Max(float64(v), floor)))
	}
}

// PowerToDB converts power to decibels as librosa.power_to_db with ref 1:
// 10·log10(max(v, amin)), then, if topDB > 0, clips at the maximum minus
// topDB. In place.
func PowerToDB(s *Spectrogram, amin, topDB float64) {
	peak := math.Inf(-1)
	for i, v := range s.Data {
		d := 10 * math.Log10(math.Max(float64(v), amin))
		s.Data[i] = float32(d)
		peak = math.Max(peak, d)
	}
	if topDB > 0 {
		lo := float32(peak - topDB)
		for i, v := range s.Data {
			s.Data[i] = max(v, lo)
		}
	}
}

// DCTMatrix returns the n × m orthonormal DCT-II matrix (scipy's
// dct(type=2, norm="ortho")), keeping the first n of m coefficients.
func DCTMatrix(n, m int) []float64 {
	d := make([]float64, n*m)
	for k := 0; k < n; k++ {
		s := math.Sqrt(2 / float64(m))
		if k == 0 {
			s = math.Sqrt(1 / float64(m))
		}
		for i := 0; i < m; i++ {
			d[k*m+i] = s * math.Cos(math.Pi*float64(k)*(2*float64(i)+1)/(2*float64(m)))
		}
	}
	return d
}

// MFCC applies the orthonormal DCT-II to each frame of a log-mel
// spectrogram and keeps n coefficients (librosa.feature.mfcc on
// power_to_db mel energies).
func MFCC(logMel *Spectrogram, n int) *Spectrogram {
	if n < 1 || n > logMel.Bins {
		panic(fmt.Sprintf("audio: MFCC: %d coefficients from %d mel bands", n, logMel.Bins))
	}
	return ApplyFilterbank(logMel, DCTMatrix(n, logMel.Bins), n)
}

// Deltas returns the regression (delta) features of s over ±width frames,
// d_t = Σ_{n=1..width} n·(c_{t+n} − c_{t−n}) / (2·Σ n²), with the edge frames
// repeated (HTK, torchaudio.functional.compute_deltas). width 0 means 2.
func Deltas(s *Spectrogram, width int) *Spectrogram {
	if width <= 0 {
		width = 2
	}
	den := 0.0
	for n := 1; n <= width; n++ {
		den += float64(n * n)
	}
	den *= 2
	out := &Spectrogram{Frames: s.Frames, Bins: s.Bins, Data: make([]float32, len(s.Data))}
	clamp := func(t int) int { return max(0, min(s.Frames-1, t)) }
	for t := 0; t < s.Frames; t++ {
		o := out.Row(t)
		for f := range o {
			var acc float64
			for n := 1; n <= width; n++ {
				acc += float64(n) * float64(s.Data[clamp(t+n)*s.Bins+f]-s.Data[clamp(t-n)*s.Bins+f])
			}
			o[f] = float32(acc / den)
		}
	}
	return out
}

// FeatureConfig is the whole front end from waveform to features, stored
// with speech models so that prediction uses the settings training used.
type FeatureConfig struct {
	SampleRate int        `json:"sample_rate"` // audio is resampled to this rate
	STFT       STFTConfig `json:"stft"`
	Mel        MelConfig  `json:"mel"`
	// Kind is "logmel" (ln of mel power with LogFloor) or "mfcc".
	Kind     string  `json:"kind"`
	LogFloor float64 `json:"log_floor"` // floor before the log; 0 = 1e-6
	NMFCC    int     `json:"n_mfcc,omitempty"`
}

// DefaultFeatures returns log-mel settings for speech at the given rate:
// 32 ms Hann windows every 10 ms, 40 Slaney-normalised mel bands.
func DefaultFeatures(rate int) FeatureConfig {
	nfft := 1
	for nfft < rate*32/1000 {
		nfft *= 2
	}
	return FeatureConfig{
		SampleRate: rate,
		STFT:       STFTConfig{NFFT: nfft, Hop: rate / 100, Window: "hann"},
		Mel:        MelConfig{SampleRate: rate, NFFT: nfft, NMels: 40, FMin: 20},
		Kind:       "logmel",
		LogFloor:   1e-6,
	}
}

// Validate checks the settings.
func (c FeatureConfig) Validate() error {
	if c.SampleRate <= 0 {
		return fmt.Errorf("audio: features: sample rate %d must be positive", c.SampleRate)
	}
	if err := c.STFT.Validate(); err != nil {
		return err
	}
	if c.Mel.SampleRate != c.SampleRate || c.Mel.NFFT != c.STFT.NFFT {
		return fmt.Errorf("audio: features: mel settings (rate %d, n_fft %d) differ from the front end's (%d, %d)", c.Mel.SampleRate, c.Mel.NFFT, c.SampleRate, c.STFT.NFFT)
	}
	if err := c.Mel.Validate(); err != nil {
		return err
	}
	switch c.Kind {
	case "logmel":
	case "mfcc":
		if c.NMFCC < 1 || c.NMFCC > c.Mel.NMels {
			return fmt.Errorf("audio: features: n_mfcc %d must be in [1, n_mels=%d]", c.NMFCC, c.Mel.NMels)
		}
	default:
		return fmt.Errorf("audio: features: kind %q (want logmel or mfcc)", c.Kind)
	}
	return nil
}

// Dim returns the number of features per frame.
func (c FeatureConfig) Dim() int {
	if c.Kind == "mfcc" {
		return c.NMFCC
	}
	return c.Mel.NMels
}

// Extractor computes features with a fixed FeatureConfig, caching the
// filterbank. It is safe for concurrent use.
type Extractor struct {
	cfg    FeatureConfig
	fb     []float64
	dct    []float64
	win    []float64
	lo, hi []int     // each mel band's non-zero bins [lo, hi)
	ffts   sync.Pool // *fourier.FFT of size n_fft (not safe for concurrent use)
}

// NewExtractor validates cfg and precomputes its matrices.
func NewExtractor(cfg FeatureConfig) (*Extractor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	fb, err := MelFilterbank(cfg.Mel)
	if err != nil {
		return nil, err
	}
	c := cfg.STFT.norm()
	e := &Extractor{cfg: cfg, fb: fb, win: c.window()}
	bins := cfg.STFT.NFFT/2 + 1
	for m := 0; m < cfg.Mel.NMels; m++ {
		lo, hi := bins, 0
		for k, v := range fb[m*bins : (m+1)*bins] {
			if v != 0 {
				lo, hi = min(lo, k), k+1
			}
		}
		if hi == 0 {
			lo = 0
		}
		e.lo, e.hi = append(e.lo, lo), append(e.hi, hi)
	}
	if cfg.Kind == "mfcc" {
		e.dct = DCTMatrix(cfg.NMFCC, cfg.Mel.NMels)
	}
	return e, nil
}

// Config returns the extractor's settings.
func (e *Extractor) Config() FeatureConfig { return e.cfg }

// Features computes the features of mono samples at rate (resampling to
// the configured rate when they differ).
func (e *Extractor) Features(x []float32, rate int) (*Spectrogram, error) {
	if len(x) == 0 {
		return nil, fmt.Errorf("audio: no samples")
	}
	if rate != e.cfg.SampleRate {
		var err error
		if x, err = Resample(x, rate, e.cfg.SampleRate, 0); err != nil {
			return nil, err
		}
	}
	// The STFT, power, mel and log in one pass per frame (the same
	// arithmetic as ComputeSTFT, Power(2), ApplyFilterbank and LogFloor).
	cfg := e.cfg.STFT.norm()
	xp := cfg.pad(x)
	if len(xp) < cfg.NFFT {
		return nil, fmt.Errorf("audio: signal of %d samples is shorter than n_fft %d", len(x), cfg.NFFT)
	}
	frames := (len(xp)-cfg.NFFT)/cfg.Hop + 1
	bins := cfg.NFFT/2 + 1
	nm := e.cfg.Mel.NMels
	fft, _ := e.ffts.Get().(*fourier.FFT)
	if fft == nil {
		fft = fourier.NewFFT(cfg.NFFT)
	}
	defer e.ffts.Put(fft)
	buf := make([]float64, cfg.NFFT)
	coef := make([]complex128, bins)
	pow := make([]float64, bins)
	floor := e.cfg.LogFloor
	if floor <= 0 {
		floor = 1e-6
	}
	mel := &Spectrogram{Frames: frames, Bins: nm, Data: make([]float32, frames*nm)}
	for t := 0; t < frames; t++ {
		seg := xp[t*cfg.Hop : t*cfg.Hop+cfg.NFFT]
		for i, v := range seg {
			buf[i] = v * e.win[i]
		}
		fft.Coefficients(coef, buf)
		for k, c := range coef {
			pow[k] = real(c)*real(c) + imag(c)*imag(c)
		}
		out := mel.Data[t*nm : (t+1)*nm]
		for m := range out {
			row := e.fb[m*bins:]
			var acc float64
			for k := e.lo[m]; k < e.hi[m]; k++ {
				acc += row[k] * float64(float32(pow[k]))
			}
			out[m] = float32(math.Log(math.Max(float64(float32(acc)), floor)))
		}
	}
	if e.dct != nil {
		return ApplyFilterbank(mel, e.dct, e.cfg.NMFCC), nil
	}
	return mel, nil
}
