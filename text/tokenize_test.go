package text

import (
	"slices"
	"strings"
	"testing"
)

func TestWordTokenizer(t *testing.T) {
	tests := []struct {
		name string
		tok  WordTokenizer
		in   string
		want []string
	}{
		{"empty", WordTokenizer{}, "", nil},
		{"spaces only", WordTokenizer{}, " \t\n ", nil},
		{"lower", WordTokenizer{}, "The Rock IS", []string{"the", "rock", "is"}},
		{"keep case", WordTokenizer{KeepCase: true}, "The Rock", []string{"The", "Rock"}},
		{"collapse whitespace", WordTokenizer{}, "  a \t\n b   c ", []string{"a", "b", "c"}},
		{"punctuation separated", WordTokenizer{}, "Hello, world!", []string{"hello", ",", "world", "!"}},
		{"punct runs", WordTokenizer{}, "wait...what?!", []string{"wait", ".", ".", ".", "what", "?", "!"}},
		{"hyphen", WordTokenizer{}, "too-tepid biopic", []string{"too", "-", "tepid", "biopic"}},
		{"brackets quotes", WordTokenizer{}, `("conan")`, []string{"(", `"`, "conan", `"`, ")"}},
		{"'s", WordTokenizer{}, "it's the film's", []string{"it", "'s", "the", "film", "'s"}},
		{"'ve 're 'd 'll", WordTokenizer{}, "we've they're i'd you'll", []string{"we", "'ve", "they", "'re", "i", "'d", "you", "'ll"}},
		{"n't", WordTokenizer{}, "don't can't isn't", []string{"do", "n't", "ca", "n't", "is", "n't"}},
		{"two clitics", WordTokenizer{}, "couldn't've", []string{"could", "n't", "'ve"}},
		{"clitic keep case", WordTokenizer{KeepCase: true}, "DON'T It'S", []string{"DO", "N'T", "It", "'S"}},
		{"standalone clitic", WordTokenizer{}, "the 21st century 's", []string{"the", "21st", "century", "'s"}},
		{"not a clitic", WordTokenizer{}, "i'm o'brien", []string{"i'm", "o'brien"}},
		{"leading quote", WordTokenizer{}, "'em 'the end'", []string{"'", "em", "'", "the", "end", "'"}},
		{"trailing apostrophe", WordTokenizer{}, "the dogs' bowl", []string{"the", "dogs", "'", "bowl"}},
		{"lone apostrophe", WordTokenizer{}, "' hi '", []string{"'", "hi", "'"}},
		{"typographic apostrophe", WordTokenizer{}, "don\u2019t it\u2019s", []string{"do", "n't", "it", "'s"}},
		{"unicode letters", WordTokenizer{}, "Café ÉLAN naïve", []string{"café", "élan", "naïve"}},
		{"combining mark", WordTokenizer{}, "cafe\u0301 ok", []string{"cafe\u0301", "ok"}},
		{"other scripts", WordTokenizer{}, "Привет, мир! 日本語", []string{"привет", ",", "мир", "!", "日本語"}},
		{"digits", WordTokenizer{}, "3.5 stars, 10/10", []string{"3", ".", "5", "stars", ",", "10", "/", "10"}},
		{"symbols", WordTokenizer{}, "a+b=c €5 :)", []string{"a", "+", "b", "=", "c", "€", "5", ":", ")"}},
		{"strip", WordTokenizer{Punctuation: PunctStrip}, "Hello, world! too-tepid", []string{"hello", "world", "too", "tepid"}},
		{"strip keeps clitics", WordTokenizer{Punctuation: PunctStrip}, "it's \"good\"", []string{"it", "'s", "good"}},
		{"kim", WordTokenizer{Punctuation: PunctKim}, `"wow" (really), a 10/10 -- why?! ok.`, []string{"wow", "(", "really", ")", ",", "a", "10", "10", "why", "?", "!", "ok"}},
		{"kim clitics", WordTokenizer{Punctuation: PunctKim}, "it's not what you've seen; don't.", []string{"it", "'s", "not", "what", "you", "'ve", "seen", "do", "n't"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.tok.Tokenize(tt.in)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Tokenize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestWordTokenizerBadPunctuationPanics(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), "Punctuation") {
			t.Fatalf("recover() = %v, want a panic naming Punctuation", r)
		}
	}()
	WordTokenizer{Punctuation: "bogus"}.Tokenize("x")
}

func TestCharTokenizer(t *testing.T) {
	tests := []struct {
		name string
		tok  CharTokenizer
		in   string
		want []string
	}{
		{"empty", CharTokenizer{}, "", []string{}},
		{"ascii with space", CharTokenizer{}, "Hi !", []string{"H", "i", " ", "!"}},
		{"lower", CharTokenizer{Lower: true}, "AbÉ", []string{"a", "b", "é"}},
		{"multibyte", CharTokenizer{}, "é日\n", []string{"é", "日", "\n"}},
		{"invalid utf-8", CharTokenizer{}, "a\xffb", []string{"a", "\uFFFD", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.tok.Tokenize(tt.in)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Tokenize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTokenizerConfigRoundTrip(t *testing.T) {
	for _, tok := range []Tokenizer{
		WordTokenizer{}, WordTokenizer{KeepCase: true, Punctuation: PunctKim}, WordTokenizer{Punctuation: PunctStrip},
		CharTokenizer{}, CharTokenizer{Lower: true},
	} {
		cfg, err := TokenizerConfigOf(tok)
		if err != nil {
			t.Fatalf("TokenizerConfigOf(%#v): %v", tok, err)
		}
		got, err := NewTokenizer(cfg)
		if err != nil {
			t.Fatalf("NewTokenizer(%+v): %v", cfg, err)
		}
		if got != tok {
			t.Errorf("round trip of %#v gave %#v", tok, got)
		}
	}
	if _, err := TokenizerConfigOf(&WordTokenizer{KeepCase: true}); err != nil {
		t.Errorf("pointer tokenizer: %v", err)
	}
}

type upperTokenizer struct{}

func (upperTokenizer) Tokenize(s string) []string { return strings.Fields(strings.ToUpper(s)) }

func TestTokenizerConfigErrors(t *testing.T) {
	if _, err := TokenizerConfigOf(upperTokenizer{}); err == nil || !strings.Contains(err.Error(), "upperTokenizer") {
		t.Errorf("custom tokenizer: err = %v, want one naming the type", err)
	}
	if _, err := TokenizerConfigOf(nil); err == nil {
		t.Error("nil tokenizer: no error")
	}
	for _, cfg := range []TokenizerConfig{
		{},
		{Type: "bpe"},
		{Type: "word", Punctuation: "some"},
		{Type: "word", Lower: true},
		{Type: "char", KeepCase: true},
		{Type: "char", Punctuation: PunctKim},
	} {
		if _, err := NewTokenizer(cfg); err == nil {
			t.Errorf("NewTokenizer(%+v): no error", cfg)
		}
	}
}
