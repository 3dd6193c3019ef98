package text

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

// Reserved tokens and their ids, as in Keras's TextVectorization: id 0 is
// padding (the empty string) and id 1 stands for every token that is not in
// the vocabulary.
const (
	PadToken = ""
	OOVToken = "[UNK]"
	PadID    = 0
	OOVID    = 1
)

// VocabOptions controls how BuildVocabulary selects tokens.
type VocabOptions struct {
	// MinCount drops tokens seen fewer times (0 and 1 keep every token).
	MinCount int
	// MaxSize caps the vocabulary size, the two reserved tokens included,
	// like Keras's max_tokens; 0 means no cap. It must be 0 or at least 2.
	MaxSize int
}

// Vocabulary maps tokens to integer ids and back. Id 0 is PadToken and id 1
// is OOVToken; the other ids are ordered by decreasing corpus frequency,
// ties broken by first appearance, so the same corpus always gives the same
// ids. A Vocabulary is immutable and safe for concurrent use.
type Vocabulary struct {
	tokens []string
	ids    map[string]int
}

// VocabularyBuilder counts tokens, for corpora that are read piece by piece.
// The zero value is ready to use.
type VocabularyBuilder struct {
	counts map[string]int
	order  []string // in order of first appearance
}

// Add counts the tokens of one document. The reserved tokens PadToken and
// OOVToken are not counted.
func (b *VocabularyBuilder) Add(tokens []string) {
	if b.counts == nil {
		b.counts = make(map[string]int)
	}
	for _, t := range tokens {
		if t == PadToken || t == OOVToken {
			continue
		}
		if _, ok := b.counts[t]; !ok {
			b.order = append(b.order, t)
		}
		b.counts[t]++
	}
}

// Count returns how often tok was added.
func (b *VocabularyBuilder) Count(tok string) int { return b.counts[tok] }

// Build returns the vocabulary of the tokens added so far.
func (b *VocabularyBuilder) Build(opt VocabOptions) (*Vocabulary, error) {
	if opt.MinCount < 0 {
		return nil, fmt.Errorf("text: vocabulary: MinCount %d is negative", opt.MinCount)
	}
	if opt.MaxSize < 0 || opt.MaxSize == 1 {
		return nil, fmt.Errorf("text: vocabulary: MaxSize %d must be 0 (no cap) or at least 2 (the padding and OOV tokens)", opt.MaxSize)
	}
	kept := make([]string, 0, len(b.order))
	for _, t := range b.order {
		if b.counts[t] >= opt.MinCount {
			kept = append(kept, t)
		}
	}
	// Stable sort keeps first-appearance order among equal counts.
	sort.SliceStable(kept, func(i, j int) bool { return b.counts[kept[i]] > b.counts[kept[j]] })
	if opt.MaxSize > 0 && len(kept) > opt.MaxSize-2 {
		kept = kept[:opt.MaxSize-2]
	}
	return newVocabulary(kept), nil
}

// BuildVocabulary builds a vocabulary from a corpus of token lists (one list
// per document).
func BuildVocabulary(corpus [][]string, opt VocabOptions) (*Vocabulary, error) {
	var b VocabularyBuilder
	for _, doc := range corpus {
		b.Add(doc)
	}
	return b.Build(opt)
}

// NewVocabulary returns the vocabulary with the given tokens in order, after
// the two reserved ones: tokens[i] gets id i+2. It fails on a duplicate or
// reserved token.
func NewVocabulary(tokens []string) (*Vocabulary, error) {
	seen := make(map[string]bool, len(tokens))
	for i, t := range tokens {
		if t == PadToken || t == OOVToken {
			return nil, fmt.Errorf("text: vocabulary: token %d is the reserved token %q", i, t)
		}
		if seen[t] {
			return nil, fmt.Errorf("text: vocabulary: token %q appears twice", t)
		}
		seen[t] = true
	}
	return newVocabulary(tokens), nil
}

func newVocabulary(tokens []string) *Vocabulary {
	v := &Vocabulary{
		tokens: make([]string, 0, len(tokens)+2),
		ids:    make(map[string]int, len(tokens)+2),
	}
	v.tokens = append(v.tokens, PadToken, OOVToken)
	v.tokens = append(v.tokens, tokens...)
	for i, t := range v.tokens {
		v.ids[t] = i
	}
	return v
}

// Size returns the number of ids, the two reserved ones included; it is the
// input dimension of an Embedding layer (or output size of a language model).
func (v *Vocabulary) Size() int { return len(v.tokens) }

// ID returns the id of tok, or OOVID if tok is not in the vocabulary.
func (v *Vocabulary) ID(tok string) int {
	if id, ok := v.ids[tok]; ok {
		return id
	}
	return OOVID
}

// Contains reports whether tok has an id of its own.
func (v *Vocabulary) Contains(tok string) bool {
	_, ok := v.ids[tok]
	return ok
}

// Token returns the token with the given id. It panics if id is not in
// [0, Size()).
func (v *Vocabulary) Token(id int) string {
	if id < 0 || id >= len(v.tokens) {
		panic(fmt.Sprintf("text: Vocabulary.Token: id %d out of range [0, %d)", id, len(v.tokens)))
	}
	return v.tokens[id]
}

// Tokens returns all tokens in id order, the reserved ones first (Keras's
// get_vocabulary).
func (v *Vocabulary) Tokens() []string { return append([]string(nil), v.tokens...) }

// Encode maps tokens to ids; unknown tokens become OOVID.
func (v *Vocabulary) Encode(tokens []string) []int {
	ids := make([]int, len(tokens))
	for i, t := range tokens {
		ids[i] = v.ID(t)
	}
	return ids
}

// Decode maps ids to tokens, one for one (PadID gives the empty string). It
// panics on an id out of range.
func (v *Vocabulary) Decode(ids []int) []string {
	toks := make([]string, len(ids))
	for i, id := range ids {
		toks[i] = v.Token(id)
	}
	return toks
}

// vocabJSON is the saved form: all tokens in id order, reserved ones first.
type vocabJSON struct {
	Tokens []string `json:"tokens"`
}

// MarshalJSON writes the vocabulary as {"tokens": [...]} with every token in
// id order, the reserved ones first.
func (v *Vocabulary) MarshalJSON() ([]byte, error) {
	return json.Marshal(vocabJSON{Tokens: v.tokens})
}

// UnmarshalJSON reads the form MarshalJSON writes and checks that the
// reserved tokens come first and no token repeats.
func (v *Vocabulary) UnmarshalJSON(b []byte) error {
	var j vocabJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("text: vocabulary: %w", err)
	}
	if len(j.Tokens) > MaxVocabulary {
		return fmt.Errorf("text: vocabulary: %d tokens, more than %d (the limit, text.MaxVocabulary)", len(j.Tokens), MaxVocabulary)
	}
	if len(j.Tokens) < 2 || j.Tokens[0] != PadToken || j.Tokens[1] != OOVToken {
		return fmt.Errorf("text: vocabulary: tokens must start with %q and %q", PadToken, OOVToken)
	}
	nv, err := NewVocabulary(j.Tokens[2:])
	if err != nil {
		return err
	}
	*v = *nv
	return nil
}

// Save writes the vocabulary as JSON to path atomically: a crash never
// leaves a partial file.
func (v *Vocabulary) Save(path string) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'))
}

// LoadVocabulary reads a vocabulary written by Save.
func LoadVocabulary(path string) (*Vocabulary, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v := new(Vocabulary)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}
