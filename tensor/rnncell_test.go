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

// lstmSequenceRef is LSTMSequence built from LSTMCell and elementary ops.
func lstmSequenceRef(xp, u, h0, c0, recMask, mask *tensor.Tensor, reverse bool) (hs, c *tensor.Tensor) {
	T := xp.Dim(0)
	h, c := h0, c0
	outs := make([]*tensor.Tensor, T)
	for k := range T {
		t := k
		if reverse {
			t = T - 1 - k
		}
		hr := h
		if recMask != nil {
			hr = tensor.Mul(h, recMask)
		}
		hn, cn := tensor.LSTMCell(xp.Slice(0, t, t+1).Squeeze(0), tensor.MatMul(hr, u), c)
		if mask != nil {
			m := mask.Slice(0, t, t+1).Reshape(-1, 1)
			hn, cn = tensor.Where(m, hn, h), tensor.Where(m, cn, c)
		}
		h, c = hn, cn
		outs[k] = h
	}
	return tensor.Stack(0, outs...), c
}

func TestLSTMSequence(t *testing.T) {
	const T, B, H = 4, 3, 2
	r := func(seed uint64, lo, hi float32, shape ...int) *tensor.Tensor { return opsRand(seed, lo, hi, shape...) }
	recMask := tensor.FromSlice([]float32{2, 0, 0, 2, 2, 2}, B, H)
	mask := tensor.FromSlice([]float32{1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 0}, T, B)
	for _, c := range []struct {
		name          string
		recMask, mask *tensor.Tensor
		reverse       bool
	}{
		{"plain", nil, nil, false},
		{"reverse", nil, nil, true},
		{"recMask", recMask, nil, false},
		{"mask", nil, mask, false},
		{"all", recMask, mask, true},
	} {
		in := []*tensor.Tensor{r(1, -2, 2, T, B, 4*H), r(2, -0.7, 0.7, H, 4*H), r(3, -1, 1, B, H), r(4, -1, 1, B, H)}
		hs, cT := tensor.LSTMSequence(in[0], in[1], in[2], in[3], c.recMask, c.mask, c.reverse)
		hr, cr := lstmSequenceRef(in[0], in[1], in[2], in[3], c.recMask, c.mask, c.reverse)
		for _, p := range [][2]*tensor.Tensor{{hs, hr}, {cT, cr}} {
			if ok, msg := tensortest.Close(p[0].Data(), p[1].Data(), 1e-5, 1e-6); !ok {
				t.Errorf("%s: %s", c.name, msg)
			}
		}
		both := func(x ...*tensor.Tensor) *tensor.Tensor {
			hs, cT := tensor.LSTMSequence(x[0], x[1], x[2], x[3], c.recMask, c.mask, c.reverse)
			return tensor.Concat(0, hs.Reshape(-1, H), cT)
		}
		tensortest.GradCheck(t, "LSTMSequence/"+c.name, both, tensortest.GradCheckOptions{}, in...)
		lastH := func(x ...*tensor.Tensor) *tensor.Tensor {
			hs, _ := tensor.LSTMSequence(x[0], x[1], x[2], x[3], c.recMask, c.mask, c.reverse)
			return hs.Slice(0, T-1, T)
		}
		tensortest.GradCheck(t, "LSTMSequence/lastH/"+c.name, lastH, tensortest.GradCheckOptions{}, in...)
	}
}

func TestMatMulBias(t *testing.T) {
	r := func(seed uint64, shape ...int) *tensor.Tensor { return opsRand(seed, -1, 1, shape...) }
	x, w, b := r(1, 5, 3), r(2, 3, 4), r(3, 4)
	got := tensor.MatMulBias(x, w, b)
	want := tensor.Add(tensor.MatMul(x, w), b)
	if ok, msg := tensortest.Close(got.Data(), want.Data(), 1e-6, 1e-6); !ok {
		t.Error(msg)
	}
	opsRunGrad(t, []opsGradCase{
		{"MatMulBias", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.MatMulBias(x[0], x[1], x[2]) },
			[]*tensor.Tensor{r(4, 5, 3), r(5, 3, 4), r(6, 4)}},
		{"MatMulBiasTransposed", func(x ...*tensor.Tensor) *tensor.Tensor {
			return tensor.MatMulBias(x[0].Transpose(), x[1].Transpose(), x[2])
		}, []*tensor.Tensor{r(7, 3, 5), r(8, 4, 3), r(9, 4)}},
	})
}

// gruSequenceRef is GRUSequence built from elementary ops.
func gruSequenceRef(xp, u, rb, h0, recMask, mask *tensor.Tensor, reverse bool) *tensor.Tensor {
	T, H := xp.Dim(0), h0.Dim(1)
	h := h0
	outs := make([]*tensor.Tensor, T)
	for k := range T {
		t := k
		if reverse {
			t = T - 1 - k
		}
		hr := h
		if recMask != nil {
			hr = tensor.Mul(h, recMask)
		}
		q := tensor.MatMul(hr, u)
		if rb != nil {
			q = tensor.Add(q, rb)
		}
		x := tensor.Split(xp.Slice(0, t, t+1).Squeeze(0), 1, H, H, H)
		qs := tensor.Split(q, 1, H, H, H)
		z, r := tensor.Sigmoid(tensor.Add(x[0], qs[0])), tensor.Sigmoid(tensor.Add(x[1], qs[1]))
		hh := tensor.Tanh(tensor.Add(x[2], tensor.Mul(r, qs[2])))
		hn := tensor.Add(hh, tensor.Mul(z, tensor.Sub(h, hh)))
		if mask != nil {
			hn = tensor.Where(mask.Slice(0, t, t+1).Reshape(-1, 1), hn, h)
		}
		h = hn
		outs[k] = h
	}
	return tensor.Stack(0, outs...)
}

func TestGRUSequence(t *testing.T) {
	const T, B, H = 4, 3, 2
	r := func(seed uint64, lo, hi float32, shape ...int) *tensor.Tensor { return opsRand(seed, lo, hi, shape...) }
	recMask := tensor.FromSlice([]float32{2, 0, 0, 2, 2, 2}, B, H)
	mask := tensor.FromSlice([]float32{1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 0}, T, B)
	for _, c := range []struct {
		name          string
		bias          bool
		recMask, mask *tensor.Tensor
		reverse       bool
	}{
		{"plain", true, nil, nil, false},
		{"noBias", false, nil, nil, false},
		{"reverse", true, nil, nil, true},
		{"recMask", true, recMask, nil, false},
		{"mask", true, nil, mask, false},
		{"all", true, recMask, mask, true},
	} {
		in := []*tensor.Tensor{r(1, -2, 2, T, B, 3*H), r(2, -0.7, 0.7, H, 3*H), r(3, -1, 1, B, H), r(4, -1, 1, 3*H)}
		rbOf := func(x []*tensor.Tensor) *tensor.Tensor {
			if c.bias {
				return x[3]
			}
			return nil
		}
		if !c.bias {
			in = in[:3]
		}
		got := tensor.GRUSequence(in[0], in[1], rbOf(in), in[2], c.recMask, c.mask, c.reverse)
		want := gruSequenceRef(in[0], in[1], rbOf(in), in[2], c.recMask, c.mask, c.reverse)
		if ok, msg := tensortest.Close(got.Data(), want.Data(), 1e-5, 1e-6); !ok {
			t.Errorf("%s: %s", c.name, msg)
		}
		f := func(x ...*tensor.Tensor) *tensor.Tensor {
			return tensor.GRUSequence(x[0], x[1], rbOf(x), x[2], c.recMask, c.mask, c.reverse)
		}
		tensortest.GradCheck(t, "GRUSequence/"+c.name, f, tensortest.GradCheckOptions{}, in...)
		last := func(x ...*tensor.Tensor) *tensor.Tensor { return f(x...).Slice(0, T-1, T) }
		tensortest.GradCheck(t, "GRUSequence/last/"+c.name, last, tensortest.GradCheckOptions{}, in...)
	}
}
