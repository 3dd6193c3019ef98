package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

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

// Embedding maps integer ids to dense vectors: input [B, T] of ids, output
// [B, T, output_dim], row id of the embeddings table [input_dim, output_dim].
//
// Ids come in two ways. Forward, the Keras path that models use, takes them
// as float32 values, which hold integers exactly only up to 2²⁴: an id that
// is not an integer in [0, input_dim), or that is 2²⁴ or more (where float32
// can no longer tell neighbouring ids apart), makes Forward panic with a
// *tensor.ShapeError naming the layer, the id and its position (a model
// returns it as an error). Lookup takes int32 ids, exact up to 2³¹-1, and
// validates them the same way.
//
// The gradient of the table is row-sparse: the backward pass records only
// the rows looked up (tensor.GatherRows), and SGD, Adagrad and, with
// Lazy set, Adam and momentum SGD update only those rows, so a training
// step costs O(rows touched), not O(input_dim). Anything that asks for the
// dense gradient (Grad, other optimizers, an L2 regularizer on the table)
// gets the correct dense sum.
//
// It is PyTorch's nn.Embedding with weight = embeddings (same layout);
// with SGD, Adagrad or lazy Adam it matches nn.Embedding(sparse=True) with
// torch.optim.SGD, Adagrad or SparseAdam.
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
	if err := checkTableSize("Embedding", s.InputDim, s.OutputDim); err != nil {
		return nil, err
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

// maxExactID is 2²⁴: from here on float32 cannot hold every integer, so a
// float id there may be a rounded neighbour of the id meant.
const maxExactID = 1 << 24

func (l *Embedding) badID(shape []int, v any, pos int, why string) {
	panic(&tensor.ShapeError{Op: "Embedding", Shapes: [][]int{slices.Clone(shape)},
		Msg: fmt.Sprintf("layer %q: id %v at flat position %d %s", l.name, v, pos, why)})
}

// ids converts x's values to row indices, panicking on a bad id.
func (l *Embedding) ids(x *tensor.Tensor) []int32 {
	d := x.Contiguous().Data()
	ids := make([]int32, len(d))
	for i, v := range d {
		if !(v >= 0 && v < float32(l.spec.InputDim)) || v != float32(math.Trunc(float64(v))) {
			l.badID(x.Shape(), v, i, fmt.Sprintf("is not an integer in [0, %d)", l.spec.InputDim))
		}
		if v >= maxExactID {
			l.badID(x.Shape(), v, i, "is 2^24 or more, beyond the integers float32 holds exactly; pass int32 ids to Lookup")
		}
		ids[i] = int32(v)
	}
	return ids
}

// Forward implements Layer: x holds float32 ids.
func (l *Embedding) Forward(x *tensor.Tensor, _ bool) *tensor.Tensor {
	out := append(cloneShape(x.Shape()), l.spec.OutputDim)
	return tensor.GatherRows(l.Embeddings, l.ids(x)).Reshape(out...)
}

// Lookup is Forward for int32 ids: it returns the embeddings of ids, laid
// out in shape (e.g. [B, T]), as a tensor of shape [shape..., output_dim].
// len(ids) must equal the product of shape (a 1-d [len(ids)] when shape is
// empty). An unbuilt layer is built for the per-sample shape shape[1:] with
// the default initializer seed. A bad id panics as in Forward.
func (l *Embedding) Lookup(ids []int32, shape ...int) *tensor.Tensor {
	if len(shape) == 0 {
		shape = []int{len(ids)}
	}
	n := 1
	for _, s := range shape {
		if s < 0 {
			n = -1
			break
		}
		n *= s
	}
	if n != len(ids) {
		panic(&tensor.ShapeError{Op: "Embedding.Lookup", Shapes: [][]int{slices.Clone(shape)},
			Msg: fmt.Sprintf("layer %q: %d ids do not fill the shape", l.name, len(ids))})
	}
	if !l.Built() {
		if err := l.Build(shape[1:], nil); err != nil {
			panic(err)
		}
	}
	for i, id := range ids {
		if id < 0 || int(id) >= l.spec.InputDim {
			l.badID(shape, id, i, fmt.Sprintf("is not in [0, %d)", l.spec.InputDim))
		}
	}
	return tensor.GatherRows(l.Embeddings, ids).Reshape(append(slices.Clone(shape), l.spec.OutputDim)...)
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

// checkTableSize checks an embedding table's sizes for the layer class
// named: both positive, and ids that fit int32.
func checkTableSize(class string, inputDim, outputDim int) error {
	if inputDim <= 0 || outputDim <= 0 {
		return fmt.Errorf("nn: %s: input_dim and output_dim must be positive, got %d and %d", class, inputDim, outputDim)
	}
	if inputDim > math.MaxInt32 {
		return fmt.Errorf("nn: %s: input_dim %d exceeds the int32 id range", class, inputDim)
	}
	return nil
}
