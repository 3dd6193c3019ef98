package charlm

import (
	"encoding/json"
	"fmt"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/text"
)

// MetaVectorizer is the model-file metadata key (model.SetMetadata) under
// which Save stores the character tokenizer and vocabulary.
const MetaVectorizer = "charlm.vectorizer"

// Save writes the language model to one model file (atomically): the
// network, with its tokenizer and character vocabulary (a text.Vectorizer
// as JSON) in the file's metadata under MetaVectorizer.
func (lm *LM) Save(path string) error {
	vj, err := json.Marshal(lm.Vectorizer)
	if err != nil {
		return fmt.Errorf("charlm: save vocabulary: %w", err)
	}
	if err := lm.Model.SetMetadata(MetaVectorizer, vj); err != nil {
		return fmt.Errorf("charlm: save vocabulary: %w", err)
	}
	return lm.Model.Save(path)
}

// Load reads a model written by Save. The architecture and window length
// come from the model itself.
func Load(path string) (*LM, error) {
	m, err := model.Load(path)
	if err != nil {
		return nil, err
	}
	vj, ok := m.Metadata(MetaVectorizer)
	if !ok {
		return nil, fmt.Errorf("charlm: %s has no character vocabulary (not saved by charlm)", path)
	}
	vec := new(text.Vectorizer)
	if err := json.Unmarshal(vj, vec); err != nil {
		return nil, fmt.Errorf("charlm: %s: vocabulary metadata: %w", path, err)
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
