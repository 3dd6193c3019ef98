package tensor

import (
	"unsafe"

	"github.com/tensile-ml/tensile/internal/kernels"
	"github.com/tensile-ml/tensile/internal/parallel"
)

// Pool2DOptions configure MaxPool2D and AvgPool2D.
type Pool2DOptions struct {
	Size    [2]int // window height, width; 0 means 2 (the Keras default)
	Strides [2]int // 0 means the window size (the Keras default)
	Padding string // "valid" (also "") or "same"
}

// poolSetup validates the options and returns the per-image geometry.
func poolSetup(op string, x *Tensor, opt Pool2DOptions) (g kernels.ConvGeom, b int) {
	if len(x.shape) != 4 {
		shapeErr(op, "needs an NHWC input (4-d)", x.shape)
	}
	kh, kw := opt.Size[0], opt.Size[1]
	if kh == 0 {
		kh = 2
	}
	if kw == 0 {
		kw = 2
	}
	if kh < 0 || kw < 0 {
		argErr(op, "pool size %v must be positive", opt.Size)
	}
	sh, sw := opt.Strides[0], opt.Strides[1]
	if sh == 0 {
		sh = kh
	}
	if sw == 0 {
		sw = kw
	}
	if sh < 0 || sw < 0 {
		argErr(op, "strides %v must be positive", opt.Strides)
	}
	same := convPadding(op, opt.Padding)
	b, h, w, c := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	oh, pt := convOutDim(h, kh, sh, 1, same)
	ow, pleft := convOutDim(w, kw, sw, 1, same)
	if (oh <= 0 || ow <= 0) && h > 0 && w > 0 {
		shapeErr(op, "input is smaller than the pool window with valid padding", x.shape)
	}
	g = kernels.ConvGeom{H: h, W: w, C: c, KH: kh, KW: kw, SH: sh, SW: sw, DH: 1, DW: 1,
		PadT: pt, PadL: pleft, OH: oh, OW: ow}
	return g, b
}

// poolGrain is the batch grain for splitting pooling across workers.
func poolGrain(perImage int) int { return max(1, 32768/max(perImage, 1)) }

// MaxPool2D returns the maximum over each Size window of the NHWC input x
// [B,H,W,C], moving by Strides: [B,OH,OW,C], like Keras MaxPooling2D. With
// "same" padding, taps outside the input are ignored. The forward pass
// records the input position of each maximum (ties: the first in row-major
// window order) and the backward pass routes each gradient there.
func MaxPool2D(x *Tensor, opt Pool2DOptions) *Tensor {
	g, b := poolSetup("MaxPool2D", x, opt)
	x = x.contiguous()
	out := empty(x.arena, b, g.OH, g.OW, g.C)
	outLen := g.OH * g.OW * g.C
	inLen := g.H * g.W * g.C
	if outLen == 0 || b == 0 {
		return record(out, "MaxPool2D", func(gr *Tensor) []*Tensor { return []*Tensor{zeros(gr.arena, x.shape...)} }, x)
	}
	xd := x.Data()
	if pool2x2(&g) {
		var link *c1Link
		if GradEnabled() && x.requiresGrad {
			link, x.convLink = x.convLink, nil
		}
		return maxPool2x2(x, out, &g, b, link)
	}
	argmax := poolArgmaxBuf(x.arena, b*outLen)
	parallel.For(b, poolGrain(inLen), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			kernels.MaxPool2D(out.data[i*outLen:(i+1)*outLen], argmax[i*outLen:(i+1)*outLen], xd[i*inLen:(i+1)*inLen], &g)
		}
	})
	return record(out, "MaxPool2D", func(gr *Tensor) []*Tensor {
		gr = gr.contiguous()
		gd := gr.Data()
		dx := empty(gr.arena, x.shape...)
		parallel.For(b, poolGrain(inLen), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				d := dx.data[i*inLen : (i+1)*inLen]
				clear(d)
				kernels.MaxPool2DBackward(d, gd[i*outLen:(i+1)*outLen], argmax[i*outLen:(i+1)*outLen])
			}
		})
		return []*Tensor{dx}
	}, x)
}

// AvgPool2D returns the mean over each Size window of the NHWC input x
// [B,H,W,C], moving by Strides: [B,OH,OW,C], like Keras AveragePooling2D.
// With "same" padding, as in TensorFlow/Keras, each window averages only
// the elements inside the input: padding is not counted as zeros.
func AvgPool2D(x *Tensor, opt Pool2DOptions) *Tensor {
	g, b := poolSetup("AvgPool2D", x, opt)
	x = x.contiguous()
	out := empty(x.arena, b, g.OH, g.OW, g.C)
	outLen := g.OH * g.OW * g.C
	inLen := g.H * g.W * g.C
	if outLen == 0 || b == 0 {
		return record(out, "AvgPool2D", func(gr *Tensor) []*Tensor { return []*Tensor{zeros(gr.arena, x.shape...)} }, x)
	}
	xd := x.Data()
	parallel.For(b, poolGrain(inLen), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			kernels.AvgPool2D(out.data[i*outLen:(i+1)*outLen], xd[i*inLen:(i+1)*inLen], &g)
		}
	})
	return record(out, "AvgPool2D", func(gr *Tensor) []*Tensor {
		gr = gr.contiguous()
		gd := gr.Data()
		dx := empty(gr.arena, x.shape...)
		parallel.For(b, poolGrain(inLen), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				d := dx.data[i*inLen : (i+1)*inLen]
				clear(d)
				kernels.AvgPool2DBackward(d, gd[i*outLen:(i+1)*outLen], &g)
			}
		})
		return []*Tensor{dx}
	}, x)
}

// poolArgmaxBuf returns an int32 buffer of n elements for MaxPool2D's argmax
// indices. With an arena it reuses an arena float32 buffer of the same size
// (viewed as int32), so steady-state training steps do not allocate it.
func poolArgmaxBuf(a *Arena, n int) []int32 {
	if a == nil || n == 0 {
		return make([]int32, n)
	}
	f := a.raw(n)
	return unsafe.Slice((*int32)(unsafe.Pointer(&f[0])), n)
}

// pool2x2 reports whether g is an unpadded 2×2 window with stride 2, the
// common case MaxPool2D runs with row kernels and without argmax indices.
func pool2x2(g *kernels.ConvGeom) bool {
	return g.KH == 2 && g.KW == 2 && g.SH == 2 && g.SW == 2 && g.DH == 1 && g.DW == 1 &&
		g.PadT == 0 && g.PadL == 0 && 2*g.OH <= g.H && 2*g.OW <= g.W
}

// maxPool2x2 is MaxPool2D for pool2x2 geometries. The backward pass finds
// the winning tap again from the saved input and output (the first tap
// equal to the maximum, as MaxPool2D's argmax), so the forward pass keeps no
// indices and inference does no extra work.
//
// When link is not nil (x is the output of a first-layer convolution, see
// c1Link), the backward pass also computes that convolution's kernel and
// bias gradients, image by image, and leaves them in link.
func maxPool2x2(x, out *Tensor, g *kernels.ConvGeom, b int, link *c1Link) *Tensor {
	outLen := g.OH * g.OW * g.C
	inLen := g.H * g.W * g.C
	rowLen := g.W * g.C
	orow := g.OW * g.C
	xd := x.Data()
	parallel.For(b*g.OH, max(1, poolGrain(inLen)*g.OH), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			i, oy := r/g.OH, r%g.OH
			src := xd[i*inLen+2*oy*rowLen:]
			kernels.MaxPool2x2Row(out.data[i*outLen+oy*orow:], src, src[rowLen:], g.OW, g.C)
		}
	})
	odd := 2*g.OH < g.H || 2*g.OW < g.W
	// route writes image i's input gradient d from the output gradient gd
	route := func(d, gd []float32, i int) {
		if odd {
			clear(d) // taps outside every window get 0
		}
		for oy := 0; oy < g.OH; oy++ {
			o0 := 2 * oy * rowLen
			src := xd[i*inLen+o0:]
			o := i*outLen + oy*orow
			kernels.MaxPool2x2RowBackward(d[o0:], d[o0+rowLen:], src, src[rowLen:],
				out.data[o:o+orow], gd[o:o+orow], g.OW, g.C)
		}
	}
	if link != nil && link.out == x {
		// the convolution's gradients straight from this op's output
		// gradient (see c1Link)
		c1LinkUsed.Add(1)
		return record(out, "MaxPool2D", func(gr *Tensor) []*Tensor {
			gr = gr.contiguous()
			gd := gr.Data()
			return link.backward(gr.arena, func(i int, d []float32) { route(d, gd, i) })
		}, link.x, link.kernel, link.bias)
	}
	return record(out, "MaxPool2D", func(gr *Tensor) []*Tensor {
		gr = gr.contiguous()
		gd := gr.Data()
		dx := empty(gr.arena, x.shape...)
		image := func(i int) {
			route(dx.data[i*inLen:(i+1)*inLen], gd, i)
		}
		parallel.For(b, poolGrain(inLen), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				image(i)
			}
		})
		return []*Tensor{dx}
	}, x)
}
