package charlm

import (
	"fmt"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/text"
)

// VocabPath returns where Save puts the vocabulary of a model saved at
// path: path + ".vocab.json".
func VocabPath(path string) string { return path + ".vocab.json" }

// Save writes the model to path (model.Save) and its tokenizer and
// vocabulary (a text.Vectorizer as JSON) to VocabPath(path), each
// atomically.
func (lm *LM) Save(path string) error {
	if err := lm.Model.Save(path); err != nil {
		return err
	}
	if err := lm.Vectorizer.Save(VocabPath(path)); err != nil {
		return fmt.Errorf("charlm: save vocabulary: %w", err)
	}
	return nil
}

// Load reads a model written by Save. The architecture and window length
// come from the model itself.
func Load(path string) (*LM, error) {
	m, err := model.Load(path)
	if err != nil {
		return nil, err
	}
	vec, err := text.LoadVectorizer(VocabPath(path))
	if err != nil {
		return nil, fmt.Errorf("charlm: load vocabulary (saved next to the model by charlm): %w", err)
	}
	lm := &LM{Model: m, Vectorizer: vec, Arch: Transformer}
	in := m.InputShapes()
	if len(in) != 1 || len(in[0]) != 1 {
		return nil, fmt.Errorf("charlm: %s: not a character language model (input shapes %v)", path, in)
	}
	lm.SeqLen = in[0][0]
	for _, l := range m.Layers() {
		if _, ok := l.(*nn.LSTM); ok {
			lm.Arch = LSTM
		}
	}
	out := m.OutputShapes()
	if len(out) != 1 || len(out[0]) != 2 || out[0][1] != vec.Vocab.Size() {
		return nil, fmt.Errorf("charlm: %s: model outputs %v do not match the vocabulary of %d characters", path, out, vec.Vocab.Size())
	}
	return lm, nil
}
