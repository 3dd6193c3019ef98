package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tensile-ml/tensile/tensor"
)

// PositionalEncodingConfig holds PositionalEncoding's options.
type PositionalEncodingConfig struct {
	// MaxWavelength is the longest wavelength (0: 10000, as in "Attention
	// Is All You Need" and KerasNLP's SinePositionEncoding).
	MaxWavelength float64 `json:"max_wavelength,omitempty"`
}

// PositionalEncoding adds the fixed sinusoidal position encoding to its
// input [B, T, D]:
//
//	PE[t, 2i] = sin(t / w^(2i/D)),  PE[t, 2i+1] = cos(t / w^(2i/D))
//
// with w the max wavelength. Unlike KerasNLP's SinePositionEncoding, which
// returns PE for the caller to add, it returns x + PE, so it stacks in a
// Sequential model after an Embedding. It has no weights.
type PositionalEncoding struct {
	base
	spec PositionalEncodingConfig
}

// NewPositionalEncoding returns a PositionalEncoding layer.
func NewPositionalEncoding(cfg PositionalEncodingConfig) *PositionalEncoding {
	return must(newPositionalEncoding(cfg, ""))
}

func newPositionalEncoding(s PositionalEncodingConfig, name string) (*PositionalEncoding, error) {
	if s.MaxWavelength == 0 {
		s.MaxWavelength = 10000
	}
	if s.MaxWavelength <= 1 {
		return nil, fmt.Errorf("nn: PositionalEncoding: max_wavelength must be > 1, got %g", s.MaxWavelength)
	}
	return &PositionalEncoding{base: newBase("PositionalEncoding", name), spec: s}, nil
}

// SinusoidalEncoding returns the [T, D] sinusoidal position encoding with
// the given max wavelength.
func SinusoidalEncoding(T, D int, maxWavelength float64) *tensor.Tensor {
	pe := make([]float32, T*D)
	for t := range T {
		for j := range D {
			i := j / 2 * 2
			a := float64(t) / math.Pow(maxWavelength, float64(i)/float64(D))
			if j%2 == 0 {
				pe[t*D+j] = float32(math.Sin(a))
			} else {
				pe[t*D+j] = float32(math.Cos(a))
			}
		}
	}
	return tensor.FromSlice(pe, T, D)
}

// Build implements Layer.
func (l *PositionalEncoding) Build(in []int, _ *rand.Rand) error {
	if done, err := l.checkRebuild(in); done {
		return err
	}
	if len(in) != 2 {
		return shapeErrorf(l, "needs a per-sample input [T, D], got %v", in)
	}
	l.markBuilt(in)
	return nil
}

// Forward implements Layer.
func (l *PositionalEncoding) Forward(x *tensor.Tensor, _ bool) *tensor.Tensor {
	if x.Dims() != 3 {
		panic(&tensor.ShapeError{Op: "PositionalEncoding", Shapes: [][]int{x.Shape()}, Msg: fmt.Sprintf("layer %q needs an input [B, T, D]", l.name)})
	}
	return tensor.Add(x, SinusoidalEncoding(x.Dim(1), x.Dim(2), l.spec.MaxWavelength))
}

// OutputShape implements Layer.
func (l *PositionalEncoding) OutputShape(in []int) ([]int, error) {
	if len(in) != 2 {
		return nil, shapeErrorf(l, "needs a per-sample input [T, D], got %v", in)
	}
	return cloneShape(in), nil
}

// Config implements Layer.
func (l *PositionalEncoding) Config() map[string]any { return specConfig(l, l.spec) }

// PositionEmbeddingConfig holds PositionEmbedding's options.
type PositionEmbeddingConfig struct {
	// Initializer of the position table (default glorot_uniform, as
	// KerasNLP).
	Initializer Initializer `json:"initializer"`
}

type posEmbSpec struct {
	SequenceLength int `json:"sequence_length"`
	PositionEmbeddingConfig
}

// PositionEmbedding adds a learned position embedding to its input
// [B, T, D]: x + embeddings[:T], with embeddings [sequence_length, D]
// (T ≤ sequence_length). Unlike KerasNLP's PositionEmbedding, which returns
// the embeddings for the caller to add, it returns the sum.
type PositionEmbedding struct {
	base
	spec       posEmbSpec
	Embeddings *tensor.Tensor
}

// NewPositionEmbedding returns a PositionEmbedding for sequences of up to
// sequenceLength steps.
func NewPositionEmbedding(sequenceLength int, cfg PositionEmbeddingConfig) *PositionEmbedding {
	return must(newPositionEmbedding(posEmbSpec{sequenceLength, cfg}, ""))
}

func newPositionEmbedding(s posEmbSpec, name string) (*PositionEmbedding, error) {
	if s.SequenceLength <= 0 {
		return nil, fmt.Errorf("nn: PositionEmbedding: sequence_length must be positive, got %d", s.SequenceLength)
	}
	if err := s.Initializer.validate(); err != nil {
		return nil, fmt.Errorf("nn: PositionEmbedding: %w", err)
	}
	return &PositionEmbedding{base: newBase("PositionEmbedding", name), spec: s}, nil
}

// Build implements Layer.
func (l *PositionEmbedding) Build(in []int, rng *rand.Rand) error {
	if done, err := l.checkRebuild(in); done {
		return err
	}
	if _, err := l.OutputShape(in); err != nil {
		return err
	}
	init := l.spec.Initializer.orDefault(GlorotUniform())
	l.Embeddings = l.addWeight("embeddings", init.New(orRNG(rng), l.spec.SequenceLength, in[1]), true)
	l.markBuilt(in)
	return nil
}

// Forward implements Layer.
func (l *PositionEmbedding) Forward(x *tensor.Tensor, _ bool) *tensor.Tensor {
	if x.Dims() != 3 || x.Dim(1) > l.spec.SequenceLength || x.Dim(2) != l.Embeddings.Dim(1) {
		panic(&tensor.ShapeError{Op: "PositionEmbedding", Shapes: [][]int{x.Shape(), l.Embeddings.Shape()},
			Msg: fmt.Sprintf("layer %q needs an input [B, T ≤ %d, %d]", l.name, l.spec.SequenceLength, l.Embeddings.Dim(1))})
	}
	return tensor.Add(x, l.Embeddings.Slice(0, 0, x.Dim(1)))
}

// OutputShape implements Layer.
func (l *PositionEmbedding) OutputShape(in []int) ([]int, error) {
	if len(in) != 2 || in[1] <= 0 {
		return nil, shapeErrorf(l, "needs a per-sample input [T, D], got %v", in)
	}
	if in[0] > l.spec.SequenceLength {
		return nil, shapeErrorf(l, "sequence length %d exceeds sequence_length %d", in[0], l.spec.SequenceLength)
	}
	return cloneShape(in), nil
}

// Config implements Layer.
func (l *PositionEmbedding) Config() map[string]any { return specConfig(l, l.spec) }

func init() {
	registerSpec("PositionalEncoding", newPositionalEncoding)
	registerSpec("PositionEmbedding", newPositionEmbedding)
}
