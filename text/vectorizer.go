package text

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// Limits on what a saved vectorizer or vocabulary may declare, checked when
// one is read (NewVectorizerFromConfig, LoadVectorizer, a model file's
// metadata) so that a corrupt file cannot make every Transform allocate
// without bound. Raise them before loading if a model needs more.
var (
	// MaxSequenceLength is the largest Vectorizer Length accepted
	// (default 2²⁰ tokens).
	MaxSequenceLength = 1 << 20
	// MaxVocabulary is the most tokens a vocabulary read from JSON may hold
	// (default 2²⁴: ids stay exact as float32).
	MaxVocabulary = 1 << 24
)

// Vectorizer turns raw strings into fixed-length rows of token ids, like
// Keras's TextVectorization layer with output_mode "int": tokenize, look up
// ids, then pad or truncate to Length.
//
//	v := &text.Vectorizer{Tokenizer: text.WordTokenizer{}, Length: 50}
//	err := v.Adapt(trainTexts, text.VocabOptions{MaxSize: 20000})
//	x, shape := v.Transform(texts) // shape [N, 50]
//
// A Vectorizer built from this package's tokenizers round-trips through
// JSON (Config, NewVectorizerFromConfig, Save, LoadVectorizer), so a saved
// model can carry it and predict from raw strings.
type Vectorizer struct {
	// Tokenizer splits texts; nil means WordTokenizer{}.
	Tokenizer Tokenizer
	// Vocab maps tokens to ids; Adapt builds it.
	Vocab *Vocabulary
	// Length is the output sequence length T. 0 pads each Transform call
	// to its longest text.
	Length int
	// Pad says where to pad and truncate (default: both at the front, as
	// Keras's pad_sequences does).
	Pad PadOptions
}

func (v *Vectorizer) tokenizer() Tokenizer {
	if v.Tokenizer == nil {
		return WordTokenizer{}
	}
	return v.Tokenizer
}

// Adapt builds v.Vocab from texts (Keras's adapt).
func (v *Vectorizer) Adapt(texts []string, opt VocabOptions) error {
	tok := v.tokenizer()
	var b VocabularyBuilder
	for _, s := range texts {
		b.Add(tok.Tokenize(s))
	}
	voc, err := b.Build(opt)
	if err != nil {
		return err
	}
	v.Vocab = voc
	return nil
}

// Encode returns the ids of the tokens of s, without padding. It panics if
// v.Vocab is nil.
func (v *Vectorizer) Encode(s string) []int {
	if v.Vocab == nil {
		panic("text: Vectorizer has no vocabulary; call Adapt or set Vocab")
	}
	return v.Vocab.Encode(v.tokenizer().Tokenize(s))
}

// Transform encodes texts as a row-major [N, T] matrix of ids stored as
// float32 (exact for ids below 2²⁴), with T = v.Length, or the longest text
// when v.Length is 0. It panics if v.Vocab is nil or v.Pad is invalid.
func (v *Vectorizer) Transform(texts []string) (ids []float32, shape []int) {
	if v.Length < 0 {
		panic(fmt.Sprintf("text: Vectorizer: negative Length %d", v.Length))
	}
	seqs := make([][]int, len(texts))
	for i, s := range texts {
		seqs[i] = v.Encode(s)
	}
	return PadSequences(seqs, v.Length, v.Pad)
}

// VectorizerConfig is the JSON form of a Vectorizer.
type VectorizerConfig struct {
	Tokenizer  TokenizerConfig `json:"tokenizer"`
	Vocabulary *Vocabulary     `json:"vocabulary"`
	Length     int             `json:"length"`
	Pad        PadOptions      `json:"pad"`
}

// Config returns the configuration of v. It fails if v has no vocabulary or
// its tokenizer is not one of this package.
func (v *Vectorizer) Config() (VectorizerConfig, error) {
	tc, err := TokenizerConfigOf(v.tokenizer())
	if err != nil {
		return VectorizerConfig{}, err
	}
	if v.Vocab == nil {
		return VectorizerConfig{}, errors.New("text: Vectorizer has no vocabulary")
	}
	return VectorizerConfig{Tokenizer: tc, Vocabulary: v.Vocab, Length: v.Length, Pad: v.Pad}, nil
}

// NewVectorizerFromConfig returns the Vectorizer cfg describes, after
// checking it.
func NewVectorizerFromConfig(cfg VectorizerConfig) (*Vectorizer, error) {
	tok, err := NewTokenizer(cfg.Tokenizer)
	if err != nil {
		return nil, err
	}
	if cfg.Vocabulary == nil {
		return nil, errors.New("text: vectorizer config: no vocabulary")
	}
	if cfg.Length < 0 || cfg.Length > MaxSequenceLength {
		return nil, fmt.Errorf("text: vectorizer config: length %d is outside [0, %d] (the limit, text.MaxSequenceLength)", cfg.Length, MaxSequenceLength)
	}
	if cfg.Vocabulary.Size() > MaxVocabulary {
		return nil, fmt.Errorf("text: vectorizer config: %d tokens, more than %d (the limit, text.MaxVocabulary)", cfg.Vocabulary.Size(), MaxVocabulary)
	}
	if err := cfg.Pad.check(); err != nil {
		return nil, fmt.Errorf("text: vectorizer config: %w", err)
	}
	return &Vectorizer{Tokenizer: tok, Vocab: cfg.Vocabulary, Length: cfg.Length, Pad: cfg.Pad}, nil
}

// MarshalJSON writes v's configuration.
func (v *Vectorizer) MarshalJSON() ([]byte, error) {
	cfg, err := v.Config()
	if err != nil {
		return nil, err
	}
	return json.Marshal(cfg)
}

// UnmarshalJSON reads a configuration written by MarshalJSON.
func (v *Vectorizer) UnmarshalJSON(b []byte) error {
	var cfg VectorizerConfig
	if err := json.Unmarshal(b, &cfg); err != nil {
		return fmt.Errorf("text: vectorizer config: %w", err)
	}
	nv, err := NewVectorizerFromConfig(cfg)
	if err != nil {
		return err
	}
	*v = *nv
	return nil
}

// Save writes v as JSON to path atomically.
func (v *Vectorizer) Save(path string) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'))
}

// LoadVectorizer reads a Vectorizer written by Save.
func LoadVectorizer(path string) (*Vectorizer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v := new(Vectorizer)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}
