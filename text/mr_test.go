package text

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// mrDir returns the directory of the MR (rt-polarity) data, which lives
// outside the repository at ../shared/datasets relative to its root, or
// skips the test.
func mrDir(t *testing.T) string {
	t.Helper()
	for _, d := range []string{"../../shared/datasets/rt-polarity", "/work/shared/datasets/rt-polarity"} {
		if _, err := os.Stat(filepath.Join(d, "rt-polarity.pos")); err == nil {
			return d
		}
	}
	t.Skip("MR data (../shared/datasets/rt-polarity) not found")
	return ""
}

func readMR(t *testing.T) ([]string, []int, []string) {
	dir := mrDir(t)
	texts, labels, classes, err := ReadClassFiles([]ClassFile{
		{Class: "neg", Path: filepath.Join(dir, "rt-polarity.neg")},
		{Class: "pos", Path: filepath.Join(dir, "rt-polarity.pos")},
	}, ReadOptions{Encoding: Latin1})
	if err != nil {
		t.Fatal(err)
	}
	return texts, labels, classes
}

func TestMRLoads(t *testing.T) {
	texts, labels, classes := readMR(t)
	if len(texts) != 10662 || len(labels) != 10662 {
		t.Fatalf("%d texts, %d labels, want 10662", len(texts), len(labels))
	}
	var pos int
	for _, l := range labels {
		pos += l
	}
	if pos != 5331 || labels[0] != 0 || labels[10661] != 1 {
		t.Errorf("%d positive, want 5331 (first label %d, last %d)", pos, labels[0], labels[10661])
	}
	if !slices.Equal(classes, []string{"neg", "pos"}) {
		t.Errorf("classes = %q", classes)
	}
	var accented bool
	for _, s := range texts {
		if strings.ContainsRune(s, 'é') {
			accented = true
		}
		if strings.ContainsRune(s, '\uFFFD') {
			t.Fatalf("replacement character in %q", s)
		}
	}
	if !accented {
		t.Error("no text contains é: Latin-1 decoding failed")
	}
	// The MR files are Latin-1, so reading them as UTF-8 must fail clearly.
	_, _, _, err := ReadClassFiles([]ClassFile{{"pos", filepath.Join(mrDir(t), "rt-polarity.pos")}}, ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "invalid UTF-8") {
		t.Errorf("UTF-8 read of MR: err = %v", err)
	}
}

// Kim (2014), table 1, gives MR a vocabulary of 18,765 words and sentences
// of at most 56 words after clean_str; PunctKim should land close.
func TestMRVectorize(t *testing.T) {
	texts, labels, _ := readMR(t)
	v := &Vectorizer{Tokenizer: WordTokenizer{Punctuation: PunctKim}}
	if err := v.Adapt(texts, VocabOptions{}); err != nil {
		t.Fatal(err)
	}
	words := v.Vocab.Size() - 2
	x, shape := v.Transform(texts)
	t.Logf("MR: %d words (Kim: 18765), longest sentence %d tokens (Kim: 56)", words, shape[1])
	if words < 18000 || words > 19500 {
		t.Errorf("vocabulary of %d words, want about 18765", words)
	}
	if shape[0] != 10662 || shape[1] < 50 || shape[1] > 65 {
		t.Errorf("shape %v, want about [10662 56]", shape)
	}
	for _, id := range x {
		if id < 0 || int(id) >= v.Vocab.Size() || id != float32(int(id)) {
			t.Fatalf("bad id %v", id)
		}
	}
	folds := StratifiedKFold(labels, 10, 1)
	for _, f := range folds {
		if n := len(f[1]); n < 1066 || n > 1067 {
			t.Errorf("test fold of %d sentences", n)
		}
	}
}
