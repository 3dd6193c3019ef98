package audio

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

type goldenFile struct {
	STFT []struct {
		Name      string    `json:"name"`
		X         []float64 `json:"x"`
		NFFT      int       `json:"n_fft"`
		Hop       int       `json:"hop"`
		WinLength int       `json:"win_length"`
		Window    string    `json:"window"`
		Center    bool      `json:"center"`
		PadMode   string    `json:"pad_mode"`
		Real      []float64 `json:"real"`
		Imag      []float64 `json:"imag"`
		Frames    int       `json:"frames"`
		Bins      int       `json:"bins"`
	} `json:"stft"`
	Mel []struct {
		SR      int       `json:"sr"`
		NFFT    int       `json:"n_fft"`
		NMels   int       `json:"n_mels"`
		FMin    float64   `json:"fmin"`
		FMax    float64   `json:"fmax"`
		HTK     bool      `json:"htk"`
		Norm    bool      `json:"norm"`
		Weights []float64 `json:"weights"`
	} `json:"mel"`
	Features struct {
		X      []float64 `json:"x"`
		SR     int       `json:"sr"`
		NFFT   int       `json:"n_fft"`
		Hop    int       `json:"hop"`
		NMels  int       `json:"n_mels"`
		FMin   float64   `json:"fmin"`
		Frames int       `json:"frames"`
		Mel    []float64 `json:"mel"`
		LogMel []float64 `json:"logmel"`
		MFCC   []float64 `json:"mfcc"`
		NMFCC  int       `json:"n_mfcc"`
		Deltas []float64 `json:"deltas"`
	} `json:"features"`
}

func loadGolden(t *testing.T) *goldenFile {
	t.Helper()
	b, err := os.ReadFile("../testdata/golden/audio/audio.json")
	if err != nil {
		t.Fatal(err)
	}
	var g goldenFile
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

// closeRel reports whether got is within rel of want, relative to
// max(|want|, 1e-3·scale) so that values near zero in a matrix whose
// largest magnitude is scale are compared at the matrix's precision.
func closeRel(got, want, scale, rel float64) bool {
	return math.Abs(got-want) <= rel*math.Max(math.Abs(want), 1e-3*scale)
}

func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

func checkSlice(t *testing.T, what string, got func(i int) float64, want []float64, rel float64) {
	t.Helper()
	scale := maxAbs(want)
	bad := 0
	for i, w := range want {
		if g := got(i); !closeRel(g, w, scale, rel) {
			if bad < 3 {
				t.Errorf("%s[%d] = %.8g, want %.8g", what, i, g, w)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d values off", what, bad, len(want))
	}
}

func f32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

func TestSTFTGolden(t *testing.T) {
	for _, c := range loadGolden(t).STFT {
		t.Run(c.Name, func(t *testing.T) {
			cfg := STFTConfig{NFFT: c.NFFT, Hop: c.Hop, WinLength: c.WinLength, Window: c.Window, NoCenter: !c.Center, PadMode: c.PadMode}
			s, err := ComputeSTFT(f32(c.X), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if s.Frames != c.Frames || s.Bins != c.Bins {
				t.Fatalf("shape %d×%d, torch %d×%d", s.Frames, s.Bins, c.Frames, c.Bins)
			}
			// Compare magnitudes relative to the spectrum's peak through
			// the real and imaginary parts.
			checkSlice(t, "real", func(i int) float64 { return real(s.Data[i]) }, c.Real, 1e-4)
			checkSlice(t, "imag", func(i int) float64 { return imag(s.Data[i]) }, c.Imag, 1e-4)
			// The inverse recovers the signal.
			y, err := ISTFT(s, cfg, len(c.X))
			if err != nil {
				t.Fatal(err)
			}
			lo, hi := 0, len(c.X)
			if !c.Center { // the window's zero at sample 0 and the uncovered tail
				lo, hi = 1, (s.Frames-1)*c.Hop+c.NFFT
			}
			checkSlice(t, "istft", func(i int) float64 { return float64(y[lo+i]) }, c.X[lo:hi], 1e-4)
		})
	}
}

func TestMelFilterbankGolden(t *testing.T) {
	for _, c := range loadGolden(t).Mel {
		fb, err := MelFilterbank(MelConfig{SampleRate: c.SR, NFFT: c.NFFT, NMels: c.NMels, FMin: c.FMin, FMax: c.FMax, HTK: c.HTK, NoNorm: !c.Norm})
		if err != nil {
			t.Fatal(err)
		}
		if len(fb) != len(c.Weights) {
			t.Fatalf("%+v: %d weights, want %d", c, len(fb), len(c.Weights))
		}
		checkSlice(t, "mel", func(i int) float64 { return fb[i] }, c.Weights, 1e-4)
	}
}

func TestFeaturesGolden(t *testing.T) {
	g := loadGolden(t).Features
	cfg := FeatureConfig{
		SampleRate: g.SR,
		STFT:       STFTConfig{NFFT: g.NFFT, Hop: g.Hop},
		Mel:        MelConfig{SampleRate: g.SR, NFFT: g.NFFT, NMels: g.NMels, FMin: g.FMin},
		Kind:       "logmel", LogFloor: 1e-6,
	}
	ex, err := NewExtractor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lm, err := ex.Features(f32(g.X), g.SR)
	if err != nil {
		t.Fatal(err)
	}
	if lm.Frames != g.Frames || lm.Bins != g.NMels {
		t.Fatalf("log-mel %d×%d, want %d×%d", lm.Frames, lm.Bins, g.Frames, g.NMels)
	}
	checkSlice(t, "logmel", func(i int) float64 { return float64(lm.Data[i]) }, g.LogMel, 1e-4)

	st, _ := ComputeSTFT(f32(g.X), cfg.STFT)
	fb, _ := MelFilterbank(cfg.Mel)
	mel := ApplyFilterbank(st.Power(2), fb, g.NMels)
	checkSlice(t, "mel", func(i int) float64 { return float64(mel.Data[i]) }, g.Mel, 1e-4)
	PowerToDB(mel, 1e-10, 80)
	mfcc := MFCC(mel, g.NMFCC)
	checkSlice(t, "mfcc", func(i int) float64 { return float64(mfcc.Data[i]) }, g.MFCC, 1e-4)
	d := Deltas(mfcc, 2)
	checkSlice(t, "deltas", func(i int) float64 { return float64(d.Data[i]) }, g.Deltas, 1e-4)
}
