package text

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Fuzz targets for the package's file readers: labelled text files, plain
// text, and the JSON of vocabularies and vectorizers (as stored in model
// files), seeded from files the package writes. .ci/run runs each briefly.

func FuzzReadLabeled(f *testing.F) {
	f.Add([]byte("pos\tgreat film\nneg\tdull\n\n1\tx\n"))
	f.Add([]byte("\uFEFFa\tb\r\nc\td\n"))
	f.Add([]byte("caf\xe9\tno tab here\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "f.tsv")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, enc := range []string{UTF8, Latin1} {
			texts, labels, classes, err := ReadLabeled(p, ReadOptions{Encoding: enc})
			if err == nil {
				if len(texts) != len(labels) {
					t.Fatalf("%d texts, %d labels", len(texts), len(labels))
				}
				for _, l := range labels {
					if l < 0 || l >= len(classes) {
						t.Fatalf("label %d of %d classes", l, len(classes))
					}
				}
			}
			ReadLines(p, ReadOptions{Encoding: enc})
			ReadText(p, ReadOptions{Encoding: enc})
		}
	})
}

func FuzzVectorizerJSON(f *testing.F) {
	v := &Vectorizer{Tokenizer: WordTokenizer{}, Length: 5}
	if err := v.Adapt([]string{"a b c", "b c d"}, VocabOptions{}); err != nil {
		f.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	vb, _ := json.Marshal(v.Vocab)
	f.Add(vb)
	f.Add([]byte(`{"length": 10000000000}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var voc Vocabulary
		if json.Unmarshal(b, &voc) == nil && voc.Size() < 2 {
			t.Fatalf("vocabulary of %d tokens accepted", voc.Size())
		}
		var v Vectorizer
		if err := json.Unmarshal(b, &v); err != nil {
			return
		}
		if v.Length < 0 || v.Length > MaxSequenceLength {
			t.Fatalf("length %d accepted", v.Length)
		}
		ids, shape := v.Transform([]string{"a b", "zzz q"})
		if len(ids) != shape[0]*shape[1] {
			t.Fatalf("%d ids for shape %v", len(ids), shape)
		}
	})
}

func TestVectorizerLengthLimit(t *testing.T) {
	v := &Vectorizer{Length: 5}
	if err := v.Adapt([]string{"a b"}, VocabOptions{}); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	huge := strings.Replace(string(b), `"length":5`, `"length":10000000000`, 1)
	if huge == string(b) {
		t.Fatalf("no length key in %s", b)
	}
	var w Vectorizer
	if err := json.Unmarshal([]byte(huge), &w); err == nil || !strings.Contains(err.Error(), "text.MaxSequenceLength") {
		t.Fatalf("length 1e10: err = %v", err)
	}
}
