// Package charlm trains character-level language models on a text and
// samples from them: the plumbing shared by examples/charlm and
// "tensile charlm".
//
// # Models
//
// Two architectures predict the next character at every position of a
// window of SeqLen characters (ids from a text.Vocabulary built with a
// text.CharTokenizer; targets from text.ShiftedWindows):
//
//   - "lstm": Embedding → Layers × LSTM(Units, return_sequences) →
//     Dense(V) logits.
//   - "transformer": Embedding → PositionEmbedding(SeqLen) → Layers ×
//     TransformerDecoder (causal self-attention, pre-norm, no
//     cross-attention) → LayerNormalization → Dense(V) logits.
//
// Both are plain model.Sequential models trained with Fit on
// sparse categorical cross-entropy from logits over [B, T, V] and Adam with
// global gradient-norm clipping.
//
// # Evaluation
//
// Train holds out the last ValFraction (10%) of the text and reports bits
// per character on it: the mean cross-entropy in nats over every position
// of non-overlapping SeqLen windows, divided by ln 2. Each window starts
// from an empty context, so early positions of a window see little history;
// the figure is comparable across architectures with the same SeqLen.
// UnigramBits gives the entropy of the character frequencies, the
// bits per character of a model that ignores context.
//
// # Sampling
//
// Sample continues a prompt with temperature and top-k sampling from a
// seeded generator (the same seed gives the same text). The LSTM model
// reads the prompt once and then carries its [h, c] states from step to
// step (LSTM.ForwardState with initial states), so each new character costs
// one step; the Transformer re-runs its causal window over the last SeqLen
// characters.
//
// # Files
//
// Save writes one model file (model.Save: safetensors, written atomically)
// that carries the character tokenizer and vocabulary in its metadata under
// MetaVectorizer. Load reads it back.
package charlm
