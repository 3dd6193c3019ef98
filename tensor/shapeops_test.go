package tensor_test

import (
	"testing"

	"github.com/tensile-ml/tensile/tensor"
)

func TestShapeOpGradients(t *testing.T) {
	r := func(seed uint64, shape ...int) *tensor.Tensor { return opsRand(seed, -1, 1, shape...) }
	opsRunGrad(t, []opsGradCase{
		{"Concat0", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Concat(0, x...) },
			[]*tensor.Tensor{r(1, 2, 3), r(2, 1, 3), r(3, 3, 3)}},
		{"Concat1", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Concat(-1, x...) },
			[]*tensor.Tensor{r(4, 2, 2, 1), r(5, 2, 2, 3)}},
		{"ConcatMiddleT", func(x ...*tensor.Tensor) *tensor.Tensor {
			return tensor.Concat(1, x[0].Transpose(), x[1])
		}, []*tensor.Tensor{r(6, 3, 2), r(7, 2, 4)}},
		{"ConcatSameInputTwice", func(x ...*tensor.Tensor) *tensor.Tensor {
			return tensor.Concat(0, x[0], tensor.Square(x[0]))
		}, []*tensor.Tensor{r(8, 2, 3)}},
		{"Stack0", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Stack(0, x...) },
			[]*tensor.Tensor{r(9, 2, 3), r(10, 2, 3)}},
		{"StackLast", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Stack(-1, x...) },
			[]*tensor.Tensor{r(11, 2, 3), r(12, 2, 3), r(13, 2, 3)}},
		{"Split", func(x ...*tensor.Tensor) *tensor.Tensor {
			p := tensor.Split(x[0], 1, 2, 3, 1)
			return tensor.Concat(1, tensor.Square(p[1]), p[0], tensor.MulScalar(p[2], 3))
		}, []*tensor.Tensor{r(14, 2, 6)}},
		{"SliceMiddle", func(x ...*tensor.Tensor) *tensor.Tensor { return x[0].Slice(1, 1, 3) },
			[]*tensor.Tensor{r(15, 3, 4, 2)}},
		{"SliceNegative", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Square(x[0].Slice(0, -3, -1)) },
			[]*tensor.Tensor{r(16, 4, 3)}},
		{"SliceOfTransposed", func(x ...*tensor.Tensor) *tensor.Tensor {
			return tensor.Exp(x[0].Transpose().Slice(0, 1, 3).Slice(1, 0, 2))
		}, []*tensor.Tensor{r(17, 3, 4)}},
		{"Squeeze", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Mul(x[0].Squeeze(), x[1]) },
			[]*tensor.Tensor{r(18, 1, 3, 1, 2), r(19, 3, 2)}},
		{"SqueezeAxis", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Square(x[0].Squeeze(-1)) },
			[]*tensor.Tensor{r(20, 1, 3, 1)}},
		{"Unsqueeze", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Mul(x[0].Unsqueeze(1), x[1]) },
			[]*tensor.Tensor{r(21, 2, 3), r(22, 2, 4, 3)}},
		{"UnsqueezeEnd", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Mul(x[0].Unsqueeze(-1), x[1]) },
			[]*tensor.Tensor{r(23, 2, 3), r(24, 2, 3, 2)}},
		{"Take0Repeated", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Take(x[0], 0, []int{2, 0, 2, 2, 1}) },
			[]*tensor.Tensor{r(25, 4, 3)}},
		{"TakeMiddle", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Take(x[0], 1, []int{1, 1, 0}) },
			[]*tensor.Tensor{r(26, 2, 3, 2)}},
		{"TakeTransposed", func(x ...*tensor.Tensor) *tensor.Tensor {
			return tensor.Take(x[0].Transpose(), 0, []int{3, 0, 3})
		}, []*tensor.Tensor{r(27, 3, 4)}},
		{"Pad", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Pad(x[0], [][2]int{{1, 0}, {2, 1}}, 0.5) },
			[]*tensor.Tensor{r(28, 2, 3)}},
		{"Pad3dT", func(x ...*tensor.Tensor) *tensor.Tensor {
			return tensor.Pad(x[0].Transpose(0, 2), [][2]int{{0, 1}, {0, 0}, {1, 1}}, 0)
		}, []*tensor.Tensor{r(29, 2, 2, 3)}},
		{"Tile", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Tile(x[0], 2, 1, 3) },
			[]*tensor.Tensor{r(30, 2, 3)}},
		{"Repeat", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Repeat(x[0], 0, 3) },
			[]*tensor.Tensor{r(31, 2, 3)}},
		{"RepeatLastT", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Repeat(x[0].Transpose(), -1, 2) },
			[]*tensor.Tensor{r(32, 2, 3)}},
	})
}

func TestShapeOpValues(t *testing.T) {
	a := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b := tensor.FromSlice([]float32{7, 8}, 2, 1)
	cases := []struct {
		name  string
		got   *tensor.Tensor
		want  []float32
		shape []int
	}{
		{"Concat1", tensor.Concat(1, a, b), []float32{1, 2, 3, 7, 4, 5, 6, 8}, []int{2, 4}},
		{"Concat0", tensor.Concat(0, a, a.Slice(0, 1, 2)), []float32{1, 2, 3, 4, 5, 6, 4, 5, 6}, []int{3, 3}},
		{"ConcatEmptyPart", tensor.Concat(0, tensor.Zeros(0, 3), a), a.Data(), []int{2, 3}},
		{"Stack0", tensor.Stack(0, b, b), []float32{7, 8, 7, 8}, []int{2, 2, 1}},
		{"Stack1", tensor.Stack(1, a.Slice(0, 0, 1).Squeeze(0), tensor.FromSlice([]float32{9, 9, 9}, 3)), []float32{1, 9, 2, 9, 3, 9}, []int{3, 2}},
		{"Slice", a.Slice(1, 1, 3), []float32{2, 3, 5, 6}, []int{2, 2}},
		{"SliceNegative", a.Slice(-1, -2, 3), []float32{2, 3, 5, 6}, []int{2, 2}},
		{"SliceEmpty", a.Slice(0, 1, 1), []float32{}, []int{0, 3}},
		{"SliceTransposed", a.Transpose().Slice(0, 2, 3), []float32{3, 6}, []int{1, 2}},
		{"SqueezeAll", tensor.Zeros(1, 2, 1).Squeeze(), []float32{0, 0}, []int{2}},
		{"Squeeze0d", tensor.Ones(1, 1).Squeeze(), []float32{1}, []int{}},
		{"Unsqueeze0", a.Unsqueeze(0), a.Data(), []int{1, 2, 3}},
		{"UnsqueezeNeg", a.Unsqueeze(-2), a.Data(), []int{2, 1, 3}},
		{"UnsqueezeScalar", tensor.Scalar(3).Unsqueeze(0), []float32{3}, []int{1}},
		{"Take0", tensor.Take(a, 0, []int{1, 1, 0}), []float32{4, 5, 6, 4, 5, 6, 1, 2, 3}, []int{3, 3}},
		{"Take1", tensor.Take(a, -1, []int{2, 0}), []float32{3, 1, 6, 4}, []int{2, 2}},
		{"TakeNone", tensor.Take(a, 0, nil), []float32{}, []int{0, 3}},
		{"Pad", tensor.Pad(b, [][2]int{{1, 0}, {0, 2}}, -1), []float32{-1, -1, -1, 7, -1, -1, 8, -1, -1}, []int{3, 3}},
		{"PadNone", tensor.Pad(a, [][2]int{{0, 0}, {0, 0}}, 9), a.Data(), []int{2, 3}},
		{"PadEmpty", tensor.Pad(tensor.Zeros(0, 2), [][2]int{{1, 0}, {0, 0}}, 5), []float32{5, 5}, []int{1, 2}},
		{"Tile", tensor.Tile(b, 2, 2), []float32{7, 7, 8, 8, 7, 7, 8, 8}, []int{4, 2}},
		{"TileLead", tensor.Tile(tensor.FromSlice([]float32{1, 2}, 2), 2, 2), []float32{1, 2, 1, 2, 1, 2, 1, 2}, []int{2, 4}},
		{"Repeat", tensor.Repeat(a, 1, 2), []float32{1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6}, []int{2, 6}},
		{"Repeat0", tensor.Repeat(b, 0, 2), []float32{7, 7, 8, 8}, []int{4, 1}},
	}
	for _, c := range cases {
		opsClose(t, c.name, c.got, c.want, c.shape, 0)
	}
	parts := tensor.Split(a, 1, 1, 2)
	opsClose(t, "Split part 0", parts[0], []float32{1, 4}, []int{2, 1}, 0)
	opsClose(t, "Split part 1", parts[1], []float32{2, 3, 5, 6}, []int{2, 2}, 0)
}

func TestSliceSharesStorage(t *testing.T) {
	a := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	s := a.Slice(1, 1, 3)
	s.Set(42, 1, 0)
	if a.At(1, 1) != 42 {
		t.Fatalf("writing the slice did not reach its base: %v", a)
	}
	u := a.Unsqueeze(1).Squeeze(1)
	u.Set(7, 0, 0)
	if a.At(0, 0) != 7 {
		t.Fatal("Squeeze/Unsqueeze did not return views")
	}
}

// TestTakeEmbedding checks the embedding use of Take: gathering rows of a
// table and scatter-adding the gradient, with repeated ids accumulating.
func TestTakeEmbedding(t *testing.T) {
	table := tensor.FromSlice([]float32{
		0, 1,
		10, 11,
		20, 21,
	}, 3, 2).SetRequiresGrad(true)
	ids := []int{2, 0, 2}
	e := tensor.Take(table, 0, ids)
	opsClose(t, "Embedding forward", e, []float32{20, 21, 0, 1, 20, 21}, []int{3, 2}, 0)
	ids[0] = 1 // Take keeps its own copy of the indices
	w := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 3, 2)
	tensor.Sum(tensor.Mul(e, w), nil, false).Backward()
	opsClose(t, "Embedding grad", table.Grad(), []float32{3, 4, 0, 0, 1 + 5, 2 + 6}, nil, 0)
}

func TestShapeOpErrors(t *testing.T) {
	a := tensor.Zeros(2, 3)
	opsPanics(t, "Concat", func() { tensor.Concat(1, a, tensor.Zeros(3, 3)) },
		"tensor: Concat: shapes [2 3] and [3 3] do not match outside axis 1")
	opsPanics(t, "Concat dims", func() { tensor.Concat(0, a, tensor.Zeros(3)) }, "tensor: Concat:", "[2 3] and [3]")
	opsPanics(t, "Concat none", func() { tensor.Concat(0) }, "tensor: Concat:")
	opsPanics(t, "Concat axis", func() { tensor.Concat(2, a, a) }, "tensor: Concat:", "axis 2 out of range")
	opsPanics(t, "Stack", func() { tensor.Stack(0, a, tensor.Zeros(3, 2), a) }, "tensor: Stack: shapes [2 3], [3 2] and [2 3] do not match")
	opsPanics(t, "Stack axis", func() { tensor.Stack(3, a, a) }, "tensor: Stack:", "axis 3")
	opsPanics(t, "Split", func() { tensor.Split(a, 1, 1, 1) }, "tensor: Split: shape [2 3] cannot split axis 1 into sizes [1 1]")
	opsPanics(t, "Slice", func() { a.Slice(1, 2, 4) }, "tensor: Slice: shape [2 3] range [2:4] is out of bounds for axis 1")
	opsPanics(t, "Slice reversed", func() { a.Slice(0, 2, 1) }, "tensor: Slice:", "[2:1]")
	opsPanics(t, "Slice negative", func() { a.Slice(0, -3, 1) }, "tensor: Slice:", "[-3:1]")
	opsPanics(t, "Squeeze", func() { a.Squeeze(0) }, "tensor: Squeeze: shape [2 3] axis 0 has size 2, not 1")
	opsPanics(t, "Unsqueeze", func() { a.Unsqueeze(3) }, "tensor: Unsqueeze:", "axis 3")
	opsPanics(t, "Take", func() { tensor.Take(a, 0, []int{0, 2}) },
		"tensor: Take: shape [2 3] index 2 (position 1) is out of range [0, 2) for axis 0")
	opsPanics(t, "Take negative", func() { tensor.Take(a, 1, []int{-1}) }, "tensor: Take:", "index -1")
	opsPanics(t, "Pad", func() { tensor.Pad(a, [][2]int{{1, 1}}, 0) }, "tensor: Pad: shape [2 3] needs 2 (before, after) pairs, got 1")
	opsPanics(t, "Pad negative", func() { tensor.Pad(a, [][2]int{{1, 1}, {0, -1}}, 0) }, "tensor: Pad:", "negative")
	opsPanics(t, "Tile", func() { tensor.Tile(a, 2) }, "tensor: Tile:", "[2 3]")
	opsPanics(t, "Repeat", func() { tensor.Repeat(a, 0, -1) }, "tensor: Repeat:", "negative")
}
