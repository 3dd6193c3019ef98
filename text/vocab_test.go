package text

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestBuildVocabulary(t *testing.T) {
	corpus := [][]string{
		{"b", "a", "c", "a"},
		{"d", "c", "a", "e"},
		{"e", "f", "", "[UNK]", "[UNK]"},
	}
	// counts: a3 c2 e2 b1 d1 f1; first appearance b a c d e f.
	tests := []struct {
		name string
		opt  VocabOptions
		want []string
	}{
		{"all", VocabOptions{}, []string{"", "[UNK]", "a", "c", "e", "b", "d", "f"}},
		{"min count 1", VocabOptions{MinCount: 1}, []string{"", "[UNK]", "a", "c", "e", "b", "d", "f"}},
		{"min count 2", VocabOptions{MinCount: 2}, []string{"", "[UNK]", "a", "c", "e"}},
		{"min count 4", VocabOptions{MinCount: 4}, []string{"", "[UNK]"}},
		{"max size 4", VocabOptions{MaxSize: 4}, []string{"", "[UNK]", "a", "c"}},
		{"max size 6 tie by first appearance", VocabOptions{MaxSize: 6}, []string{"", "[UNK]", "a", "c", "e", "b"}},
		{"max size 2", VocabOptions{MaxSize: 2}, []string{"", "[UNK]"}},
		{"max size above", VocabOptions{MaxSize: 100}, []string{"", "[UNK]", "a", "c", "e", "b", "d", "f"}},
		{"both", VocabOptions{MinCount: 2, MaxSize: 3}, []string{"", "[UNK]", "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := BuildVocabulary(corpus, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if got := v.Tokens(); !slices.Equal(got, tt.want) {
				t.Errorf("Tokens() = %q, want %q", got, tt.want)
			}
			if v.Size() != len(tt.want) {
				t.Errorf("Size() = %d, want %d", v.Size(), len(tt.want))
			}
			for id, tok := range tt.want {
				if v.ID(tok) != id || v.Token(id) != tok {
					t.Errorf("ID(%q) = %d, Token(%d) = %q", tok, v.ID(tok), id, v.Token(id))
				}
			}
		})
	}
}

func TestBuildVocabularyErrors(t *testing.T) {
	for _, opt := range []VocabOptions{{MinCount: -1}, {MaxSize: -1}, {MaxSize: 1}} {
		if _, err := BuildVocabulary(nil, opt); err == nil {
			t.Errorf("BuildVocabulary(%+v): no error", opt)
		}
	}
}

func TestVocabularyBuilderIncremental(t *testing.T) {
	var b VocabularyBuilder
	b.Add([]string{"x", "y"})
	b.Add([]string{"y"})
	if b.Count("y") != 2 || b.Count("z") != 0 {
		t.Errorf("counts y=%d z=%d", b.Count("y"), b.Count("z"))
	}
	v, err := b.Build(VocabOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Tokens(); !slices.Equal(got, []string{"", "[UNK]", "y", "x"}) {
		t.Errorf("Tokens() = %q", got)
	}
	var empty VocabularyBuilder
	if v, _ := empty.Build(VocabOptions{}); v.Size() != 2 {
		t.Errorf("empty builder: Size() = %d, want 2", v.Size())
	}
}

func TestVocabularyEncodeDecode(t *testing.T) {
	v, err := NewVocabulary([]string{"the", "movie", "is"})
	if err != nil {
		t.Fatal(err)
	}
	ids := v.Encode([]string{"the", "film", "is", "", "[UNK]"})
	if want := []int{2, OOVID, 4, PadID, OOVID}; !slices.Equal(ids, want) {
		t.Errorf("Encode = %v, want %v", ids, want)
	}
	if got, want := v.Decode([]int{0, 1, 2, 3, 4}), []string{"", "[UNK]", "the", "movie", "is"}; !slices.Equal(got, want) {
		t.Errorf("Decode = %q, want %q", got, want)
	}
	if !v.Contains("movie") || v.Contains("film") {
		t.Error("Contains wrong")
	}
	// Tokens returns a copy.
	v.Tokens()[2] = "changed"
	if v.Token(2) != "the" {
		t.Error("Tokens() aliases the vocabulary")
	}
}

func TestVocabularyTokenOutOfRangePanics(t *testing.T) {
	v, _ := NewVocabulary([]string{"a"})
	for _, id := range []int{-1, 3} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "out of range") {
					t.Errorf("Token(%d): recover() = %v", id, r)
				}
			}()
			v.Token(id)
		}()
	}
}

func TestNewVocabularyErrors(t *testing.T) {
	for _, toks := range [][]string{{"a", "a"}, {""}, {"x", "[UNK]"}} {
		if _, err := NewVocabulary(toks); err == nil {
			t.Errorf("NewVocabulary(%q): no error", toks)
		}
	}
}

func TestVocabularyJSONRoundTrip(t *testing.T) {
	v, err := BuildVocabulary([][]string{{"é", "a", "\"q\"", "a", "日本"}}, VocabOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"tokens":["","[UNK]","a","é","\"q\"","日本"]}`; string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
	var w Vocabulary
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w.Tokens(), v.Tokens()) || w.ID("日本") != 5 {
		t.Errorf("round trip: %q", w.Tokens())
	}

	path := filepath.Join(t.TempDir(), "vocab.json")
	if err := v.Save(path); err != nil {
		t.Fatal(err)
	}
	u, err := LoadVocabulary(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(u.Tokens(), v.Tokens()) {
		t.Errorf("Save/Load: %q", u.Tokens())
	}
	// Save over an existing file, leaving no temporary files behind.
	if err := v.Save(path); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after Save, want 1", len(entries))
	}
}

func TestVocabularyUnmarshalErrors(t *testing.T) {
	for _, s := range []string{
		`{"tokens":["a","b"]}`,
		`{"tokens":[""]}`,
		`{"tokens":["","[UNK]","a","a"]}`,
		`{"tokens":["","[UNK]","[UNK]"]}`,
		`{"tokens":5}`,
		`[]`,
	} {
		var v Vocabulary
		if err := json.Unmarshal([]byte(s), &v); err == nil {
			t.Errorf("Unmarshal(%s): no error", s)
		}
	}
	dir := t.TempDir()
	if _, err := LoadVocabulary(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("LoadVocabulary of a missing file: no error")
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{"), 0o644)
	if _, err := LoadVocabulary(bad); err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Errorf("LoadVocabulary of bad JSON: err = %v, want one naming the file", err)
	}
	if err := (&Vocabulary{}).Save(filepath.Join(dir, "no", "such", "dir.json")); err == nil {
		t.Error("Save into a missing directory: no error")
	}
}
