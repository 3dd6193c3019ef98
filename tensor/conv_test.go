package tensor_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/tensile-ml/tensile/internal/parallel"
	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

// convCase is one convolution configuration for the tests.
type convCase struct {
	b, h, w, c, kh, kw, f int
	opt                   tensor.Conv2DOptions
	bias                  bool
}

func (cc convCase) String() string {
	return fmt.Sprintf("b%d_%dx%dx%d_k%dx%dx%d_s%v_d%v_%s_bias%v_relu%v", cc.b, cc.h, cc.w, cc.c, cc.kh, cc.kw, cc.f,
		cc.opt.Strides, cc.opt.Dilation, cc.opt.Padding, cc.bias, cc.opt.ReLU)
}

// convRefDims computes output size and leading padding of one axis the way
// TensorFlow documents it.
func convRefDims(in, k, s, d int, same bool) (out, pad int) {
	eff := (k-1)*d + 1
	if !same {
		return int(math.Ceil(float64(in-eff+1) / float64(s))), 0
	}
	out = int(math.Ceil(float64(in) / float64(s)))
	total := (out-1)*s + eff - in
	if total < 0 {
		total = 0
	}
	return out, total / 2
}

func orOne(v int) int {
	if v == 0 {
		return 1
	}
	return v
}

// convRef is a naive direct convolution in float64. Given the output
// gradient dy (may be nil) it also returns dx, dk and db.
func convRef(cc convCase, x, k, bias, dy []float32) (out, dx, dk, db []float64, oh, ow int) {
	sh, sw := orOne(cc.opt.Strides[0]), orOne(cc.opt.Strides[1])
	dh, dw := orOne(cc.opt.Dilation[0]), orOne(cc.opt.Dilation[1])
	same := cc.opt.Padding == "same"
	oh, pt := convRefDims(cc.h, cc.kh, sh, dh, same)
	ow, pl := convRefDims(cc.w, cc.kw, sw, dw, same)
	out = make([]float64, cc.b*oh*ow*cc.f)
	dx = make([]float64, len(x))
	dk = make([]float64, len(k))
	db = make([]float64, cc.f)
	for b := 0; b < cc.b; b++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for f := 0; f < cc.f; f++ {
					o := ((b*oh+oy)*ow+ox)*cc.f + f
					var s float64
					if bias != nil {
						s = float64(bias[f])
					}
					for ky := 0; ky < cc.kh; ky++ {
						for kx := 0; kx < cc.kw; kx++ {
							for c := 0; c < cc.c; c++ {
								iy, ix := oy*sh-pt+ky*dh, ox*sw-pl+kx*dw
								if iy < 0 || iy >= cc.h || ix < 0 || ix >= cc.w {
									continue
								}
								xi := ((b*cc.h+iy)*cc.w+ix)*cc.c + c
								ki := ((ky*cc.kw+kx)*cc.c+c)*cc.f + f
								s += float64(x[xi]) * float64(k[ki])
							}
						}
					}
					if cc.opt.ReLU && s < 0 {
						s = 0
					}
					out[o] = s
				}
			}
		}
	}
	if dy == nil {
		return
	}
	for b := 0; b < cc.b; b++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for f := 0; f < cc.f; f++ {
					o := ((b*oh+oy)*ow+ox)*cc.f + f
					g := float64(dy[o])
					if cc.opt.ReLU && out[o] <= 0 {
						g = 0
					}
					db[f] += g
					for ky := 0; ky < cc.kh; ky++ {
						for kx := 0; kx < cc.kw; kx++ {
							for c := 0; c < cc.c; c++ {
								iy, ix := oy*sh-pt+ky*dh, ox*sw-pl+kx*dw
								if iy < 0 || iy >= cc.h || ix < 0 || ix >= cc.w {
									continue
								}
								xi := ((b*cc.h+iy)*cc.w+ix)*cc.c + c
								ki := ((ky*cc.kw+kx)*cc.c+c)*cc.f + f
								dx[xi] += g * float64(k[ki])
								dk[ki] += g * float64(x[xi])
							}
						}
					}
				}
			}
		}
	}
	return
}

func f64to32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

var convValueCases = []convCase{
	{b: 1, h: 5, w: 5, c: 1, kh: 3, kw: 3, f: 2},
	{b: 3, h: 7, w: 6, c: 3, kh: 3, kw: 2, f: 4, bias: true},
	{b: 3, h: 7, w: 6, c: 3, kh: 3, kw: 2, f: 4, bias: true, opt: tensor.Conv2DOptions{Padding: "same"}},
	{b: 2, h: 8, w: 7, c: 2, kh: 3, kw: 3, f: 3, bias: true, opt: tensor.Conv2DOptions{Strides: [2]int{2, 2}}},
	{b: 2, h: 8, w: 7, c: 2, kh: 3, kw: 3, f: 3, bias: true, opt: tensor.Conv2DOptions{Strides: [2]int{2, 2}, Padding: "same"}},
	{b: 1, h: 9, w: 8, c: 3, kh: 3, kw: 2, f: 2, opt: tensor.Conv2DOptions{Dilation: [2]int{2, 2}}},
	{b: 3, h: 9, w: 8, c: 1, kh: 2, kw: 3, f: 2, bias: true, opt: tensor.Conv2DOptions{Dilation: [2]int{2, 1}, Padding: "same"}},
	{b: 2, h: 6, w: 5, c: 3, kh: 4, kw: 1, f: 3, bias: true, opt: tensor.Conv2DOptions{Strides: [2]int{1, 2}, Padding: "same"}},
	{b: 3, h: 5, w: 4, c: 3, kh: 1, kw: 1, f: 5, bias: true},                                             // pointwise
	{b: 2, h: 5, w: 4, c: 3, kh: 1, kw: 1, f: 5, bias: true, opt: tensor.Conv2DOptions{ReLU: true}},      // pointwise + relu
	{b: 2, h: 5, w: 5, c: 3, kh: 1, kw: 1, f: 2, opt: tensor.Conv2DOptions{Strides: [2]int{2, 2}}},       // strided 1x1
	{b: 3, h: 6, w: 6, c: 2, kh: 3, kw: 3, f: 4, bias: true, opt: tensor.Conv2DOptions{ReLU: true}},      // fused relu
	{b: 1, h: 2, w: 3, c: 2, kh: 3, kw: 3, f: 2, bias: true, opt: tensor.Conv2DOptions{Padding: "same"}}, // kernel larger than input
	{b: 37, h: 6, w: 5, c: 2, kh: 3, kw: 3, f: 3, bias: true},                                            // many groups/slots
	{b: 2, h: 40, w: 40, c: 8, kh: 3, kw: 3, f: 4, bias: true, opt: tensor.Conv2DOptions{Padding: "same"}},
	{b: 3, h: 60, w: 60, c: 8, kh: 3, kw: 3, f: 2, bias: true, opt: tensor.Conv2DOptions{Padding: "same"}},             // one image per GEMM
	{b: 2, h: 80, w: 70, c: 8, kh: 3, kw: 3, f: 3, bias: true, opt: tensor.Conv2DOptions{Padding: "same", ReLU: true}}, // pixel chunks
	{b: 4, h: 28, w: 28, c: 1, kh: 3, kw: 3, f: 8, bias: true},                                                         // MNIST layer 1
}

func TestConv2DValuesAndGradients(t *testing.T) {
	for i, cc := range convValueCases {
		t.Run(cc.String(), func(t *testing.T) {
			x := rnd(uint64(100+i), cc.b, cc.h, cc.w, cc.c).SetRequiresGrad(true)
			k := rnd(uint64(200+i), cc.kh, cc.kw, cc.c, cc.f).SetRequiresGrad(true)
			var bias *tensor.Tensor
			var bd []float32
			if cc.bias {
				bias = rnd(uint64(300+i), cc.f).SetRequiresGrad(true)
				bd = bias.Data()
			}
			y := tensor.Conv2D(x, k, bias, cc.opt)
			out0, _, _, _, oh, ow := convRef(cc, x.Data(), k.Data(), bd, nil)
			if want := []int{cc.b, oh, ow, cc.f}; fmt.Sprint(y.Shape()) != fmt.Sprint(want) {
				t.Fatalf("shape %v, want %v", y.Shape(), want)
			}
			dy := rnd(uint64(400+i), y.Shape()...)
			want, dx, dk, db, _, _ := convRef(cc, x.Data(), k.Data(), bd, dy.Data())
			_ = out0
			if ok, msg := tensortest.Close(y.Data(), f64to32(want), 1e-4, 1e-5); !ok {
				t.Fatalf("forward: %s", msg)
			}
			y.BackwardWith(dy)
			if ok, msg := tensortest.Close(x.Grad().Data(), f64to32(dx), 1e-4, 1e-4); !ok {
				t.Errorf("dx: %s", msg)
			}
			if ok, msg := tensortest.Close(k.Grad().Data(), f64to32(dk), 1e-4, 1e-4); !ok {
				t.Errorf("dkernel: %s", msg)
			}
			if cc.bias {
				if ok, msg := tensortest.Close(bias.Grad().Data(), f64to32(db), 1e-4, 1e-4); !ok {
					t.Errorf("dbias: %s", msg)
				}
			}
		})
	}
}

func TestConv2DGradCheck(t *testing.T) {
	cases := []convCase{
		{b: 1, h: 4, w: 5, c: 1, kh: 3, kw: 2, f: 2, bias: true},
		{b: 2, h: 5, w: 4, c: 2, kh: 2, kw: 3, f: 2, bias: true, opt: tensor.Conv2DOptions{Strides: [2]int{2, 1}, Padding: "same"}},
		{b: 1, h: 6, w: 5, c: 2, kh: 2, kw: 2, f: 3, bias: true, opt: tensor.Conv2DOptions{Dilation: [2]int{2, 2}, Padding: "same"}},
		{b: 2, h: 5, w: 5, c: 3, kh: 3, kw: 3, f: 2, bias: true, opt: tensor.Conv2DOptions{Strides: [2]int{2, 2}}},
		{b: 2, h: 3, w: 3, c: 3, kh: 1, kw: 1, f: 2, bias: true},
		{b: 1, h: 4, w: 4, c: 2, kh: 3, kw: 3, f: 2, bias: true, opt: tensor.Conv2DOptions{ReLU: true, Padding: "same"}},
	}
	for i, cc := range cases {
		x := rnd(uint64(500+i), cc.b, cc.h, cc.w, cc.c)
		k := rnd(uint64(600+i), cc.kh, cc.kw, cc.c, cc.f)
		b := rnd(uint64(700+i), cc.f)
		opt := cc.opt
		tensortest.GradCheck(t, "Conv2D "+cc.String(), func(xs ...*tensor.Tensor) *tensor.Tensor {
			return tensor.Conv2D(xs[0], xs[1], xs[2], opt)
		}, tensortest.GradCheckOptions{Eps: 1e-3, Seed: uint64(i)}, x, k, b)
	}
	// nil bias and a transposed (non-contiguous) input
	x := rnd(800, 5, 4, 2, 1)
	k := rnd(801, 2, 2, 5, 2)
	tensortest.GradCheck(t, "Conv2D permuted input", func(xs ...*tensor.Tensor) *tensor.Tensor {
		return tensor.Conv2D(xs[0].Permute(3, 1, 2, 0), xs[1], nil, tensor.Conv2DOptions{})
	}, tensortest.GradCheckOptions{Eps: 1e-3}, x, k)
}

func TestConv2DThreadsDeterministic(t *testing.T) {
	defer parallel.SetThreads(parallel.SetThreads(1))
	cases := []convCase{
		{b: 37, h: 9, w: 8, c: 3, kh: 3, kw: 3, f: 5, bias: true, opt: tensor.Conv2DOptions{Padding: "same"}},
		{b: 5, h: 13, w: 13, c: 4, kh: 3, kw: 3, f: 6, bias: true, opt: tensor.Conv2DOptions{Strides: [2]int{2, 2}}},
		{b: 6, h: 5, w: 5, c: 4, kh: 1, kw: 1, f: 3, bias: true},
		{b: 2, h: 80, w: 70, c: 8, kh: 3, kw: 3, f: 3, bias: true, opt: tensor.Conv2DOptions{Padding: "same"}},
	}
	run := func(cc convCase) [][]float32 {
		x := rnd(1, cc.b, cc.h, cc.w, cc.c).SetRequiresGrad(true)
		k := rnd(2, cc.kh, cc.kw, cc.c, cc.f).SetRequiresGrad(true)
		b := rnd(3, cc.f).SetRequiresGrad(true)
		y := tensor.Conv2D(x, k, b, cc.opt)
		y.BackwardWith(rnd(4, y.Shape()...))
		return [][]float32{y.Data(), x.Grad().Data(), k.Grad().Data(), b.Grad().Data()}
	}
	for _, cc := range cases {
		parallel.SetThreads(1)
		one := run(cc)
		parallel.SetThreads(2)
		two := run(cc)
		parallel.SetThreads(3)
		three := run(cc)
		for j := range one {
			if ok, msg := tensortest.Close(two[j], one[j], 0, 0); !ok {
				t.Errorf("%v result %d: 1 vs 2 threads: %s", cc, j, msg)
			}
			if ok, msg := tensortest.Close(three[j], one[j], 0, 0); !ok {
				t.Errorf("%v result %d: 1 vs 3 threads: %s", cc, j, msg)
			}
		}
	}
}

func TestConv2DErrors(t *testing.T) {
	cases := []struct {
		name string
		f    func()
	}{
		{"channels", func() { tensor.Conv2D(tensor.Zeros(1, 5, 5, 3), tensor.Zeros(3, 3, 2, 4), nil, tensor.Conv2DOptions{}) }},
		{"rank", func() { tensor.Conv2D(tensor.Zeros(5, 5, 3), tensor.Zeros(3, 3, 3, 4), nil, tensor.Conv2DOptions{}) }},
		{"bias", func() {
			tensor.Conv2D(tensor.Zeros(1, 5, 5, 3), tensor.Zeros(3, 3, 3, 4), tensor.Zeros(3), tensor.Conv2DOptions{})
		}},
		{"padding", func() {
			tensor.Conv2D(tensor.Zeros(1, 5, 5, 3), tensor.Zeros(3, 3, 3, 4), nil, tensor.Conv2DOptions{Padding: "full"})
		}},
		{"small", func() { tensor.Conv2D(tensor.Zeros(1, 2, 5, 3), tensor.Zeros(3, 3, 3, 4), nil, tensor.Conv2DOptions{}) }},
	}
	for _, c := range cases {
		func() {
			defer func() {
				if _, ok := recover().(*tensor.ShapeError); !ok {
					t.Errorf("%s: no *ShapeError panic", c.name)
				}
			}()
			c.f()
		}()
	}
}

// TestConv2DFirstLayerDirect covers the direct kernel for one-channel 3×3
// inputs that need no gradient (Keras' first conv layer): gradients of the
// kernel and bias, with and without the fused ReLU, and thread-count
// independence.
func TestConv2DFirstLayerDirect(t *testing.T) {
	for _, relu := range []bool{false, true} {
		x := rnd(30, 2, 6, 5, 1)
		opt := tensor.Conv2DOptions{ReLU: relu}
		k := rnd(31, 3, 3, 1, 32)
		b := rnd(32, 32)
		tensortest.GradCheck(t, fmt.Sprintf("Conv2D C=1 direct relu=%v", relu), func(xs ...*tensor.Tensor) *tensor.Tensor {
			return tensor.Conv2D(x, xs[0], xs[1], opt)
		}, tensortest.GradCheckOptions{Eps: 1e-3}, k, b)
	}
	defer parallel.SetThreads(parallel.SetThreads(1))
	run := func() [][]float32 {
		x := rnd(40, 37, 9, 7, 1)
		k := rnd(41, 3, 3, 1, 64).SetRequiresGrad(true)
		b := rnd(42, 64).SetRequiresGrad(true)
		y := tensor.Conv2D(x, k, b, tensor.Conv2DOptions{ReLU: true})
		y.BackwardWith(rnd(43, y.Shape()...))
		return [][]float32{y.Data(), k.Grad().Data(), b.Grad().Data()}
	}
	parallel.SetThreads(1)
	one := run()
	parallel.SetThreads(2)
	two := run()
	for j := range one {
		if ok, msg := tensortest.Close(two[j], one[j], 0, 0); !ok {
			t.Errorf("result %d: 1 vs 2 threads: %s", j, msg)
		}
	}
}

// TestConv2DPoolFusedGradCheck checks the kernel and bias gradients of a
// first-layer convolution followed by 2×2 max pooling (the pooling then
// computes the convolution's gradients itself), alone and with a second
// consumer of the convolution output.
func TestConv2DPoolFusedGradCheck(t *testing.T) {
	x := rnd(50, 2, 5, 4, 1)
	for _, second := range []bool{false, true} {
		tensortest.GradCheck(t, fmt.Sprintf("Conv2D C=1 + MaxPool2D second=%v", second), func(xs ...*tensor.Tensor) *tensor.Tensor {
			y := tensor.Conv2D(x, xs[0], xs[1], tensor.Conv2DOptions{})
			p := tensor.MaxPool2D(y, tensor.Pool2DOptions{})
			if second {
				return tensor.Add(p, tensor.Sum(y, []int{1, 2}, true))
			}
			return p
		}, tensortest.GradCheckOptions{Eps: 1e-3}, rnd(51, 3, 3, 1, 32), rnd(52, 32))
	}
}

// TestConv2DPoolFusedGradCheckInput is TestConv2DPoolFusedGradCheck for a
// multi-channel convolution whose input needs a gradient too.
func TestConv2DPoolFusedGradCheckInput(t *testing.T) {
	for _, relu := range []bool{false, true} {
		tensortest.GradCheck(t, fmt.Sprintf("Conv2D C=3 + MaxPool2D relu=%v", relu), func(xs ...*tensor.Tensor) *tensor.Tensor {
			y := tensor.Conv2D(xs[0], xs[1], xs[2], tensor.Conv2DOptions{ReLU: relu})
			return tensor.MaxPool2D(y, tensor.Pool2DOptions{})
		}, tensortest.GradCheckOptions{Eps: 1e-3}, rnd(60, 2, 5, 4, 3), rnd(61, 3, 3, 3, 4), tensor.Add(rnd(62, 4), tensor.Scalar(0.5)))
	}
}
