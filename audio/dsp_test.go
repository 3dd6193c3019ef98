package audio

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestWindows(t *testing.T) {
	for _, tc := range []struct {
		name      string
		n         int
		at0, atN2 float64
	}{
		{"hann", 8, 0, 1},
		{"hamming", 8, 0.08, 1},
		{"rect", 5, 1, 1},
	} {
		w := Window(tc.name, tc.n)
		if math.Abs(w[0]-tc.at0) > 1e-12 || math.Abs(w[tc.n/2]-tc.atN2) > 1e-12 {
			t.Errorf("%s: w[0]=%v w[n/2]=%v", tc.name, w[0], w[tc.n/2])
		}
	}
	if ParseWindow("kaiser") == nil {
		t.Error("kaiser accepted")
	}
}

func TestFrame(t *testing.T) {
	x := []float32{0, 1, 2, 3, 4, 5, 6}
	f := Frame(x, 3, 2)
	if len(f) != 3 || f[2][0] != 4 || f[2][2] != 6 {
		t.Fatalf("frames %v", f)
	}
	if Frame(x, 8, 1) != nil {
		t.Fatal("frame longer than signal")
	}
}

func TestResample(t *testing.T) {
	for _, tc := range []struct{ from, to int }{{8000, 16000}, {16000, 8000}, {44100, 16000}, {8000, 11025}} {
		// A 440 Hz tone below both Nyquist limits keeps its shape.
		n := tc.from / 2
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(math.Sin(2 * math.Pi * 440 * float64(i) / float64(tc.from)))
		}
		y, err := Resample(x, tc.from, tc.to, 0)
		if err != nil {
			t.Fatal(err)
		}
		if want := int(math.Round(float64(n) * float64(tc.to) / float64(tc.from))); len(y) != want {
			t.Fatalf("%d→%d: %d samples, want %d", tc.from, tc.to, len(y), want)
		}
		worst := 0.0
		for i := len(y) / 4; i < 3*len(y)/4; i++ {
			want := math.Sin(2 * math.Pi * 440 * float64(i) / float64(tc.to))
			worst = math.Max(worst, math.Abs(float64(y[i])-want))
		}
		if worst > 2e-3 {
			t.Errorf("%d→%d: max error %.2g in the middle", tc.from, tc.to, worst)
		}
	}
	// Downsampling removes a tone above the new Nyquist frequency.
	x := make([]float32, 16000)
	for i := range x {
		x[i] = float32(math.Sin(2 * math.Pi * 6000 * float64(i) / 16000))
	}
	y, _ := Resample(x, 16000, 8000, 0)
	var p float64
	for _, v := range y[1000:7000] {
		p += float64(v * v)
	}
	if rms := math.Sqrt(p / 6000); rms > 0.01 {
		t.Errorf("6 kHz tone after 16→8 kHz: rms %.3g, want it filtered out", rms)
	}
	if _, err := Resample(x, 0, 8000, 0); err == nil {
		t.Error("rate 0 accepted")
	}
}

func TestDeltasOfRamp(t *testing.T) {
	s := &Spectrogram{Frames: 10, Bins: 2, Data: make([]float32, 20)}
	for t := 0; t < 10; t++ {
		s.Data[2*t] = float32(3 * t)
		s.Data[2*t+1] = 7
	}
	d := Deltas(s, 2)
	for tt := 2; tt < 8; tt++ {
		if math.Abs(float64(d.Data[2*tt]-3)) > 1e-6 || d.Data[2*tt+1] != 0 {
			t.Fatalf("frame %d: deltas %v", tt, d.Row(tt))
		}
	}
}

func TestAugment(t *testing.T) {
	x := []float32{1, 2, 3, 4}
	if s := TimeShift(x, 1); s[0] != 0 || s[1] != 1 || s[3] != 3 {
		t.Errorf("shift +1: %v", s)
	}
	if s := TimeShift(x, -2); s[0] != 3 || s[1] != 4 || s[2] != 0 {
		t.Errorf("shift -2: %v", s)
	}
	g := []float32{1, -1}
	Gain(g, 20)
	if math.Abs(float64(g[0])-10) > 1e-5 {
		t.Errorf("+20 dB: %v", g)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	sig := make([]float32, 20000)
	for i := range sig {
		sig[i] = float32(math.Sin(float64(i) * 0.1))
	}
	noisy := append([]float32(nil), sig...)
	AddNoise(noisy, 10, rng)
	var ps, pn float64
	for i := range sig {
		ps += float64(sig[i] * sig[i])
		d := float64(noisy[i] - sig[i])
		pn += d * d
	}
	if snr := 10 * math.Log10(ps/pn); math.Abs(snr-10) > 0.3 {
		t.Errorf("SNR %.2f dB, want 10", snr)
	}
	s := &Spectrogram{Frames: 20, Bins: 10, Data: make([]float32, 200)}
	for i := range s.Data {
		s.Data[i] = 1
	}
	FreqMask(s, 1, 4, 0, rng)
	TimeMask(s, 1, 5, 0, rng)
	zeros := 0
	for _, v := range s.Data {
		if v == 0 {
			zeros++
		}
	}
	if zeros > 4*20+5*10 {
		t.Errorf("%d masked values, more than the widths allow", zeros)
	}
}

func TestFeatureConfigValidate(t *testing.T) {
	good := DefaultFeatures(8000)
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		mod  func(*FeatureConfig)
	}{
		{"rate", func(c *FeatureConfig) { c.SampleRate = 0 }},
		{"nfft", func(c *FeatureConfig) { c.STFT.NFFT = 1 }},
		{"window", func(c *FeatureConfig) { c.STFT.Window = "blackman" }},
		{"mel mismatch", func(c *FeatureConfig) { c.Mel.NFFT = 512 }},
		{"fmax", func(c *FeatureConfig) { c.Mel.FMax = 9000 }},
		{"kind", func(c *FeatureConfig) { c.Kind = "chroma" }},
		{"mfcc", func(c *FeatureConfig) { c.Kind = "mfcc"; c.NMFCC = 99 }},
	} {
		c := good
		tc.mod(&c)
		if c.Validate() == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

// BenchmarkLogMel times the default 8 kHz front end on one second of audio.
func BenchmarkLogMel(b *testing.B) {
	ex, err := NewExtractor(DefaultFeatures(8000))
	if err != nil {
		b.Fatal(err)
	}
	x := make([]float32, 8000)
	for i := range x {
		x[i] = float32(math.Sin(float64(i) * 0.1))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ex.Features(x, 8000); err != nil {
			b.Fatal(err)
		}
	}
}
