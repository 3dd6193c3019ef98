package main

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/audio"
)

// toneFolders writes class sub-folders "low" and "high" of short noisy
// tones (300-500 Hz and 1.5-2 kHz) at 8 kHz.
func toneFolders(t *testing.T, dir string, perClass int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct {
		name   string
		lo, hi float64
	}{{"low", 300, 500}, {"high", 1500, 2000}} {
		if err := os.MkdirAll(filepath.Join(dir, c.name), 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range perClass {
			n := 2000 + rng.IntN(3000)
			f := c.lo + rng.Float64()*(c.hi-c.lo)
			x := make([]float32, n)
			for j := range x {
				x[j] = float32(0.5*math.Sin(2*math.Pi*f*float64(j)/8000) + 0.05*rng.NormFloat64())
			}
			a := &audio.Audio{SampleRate: 8000, Channels: [][]float32{x}}
			if err := audio.WriteWAVFile(filepath.Join(dir, c.name, c.name+string(rune('a'+i%26))+string(rune('a'+i/26))+".wav"), a, audio.WAVFormat{}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestTrainAudioPredictEvaluate(t *testing.T) {
	if purego {
		t.Skip("training round trip: skipped with -tags purego (slow pure-Go kernels; the default build runs it)")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "tones")
	toneFolders(t, data, 20)
	mf := filepath.Join(dir, "tones.safetensors")
	rep := filepath.Join(dir, "report.json")
	code, out, errs := run(t, "train-audio", "--data", data, "--split", "folders", "--test-fraction", "0.25", "--epochs", "6", "--batch-size", "8",
		"--seconds", "0.7", "--verbose", "0", "--out", mf, "--report", rep)
	if code != 0 {
		t.Fatalf("train-audio: exit %d: %s%s", code, out, errs)
	}
	b, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r["test_samples"].(float64) != 10 || r["train_samples"].(float64) != 30 || r["train_seconds"] == nil || r["test_accuracy"] == nil {
		t.Errorf("report: %s", b)
	}
	if acc := r["test_accuracy"].(float64); acc < 0.8 {
		t.Errorf("test accuracy %.2f on separable tones", acc)
	}
	// predict needs only the model and the WAV (a 16 kHz stereo file is
	// resampled and mixed down).
	x := make([]float32, 6000)
	for j := range x {
		x[j] = float32(0.5 * math.Sin(2*math.Pi*1800*float64(j)/16000))
	}
	wav := filepath.Join(dir, "probe.wav")
	if err := audio.WriteWAVFile(wav, &audio.Audio{SampleRate: 16000, Channels: [][]float32{x, x}}, audio.WAVFormat{BitsPerSample: 24}); err != nil {
		t.Fatal(err)
	}
	code, out, errs = run(t, "predict", mf, wav)
	if code != 0 || !strings.Contains(out, "probe.wav: high (p=") {
		t.Errorf("predict: exit %d: %s%s", code, out, errs)
	}
	code, out, errs = run(t, "evaluate", mf, "--data", data)
	if code != 0 || !strings.Contains(out, "accuracy=") || !strings.Contains(out, "(40 samples)") {
		t.Errorf("evaluate: exit %d: %s%s", code, out, errs)
	}
}

func TestTrainAudioErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	if err := os.MkdirAll(filepath.Join(bad, "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(bad, "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A μ-law file: the error names it.
	mulaw := append([]byte("RIFF\x26\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x07\x00\x01\x00\x40\x1f\x00\x00\x40\x1f\x00\x00\x01\x00\x08\x00data\x02\x00\x00\x00"), 1, 2)
	if err := os.WriteFile(filepath.Join(bad, "a", "x.wav"), mulaw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bad, "b", "y.wav"), mulaw, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"train-audio"}, "--data DIR is required"},
		{[]string{"train-audio", "--data", bad, "--arch", "rnn"}, "--arch \"rnn\""},
		{[]string{"train-audio", "--data", bad, "--split", "random"}, "--split \"random\""},
		{[]string{"train-audio", "--data", bad, "--split", "fsdd"}, "no .wav files"},
		{[]string{"train-audio", "--data", bad, "--split", "folders", "--epochs", "1"}, "μ-law"},
		{[]string{"train-audio", "--data", filepath.Join(dir, "missing")}, "missing"},
	} {
		code, _, errs := run(t, tc.args...)
		if code == 0 || !strings.Contains(errs, tc.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want one line containing %q", tc.args, code, errs, tc.want)
		}
	}
}
