package serve

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/tensile-ml/tensile/audio"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/speech"
)

// tone returns n samples of a sine of f Hz at rate, with a little noise.
func tone(rng *rand.Rand, n, rate int, f float64) []float32 {
	x := make([]float32, n)
	for j := range x {
		x[j] = float32(0.5*math.Sin(2*math.Pi*f*float64(j)/float64(rate)) + 0.02*rng.NormFloat64())
	}
	return x
}

// trainTones trains a tiny speech classifier ("low" 300-500 Hz tones,
// "high" 1.5-2 kHz) as train-audio does and saves it under dir.
func trainTones(t testing.TB, dir string) (string, *speech.Recognizer) {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	var waves [][]float32
	var labels []int
	for i := range 16 {
		lo, hi, label := 300.0, 500.0, 0
		if i%2 == 1 {
			lo, hi, label = 1500, 2000, 1
		}
		waves = append(waves, tone(rng, 1000+rng.IntN(1500), 8000, lo+rng.Float64()*(hi-lo)))
		labels = append(labels, label)
	}
	r, _, err := speech.Train(waves, labels, []string{"low", "high"},
		speech.Config{Epochs: 2, BatchSize: 8, Seconds: 0.3, Seed: 1, NoAugment: true, Verbose: model.VerboseSilent})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "tones.tsm")
	if err := r.Save(path); err != nil {
		t.Fatal(err)
	}
	return path, r
}

func wavBytes(t testing.TB, a *audio.Audio, f audio.WAVFormat) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := audio.WriteWAV(&b, a, f); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// predictWAVFile writes body to path and classifies the file as tensile
// predict does: speech.ReadMono, then Recognizer.Classify.
func predictWAVFile(t *testing.T, rec *speech.Recognizer, path string, body []byte) speech.Prediction {
	t.Helper()
	if err := os.WriteFile(path, body, 0o644); err != nil {
		t.Fatal(err)
	}
	wave, err := speech.ReadMono(path, rec.Settings.Features.SampleRate)
	if err != nil {
		t.Fatal(err)
	}
	p, err := rec.Classify([][]float32{wave})
	if err != nil {
		t.Fatal(err)
	}
	return p[0]
}

// TestAudioUpload serves a speech classifier saved by speech.Train (what
// train-audio writes) and checks that a WAV upload gets the class and
// probabilities that tensile predict computes for the same file
// (speech.ReadMono, then Recognizer.Classify): a 16 kHz stereo tone, which
// is mixed down and resampled, and an FSDD recording when the data set is
// at ../shared/datasets/fsdd (or $TENSILE_FSDD).
func TestAudioUpload(t *testing.T) {
	dir := t.TempDir()
	mp, _ := trainTones(t, dir)
	s := newServer(t, Options{}, map[string]string{"tones": mp})
	ts := httptest.NewServer(s)
	defer ts.Close()
	if l := s.models["tones"].cur; l.kind != KindAudio {
		t.Fatalf("kind %q, want %q", l.kind, KindAudio)
	}
	rec, err := speech.Load(mp) // as tensile predict loads it
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	high := tone(rng, 5000, 16000, 1800)
	files := map[string][]byte{
		"stereo16k.wav": wavBytes(t, &audio.Audio{SampleRate: 16000, Channels: [][]float32{high, high}}, audio.WAVFormat{BitsPerSample: 24}),
		"low8k.wav":     wavBytes(t, &audio.Audio{SampleRate: 8000, Channels: [][]float32{tone(rng, 3000, 8000, 400)}}, audio.WAVFormat{}),
	}
	fsddDir := filepath.Join("..", "..", "shared", "datasets", "fsdd")
	if e := os.Getenv("TENSILE_FSDD"); e != "" {
		fsddDir = e
	}
	fsdd := filepath.Join(fsddDir, "recordings", "7_george_3.wav")
	if b, err := os.ReadFile(fsdd); err == nil {
		files["7_george_3.wav"] = b
	} else {
		t.Logf("FSDD not found (%v): generated WAVs only", err)
	}
	for name, body := range files {
		t.Run(name, func(t *testing.T) {
			want := predictWAVFile(t, rec, filepath.Join(dir, name), body)
			code, got := post(t, ts.URL+"/models/tones/predict", "audio/wav", body)
			if code != http.StatusOK {
				t.Fatalf("status %d: %v", code, got)
			}
			if int(got["class"].(float64)) != want.Index || got["label"] != want.Class {
				t.Errorf("class %v (%v), tensile predict says %d (%s)", got["class"], got["label"], want.Index, want.Class)
			}
			if p := floats(got["probabilities"]); !close32(p, want.Probabilities) {
				t.Errorf("probabilities %v, tensile predict says %v", p, want.Probabilities)
			}
		})
	}
	// Bad uploads are 4xx answers and the server stays up.
	long := wavBytes(t, &audio.Audio{SampleRate: 100, Channels: [][]float32{make([]float32, 100*(maxWAVSeconds+1))}}, audio.WAVFormat{})
	for _, c := range []struct {
		name string
		body []byte
		code int
	}{
		{"not a WAV", []byte("hello"), http.StatusBadRequest},
		{"PNG to an audio model", []byte("\x89PNG\r\n\x1a\n"), http.StatusBadRequest},
		{"too long", long, http.StatusRequestEntityTooLarge},
	} {
		if code, v := post(t, ts.URL+"/models/tones/predict", "audio/wav", c.body); code != c.code || v["error"] == nil {
			t.Errorf("%s: status %d %v, want %d with an error", c.name, code, v, c.code)
		}
	}
	if code, _ := post(t, ts.URL+"/models/tones/predict", "audio/wav", files["low8k.wav"]); code != http.StatusOK {
		t.Errorf("after bad uploads: status %d", code)
	}
}

// FuzzWAVUpload posts arbitrary bodies to an audio model's upload endpoint:
// every answer is a 200 with a prediction or a 4xx JSON error, never a 5xx
// or a panic (the WAV decoder itself is fuzzed in package audio).
func FuzzWAVUpload(f *testing.F) {
	dir := f.TempDir()
	mp, _ := trainTones(f, dir)
	s, err := New(map[string]string{"tones": mp}, Options{MaxBody: 1 << 20})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(s.Close)
	rng := rand.New(rand.NewPCG(9, 9))
	f.Add(wavBytes(f, &audio.Audio{SampleRate: 8000, Channels: [][]float32{tone(rng, 800, 8000, 440)}}, audio.WAVFormat{}))
	f.Add(wavBytes(f, &audio.Audio{SampleRate: 44100, Channels: [][]float32{tone(rng, 300, 44100, 440), tone(rng, 300, 44100, 880)}}, audio.WAVFormat{BitsPerSample: 24}))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVE"))
	f.Fuzz(func(t *testing.T, body []byte) {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/models/tones/predict", bytes.NewReader(body)))
		var v map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
			t.Fatalf("status %d, not JSON: %q", w.Code, w.Body.Bytes())
		}
		switch {
		case w.Code == http.StatusOK && v["probabilities"] != nil:
		case w.Code >= 400 && w.Code < 500 && v["error"] != nil:
		default:
			t.Fatalf("status %d: %v", w.Code, v)
		}
	})
}
