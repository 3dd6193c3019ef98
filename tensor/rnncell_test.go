package tensor_test

import (
	"testing"

	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

// lstmCellRef is LSTMCell built from elementary ops.
func lstmCellRef(xz, hz, c *tensor.Tensor) (h, cn *tensor.Tensor) {
	H := c.Dim(1)
	p := tensor.Split(tensor.Add(xz, hz), 1, H, H, H, H)
	i, f, g, o := tensor.Sigmoid(p[0]), tensor.Sigmoid(p[1]), tensor.Tanh(p[2]), tensor.Sigmoid(p[3])
	cn = tensor.Add(tensor.Mul(f, c), tensor.Mul(i, g))
	return tensor.Mul(o, tensor.Tanh(cn)), cn
}

func TestLSTMCellMatchesReference(t *testing.T) {
	for _, sh := range [][2]int{{1, 1}, {3, 5}, {4, 16}} {
		B, H := sh[0], sh[1]
		xz, hz := opsRand(1, -3, 3, B, 4*H), opsRand(2, -3, 3, B, 4*H)
		c := opsRand(3, -2, 2, B, H)
		h, cn := tensor.LSTMCell(xz, hz, c)
		hr, cr := lstmCellRef(xz, hz, c)
		for _, p := range [][2]*tensor.Tensor{{h, hr}, {cn, cr}} {
			if ok, msg := tensortest.Close(p[0].Data(), p[1].Data(), 1e-5, 1e-6); !ok {
				t.Errorf("B=%d H=%d: %s", B, H, msg)
			}
		}
	}
}

func TestLSTMCellGradients(t *testing.T) {
	r := func(seed uint64, shape ...int) *tensor.Tensor { return opsRand(seed, -2, 2, shape...) }
	const B, H = 3, 4
	both := func(x ...*tensor.Tensor) *tensor.Tensor {
		h, c := tensor.LSTMCell(x[0], x[1], x[2])
		return tensor.Concat(1, h, c)
	}
	opsRunGrad(t, []opsGradCase{
		{"LSTMCellBoth", both, []*tensor.Tensor{r(1, B, 4*H), r(2, B, 4*H), r(3, B, H)}},
		{"LSTMCellH", func(x ...*tensor.Tensor) *tensor.Tensor {
			h, _ := tensor.LSTMCell(x[0], x[1], x[2])
			return h
		}, []*tensor.Tensor{r(4, B, 4*H), r(5, B, 4*H), r(6, B, H)}},
		{"LSTMCellC", func(x ...*tensor.Tensor) *tensor.Tensor {
			_, c := tensor.LSTMCell(x[0], x[1], x[2])
			return c
		}, []*tensor.Tensor{r(7, B, 4*H), r(8, B, 4*H), r(9, B, H)}},
		{"LSTMCellStridedInputs", func(x ...*tensor.Tensor) *tensor.Tensor {
			return both(x[0].Transpose(), x[1], x[2].Transpose())
		}, []*tensor.Tensor{r(10, 4*H, B), r(11, B, 4*H), r(12, H, B)}},
		{"LSTMCellTwoSteps", func(x ...*tensor.Tensor) *tensor.Tensor {
			u := x[3]
			h, c := tensor.LSTMCell(x[0].Slice(0, 0, B), tensor.MatMul(x[1], u), x[2])
			h, c = tensor.LSTMCell(x[0].Slice(0, B, 2*B), tensor.MatMul(h, u), c)
			return tensor.Add(h, tensor.MulScalar(c, 0.5))
		}, []*tensor.Tensor{r(13, 2*B, 4*H), r(14, B, H), r(15, B, H), opsRand(16, -0.5, 0.5, H, 4*H)}},
	})
}

func TestLSTMCellShapeErrors(t *testing.T) {
	for _, c := range [][3][]int{
		{{2, 8}, {2, 8}, {2, 3}},
		{{2, 8}, {2, 4}, {2, 2}},
		{{3, 8}, {3, 8}, {2, 2}},
	} {
		func() {
			defer func() {
				if _, ok := recover().(*tensor.ShapeError); !ok {
					t.Errorf("%v: no ShapeError", c)
				}
			}()
			tensor.LSTMCell(tensor.Zeros(c[0]...), tensor.Zeros(c[1]...), tensor.Zeros(c[2]...))
		}()
	}
}
