package text

import (
	"fmt"
	"strings"
	"unicode"
)

// Tokenizer splits a text into tokens.
//
// Implementations must be deterministic and safe for concurrent use. The
// tokenizers of this package (WordTokenizer, CharTokenizer) are plain values
// and can be described by a TokenizerConfig, so a Vectorizer that uses them
// can be saved and restored.
type Tokenizer interface {
	Tokenize(s string) []string
}

// Punctuation selects what a WordTokenizer does with punctuation and symbol
// runes (anything that is neither a letter, a digit, a combining mark nor
// white space).
type Punctuation string

const (
	// PunctSeparate makes every punctuation rune a token of its own. It is
	// the default (the zero value).
	PunctSeparate Punctuation = ""
	// PunctStrip drops punctuation; it still separates words, so
	// "too-tepid" becomes "too", "tepid" (Keras's
	// "lower_and_strip_punctuation" would give "tootepid").
	PunctStrip Punctuation = "strip"
	// PunctKim keeps only , ! ? ( ) as tokens and drops all other
	// punctuation, as the clean_str preprocessing of Kim (2014) does.
	PunctKim Punctuation = "kim"
)

// kimKept are the punctuation runes PunctKim keeps.
const kimKept = ",!?()"

// clitics are the English clitics split off the end of a word, longest
// first where one is a suffix of another. "n't" takes the letter n with it:
// "don't" -> "do", "n't"; "can't" -> "ca", "n't" (Penn Treebank style).
var clitics = []string{"n't", "'ve", "'re", "'ll", "'s", "'d"}

// WordTokenizer splits text into words, punctuation and English clitics,
// following the description of the clean_str preprocessing used by Kim
// (2014) for sentence classification:
//
//   - the text is lower-cased unless KeepCase is set;
//   - a word is a maximal run of letters, digits, combining marks and
//     apostrophes (any script, so "café" and "日本語" are words);
//   - the clitics 's 've n't 're 'd 'll are split off the end of a word
//     ("it's" -> "it" "'s", "couldn't've" -> "could" "n't" "'ve");
//   - apostrophes at the start or end of a word that do not begin a clitic
//     become tokens of their own ("'em" -> "'" "em"), while inner ones stay
//     ("o'brien");
//   - the typographic apostrophe ’ (U+2019) inside words is written as the
//     ASCII ' so that "don’t" and "don't" give the same tokens;
//   - punctuation is handled as Punctuation says (by default each
//     punctuation rune is a token);
//   - runs of white space only separate tokens.
//
// Kim's regular expressions work on ASCII and delete every other character;
// WordTokenizer keeps letters of all scripts instead, and splits quotes off
// words ("'bad'" -> "'" "bad" "'") where Kim's keeps them attached. On the MR
// data with PunctKim this gives 18,372 distinct words where Kim's clean_str
// gives 18,764, and the same longest sentence (56 tokens). Text without spaces
// between words (Chinese, Japanese) comes out as long "words"; use
// CharTokenizer for it.
//
// The zero value lower-cases and separates punctuation.
type WordTokenizer struct {
	// KeepCase disables lower-casing.
	KeepCase bool
	// Punctuation selects how punctuation is treated (default PunctSeparate).
	Punctuation Punctuation
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r) || r == '\'' || r == '\u2019'
}

// Tokenize implements Tokenizer. It panics if t.Punctuation is not one of
// the defined modes.
func (t WordTokenizer) Tokenize(s string) []string {
	switch t.Punctuation {
	case PunctSeparate, PunctStrip, PunctKim:
	default:
		panic(fmt.Sprintf("text: WordTokenizer: unknown Punctuation %q", string(t.Punctuation)))
	}
	if !t.KeepCase {
		s = strings.ToLower(s)
	}
	var out []string
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case isWordRune(r):
			j := i
			for j < len(rs) && isWordRune(rs[j]) {
				j++
			}
			out = appendWord(out, rs[i:j])
			i = j
		default:
			switch t.Punctuation {
			case PunctSeparate:
				out = append(out, string(r))
			case PunctKim:
				if strings.ContainsRune(kimKept, r) {
					out = append(out, string(r))
				}
			}
			i++
		}
	}
	return out
}

// appendWord appends the tokens of one word span (letters, digits, marks and
// apostrophes) to out.
func appendWord(out []string, w []rune) []string {
	for k, r := range w {
		if r == '\u2019' {
			w[k] = '\''
		}
	}
	// Leading apostrophes that do not start a clitic-only word become tokens.
	var lead int
	for lead < len(w) && w[lead] == '\'' {
		lead++
	}
	word := string(w[lead:])
	if lead > 0 && word != "" && isClitic("'"+word) {
		lead-- // a standalone clitic such as "'s" keeps its apostrophe
		word = "'" + word
	}
	for range lead {
		out = append(out, "'")
	}
	// Trailing apostrophes ("dogs'") become tokens.
	var trail int
	for trail < len(word) && word[len(word)-1-trail] == '\'' {
		trail++
	}
	word = word[:len(word)-trail]
	// Peel clitics off the end.
	var suffix []string
	for {
		c := clitic(word)
		if c == "" {
			break
		}
		suffix = append(suffix, c)
		word = word[:len(word)-len(c)]
	}
	if word != "" {
		out = append(out, word)
	}
	for k := len(suffix) - 1; k >= 0; k-- {
		out = append(out, suffix[k])
	}
	for range trail {
		out = append(out, "'")
	}
	return out
}

func isClitic(s string) bool {
	for _, c := range clitics {
		if strings.EqualFold(s, c) {
			return true
		}
	}
	return false
}

// clitic returns the clitic (in any case) that ends word, if word has
// something before it that is not an apostrophe, or "".
func clitic(word string) string {
	for _, c := range clitics {
		n := len(word) - len(c)
		if n > 0 && strings.EqualFold(word[n:], c) && word[n-1] != '\'' {
			return word[n:]
		}
	}
	return ""
}

// CharTokenizer splits text into its Unicode code points (runes), one token
// each, white space included; it is the tokenizer for character-level
// language models. Invalid UTF-8 bytes become U+FFFD. The zero value keeps
// the case of the text.
type CharTokenizer struct {
	// Lower lower-cases the text first.
	Lower bool
}

// Tokenize implements Tokenizer.
func (t CharTokenizer) Tokenize(s string) []string {
	if t.Lower {
		s = strings.ToLower(s)
	}
	out := make([]string, 0, len(s))
	for _, r := range s {
		out = append(out, string(r))
	}
	return out
}

// TokenizerConfig describes a tokenizer of this package as JSON.
type TokenizerConfig struct {
	// Type is "word" or "char".
	Type string `json:"type"`
	// KeepCase is WordTokenizer.KeepCase.
	KeepCase bool `json:"keep_case,omitempty"`
	// Punctuation is WordTokenizer.Punctuation ("" for separate).
	Punctuation Punctuation `json:"punctuation,omitempty"`
	// Lower is CharTokenizer.Lower.
	Lower bool `json:"lower,omitempty"`
}

// TokenizerConfigOf returns the configuration of t. It fails for tokenizers
// that are not defined in this package.
func TokenizerConfigOf(t Tokenizer) (TokenizerConfig, error) {
	switch t := t.(type) {
	case WordTokenizer:
		return TokenizerConfig{Type: "word", KeepCase: t.KeepCase, Punctuation: t.Punctuation}, nil
	case *WordTokenizer:
		return TokenizerConfigOf(*t)
	case CharTokenizer:
		return TokenizerConfig{Type: "char", Lower: t.Lower}, nil
	case *CharTokenizer:
		return TokenizerConfigOf(*t)
	case nil:
		return TokenizerConfig{}, fmt.Errorf("text: nil tokenizer has no configuration")
	}
	return TokenizerConfig{}, fmt.Errorf("text: tokenizer %T has no configuration; only WordTokenizer and CharTokenizer can be saved", t)
}

// NewTokenizer returns the tokenizer that cfg describes.
func NewTokenizer(cfg TokenizerConfig) (Tokenizer, error) {
	switch cfg.Type {
	case "word":
		switch cfg.Punctuation {
		case PunctSeparate, PunctStrip, PunctKim:
		default:
			return nil, fmt.Errorf("text: tokenizer config: unknown punctuation %q (want \"\", %q or %q)", string(cfg.Punctuation), PunctStrip, PunctKim)
		}
		if cfg.Lower {
			return nil, fmt.Errorf("text: tokenizer config: \"lower\" applies to char tokenizers; word tokenizers lower-case unless keep_case is set")
		}
		return WordTokenizer{KeepCase: cfg.KeepCase, Punctuation: cfg.Punctuation}, nil
	case "char":
		if cfg.KeepCase || cfg.Punctuation != "" {
			return nil, fmt.Errorf("text: tokenizer config: keep_case and punctuation apply to word tokenizers only")
		}
		return CharTokenizer{Lower: cfg.Lower}, nil
	}
	return nil, fmt.Errorf("text: tokenizer config: unknown type %q (want \"word\" or \"char\")", cfg.Type)
}
