package tensor_test

import (
	"testing"

	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

// TestGradAccumulation checks the engine's in-place accumulation of
// gradient sums and its direct slice-range gradients on graphs where
// gradients alias (Add passes g to both inputs), slices overlap, come from
// strided views, are nested, or mix with other uses of the same tensor.
func TestGradAccumulation(t *testing.T) {
	r := func(seed uint64, shape ...int) *tensor.Tensor { return opsRand(seed, -1, 1, shape...) }
	opsRunGrad(t, []opsGradCase{
		{"AddAliasThenReuse", func(x ...*tensor.Tensor) *tensor.Tensor {
			a := tensor.Add(x[0], x[0])          // g aliases for both inputs
			b := tensor.Add(a, x[0])             // third use of x[0]
			c := tensor.Add(tensor.Mul(a, b), a) // a used twice
			return tensor.Add(c, tensor.Square(x[0]))
		}, []*tensor.Tensor{r(1, 3, 4)}},
		{"SlicesOverlap", func(x ...*tensor.Tensor) *tensor.Tensor {
			p := x[0].Slice(0, 0, 3)
			q := x[0].Slice(0, 1, 4)
			return tensor.Add(tensor.Mul(p, q), tensor.Square(x[0].Slice(0, 2, 5)))
		}, []*tensor.Tensor{r(2, 5, 3)}},
		{"SliceAndWhole", func(x ...*tensor.Tensor) *tensor.Tensor {
			s := tensor.Square(x[0].Slice(1, 1, 3))
			return tensor.Add(tensor.Sum(x[0], []int{1}, true), s) // whole use first in the sum
		}, []*tensor.Tensor{r(3, 2, 4)}},
		{"SliceOfTransposed", func(x ...*tensor.Tensor) *tensor.Tensor {
			v := x[0].Transpose()
			return tensor.Add(tensor.Mul(v.Slice(0, 0, 2), v.Slice(0, 2, 4)), v.Slice(0, 1, 3))
		}, []*tensor.Tensor{r(4, 3, 4)}},
		{"NestedSlices", func(x ...*tensor.Tensor) *tensor.Tensor {
			a := x[0].Slice(0, 1, 5)
			b := a.Slice(1, 1, 3)
			return tensor.Concat(0, tensor.Square(b), a.Slice(1, 0, 2), b)
		}, []*tensor.Tensor{r(5, 6, 4)}},
		{"SplitSteps", func(x ...*tensor.Tensor) *tensor.Tensor {
			ps := tensor.Split(x[0].Reshape(8, 3), 0, 2, 2, 2, 2)
			h := ps[0]
			for _, p := range ps[1:] {
				h = tensor.Mul(tensor.Add(h, p), p)
			}
			return tensor.Add(h, ps[0])
		}, []*tensor.Tensor{r(6, 4, 2, 3)}},
	})
}

// TestGradAccumulationSeedUntouched checks that Backward does not write
// into the caller's seed gradient or into tensors a backward returned.
func TestGradAccumulationSeedUntouched(t *testing.T) {
	x := opsRand(7, -1, 1, 4, 3).SetRequiresGrad(true)
	y := tensor.Add(tensor.Add(x.Slice(0, 0, 2), x.Slice(0, 2, 4)), x.Slice(0, 1, 3))
	seed := tensor.Ones(2, 3)
	y.BackwardWith(seed)
	for _, v := range seed.Data() {
		if v != 1 {
			t.Fatalf("seed gradient modified: %v", seed.Data())
		}
	}
	want := []float32{1, 1, 1, 2, 2, 2, 2, 2, 2, 1, 1, 1}
	if ok, msg := tensortest.Close(x.Grad().Data(), want, 0, 0); !ok {
		t.Fatal(msg)
	}
}
