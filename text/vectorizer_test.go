package text

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestVectorizer(t *testing.T) {
	train := []string{"The movie is good.", "The movie isn't good!", "bad movie"}
	v := &Vectorizer{Length: 6}
	if err := v.Adapt(train, VocabOptions{}); err != nil {
		t.Fatal(err)
	}
	// counts: movie 3, the 2, is 2, good 2, . 1, n't 1, ! 1, bad 1
	want := []string{"", "[UNK]", "movie", "the", "is", "good", ".", "n't", "!", "bad"}
	if got := v.Vocab.Tokens(); !slices.Equal(got, want) {
		t.Fatalf("vocabulary %q, want %q", got, want)
	}
	tests := []struct {
		name  string
		v     Vectorizer
		texts []string
		ids   []float32
		shape []int
	}{
		{"pre", *v, []string{"good movie", "the film is not good"},
			[]float32{0, 0, 0, 0, 5, 2, 0, 3, 1, 4, 1, 5}, []int{2, 6}},
		{"post truncate", Vectorizer{Vocab: v.Vocab, Length: 3, Pad: PadOptions{Padding: "post", Truncating: "post"}},
			[]string{"good", "the film is not good"},
			[]float32{5, 0, 0, 3, 1, 4}, []int{2, 3}},
		{"truncate pre", Vectorizer{Vocab: v.Vocab, Length: 2}, []string{"the film is not good"},
			[]float32{1, 5}, []int{1, 2}},
		{"longest", Vectorizer{Vocab: v.Vocab}, []string{"bad", "bad movie !"},
			[]float32{0, 0, 9, 9, 2, 8}, []int{2, 3}},
		{"char", Vectorizer{Tokenizer: CharTokenizer{}, Vocab: mustVocab(t, "a", "b"), Length: 4}, []string{"abc", "ba"},
			[]float32{0, 2, 3, 1, 0, 0, 3, 2}, []int{2, 4}},
		{"no texts", *v, nil, []float32{}, []int{0, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, shape := tt.v.Transform(tt.texts)
			if !slices.Equal(ids, tt.ids) || !slices.Equal(shape, tt.shape) {
				t.Errorf("Transform = %v %v, want %v %v", ids, shape, tt.ids, tt.shape)
			}
		})
	}
	if got := v.Encode("Bad, bad movie"); !slices.Equal(got, []int{9, 1, 9, 2}) {
		t.Errorf("Encode = %v", got)
	}
}

func mustVocab(t *testing.T, toks ...string) *Vocabulary {
	t.Helper()
	v, err := NewVocabulary(toks)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVectorizerAdaptError(t *testing.T) {
	v := &Vectorizer{}
	if err := v.Adapt([]string{"a"}, VocabOptions{MaxSize: 1}); err == nil {
		t.Error("Adapt with MaxSize 1: no error")
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "vocabulary") {
			t.Errorf("Transform without vocabulary: recover() = %v", r)
		}
	}()
	v.Transform([]string{"a"})
}

func TestVectorizerJSONRoundTrip(t *testing.T) {
	texts := []string{"It's a fine, fine film.", "Not my cup of tea", "tea's fine"}
	for _, v := range []*Vectorizer{
		{Length: 5},
		{Tokenizer: WordTokenizer{KeepCase: true, Punctuation: PunctKim}, Length: 3, Pad: PadOptions{Padding: "post", Truncating: "post", Value: 0}},
		{Tokenizer: CharTokenizer{Lower: true}, Pad: PadOptions{Padding: "post"}},
	} {
		if err := v.Adapt(texts, VocabOptions{MinCount: 1}); err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var w Vectorizer
		if err := json.Unmarshal(b, &w); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		path := filepath.Join(t.TempDir(), "vec.json")
		if err := v.Save(path); err != nil {
			t.Fatal(err)
		}
		u, err := LoadVectorizer(path)
		if err != nil {
			t.Fatal(err)
		}
		probe := append(slices.Clone(texts), "An unseen sentence, isn't it?")
		want, wshape := v.Transform(probe)
		for _, got := range []*Vectorizer{&w, u} {
			ids, shape := got.Transform(probe)
			if !slices.Equal(ids, want) || !slices.Equal(shape, wshape) {
				t.Errorf("%s: restored vectorizer gives %v %v, want %v %v", b, ids, shape, want, wshape)
			}
		}
		cfg, err := v.Config()
		if err != nil {
			t.Fatal(err)
		}
		if x, err := NewVectorizerFromConfig(cfg); err != nil || x.Length != v.Length || x.Pad != v.Pad {
			t.Errorf("NewVectorizerFromConfig: %+v, %v", x, err)
		}
	}
}

func TestVectorizerConfigErrors(t *testing.T) {
	if _, err := (&Vectorizer{}).Config(); err == nil {
		t.Error("Config without vocabulary: no error")
	}
	voc := mustVocab(t, "a")
	if _, err := (&Vectorizer{Tokenizer: upperTokenizer{}, Vocab: voc}).Config(); err == nil {
		t.Error("Config with a custom tokenizer: no error")
	}
	if _, err := json.Marshal(&Vectorizer{Tokenizer: upperTokenizer{}, Vocab: voc}); err == nil {
		t.Error("Marshal with a custom tokenizer: no error")
	}
	word := TokenizerConfig{Type: "word"}
	for _, cfg := range []VectorizerConfig{
		{Tokenizer: word},
		{Tokenizer: TokenizerConfig{Type: "x"}, Vocabulary: voc},
		{Tokenizer: word, Vocabulary: voc, Length: -1},
		{Tokenizer: word, Vocabulary: voc, Pad: PadOptions{Padding: "middle"}},
	} {
		if _, err := NewVectorizerFromConfig(cfg); err == nil {
			t.Errorf("NewVectorizerFromConfig(%+v): no error", cfg)
		}
	}
	for _, s := range []string{
		`{"tokenizer":{"type":"word"},"vocabulary":{"tokens":["a"]},"length":3}`,
		`{"tokenizer":{"type":"word"},"length":3}`,
		`{"tokenizer":{"type":"word"},"vocabulary":{"tokens":["","[UNK]"]},"length":"3"}`,
	} {
		var v Vectorizer
		if err := json.Unmarshal([]byte(s), &v); err == nil {
			t.Errorf("Unmarshal(%s): no error", s)
		}
	}
	if _, err := LoadVectorizer(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("LoadVectorizer of a missing file: no error")
	}
}
