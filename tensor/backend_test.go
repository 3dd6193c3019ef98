package tensor_test

import (
	"testing"

	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

func TestConv2DMaxPoolGradCheck(t *testing.T) {
	for i, c := range []struct {
		name    string
		b, h, c int
		copt    tensor.Conv2DOptions
		popt    tensor.Pool2DOptions
	}{
		{"first layer, relu", 2, 8, 1, tensor.Conv2DOptions{ReLU: true}, tensor.Pool2DOptions{}},
		{"input gradient", 2, 7, 2, tensor.Conv2DOptions{}, tensor.Pool2DOptions{}},
		{"not fusable: 3x3 pool", 1, 8, 2, tensor.Conv2DOptions{ReLU: true}, tensor.Pool2DOptions{Size: [2]int{3, 3}, Strides: [2]int{1, 1}}},
	} {
		x := tensor.RandUniform(tensor.NewRNG(uint64(10+i)), -1, 1, c.b, c.h, c.h, c.c)
		k := tensor.RandUniform(tensor.NewRNG(uint64(20+i)), -1, 1, 3, 3, c.c, 3)
		bias := tensor.RandUniform(tensor.NewRNG(uint64(30+i)), -0.2, 0.2, 3)
		tensortest.GradCheck(t, "Conv2DMaxPool "+c.name, func(in ...*tensor.Tensor) *tensor.Tensor {
			return tensor.Conv2DMaxPool(in[0], in[1], in[2], c.copt, c.popt)
		}, tensortest.GradCheckOptions{Eps: 1e-3}, x, k, bias)
	}
}

func TestCopyOutAndIn(t *testing.T) {
	x := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	cases := []struct {
		name string
		t    *tensor.Tensor
		want []float32
	}{
		{"contiguous", x, []float32{1, 2, 3, 4, 5, 6}},
		{"transposed view", x.Transpose(), []float32{1, 4, 2, 5, 3, 6}},
		{"slice", x.Slice(1, 1, 3), []float32{2, 3, 5, 6}},
	}
	for _, c := range cases {
		got := c.t.Float32s()
		if ok, msg := tensortest.Close(got, c.want, 0, 0); !ok {
			t.Errorf("%s: Float32s: %s", c.name, msg)
		}
		got[0] = 100 // a copy: the tensor is unchanged
		if c.t.Float32s()[0] == 100 {
			t.Errorf("%s: Float32s returned the storage", c.name)
		}
	}
	y := tensor.Zeros(2, 3)
	y.CopyFromSlice([]float32{6, 5, 4, 3, 2, 1})
	if ok, msg := tensortest.Close(y.Data(), []float32{6, 5, 4, 3, 2, 1}, 0, 0); !ok {
		t.Errorf("CopyFromSlice: %s", msg)
	}
	for _, bad := range []func(){
		func() { y.CopyFromSlice([]float32{1}) },
		func() { y.Transpose().CopyFromSlice(make([]float32, 6)) },
	} {
		func() {
			defer func() {
				if _, ok := recover().(*tensor.ShapeError); !ok {
					t.Error("CopyFromSlice of a bad size or into a view did not panic with *ShapeError")
				}
			}()
			bad()
		}()
	}
}

func TestMovingAverage(t *testing.T) {
	m := tensor.FromSlice([]float32{1, 2, 3, 4}, 4)
	src := tensor.FromSlice([]float32{10, 20, 30, 40, 0, 0}, 2, 3).Slice(1, 0, 2) // a view
	m.MovingAverage(src.Reshape(4), 0.9)
	want := []float32{1*0.9 + 10*0.1, 2*0.9 + 20*0.1, 3*0.9 + 40*0.1, 4*0.9 + 0*0.1}
	if ok, msg := tensortest.Close(m.Data(), want, 1e-6, 1e-6); !ok {
		t.Error(msg)
	}
}
