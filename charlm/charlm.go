package charlm

import (
	"fmt"
	"math"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/text"
)

// Architectures accepted by Config.Arch.
const (
	LSTM        = "lstm"
	Transformer = "transformer"
)

// Config describes a character language model and its training. Zero
// fields take the defaults noted.
type Config struct {
	Arch     string // LSTM (default) or Transformer
	SeqLen   int    // window length T (default 64)
	EmbedDim int    // embedding width (default 64; the Transformer's model width D)
	Units    int    // LSTM units (default 256)
	Layers   int    // LSTM or Transformer blocks (default 1 for LSTM, 2 for Transformer)
	Heads    int    // attention heads (default 4)
	FFDim    int    // Transformer feed-forward width (default 4·EmbedDim)
	Lower    bool   // lower-case the text

	Epochs       int     // passes over the training text (default 1)
	BatchSize    int     // default 32
	LearningRate float32 // Adam learning rate (default 2e-3 for LSTM, 1e-3 for Transformer)
	ClipNorm     float32 // global gradient-norm clip (default 1)
	// Step is the distance between training windows (default SeqLen:
	// non-overlapping windows, from a random offset each epoch).
	Step int
	// ValFraction of the text, taken from its end, is held out (default
	// 0.1; negative for none).
	ValFraction float64
	Seed        uint64 // default 1
}

func (c Config) withDefaults() (Config, error) {
	if c.Arch == "" {
		c.Arch = LSTM
	}
	if c.Arch != LSTM && c.Arch != Transformer {
		return c, fmt.Errorf("charlm: unknown architecture %q (want %q or %q)", c.Arch, LSTM, Transformer)
	}
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&c.SeqLen, 64)
	def(&c.EmbedDim, 64)
	def(&c.Units, 256)
	if c.Arch == LSTM {
		def(&c.Layers, 1)
	} else {
		def(&c.Layers, 2)
	}
	def(&c.Heads, 4)
	def(&c.FFDim, 4*c.EmbedDim)
	def(&c.Epochs, 1)
	def(&c.BatchSize, 32)
	def(&c.Step, c.SeqLen)
	if c.LearningRate == 0 {
		c.LearningRate = 2e-3
		if c.Arch == Transformer {
			c.LearningRate = 1e-3
		}
	}
	if c.ClipNorm == 0 {
		c.ClipNorm = 1
	}
	if c.ValFraction == 0 {
		c.ValFraction = 0.1
	}
	if c.ValFraction < 0 {
		c.ValFraction = 0
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	for _, v := range []struct {
		name string
		n    int
	}{{"seq-len", c.SeqLen}, {"embed-dim", c.EmbedDim}, {"units", c.Units}, {"layers", c.Layers},
		{"heads", c.Heads}, {"ff-dim", c.FFDim}, {"epochs", c.Epochs}, {"batch-size", c.BatchSize}, {"step", c.Step}} {
		if v.n < 0 {
			return c, fmt.Errorf("charlm: %s must be positive, got %d", v.name, v.n)
		}
	}
	if c.Arch == Transformer && c.EmbedDim%c.Heads != 0 {
		return c, fmt.Errorf("charlm: embed-dim %d must be a multiple of heads %d", c.EmbedDim, c.Heads)
	}
	if c.ValFraction >= 1 {
		return c, fmt.Errorf("charlm: validation fraction %g must be below 1", c.ValFraction)
	}
	if !(c.LearningRate > 0) || !(c.ClipNorm > 0) {
		return c, fmt.Errorf("charlm: learning rate and clip norm must be positive")
	}
	return c, nil
}

// LM is a character language model with its vocabulary.
type LM struct {
	Model *model.Model
	// Vectorizer holds the character tokenizer (lower-casing or not) and
	// the vocabulary; its Length is SeqLen.
	Vectorizer *text.Vectorizer
	Arch       string // LSTM or Transformer
	SeqLen     int
}

// NewModel returns the (uncompiled, built) Sequential model of cfg for a
// vocabulary of vocabSize ids: [B, SeqLen] ids → [B, SeqLen, vocabSize]
// logits.
func NewModel(vocabSize int, cfg Config) (*model.Model, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if vocabSize < 3 {
		return nil, fmt.Errorf("charlm: vocabulary of %d ids is too small", vocabSize)
	}
	layers := []nn.Layer{model.InputShape(cfg.SeqLen), nn.NewEmbedding(vocabSize, cfg.EmbedDim, nn.EmbeddingConfig{})}
	switch cfg.Arch {
	case LSTM:
		for range cfg.Layers {
			layers = append(layers, nn.NewLSTM(cfg.Units, nn.RNNConfig{ReturnSequences: true}))
		}
	case Transformer:
		layers = append(layers, nn.NewPositionEmbedding(cfg.SeqLen, nn.PositionEmbeddingConfig{}))
		for range cfg.Layers {
			layers = append(layers, nn.NewTransformerDecoder(cfg.FFDim, cfg.Heads, nn.TransformerConfig{NormalizeFirst: true, Activation: "gelu"}))
		}
		layers = append(layers, nn.NewLayerNormalization(nn.LayerNormConfig{}))
	}
	layers = append(layers, nn.NewDense(vocabSize, nn.DenseConfig{}))
	m := model.NewSequential(layers...)
	m.SetSeed(cfg.Seed)
	if err := m.Build([]int{cfg.SeqLen}); err != nil {
		return nil, err
	}
	return m, nil
}

// UnigramBits returns the entropy, in bits, of the id frequencies in ids:
// the bits per character of the best model that ignores context.
func UnigramBits(ids []int) float64 {
	counts := map[int]int{}
	for _, id := range ids {
		counts[id]++
	}
	var h float64
	n := float64(len(ids))
	for _, c := range counts {
		p := float64(c) / n
		h -= p * math.Log2(p)
	}
	return h
}

// Encode returns the ids of s's characters (lower-cased if the model was
// trained on lower-cased text); unknown characters get text.OOVID.
func (lm *LM) Encode(s string) []int { return lm.Vectorizer.Encode(s) }

// Vocab returns the character vocabulary.
func (lm *LM) Vocab() *text.Vocabulary { return lm.Vectorizer.Vocab }
