package tensor_test

import (
	"fmt"

	"github.com/tensile-ml/tensile/tensor"
)

func ExampleConcat() {
	a := tensor.FromSlice([]float32{1, 2, 3, 4}, 2, 2)
	b := tensor.FromSlice([]float32{5, 6}, 2, 1)
	fmt.Println(tensor.Concat(1, a, b))
	fmt.Println(tensor.Stack(0, a, a).Shape())
	// Output:
	// [[1 2 5] [3 4 6]]
	// [2 2 2]
}

func ExampleTake() {
	// An embedding lookup: rows of a [vocab, D] table for a sequence of ids.
	table := tensor.FromSlice([]float32{0, 0, 1, 1, 2, 2}, 3, 2).SetRequiresGrad(true)
	e := tensor.Take(table, 0, []int{2, 0, 2})
	fmt.Println(e)
	tensor.Sum(e, nil, false).Backward()
	fmt.Println(table.Grad()) // row 2 was used twice
	// Output:
	// [[2 2] [0 0] [2 2]]
	// [[1 1] [0 0] [2 2]]
}

func ExampleMax() {
	x := tensor.FromSlice([]float32{1, 5, 2, 7, 0, 3}, 2, 3)
	fmt.Println(tensor.Max(x, []int{1}, false))
	fmt.Println(tensor.ArgMax(x, 1))
	fmt.Println(tensor.Var(x, nil, false))
	// Output:
	// [5 7]
	// [1 0]
	// 5.666667
}

func ExampleTensor_Slice() {
	x := tensor.Arange(0, 6, 1).Reshape(2, 3)
	fmt.Println(x.Slice(1, 1, 3))  // columns 1 and 2
	fmt.Println(x.Slice(0, -1, 2)) // the last row
	// Output:
	// [[1 2] [4 5]]
	// [[3 4 5]]
}

func ExampleWhere() {
	x := tensor.FromSlice([]float32{-2, -1, 0, 1, 2}, 5)
	// a leaky ReLU with slope 0.1, built from primitives
	y := tensor.Where(tensor.Greater(x, tensor.Scalar(0)), x, tensor.MulScalar(x, 0.1))
	fmt.Println(y)
	// Output:
	// [-0.2 -0.1 0 1 2]
}
