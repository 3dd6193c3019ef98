package tensor_test

import (
	"math"
	"slices"
	"testing"

	"github.com/tensile-ml/tensile/tensor"
)

func TestReduceGradients(t *testing.T) {
	maxOf := func(axes []int, keep bool) opsFn {
		return func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Max(x[0], axes, keep) }
	}
	minOf := func(axes []int, keep bool) opsFn {
		return func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Min(x[0], axes, keep) }
	}
	varOf := func(axes []int, keep bool) opsFn {
		return func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Var(x[0], axes, keep) }
	}
	stdOf := func(axes []int, keep bool) opsFn {
		return func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Std(x[0], axes, keep) }
	}
	lseOf := func(axes []int, keep bool) opsFn {
		return func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.LogSumExp(x[0], axes, keep) }
	}
	grid := func(seed uint64, shape ...int) []*tensor.Tensor {
		return []*tensor.Tensor{opsGrid(seed, -1, 0.1, shape...)}
	}
	r := func(seed uint64, shape ...int) []*tensor.Tensor {
		return []*tensor.Tensor{opsRand(seed, -2, 2, shape...)}
	}
	opsRunGrad(t, []opsGradCase{
		{"MaxAll", maxOf(nil, false), grid(1, 3, 4)},
		{"MaxLast", maxOf([]int{-1}, false), grid(2, 3, 4)},
		{"MaxFirstKeep", maxOf([]int{0}, true), grid(3, 3, 4)},
		{"MaxMiddle", maxOf([]int{1}, false), grid(4, 2, 3, 4)},
		{"MaxTwoAxes", maxOf([]int{0, 2}, true), grid(5, 2, 3, 4)},
		{"MaxSize1Axis", maxOf([]int{1}, false), grid(6, 3, 1, 2)},
		{"MaxTransposed", func(x ...*tensor.Tensor) *tensor.Tensor {
			return tensor.Max(x[0].Transpose(), []int{1}, false)
		}, grid(7, 4, 3)},
		{"MinAll", minOf(nil, true), grid(8, 2, 5)},
		{"MinAxes", minOf([]int{1, 2}, false), grid(9, 2, 3, 2)},
		{"MinSliced", func(x ...*tensor.Tensor) *tensor.Tensor {
			return tensor.Min(x[0].Slice(1, 1, 4), []int{0}, false)
		}, grid(10, 3, 5)},
		{"VarAll", varOf(nil, false), r(11, 3, 4)},
		{"VarAxis", varOf([]int{1}, true), r(12, 3, 4)},
		{"VarAxes", varOf([]int{0, 2}, false), r(13, 2, 3, 4)},
		{"VarTransposed", func(x ...*tensor.Tensor) *tensor.Tensor {
			return tensor.Var(x[0].Transpose(), []int{-1}, false)
		}, r(14, 4, 3)},
		{"Std", stdOf([]int{1}, false), r(15, 3, 5)},
		{"StdAll", stdOf(nil, true), r(16, 2, 3)},
		{"LogSumExp", lseOf([]int{-1}, false), r(17, 3, 4)},
		{"LogSumExpAllKeep", lseOf(nil, true), r(18, 2, 3)},
		{"LogSumExpAxis0", lseOf([]int{0}, true), r(19, 3, 2, 2)},
		{"LogSumExpT", func(x ...*tensor.Tensor) *tensor.Tensor {
			return tensor.LogSumExp(x[0].Transpose(), []int{1}, false)
		}, r(20, 4, 3)},
	})
}

func TestReduceValues(t *testing.T) {
	x := tensor.FromSlice([]float32{
		1, 5, 2,
		7, 0, 3,
	}, 2, 3)
	lse := func(v ...float64) float32 {
		s := 0.0
		for _, e := range v {
			s += math.Exp(e)
		}
		return float32(math.Log(s))
	}
	cases := []struct {
		name  string
		got   *tensor.Tensor
		want  []float32
		shape []int
	}{
		{"MaxAll", tensor.Max(x, nil, false), []float32{7}, []int{}},
		{"MaxAllKeep", tensor.Max(x, nil, true), []float32{7}, []int{1, 1}},
		{"MaxRows", tensor.Max(x, []int{1}, false), []float32{5, 7}, []int{2}},
		{"MaxCols", tensor.Max(x, []int{0}, true), []float32{7, 5, 3}, []int{1, 3}},
		{"MinRows", tensor.Min(x, []int{-1}, true), []float32{1, 0}, []int{2, 1}},
		{"MinCols", tensor.Min(x, []int{0}, false), []float32{1, 0, 2}, []int{3}},
		{"MaxTransposed", tensor.Max(x.Transpose(), []int{1}, false), []float32{7, 5, 3}, []int{3}},
		{"MaxEmptyAxes", tensor.Max(x, []int{}, false), x.Data(), []int{2, 3}},
		{"Max0d", tensor.Max(tensor.Scalar(4), nil, false), []float32{4}, []int{}},
		{"VarRows", tensor.Var(x, []int{1}, false), []float32{26.0 / 9, 74.0 / 9}, []int{2}},
		{"VarAll", tensor.Var(x, nil, false), []float32{(1 + 25 + 4 + 49 + 0 + 9 - 6*9) / 6.0}, []int{}},
		{"StdCols", tensor.Std(x, []int{0}, false), []float32{3, 2.5, 0.5}, []int{3}},
		{"LogSumExpRows", tensor.LogSumExp(x, []int{1}, false), []float32{lse(1, 5, 2), lse(7, 0, 3)}, []int{2}},
		{"LogSumExpAll", tensor.LogSumExp(x, nil, true), []float32{lse(1, 5, 2, 7, 0, 3)}, []int{1, 1}},
		// stability: naive exp overflows
		{"LogSumExpLarge", tensor.LogSumExp(tensor.FromSlice([]float32{1000, 1000, -1000}, 3), nil, false),
			[]float32{1000 + float32(math.Ln2)}, []int{}},
		{"LogSumExpNegInf", tensor.LogSumExp(tensor.Full(float32(math.Inf(-1)), 2, 2), []int{1}, false),
			[]float32{float32(math.Inf(-1)), float32(math.Inf(-1))}, []int{2}},
	}
	for _, c := range cases {
		opsClose(t, c.name, c.got, c.want, c.shape, 1e-5)
	}
	if m := tensor.Max(tensor.FromSlice([]float32{1, float32(math.NaN()), 2}, 3), nil, false).Item(); m == m {
		t.Errorf("Max did not propagate NaN: %g", m)
	}
}

func TestMaxTiesSplitGradient(t *testing.T) {
	x := tensor.FromSlice([]float32{1, 3, 3, 2, 2, 2}, 2, 3).SetRequiresGrad(true)
	tensor.Sum(tensor.Max(x, []int{1}, false), nil, false).Backward()
	opsClose(t, "Max ties", x.Grad(), []float32{0, 0.5, 0.5, 1.0 / 3, 1.0 / 3, 1.0 / 3}, nil, 1e-7)
	y := tensor.FromSlice([]float32{4, 1, 1}, 3).SetRequiresGrad(true)
	tensor.Min(y, nil, false).Backward()
	opsClose(t, "Min ties", y.Grad(), []float32{0, 0.5, 0.5}, nil, 0)
}

func TestArgMaxArgMin(t *testing.T) {
	x := opsRand(1, -1, 1, 3, 4, 5)
	d := x.Data()
	for axis := 0; axis < 3; axis++ {
		am, an := tensor.ArgMax(x, axis), tensor.ArgMin(x, axis)
		sh := x.Shape()
		// brute force over the reduced positions in row-major order
		k := 0
		for i := 0; i < sh[0]; i++ {
			for j := 0; j < sh[1]; j++ {
				for l := 0; l < sh[2]; l++ {
					idx := []int{i, j, l}
					if idx[axis] != 0 {
						continue
					}
					best, worst := 0, 0
					for v := 0; v < sh[axis]; v++ {
						idx[axis] = v
						cur := d[(idx[0]*sh[1]+idx[1])*sh[2]+idx[2]]
						idx[axis] = best
						if cur > d[(idx[0]*sh[1]+idx[1])*sh[2]+idx[2]] {
							best = v
						}
						idx[axis] = worst
						if cur < d[(idx[0]*sh[1]+idx[1])*sh[2]+idx[2]] {
							worst = v
						}
					}
					if am[k] != best || an[k] != worst {
						t.Fatalf("axis %d position %d: ArgMax %d ArgMin %d, want %d %d", axis, k, am[k], an[k], best, worst)
					}
					k++
				}
			}
		}
		if k != len(am) || k != len(an) {
			t.Fatalf("axis %d: %d results, want %d", axis, len(am), k)
		}
	}
	y := tensor.FromSlice([]float32{1, 9, 9, 0, 0, 5}, 2, 3)
	if got := tensor.ArgMax(y, -1); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("ArgMax ties = %v, want first index [1 2]", got)
	}
	if got := tensor.ArgMin(y, 1); !slices.Equal(got, []int{0, 0}) {
		t.Errorf("ArgMin ties = %v, want [0 0]", got)
	}
	if got := tensor.ArgMax(y.Transpose(), 0); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("ArgMax transposed = %v, want [1 2]", got)
	}
}

func TestReduceShapeErrors(t *testing.T) {
	x := tensor.Zeros(2, 0, 3)
	opsPanics(t, "Max empty", func() { tensor.Max(x, []int{1}, false) }, "tensor: Max: shape [2 0 3] cannot reduce an empty axis")
	opsPanics(t, "Min empty all", func() { tensor.Min(tensor.Zeros(0), nil, false) }, "tensor: Min:", "empty")
	opsPanics(t, "Max axis", func() { tensor.Max(tensor.Zeros(2, 3), []int{2}, false) }, "tensor: Max:", "axis 2 out of range")
	opsPanics(t, "Var axis", func() { tensor.Var(tensor.Zeros(2, 3), []int{-3}, false) }, "tensor: Var:", "axis -3")
	opsPanics(t, "Std repeat", func() { tensor.Std(tensor.Zeros(2, 3), []int{1, -1}, false) }, "tensor: Std:", "repeated")
	opsPanics(t, "LogSumExp empty", func() { tensor.LogSumExp(x, []int{1}, false) }, "tensor: LogSumExp:", "[2 0 3]")
	opsPanics(t, "ArgMax empty", func() { tensor.ArgMax(x, 1) }, "tensor: ArgMax: shape [2 0 3] cannot reduce an empty axis")
	opsPanics(t, "ArgMin 0-d", func() { tensor.ArgMin(tensor.Scalar(1), 0) }, "tensor: ArgMin:")
	opsPanics(t, "ArgMax axis", func() { tensor.ArgMax(tensor.Zeros(2), 1) }, "tensor: ArgMax:", "axis 1")
}
