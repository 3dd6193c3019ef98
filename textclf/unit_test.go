package textclf

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

func toyData() ([]string, []int, []string) {
	good := []string{"great", "wonderful", "moving", "brilliant"}
	bad := []string{"awful", "boring", "dull", "terrible"}
	var texts []string
	var labels []int
	for i := range 80 {
		w, l := good, 1
		if i%2 == 0 {
			w, l = bad, 0
		}
		texts = append(texts, fmt.Sprintf("it was %s and %s", w[i%4], w[(i/3)%4]))
		labels = append(labels, l)
	}
	return texts, labels, []string{"neg", "pos"}
}

func TestBuildShapes(t *testing.T) {
	for _, arch := range Archs {
		m, err := Build(Config{Arch: arch, MaxLen: 10, EmbedDim: 8, Filters: 4, Units: 5}, 30, 3)
		if err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		if in, out := m.InputShapes(), m.OutputShapes(); !slices.Equal(in[0], []int{10}) || !slices.Equal(out[0], []int{3}) {
			t.Errorf("%s: input %v output %v", arch, in, out)
		}
	}
	m, _ := Build(Config{MaxLen: 10, EmbedDim: 8}, 30, 2)
	var convs []int
	for _, l := range m.Layers() {
		if l.ClassName() == "Conv1D" {
			convs = append(convs, int(l.Config()["kernel_size"].(float64)))
		}
	}
	if !slices.Equal(convs, []int{3, 4, 5}) {
		t.Errorf("CNN conv widths %v, want [3 4 5]", convs)
	}
}

func TestConfigErrors(t *testing.T) {
	texts, labels, classes := toyData()
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{Arch: "rnn"}, "unknown architecture"},
		{Config{MaxLen: 4}, "filter width 5"},
		{Config{VocabSize: 2}, "too small"},
		{Config{Dropout: 1}, "dropout"},
		{Config{ValidationSplit: 1}, "validation split"},
	}
	for _, c := range cases {
		if _, _, err := Train(texts, labels, classes, c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.cfg, err, c.want)
		}
	}
	if _, _, err := Train(texts, labels[:3], classes, Config{}); err == nil {
		t.Error("mismatched labels accepted")
	}
	bad := slices.Clone(labels)
	bad[5] = 2
	if _, _, err := Train(texts, bad, classes, Config{}); err == nil || !strings.Contains(err.Error(), "text 5") {
		t.Errorf("out-of-range label: %v", err)
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	texts, labels, classes := toyData()
	for _, arch := range []string{"cnn", "gru"} {
		c, _, err := Train(texts, labels, classes, Config{Arch: arch, MaxLen: 8, EmbedDim: 8, Filters: 6, Units: 6, Epochs: 2, BatchSize: 16, Seed: 3, Verbose: model.VerboseSilent})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "clf.safetensors")
		if err := c.Save(path); err != nil {
			t.Fatal(err)
		}
		l, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(l.Classes, classes) || l.Vectorizer.Length != 8 || l.Vectorizer.Vocab.Size() != c.Vectorizer.Vocab.Size() {
			t.Errorf("%s: loaded classes %q, length %d, vocab %d", arch, l.Classes, l.Vectorizer.Length, l.Vectorizer.Vocab.Size())
		}
		probe := []string{"it was great", "boring and dull, unseen-word"}
		want, err := c.PredictProba(probe)
		if err != nil {
			t.Fatal(err)
		}
		got, err := l.PredictProba(probe)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if ok, msg := tensortest.Close(got[i], want[i], 0, 0); !ok {
				t.Errorf("%s: text %d: %s", arch, i, msg)
			}
		}
	}
	// A model without a vectorizer is not a text classifier.
	m, _ := Build(Config{MaxLen: 6, EmbedDim: 4, Filters: 2}, 10, 2)
	path := filepath.Join(t.TempDir(), "plain.safetensors")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "no text vectorizer") {
		t.Errorf("Load of a plain model: %v", err)
	}
}

func TestMaxNorm(t *testing.T) {
	texts, labels, classes := toyData()
	c, _, err := Train(texts, labels, classes, Config{MaxLen: 8, EmbedDim: 8, Filters: 6, Epochs: 1, BatchSize: 8, MaxNorm: 0.05, LearningRate: 0.05, Verbose: model.VerboseSilent})
	if err != nil {
		t.Fatal(err)
	}
	ls := c.Model.Layers()
	k := ls[len(ls)-1].Params()[0]
	rows, cols := k.Dim(0), k.Dim(1)
	d := k.Data()
	for j := range cols {
		var s float64
		for i := range rows {
			s += float64(d[i*cols+j]) * float64(d[i*cols+j])
		}
		if n := math.Sqrt(s); n > 0.05*(1+1e-5) {
			t.Errorf("column %d has norm %g > 0.05", j, n)
		}
	}
}

func TestCrossValidateToy(t *testing.T) {
	texts, labels, classes := toyData()
	rs, err := CrossValidate(texts, labels, classes, Config{Arch: "cnn", MaxLen: 8, EmbedDim: 8, Filters: 8, Epochs: 6, BatchSize: 8, Verbose: model.VerboseSilent}, 4, 1, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Train != 60 || rs[0].Test != 20 {
		t.Fatalf("results %+v", rs)
	}
	if mean, _ := MeanStd(rs); mean < 0.9 {
		t.Errorf("toy CV accuracy %.3f < 0.9", mean)
	}
}
