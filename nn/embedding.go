package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tensile-ml/tensile/tensor"
)

// MaskProducer is implemented by layers that emit a padding mask for the
// next layer, as Keras's compute_mask: Embedding with MaskZero. The mask is
// a [B, T] tensor of 1 (a real step) and 0 (padding). A model that supports
// masking passes it to the next MaskConsumer.
type MaskProducer interface {
	ComputeMask(x, mask *tensor.Tensor) *tensor.Tensor
}

// MaskConsumer is implemented by layers that honour a padding mask: the
// recurrent layers (masked steps carry the previous state through),
// Bidirectional and the attention layers. mask may be nil.
type MaskConsumer interface {
	ForwardMasked(x, mask *tensor.Tensor, training bool) *tensor.Tensor
}

// MultiMaskConsumer is implemented by multi-input layers that honour a
// padding mask per input: MultiHeadAttention (query and value masks) and
// TransformerDecoder (decoder and encoder masks). masks has one entry per
// input; an entry may be nil.
type MultiMaskConsumer interface {
	ForwardMultiMasked(xs, masks []*tensor.Tensor, training bool) *tensor.Tensor
}

// EmbeddingConfig holds Embedding's options. The zero value is Keras's
// default: random_uniform(±0.05) initialisation, no mask.
type EmbeddingConfig struct {
	// MaskZero treats id 0 as padding: ComputeMask marks those steps 0, so
	// input_dim must leave room for it (ids 1..input_dim-1 are real).
	MaskZero              bool        `json:"mask_zero,omitempty"`
	EmbeddingsInitializer Initializer `json:"embeddings_initializer"`
	EmbeddingsRegularizer Regularizer `json:"embeddings_regularizer"`
}

type embeddingSpec struct {
	InputDim  int `json:"input_dim"`
	OutputDim int `json:"output_dim"`
	EmbeddingConfig
}

// Embedding maps integer ids to dense vectors: input [B, T] of ids (stored as
// float32, which holds integers exactly up to 2²⁴), output [B, T, output_dim],
// row id of the embeddings table [input_dim, output_dim]. An id that is not an
// integer in [0, input_dim) makes Forward panic with a *tensor.ShapeError
// naming the id and its position (a model returns it as an error).
//
// It is PyTorch's nn.Embedding with weight = embeddings (same layout).
type Embedding struct {
	base
	spec       embeddingSpec
	Embeddings *tensor.Tensor
}

// NewEmbedding returns an Embedding of inputDim ids into outputDim-vectors.
// It panics on a non-positive size.
func NewEmbedding(inputDim, outputDim int, cfg EmbeddingConfig) *Embedding {
	return must(newEmbedding(embeddingSpec{inputDim, outputDim, cfg}, ""))
}

func newEmbedding(s embeddingSpec, name string) (*Embedding, error) {
	if s.InputDim <= 0 || s.OutputDim <= 0 {
		return nil, fmt.Errorf("nn: Embedding: input_dim and output_dim must be positive, got %d and %d", s.InputDim, s.OutputDim)
	}
	if err := firstErr(s.EmbeddingsInitializer.validate(), s.EmbeddingsRegularizer.validate()); err != nil {
		return nil, fmt.Errorf("nn: Embedding: %w", err)
	}
	return &Embedding{base: newBase("Embedding", name), spec: s}, nil
}

// Build implements Layer; in is the per-sample shape of the ids, e.g. [T].
func (l *Embedding) Build(in []int, rng *rand.Rand) error {
	if done, err := l.checkRebuild(in); done {
		return err
	}
	init := l.spec.EmbeddingsInitializer.orDefault(RandomUniform(-0.05, 0.05))
	l.Embeddings = l.addWeight("embeddings", init.New(orRNG(rng), l.spec.InputDim, l.spec.OutputDim), true)
	l.markBuilt(in)
	return nil
}

// ids converts x's values to row indices, panicking on a bad id.
func (l *Embedding) ids(x *tensor.Tensor) []int {
	d := x.Contiguous().Data()
	ids := make([]int, len(d))
	for i, v := range d {
		id := int(v)
		if float32(id) != v || id < 0 || id >= l.spec.InputDim || math.IsNaN(float64(v)) {
			panic(&tensor.ShapeError{Op: "Embedding", Shapes: [][]int{x.Shape()},
				Msg: fmt.Sprintf("layer %q: id %v at flat position %d is not an integer in [0, %d)", l.name, v, i, l.spec.InputDim)})
		}
		ids[i] = id
	}
	return ids
}

// Forward implements Layer.
func (l *Embedding) Forward(x *tensor.Tensor, _ bool) *tensor.Tensor {
	out := append(cloneShape(x.Shape()), l.spec.OutputDim)
	return tensor.Take(l.Embeddings, 0, l.ids(x)).Reshape(out...)
}

// ComputeMask implements MaskProducer: with MaskZero, 1 where the id is not 0
// (combined with an incoming mask); otherwise the incoming mask.
func (l *Embedding) ComputeMask(x, mask *tensor.Tensor) *tensor.Tensor {
	if !l.spec.MaskZero {
		return mask
	}
	m := tensor.NotEqual(x.Detach(), tensor.Scalar(0))
	if mask != nil {
		m = tensor.Mul(m, mask.Detach())
	}
	return m
}

// OutputShape implements Layer.
func (l *Embedding) OutputShape(in []int) ([]int, error) {
	return append(cloneShape(in), l.spec.OutputDim), nil
}

// RegularizationLoss implements Regularized.
func (l *Embedding) RegularizationLoss() *tensor.Tensor {
	return regLoss(l.spec.EmbeddingsRegularizer, l.Embeddings)
}

// Config implements Layer.
func (l *Embedding) Config() map[string]any { return specConfig(l, l.spec) }

func init() {
	registerSpec("Embedding", newEmbedding)
}
