package textclf

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/text"
)

// mrDir returns the MR (rt-polarity) directory, ../shared/datasets from the
// repository root, or skips the test.
func mrDir(t testing.TB) string {
	t.Helper()
	for _, d := range []string{"../../shared/datasets/rt-polarity", "/work/shared/datasets/rt-polarity"} {
		if _, err := os.Stat(filepath.Join(d, "rt-polarity.pos")); err == nil {
			return d
		}
	}
	t.Skip("MR data (../shared/datasets/rt-polarity) not found; skipping the MR learning test")
	return ""
}

// mrSlice returns a stratified, shuffled 2,000-sentence training slice and
// a 500-sentence test slice of MR.
func mrSlice(t testing.TB) (trX []string, trY []int, teX []string, teY []int, classes []string) {
	dir := mrDir(t)
	texts, labels, classes, err := text.ReadClassFiles([]text.ClassFile{
		{Class: "neg", Path: filepath.Join(dir, "rt-polarity.neg")},
		{Class: "pos", Path: filepath.Join(dir, "rt-polarity.pos")},
	}, text.ReadOptions{Encoding: text.Latin1})
	if err != nil {
		t.Fatal(err)
	}
	folds := text.StratifiedKFold(labels, 20, 1) // 20 folds of ~533
	var idx []int
	for f := 0; len(idx) < 2500; f++ {
		idx = append(idx, folds[f][1]...)
	}
	trIdx, teIdx := idx[:2000], idx[2000:2500]
	return text.Subset(texts, trIdx), text.Subset(labels, trIdx), text.Subset(texts, teIdx), text.Subset(labels, teIdx), classes
}

func TestLearnsMRSlice(t *testing.T) {
	if testing.Short() || purego {
		t.Skip("MR learning test: skipped with -short and with -tags purego (the pure-Go kernels take ~100 s)")
	}
	trX, trY, teX, teY, classes := mrSlice(t)
	cases := []struct {
		cfg Config
		min float64
	}{
		{Config{Arch: "cnn", EmbedDim: 64, Epochs: 4, MaxLen: 40, Seed: 1}, 0.66},
		{Config{Arch: "lstm", EmbedDim: 64, Units: 32, Epochs: 3, MaxLen: 40, Seed: 1}, 0.66},
	}
	for _, c := range cases {
		t.Run(c.cfg.Arch, func(t *testing.T) {
			c.cfg.Verbose = model.VerboseSilent
			clf, _, err := Train(trX, trY, classes, c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			acc, err := clf.Accuracy(teX, teY)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: test accuracy %.3f on %d held-out MR sentences", c.cfg.Arch, acc, len(teX))
			if acc < c.min {
				t.Errorf("%s: accuracy %.3f < %.2f", c.cfg.Arch, acc, c.min)
			}
		})
	}
}
