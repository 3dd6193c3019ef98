package tensor_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/tensile-ml/tensile/tensor"
)

// TestBackwardNotify checks the gradient-ready report of BackwardNotify:
// every leaf in the graph is reported exactly once; when it is, its Grad
// already holds, bit for bit, the gradient that plain Backward computes;
// and it is reported early, while leaves further from the loss have no
// gradient yet (early lists pairs {a, b}: when a is reported, b has none).
func TestBackwardNotify(t *testing.T) {
	r := func(seed uint64, shape ...int) *tensor.Tensor { return opsRand(seed, -1, 1, shape...) }
	x := r(100, 5, 4)
	ids := []int32{3, 0, 3, 5}
	cases := []struct {
		name   string
		leaves []*tensor.Tensor
		loss   func(w ...*tensor.Tensor) *tensor.Tensor
		early  [][2]int
	}{
		{"MLP", []*tensor.Tensor{r(1, 4, 6), r(2, 6), r(3, 6, 3), r(4, 3)},
			func(w ...*tensor.Tensor) *tensor.Tensor {
				h := tensor.Tanh(tensor.Add(tensor.MatMul(x, w[0]), w[1]))
				return tensor.Sum(tensor.Square(tensor.Add(tensor.MatMul(h, w[2]), w[3])), nil, false)
			}, [][2]int{{2, 0}, {3, 0}, {2, 1}, {3, 1}}},
		{"WeightIsFirstInput", []*tensor.Tensor{r(5, 6, 5), r(6, 3, 6)},
			func(w ...*tensor.Tensor) *tensor.Tensor {
				h := tensor.Tanh(tensor.MatMul(w[0], x)) // [6 4]
				return tensor.Sum(tensor.MatMul(w[1], h), nil, false)
			}, [][2]int{{1, 0}}},
		{"SharedWeight", []*tensor.Tensor{r(7, 4, 4), r(8, 4, 2)},
			func(w ...*tensor.Tensor) *tensor.Tensor {
				h := tensor.Tanh(tensor.MatMul(tensor.Tanh(tensor.MatMul(x, w[0])), w[0]))
				return tensor.Sum(tensor.MatMul(h, w[1]), nil, false)
			}, [][2]int{{1, 0}}},
		{"SlicedWeight", []*tensor.Tensor{r(9, 4, 6), r(10, 3, 2)},
			func(w ...*tensor.Tensor) *tensor.Tensor {
				a := tensor.MatMul(x, w[0].Slice(1, 0, 3))
				b := tensor.MatMul(x, w[0].Slice(1, 2, 5))
				return tensor.Sum(tensor.MatMul(tensor.Mul(a, b), w[1]), nil, false)
			}, [][2]int{{1, 0}}},
		{"SameInputTwice", []*tensor.Tensor{r(11, 4, 3)},
			func(w ...*tensor.Tensor) *tensor.Tensor {
				return tensor.Sum(tensor.Mul(tensor.MatMul(x, w[0]), tensor.MatMul(x, w[0])), nil, false)
			}, nil},
		{"RowSparse", []*tensor.Tensor{r(12, 6, 3), r(13, 3, 2)},
			func(w ...*tensor.Tensor) *tensor.Tensor {
				e := tensor.GatherRows(w[0], ids)
				return tensor.Sum(tensor.Square(tensor.MatMul(e, w[1])), nil, false)
			}, [][2]int{{1, 0}}},
		{"LeafIsTheLoss", []*tensor.Tensor{r(14, 1)},
			func(w ...*tensor.Tensor) *tensor.Tensor { return w[0] }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fresh := func() []*tensor.Tensor {
				ws := make([]*tensor.Tensor, len(tc.leaves))
				for i, l := range tc.leaves {
					ws[i] = tensor.FromSlice(slices.Clone(l.Data()), l.Shape()...).SetRequiresGrad(true)
				}
				return ws
			}
			ref := fresh()
			tc.loss(ref...).Backward()
			ws := fresh()
			index := map[*tensor.Tensor]int{}
			for i, w := range ws {
				index[w] = i
			}
			seen := make([][]float32, len(ws))
			var order []int
			var problems []string
			tc.loss(ws...).BackwardNotify(func(leaf *tensor.Tensor) {
				i, ok := index[leaf]
				if !ok {
					problems = append(problems, fmt.Sprintf("reported a tensor %v that is not a leaf", leaf.Shape()))
					return
				}
				if seen[i] != nil {
					problems = append(problems, fmt.Sprintf("leaf %d reported twice", i))
				}
				seen[i] = slices.Clone(leaf.Grad().Data())
				order = append(order, i)
				for _, e := range tc.early {
					if e[0] == i && ws[e[1]].Grad() != nil {
						problems = append(problems, fmt.Sprintf("leaf %d reported after leaf %d already had its gradient", i, e[1]))
					}
				}
			})
			for _, p := range problems {
				t.Error(p)
			}
			for i := range ws {
				want := ref[i].Grad().Data()
				if seen[i] == nil {
					t.Errorf("leaf %d never reported (order %v)", i, order)
					continue
				}
				if !slices.Equal(seen[i], want) || !slices.Equal(ws[i].Grad().Data(), want) {
					t.Errorf("leaf %d: gradient when reported %v, after the pass %v, plain Backward %v", i, seen[i], ws[i].Grad().Data(), want)
				}
			}
		})
	}
}

// ExampleTensor_BackwardNotify reports each weight as soon as its
// gradient is final: the layer nearest the loss first.
func ExampleTensor_BackwardNotify() {
	x := tensor.FromSlice([]float32{1, 2}, 1, 2)
	w1 := tensor.FromSlice([]float32{0.5, -1, 2, 1}, 2, 2).SetRequiresGrad(true)
	w2 := tensor.FromSlice([]float32{1, 3}, 2, 1).SetRequiresGrad(true)
	name := map[*tensor.Tensor]string{w1: "w1", w2: "w2"}
	loss := tensor.Sum(tensor.MatMul(tensor.Tanh(tensor.MatMul(x, w1)), w2), nil, false)
	loss.BackwardNotify(func(leaf *tensor.Tensor) {
		fmt.Println(name[leaf], "ready, gradient has", leaf.Grad().Size(), "values")
	})
	// Output:
	// w2 ready, gradient has 2 values
	// w1 ready, gradient has 4 values
}
