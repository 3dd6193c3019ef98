package tensor_test

import (
	"testing"

	"github.com/tensile-ml/tensile/tensor"
)

func TestComparisonValues(t *testing.T) {
	a := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b := tensor.FromSlice([]float32{2, 2, 4}, 3)
	s := tensor.Scalar(3)
	cases := []struct {
		name string
		got  *tensor.Tensor
		want []float32
	}{
		{"Equal", tensor.Equal(a, b), []float32{0, 1, 0, 0, 0, 0}},
		{"NotEqual", tensor.NotEqual(a, b), []float32{1, 0, 1, 1, 1, 1}},
		{"Greater", tensor.Greater(a, b), []float32{0, 0, 0, 1, 1, 1}},
		{"GreaterEqual", tensor.GreaterEqual(a, b), []float32{0, 1, 0, 1, 1, 1}},
		{"Less", tensor.Less(a, b), []float32{1, 0, 1, 0, 0, 0}},
		{"LessEqual", tensor.LessEqual(a, b), []float32{1, 1, 1, 0, 0, 0}},
		// scalar on either side exercises the vector-scalar and the
		// mirrored scalar-vector kernels
		{"GreaterVS", tensor.Greater(a, s), []float32{0, 0, 0, 1, 1, 1}},
		{"GreaterSV", tensor.Greater(s, a), []float32{1, 1, 0, 0, 0, 0}},
		{"GreaterEqualSV", tensor.GreaterEqual(s, a), []float32{1, 1, 1, 0, 0, 0}},
		{"LessSV", tensor.Less(s, a), []float32{0, 0, 0, 1, 1, 1}},
		{"LessEqualSV", tensor.LessEqual(s, a), []float32{0, 0, 1, 1, 1, 1}},
		{"EqualSV", tensor.Equal(s, a), []float32{0, 0, 1, 0, 0, 0}},
		{"NotEqualSV", tensor.NotEqual(s, a), []float32{1, 1, 0, 1, 1, 1}},
		{"LessTransposed", tensor.Less(a.Transpose(), tensor.FromSlice([]float32{3, 3}, 2)), []float32{1, 0, 1, 0, 0, 0}},
		{"ColRow", tensor.Greater(tensor.FromSlice([]float32{1, 3}, 2, 1), tensor.FromSlice([]float32{0, 2, 4}, 1, 3)), []float32{1, 0, 0, 1, 1, 0}},
	}
	for _, c := range cases {
		opsClose(t, c.name, c.got, c.want, nil, 0)
	}
	x := a.Clone().SetRequiresGrad(true)
	if y := tensor.Greater(x, b); y.RequiresGrad() {
		t.Error("comparison result requires a gradient")
	}
}

func TestWhereValues(t *testing.T) {
	cond := tensor.FromSlice([]float32{1, 0, -2}, 3)
	a := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b := tensor.FromSlice([]float32{-1, -2}, 2, 1)
	opsClose(t, "Where broadcast", tensor.Where(cond, a, b), []float32{1, -1, 3, 4, -2, 6}, []int{2, 3}, 0)
	opsClose(t, "Where same", tensor.Where(tensor.Greater(a, tensor.Scalar(3)), a, tensor.Neg(a)),
		[]float32{-1, -2, -3, 4, 5, 6}, []int{2, 3}, 0)
	opsClose(t, "Where scalars", tensor.Where(tensor.Scalar(0), tensor.Scalar(1), tensor.Scalar(2)), []float32{2}, []int{}, 0)
	opsClose(t, "Where transposed", tensor.Where(tensor.FromSlice([]float32{0, 1}, 2), a.Transpose(), tensor.Scalar(0)),
		[]float32{0, 4, 0, 5, 0, 6}, []int{3, 2}, 0)
	opsClose(t, "Where 3-d", tensor.Where(tensor.FromSlice([]float32{1, 0}, 2, 1, 1), a, b),
		[]float32{1, 2, 3, 4, 5, 6, -1, -1, -1, -2, -2, -2}, []int{2, 2, 3}, 0)
}

func TestWhereGradients(t *testing.T) {
	cond := tensor.FromSlice([]float32{1, 0, 1, 1, 0, 0}, 2, 3)
	row := tensor.FromSlice([]float32{0, 1, 1}, 3)
	opsRunGrad(t, []opsGradCase{
		{"Where", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Where(cond, x[0], x[1]) },
			[]*tensor.Tensor{opsRand(1, -1, 1, 2, 3), opsRand(2, -1, 1, 2, 3)}},
		{"WhereBroadcast", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Where(row, x[0], x[1]) },
			[]*tensor.Tensor{opsRand(3, -1, 1, 2, 1), opsRand(4, -1, 1, 4, 2, 3)}},
		{"WhereStrided", func(x ...*tensor.Tensor) *tensor.Tensor {
			return tensor.Where(cond, x[0].Transpose(), x[1].Slice(1, 1, 4))
		}, []*tensor.Tensor{opsRand(5, -1, 1, 3, 2), opsRand(6, -1, 1, 2, 5)}},
		// the classic use: a piecewise function
		{"WherePiecewise", func(x ...*tensor.Tensor) *tensor.Tensor {
			return tensor.Where(tensor.Greater(x[0], tensor.Scalar(0)), tensor.Square(x[0]), tensor.MulScalar(x[0], -3))
		}, []*tensor.Tensor{opsAway(7, 0.1, 1, 3, 4)}},
	})
	// cond gets no gradient even if it requires one
	c := cond.Clone().SetRequiresGrad(true)
	a := opsRand(8, -1, 1, 2, 3).SetRequiresGrad(true)
	tensor.Sum(tensor.Where(c, a, tensor.Zeros(2, 3)), nil, false).Backward()
	if c.Grad() != nil {
		t.Error("Where gave its condition a gradient")
	}
	opsClose(t, "Where grad a", a.Grad(), cond.Data(), nil, 0)
}

func TestCompareShapeErrors(t *testing.T) {
	a, b := tensor.Zeros(2, 3), tensor.Zeros(4)
	opsPanics(t, "Equal", func() { tensor.Equal(a, b) }, "tensor: Equal: shapes [2 3] and [4] do not broadcast")
	opsPanics(t, "Less", func() { tensor.Less(a, b) }, "tensor: Less:", "[2 3]", "[4]")
	opsPanics(t, "Maximum", func() { tensor.Maximum(a, b) }, "tensor: Maximum: shapes [2 3] and [4] do not broadcast")
	opsPanics(t, "PowT", func() { tensor.PowT(a, b) }, "tensor: PowT:", "[2 3]", "[4]")
	opsPanics(t, "Where", func() { tensor.Where(tensor.Zeros(3), a, b) },
		"tensor: Where: shapes [3], [2 3] and [4] do not broadcast")
	opsPanics(t, "Clip", func() { tensor.Clip(a, 1, 0) }, "tensor: Clip:", "above upper bound")
}
