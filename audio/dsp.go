package audio

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/dsp/fourier"
)

// Window returns a periodic window of length n (the "fftbins" form used by
// torch.hann_window, librosa and scipy.signal.get_window): "hann",
// "hamming" or "rect"/"ones". It panics on an unknown name; ParseWindow
// checks a name first.
func Window(name string, n int) []float64 {
	w := make([]float64, n)
	switch name {
	case "hann", "":
		for i := range w {
			w[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n))
		}
	case "hamming":
		for i := range w {
			w[i] = 0.54 - 0.46*math.Cos(2*math.Pi*float64(i)/float64(n))
		}
	case "rect", "ones":
		for i := range w {
			w[i] = 1
		}
	default:
		panic(fmt.Sprintf("audio: unknown window %q", name))
	}
	return w
}

// ParseWindow checks a window name.
func ParseWindow(name string) error {
	switch name {
	case "", "hann", "hamming", "rect", "ones":
		return nil
	}
	return fmt.Errorf("audio: unknown window %q (want hann, hamming or rect)", name)
}

// Frame cuts x into frames of length frameLen every hop samples, without
// padding: floor((len(x)-frameLen)/hop)+1 frames (none if x is shorter than
// one frame). The frames are views into x.
func Frame(x []float32, frameLen, hop int) [][]float32 {
	if frameLen <= 0 || hop <= 0 {
		panic(fmt.Sprintf("audio: Frame: frame length %d and hop %d must be positive", frameLen, hop))
	}
	if len(x) < frameLen {
		return nil
	}
	n := (len(x)-frameLen)/hop + 1
	out := make([][]float32, n)
	for i := range out {
		out[i] = x[i*hop : i*hop+frameLen]
	}
	return out
}

// STFTConfig holds the short-time Fourier transform's settings, with the
// meaning and defaults of torch.stft / librosa.stft.
type STFTConfig struct {
	NFFT      int    `json:"n_fft"`               // FFT size
	Hop       int    `json:"hop_length"`          // 0 = NFFT/4
	WinLength int    `json:"win_length"`          // 0 = NFFT; the window is zero-padded to NFFT, centred
	Window    string `json:"window,omitempty"`    // "hann" (default), "hamming", "rect"
	NoCenter  bool   `json:"no_center,omitempty"` // false: pad NFFT/2 each side, so frame t is centred on t·Hop
	// PadMode is the centring pad: "reflect" (default, as torch.stft and
	// librosa) or "constant" (zeros).
	PadMode string `json:"pad_mode,omitempty"`
}

func (c STFTConfig) norm() STFTConfig {
	if c.Hop == 0 {
		c.Hop = c.NFFT / 4
	}
	if c.WinLength == 0 {
		c.WinLength = c.NFFT
	}
	if c.Window == "" {
		c.Window = "hann"
	}
	if c.PadMode == "" {
		c.PadMode = "reflect"
	}
	return c
}

// Validate checks the settings.
func (c STFTConfig) Validate() error {
	c = c.norm()
	switch {
	case c.NFFT < 2 || c.NFFT > 1<<20:
		return fmt.Errorf("audio: n_fft %d out of range [2, 2^20]", c.NFFT)
	case c.Hop < 1:
		return fmt.Errorf("audio: hop length %d must be positive", c.Hop)
	case c.WinLength < 1 || c.WinLength > c.NFFT:
		return fmt.Errorf("audio: window length %d must be in [1, n_fft=%d]", c.WinLength, c.NFFT)
	case c.PadMode != "reflect" && c.PadMode != "constant":
		return fmt.Errorf("audio: pad mode %q (want reflect or constant)", c.PadMode)
	}
	return ParseWindow(c.Window)
}

// window returns the analysis window zero-padded (centred) to NFFT.
func (c STFTConfig) window() []float64 {
	w := Window(c.Window, c.WinLength)
	if c.WinLength == c.NFFT {
		return w
	}
	full := make([]float64, c.NFFT)
	copy(full[(c.NFFT-c.WinLength)/2:], w)
	return full
}

// pad applies the centring pad.
func (c STFTConfig) pad(x []float32) []float64 {
	p := 0
	if !c.NoCenter {
		p = c.NFFT / 2
	}
	out := make([]float64, len(x)+2*p)
	for i, v := range x {
		out[p+i] = float64(v)
	}
	if p > 0 && c.PadMode == "reflect" {
		n := len(x)
		for i := 1; i <= p; i++ {
			out[p-i] = float64(x[reflect(i, n)])
			out[p+n-1+i] = float64(x[reflect(n-1+i, n)])
		}
	}
	return out
}

// reflect maps index i (possibly outside [0, n)) to its mirror without
// repeating the edge, as numpy's "reflect" pad; it handles pads longer than
// the signal by folding repeatedly.
func reflect(i, n int) int {
	if n == 1 {
		return 0
	}
	period := 2 * (n - 1)
	i %= period
	if i < 0 {
		i += period
	}
	if i >= n {
		i = period - i
	}
	return i
}

// STFT is a complex spectrogram: Frames × Bins (Bins = NFFT/2+1) values,
// frame-major.
type STFT struct {
	Frames, Bins int
	Data         []complex128
}

// At returns frame t, bin f.
func (s *STFT) At(t, f int) complex128 { return s.Data[t*s.Bins+f] }

// ComputeSTFT returns the short-time Fourier transform of x (one-sided,
// unnormalised, as torch.stft(..., return_complex=True) with the same
// settings).
func ComputeSTFT(x []float32, cfg STFTConfig) (*STFT, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.norm()
	if len(x) == 0 {
		return nil, fmt.Errorf("audio: STFT of an empty signal")
	}
	xp := cfg.pad(x)
	if len(xp) < cfg.NFFT {
		return nil, fmt.Errorf("audio: signal of %d samples is shorter than n_fft %d", len(x), cfg.NFFT)
	}
	win := cfg.window()
	frames := (len(xp)-cfg.NFFT)/cfg.Hop + 1
	bins := cfg.NFFT/2 + 1
	fft := fourier.NewFFT(cfg.NFFT)
	buf := make([]float64, cfg.NFFT)
	coef := make([]complex128, bins)
	s := &STFT{Frames: frames, Bins: bins, Data: make([]complex128, frames*bins)}
	for t := 0; t < frames; t++ {
		seg := xp[t*cfg.Hop:]
		for i := range buf {
			buf[i] = seg[i] * win[i]
		}
		fft.Coefficients(coef, buf)
		copy(s.Data[t*bins:], coef)
	}
	return s, nil
}

// ISTFT inverts ComputeSTFT by windowed overlap-add, dividing by the summed
// squared window (torch.istft). length > 0 trims or zero-pads the result to
// that many samples.
func ISTFT(s *STFT, cfg STFTConfig, length int) ([]float32, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.norm()
	if s.Bins != cfg.NFFT/2+1 {
		return nil, fmt.Errorf("audio: ISTFT: %d bins do not match n_fft %d", s.Bins, cfg.NFFT)
	}
	win := cfg.window()
	n := cfg.NFFT + cfg.Hop*(s.Frames-1)
	y := make([]float64, n)
	wsum := make([]float64, n)
	fft := fourier.NewFFT(cfg.NFFT)
	buf := make([]float64, cfg.NFFT)
	for t := 0; t < s.Frames; t++ {
		fft.Sequence(buf, s.Data[t*s.Bins:(t+1)*s.Bins])
		for i, v := range buf {
			y[t*cfg.Hop+i] += v / float64(cfg.NFFT) * win[i]
			wsum[t*cfg.Hop+i] += win[i] * win[i]
		}
	}
	start := 0
	if !cfg.NoCenter {
		start = cfg.NFFT / 2
	}
	end := n
	if !cfg.NoCenter {
		end = n - cfg.NFFT/2
	}
	if length > 0 {
		end = start + length
	}
	out := make([]float32, max(0, end-start))
	for i := range out {
		j := start + i
		if j >= n {
			break
		}
		if wsum[j] > 1e-11 {
			out[i] = float32(y[j] / wsum[j])
		}
	}
	return out, nil
}

// Spectrogram is a real time-frequency matrix: Frames rows of Bins values
// (power, magnitude, mel energies, log-mel or MFCC coefficients).
type Spectrogram struct {
	Frames, Bins int
	Data         []float32
}

// Row returns frame t.
func (s *Spectrogram) Row(t int) []float32 { return s.Data[t*s.Bins : (t+1)*s.Bins] }

// Power returns |X|^p for each STFT value: p = 2 gives the power
// spectrogram, p = 1 the magnitude.
func (s *STFT) Power(p float64) *Spectrogram {
	out := &Spectrogram{Frames: s.Frames, Bins: s.Bins, Data: make([]float32, len(s.Data))}
	for i, c := range s.Data {
		m2 := real(c)*real(c) + imag(c)*imag(c)
		switch p {
		case 2:
			out.Data[i] = float32(m2)
		case 1:
			out.Data[i] = float32(math.Sqrt(m2))
		default:
			out.Data[i] = float32(math.Pow(m2, p/2))
		}
	}
	return out
}

// Resample converts x from rate `from` to rate `to` with a windowed-sinc
// (Hann-windowed, zeros per side = `zeros`, 0 = 16) low-pass interpolator
// whose cut-off is 0.95 of the lower Nyquist frequency. The output has
// round(len(x)·to/from) samples.
func Resample(x []float32, from, to, zeros int) ([]float32, error) {
	if from <= 0 || to <= 0 {
		return nil, fmt.Errorf("audio: resample from %d Hz to %d Hz: rates must be positive", from, to)
	}
	if from == to {
		return append([]float32(nil), x...), nil
	}
	if zeros <= 0 {
		zeros = 16
	}
	n := int(math.Round(float64(len(x)) * float64(to) / float64(from)))
	ratio := float64(to) / float64(from)
	cut := 0.95 * math.Min(1, ratio) // cut-off relative to the input Nyquist
	half := float64(zeros) / cut     // filter half-width in input samples
	out := make([]float32, n)
	for i := range out {
		t := float64(i) / ratio // position in input samples
		lo := int(math.Ceil(t - half))
		hi := int(math.Floor(t + half))
		var acc float64
		for k := max(lo, 0); k <= hi && k < len(x); k++ {
			d := t - float64(k)
			u := d / half
			w := 0.5 + 0.5*math.Cos(math.Pi*u)
			acc += float64(x[k]) * cut * sinc(cut*d) * w
		}
		out[i] = float32(acc)
	}
	return out, nil
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}
