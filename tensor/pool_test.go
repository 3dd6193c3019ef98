package tensor_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

// poolRef is a naive NHWC pooling reference: max or mean over the window
// taps inside the input (padding excluded), TensorFlow-style geometry.
func poolRef(x []float32, b, h, w, c, kh, kw, sh, sw int, same, isMax bool) (out []float32, oh, ow int) {
	oh, pt := convRefDims(h, kh, sh, 1, same)
	ow, pl := convRefDims(w, kw, sw, 1, same)
	out = make([]float32, b*oh*ow*c)
	for n := 0; n < b; n++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for ch := 0; ch < c; ch++ {
					m, s, cnt := math.Inf(-1), 0.0, 0
					for ky := 0; ky < kh; ky++ {
						for kx := 0; kx < kw; kx++ {
							iy, ix := oy*sh-pt+ky, ox*sw-pl+kx
							if iy < 0 || iy >= h || ix < 0 || ix >= w {
								continue
							}
							v := float64(x[((n*h+iy)*w+ix)*c+ch])
							m = math.Max(m, v)
							s += v
							cnt++
						}
					}
					o := ((n*oh+oy)*ow+ox)*c + ch
					if isMax {
						out[o] = float32(m)
					} else {
						out[o] = float32(s / float64(cnt))
					}
				}
			}
		}
	}
	return out, oh, ow
}

// distinct returns a tensor whose elements are a shuffled set of values at
// least 0.05 apart, so max pooling has no near-ties for finite differences.
func distinct(seed uint64, shape ...int) *tensor.Tensor {
	t := tensor.Zeros(shape...)
	d := t.Data()
	rng := tensor.NewRNG(seed)
	for i, p := range rng.Perm(len(d)) {
		d[i] = float32(p)*0.05 - float32(len(d))*0.025
	}
	return t
}

func TestPool2D(t *testing.T) {
	cases := []struct {
		b, h, w, c int
		opt        tensor.Pool2DOptions
	}{
		{1, 4, 4, 1, tensor.Pool2DOptions{}},
		{3, 5, 7, 3, tensor.Pool2DOptions{Size: [2]int{2, 2}}},
		{2, 5, 7, 2, tensor.Pool2DOptions{Size: [2]int{2, 2}, Padding: "same"}},
		{2, 7, 6, 3, tensor.Pool2DOptions{Size: [2]int{3, 2}, Strides: [2]int{1, 2}}},
		{2, 7, 6, 2, tensor.Pool2DOptions{Size: [2]int{3, 3}, Strides: [2]int{2, 1}, Padding: "same"}},
		{1, 5, 5, 2, tensor.Pool2DOptions{Size: [2]int{3, 3}, Strides: [2]int{1, 1}, Padding: "same"}},
		{3, 26, 26, 4, tensor.Pool2DOptions{Size: [2]int{2, 2}}},
		{1, 5, 3, 16, tensor.Pool2DOptions{}}, // 2×2 row kernels, SIMD channels, odd sizes
		{2, 4, 6, 32, tensor.Pool2DOptions{Size: [2]int{2, 2}, Padding: "same"}},
	}
	for i, c := range cases {
		kh, kw := c.opt.Size[0], c.opt.Size[1]
		if kh == 0 {
			kh, kw = 2, 2
		}
		sh, sw := c.opt.Strides[0], c.opt.Strides[1]
		if sh == 0 {
			sh, sw = kh, kw
		}
		same := c.opt.Padding == "same"
		for _, isMax := range []bool{true, false} {
			name := fmt.Sprintf("%v max=%v", c, isMax)
			pool := tensor.AvgPool2D
			if isMax {
				pool = tensor.MaxPool2D
			}
			x := distinct(uint64(900+i), c.b, c.h, c.w, c.c)
			y := pool(x, c.opt)
			want, oh, ow := poolRef(x.Data(), c.b, c.h, c.w, c.c, kh, kw, sh, sw, same, isMax)
			if fmt.Sprint(y.Shape()) != fmt.Sprint([]int{c.b, oh, ow, c.c}) {
				t.Fatalf("%s: shape %v, want [%d %d %d %d]", name, y.Shape(), c.b, oh, ow, c.c)
			}
			if ok, msg := tensortest.Close(y.Data(), want, 1e-5, 1e-4); !ok {
				t.Errorf("%s: %s", name, msg)
			}
			if c.h*c.w*c.b*c.c <= 300 {
				opt := c.opt
				tensortest.GradCheck(t, name, func(xs ...*tensor.Tensor) *tensor.Tensor { return pool(xs[0], opt) },
					tensortest.GradCheckOptions{Eps: 1e-3}, x)
			}
		}
	}
}

func TestAvgPoolSameExcludesPadding(t *testing.T) {
	// 3x3 input of ones, 2x2 'same' pooling with stride 2: the bottom/right
	// windows are partial but still average to 1 (Keras semantics).
	y := tensor.AvgPool2D(tensor.Ones(1, 3, 3, 1), tensor.Pool2DOptions{Size: [2]int{2, 2}, Padding: "same"})
	if ok, msg := tensortest.Close(y.Data(), []float32{1, 1, 1, 1}, 0, 1e-7); !ok {
		t.Fatal(msg)
	}
}
