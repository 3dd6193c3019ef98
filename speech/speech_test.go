package speech

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/audio"
	"github.com/tensile-ml/tensile/model"
)

func writeTone(t *testing.T, path string, n int, f float64) {
	t.Helper()
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(0.5 * math.Sin(2*math.Pi*f*float64(i)/8000))
	}
	if err := audio.WriteWAVFile(path, &audio.Audio{SampleRate: 8000, Channels: [][]float32{x}}, audio.WAVFormat{}); err != nil {
		t.Fatal(err)
	}
}

func TestListFSDDAndSplit(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"0_alice_0.wav", "0_alice_7.wav", "9_bob_4.wav", "3_bob_12.wav"} {
		writeTone(t, filepath.Join(dir, n), 100, 440)
	}
	clips, err := ListFSDD(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(clips) != 4 || clips[3].Label != 9 || clips[3].Speaker != "bob" || clips[3].Take != 4 {
		t.Fatalf("clips %+v", clips)
	}
	train, test := SplitFSDD(clips)
	if len(train) != 2 || len(test) != 2 {
		t.Fatalf("split %d/%d", len(train), len(test))
	}
	if got := Speakers(clips); !reflect.DeepEqual(got, []string{"alice", "bob"}) {
		t.Fatalf("speakers %v", got)
	}
	tr, te := SplitSpeaker(clips, "bob")
	if len(tr) != 2 || len(te) != 2 || te[0].Speaker != "bob" {
		t.Fatalf("speaker split %v %v", tr, te)
	}
	writeTone(t, filepath.Join(dir, "hello.wav"), 100, 440)
	if _, err := ListFSDD(dir); err == nil || !strings.Contains(err.Error(), "hello.wav") {
		t.Fatalf("bad name: %v", err)
	}
}

func TestListFolders(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []string{"yes", "no"} {
		os.MkdirAll(filepath.Join(dir, c), 0o755)
		writeTone(t, filepath.Join(dir, c, "a.wav"), 100, 440)
	}
	clips, classes, err := ListFolders(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(classes, []string{"no", "yes"}) || len(clips) != 2 || clips[1].Label != 1 {
		t.Fatalf("%v %+v", classes, clips)
	}
	if _, _, err := ListFolders(filepath.Join(dir, "yes")); err == nil {
		t.Fatal("a folder without class sub-folders was accepted")
	}
}

func TestSettingsFit(t *testing.T) {
	s := Settings{Samples: 6}
	if got := s.Fit([]float32{1, 2}, -1); !reflect.DeepEqual(got, []float32{0, 0, 1, 2, 0, 0}) {
		t.Errorf("centred: %v", got)
	}
	if got := s.Fit([]float32{1, 2}, 9); !reflect.DeepEqual(got, []float32{0, 0, 0, 0, 1, 2}) {
		t.Errorf("offset past the end: %v", got)
	}
	x := []float32{0.1, 0, 0, 0, 5, 5, 5, 5, 5, 5, 0, 0.1}
	if got := s.Fit(x, -1); !reflect.DeepEqual(got, []float32{5, 5, 5, 5, 5, 5}) {
		t.Errorf("loudest stretch: %v", got)
	}
}

func TestTrimSilence(t *testing.T) {
	x := make([]float32, 8000)
	for i := 3000; i < 5000; i++ {
		x[i] = float32(math.Sin(float64(i)))
	}
	y := TrimSilence(x, 8000)
	if len(y) < 2000 || len(y) > 2000+4*160 {
		t.Fatalf("trimmed to %d samples, want about 2000", len(y))
	}
}

func TestStrings(t *testing.T) {
	clips := [][]float32{make([]float32, 3000), make([]float32, 2000), make([]float32, 4000)}
	for _, c := range clips {
		for i := range c {
			c[i] = 0.3
		}
	}
	rng := rand.New(rand.NewPCG(1, 1))
	waves, labs, err := Strings(clips, []int{7, 8, 9}, 50, 8000, 36000, StringConfig{}, rng)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range waves {
		if len(w) > 36000 || len(labs[i]) < 1 || len(labs[i]) > 7 {
			t.Fatalf("string %d: %d samples, labels %v", i, len(w), labs[i])
		}
		// The non-silent samples add up to the clips' lengths.
		var voiced int
		for _, v := range w {
			if v != 0 {
				voiced++
			}
		}
		want := 0
		for _, l := range labs[i] {
			want += len(clips[l-7])
		}
		if voiced != want {
			t.Fatalf("string %d: %d voiced samples, clips have %d", i, voiced, want)
		}
	}
	if _, _, err := Strings(clips, []int{1, 2, 3}, 1, 8000, 1000, StringConfig{}, rng); err == nil {
		t.Fatal("clips longer than the input were accepted")
	}
}

// TestSaveLoadSettings checks that a saved recognizer classifies the same
// after Load, with its settings restored from the file alone.
func TestSaveLoadSettings(t *testing.T) {
	cfg := audio.DefaultFeatures(8000)
	s := Settings{Features: cfg, Samples: 4000, Classes: []string{"lo", "hi"}}
	m, err := BuildClassifier("crnn", s.InputShape(), 2)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRecognizer(m, s)
	if err != nil {
		t.Fatal(err)
	}
	waves := [][]float32{make([]float32, 3000), make([]float32, 5000)}
	for i := range waves[0] {
		waves[0][i] = float32(math.Sin(float64(i) * 0.3))
	}
	for i := range waves[1] {
		waves[1][i] = float32(math.Sin(float64(i) * 1.9))
	}
	if err := r.SetStandardization(waves); err != nil {
		t.Fatal(err)
	}
	want, err := r.Classify(waves)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "m.safetensors")
	if err := r.Save(p); err != nil {
		t.Fatal(err)
	}
	r2, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r2.Settings, r.Settings) {
		t.Fatalf("settings %+v, saved %+v", r2.Settings, r.Settings)
	}
	got, err := r2.Classify(waves)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after load %+v, before %+v", got, want)
	}
}

// fsddDir returns the shared FSDD copy (../shared/datasets/fsdd from the
// repo root, or $TENSILE_FSDD) or skips.
func fsddDir(t *testing.T) string {
	d := filepath.Join("..", "..", "shared", "datasets", "fsdd")
	if e := os.Getenv("TENSILE_FSDD"); e != "" {
		d = e
	}
	if _, err := os.Stat(filepath.Join(d, "recordings", "0_george_0.wav")); err != nil {
		t.Skipf("FSDD not found at %s (../shared/datasets/fsdd from the repo root)", d)
	}
	return d
}

// TestLearnsDigitsSubset trains the CNN on three digits of two speakers
// (a few seconds) and checks their test takes.
func TestLearnsDigitsSubset(t *testing.T) {
	if testing.Short() || purego {
		t.Skip("FSDD learning test: skipped with -short and with -tags purego (slow pure-Go kernels)")
	}
	clips, err := ListFSDD(fsddDir(t))
	if err != nil {
		t.Fatal(err)
	}
	var sub []Clip
	for _, c := range clips {
		if c.Label <= 2 && (c.Speaker == "george" || c.Speaker == "jackson") && c.Take < 25 {
			sub = append(sub, c)
		}
	}
	train, test := SplitFSDD(sub)
	load := func(cs []Clip) ([][]float32, []int) {
		w, err := LoadMono(cs, 8000)
		if err != nil {
			t.Fatal(err)
		}
		l := make([]int, len(cs))
		for i, c := range cs {
			l[i] = c.Label
		}
		return w, l
	}
	trW, trL := load(train)
	teW, teL := load(test)
	r, _, err := Train(trW, trL, []string{"0", "1", "2"}, Config{Epochs: 6, BatchSize: 16, Seed: 1, Verbose: model.VerboseSilent})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := r.Accuracy(teW, teL)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d training clips, test accuracy %.3f on %d", len(trW), acc, len(teW))
	if acc < 0.8 {
		t.Errorf("test accuracy %.3f on 3 digits, want >= 0.8", acc)
	}
}
