package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/tensile-ml/tensile/tensor"
)

// EmbeddingBagConfig holds EmbeddingBag's options. The zero value sums the
// rows of a bag and initialises the table as Embedding does
// (random_uniform(±0.05)).
type EmbeddingBagConfig struct {
	// Mode combines a bag's rows: "sum" (the default), "mean" (divided by
	// the number of ids in the bag) or "sqrtn" (divided by its square root,
	// TensorFlow's combiner of embedding_lookup_sparse and SVD++'s
	// |N(u)|^-1/2 Σ y_j).
	Mode                  string      `json:"mode,omitempty"`
	EmbeddingsInitializer Initializer `json:"embeddings_initializer"`
	// ReturnRows adds a second output (model.ApplyMulti): the looked-up
	// rows themselves, [B, ..., L, output_dim], at the positions of their
	// ids and zero at padding, from the same lookup, e.g. for an L2
	// penalty on the rows a bag touched.
	ReturnRows bool `json:"return_rows,omitempty"`
}

type embeddingBagSpec struct {
	InputDim  int `json:"input_dim"`
	OutputDim int `json:"output_dim"`
	EmbeddingBagConfig
}

// EmbeddingBag looks up bags of ids and combines each bag's rows into one
// vector: input [B, ..., L] of ids, output [B, ..., output_dim], where the
// last input axis holds one bag of at most L ids, padded with -1 (a padding
// entry adds nothing and does not count in the mean). An all-padding bag
// gives a zero vector. Multi-hot features (an item's genres, the items a
// user rated) enter a model this way, with L the longest bag of the batch;
// since only the rank of an input is fixed, L may differ from batch to
// batch.
//
// Ids are float32 values as in Embedding.Forward: anything other than -1
// or an integer in [0, input_dim), or an id of 2²⁴ or more, panics with a
// *tensor.ShapeError naming the layer, the id and its position (a model
// returns it as an error).
//
// The table's gradient is row-sparse (tensor.GatherRows): only the ids in
// the batch's bags are recorded, so SGD, Adagrad and lazy Adam update only
// those rows. Consecutive bags with the same ids (the same user's rated
// items repeated over that user's ratings) are combined once and their
// gradients summed, so repeating a bag costs a comparison, not a lookup.
//
// With mode "sum" or "mean" it is PyTorch's nn.EmbeddingBag (weight =
// embeddings) given the bags as input and offsets.
type EmbeddingBag struct {
	base
	spec       embeddingBagSpec
	Embeddings *tensor.Tensor
}

// NewEmbeddingBag returns an EmbeddingBag of inputDim ids into
// outputDim-vectors. It panics on a non-positive size or an unknown mode.
func NewEmbeddingBag(inputDim, outputDim int, cfg EmbeddingBagConfig) *EmbeddingBag {
	return must(newEmbeddingBag(embeddingBagSpec{inputDim, outputDim, cfg}, ""))
}

func newEmbeddingBag(s embeddingBagSpec, name string) (*EmbeddingBag, error) {
	if err := checkTableSize("EmbeddingBag", s.InputDim, s.OutputDim); err != nil {
		return nil, err
	}
	switch s.Mode {
	case "":
		s.Mode = "sum"
	case "sum", "mean", "sqrtn":
	default:
		return nil, fmt.Errorf("nn: EmbeddingBag: mode %q is not sum, mean or sqrtn", s.Mode)
	}
	if err := s.EmbeddingsInitializer.validate(); err != nil {
		return nil, fmt.Errorf("nn: EmbeddingBag: %w", err)
	}
	return &EmbeddingBag{base: newBase("EmbeddingBag", name), spec: s}, nil
}

// Build implements Layer; in is the per-sample shape of the ids, e.g. [L]
// or [C, L].
func (l *EmbeddingBag) Build(in []int, rng *rand.Rand) error {
	if done, err := l.checkRebuild(in); done {
		return err
	}
	if len(in) < 1 {
		return shapeErrorf(l, "needs per-sample ids of at least one axis (the bag), got %v", in)
	}
	init := l.spec.EmbeddingsInitializer.orDefault(RandomUniform(-0.05, 0.05))
	l.Embeddings = l.addWeight("embeddings", init.New(orRNG(rng), l.spec.InputDim, l.spec.OutputDim), true)
	l.markBuilt(in)
	return nil
}

// weight returns the factor of each row of a bag of n ids.
func (l *EmbeddingBag) weight(n int) float32 {
	switch l.spec.Mode {
	case "mean":
		return 1 / float32(n)
	case "sqrtn":
		return 1 / float32(math.Sqrt(float64(n)))
	}
	return 1
}

// Forward implements Layer: x holds float32 ids, -1 for padding. It
// returns the combined bags (the first output).
func (l *EmbeddingBag) Forward(x *tensor.Tensor, _ bool) *tensor.Tensor {
	comb, _ := l.forward(x, false)
	return comb
}

// NumOutputs implements MultiOutputLayer: 2 with ReturnRows, else 1.
func (l *EmbeddingBag) NumOutputs() int {
	if l.spec.ReturnRows {
		return 2
	}
	return 1
}

// OutputShapes implements MultiOutputLayer.
func (l *EmbeddingBag) OutputShapes(in []int) ([][]int, error) {
	out, err := l.OutputShape(in)
	if err != nil || !l.spec.ReturnRows {
		return [][]int{out}, err
	}
	return [][]int{out, append(cloneShape(in), l.spec.OutputDim)}, nil
}

// ForwardOutputs implements MultiOutputLayer: the combined bags and, with
// ReturnRows, the rows [B, ..., L, output_dim]. mask is ignored.
func (l *EmbeddingBag) ForwardOutputs(x, _ *tensor.Tensor, _ bool) []*tensor.Tensor {
	comb, rows := l.forward(x, l.spec.ReturnRows)
	if rows == nil {
		return []*tensor.Tensor{comb}
	}
	return []*tensor.Tensor{comb, rows}
}

// forward looks up and combines the bags of x; with wantRows it also
// returns the rows of every bag laid out [B, ..., L, D].
func (l *EmbeddingBag) forward(x *tensor.Tensor, wantRows bool) (comb, rowsOut *tensor.Tensor) {
	sh := x.Shape()
	if len(sh) < 2 {
		panic(&tensor.ShapeError{Op: "EmbeddingBag", Shapes: [][]int{slices.Clone(sh)},
			Msg: fmt.Sprintf("layer %q: needs a batch of bags [B, ..., L]", l.name)})
	}
	L := sh[len(sh)-1]
	bags := 1
	for _, s := range sh[:len(sh)-1] {
		bags *= s
	}
	d := l.spec.OutputDim
	xs := x.Contiguous().Data()
	// Distinct bags (a bag equal to the one before it reuses it): their
	// real ids, the weight of each id and, per id, its slot in the padded
	// [distinct, width] layout of the combined rows.
	var ids []int32
	bagOf := make([]int32, bags)
	distinct, width := 0, 0
	start := make([]int, 0, 1)
	for b := 0; b < bags; b++ {
		row := xs[b*L : b*L+L]
		if b > 0 && slices.Equal(row, xs[(b-1)*L:b*L]) {
			bagOf[b] = bagOf[b-1]
			continue
		}
		bagOf[b] = int32(distinct)
		start = append(start, len(ids))
		for k, v := range row {
			if v == -1 {
				continue
			}
			if !(v >= 0 && v < float32(l.spec.InputDim)) || v != float32(math.Trunc(float64(v))) {
				l.badID(sh, v, b*L+k, fmt.Sprintf("is neither -1 (padding) nor an integer in [0, %d)", l.spec.InputDim))
			}
			if v >= maxExactID {
				l.badID(sh, v, b*L+k, "is 2^24 or more, beyond the integers float32 holds exactly")
			}
			ids = append(ids, int32(v))
		}
		width = max(width, len(ids)-start[distinct])
		distinct++
	}
	start = append(start, len(ids))
	out := append(slices.Clone(sh[:len(sh)-1]), d)
	rowShape := append(slices.Clone(sh), d)
	if len(ids) == 0 {
		if wantRows {
			rowsOut = tensor.Zeros(rowShape...)
		}
		return tensor.Zeros(out...), rowsOut
	}
	slot := make([]int, distinct*width)
	padded := false
	scale := make([]float32, distinct)
	uniform := true
	for u := 0; u < distinct; u++ {
		n := start[u+1] - start[u]
		scale[u] = l.weight(max(n, 1))
		uniform = uniform && scale[u] == scale[0]
		for k := 0; k < width; k++ {
			if k < n {
				slot[u*width+k] = start[u] + k
			} else {
				slot[u*width+k] = len(ids) // the zero row
				padded = true
			}
		}
	}
	gathered := tensor.GatherRows(l.Embeddings, ids) // [T, D], row-sparse gradient
	var withZero *tensor.Tensor                      // gathered and a zero row
	rows := gathered
	if padded {
		withZero = tensor.Concat(0, gathered, tensor.Zeros(1, d))
		rows = tensor.Take(withZero, 0, slot)
	}
	if wantRows {
		if !padded && distinct == bags && width == L {
			rowsOut = gathered.Reshape(rowShape...)
		} else {
			if withZero == nil {
				withZero = tensor.Concat(0, gathered, tensor.Zeros(1, d))
			}
			// Each id's row at its position, the zero row at padding.
			all := make([]int, bags*L)
			for b := range bags {
				j := start[bagOf[b]]
				for k, v := range xs[b*L : b*L+L] {
					all[b*L+k] = len(ids)
					if v != -1 {
						all[b*L+k] = j
						j++
					}
				}
			}
			rowsOut = tensor.Take(withZero, 0, all).Reshape(rowShape...)
		}
	}
	// Sum each bag's rows, then scale the sums (one factor per bag).
	comb = tensor.Sum(rows.Reshape(distinct, width, d), []int{1}, false) // [distinct, D]
	switch {
	case uniform && scale[0] != 1:
		comb = tensor.MulScalar(comb, scale[0])
	case !uniform:
		comb = tensor.Mul(comb, tensor.FromSlice(scale, distinct, 1))
	}
	if distinct != bags {
		comb = tensor.GatherRows(comb, bagOf)
	}
	return comb.Reshape(out...), rowsOut
}

func (l *EmbeddingBag) badID(shape []int, v float32, pos int, why string) {
	panic(&tensor.ShapeError{Op: "EmbeddingBag", Shapes: [][]int{slices.Clone(shape)},
		Msg: fmt.Sprintf("layer %q: id %v at flat position %d %s", l.name, v, pos, why)})
}

// OutputShape implements Layer.
func (l *EmbeddingBag) OutputShape(in []int) ([]int, error) {
	if len(in) < 1 {
		return nil, shapeErrorf(l, "needs per-sample ids of at least one axis (the bag), got %v", in)
	}
	return append(cloneShape(in[:len(in)-1]), l.spec.OutputDim), nil
}

// Config implements Layer.
func (l *EmbeddingBag) Config() map[string]any { return specConfig(l, l.spec) }

func init() {
	registerSpec("EmbeddingBag", newEmbeddingBag)
}
