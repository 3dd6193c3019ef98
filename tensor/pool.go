package tensor

import "github.com/tensile-ml/tensile/backend"

// Pool2DOptions configure MaxPool2D and AvgPool2D.
type Pool2DOptions struct {
	Size    [2]int // window height, width; 0 means 2 (the Keras default)
	Strides [2]int // 0 means the window size (the Keras default)
	Padding string // "valid" (also "") or "same"
}

// poolSetup validates the options and returns the per-image geometry.
func poolSetup(op string, x *Tensor, opt Pool2DOptions) (g backend.ConvGeom, b int) {
	return poolGeom(op, x.shape, opt)
}

// poolGeom is poolSetup for an input of the given shape.
func poolGeom(op string, shape []int, opt Pool2DOptions) (g backend.ConvGeom, b int) {
	if len(shape) != 4 {
		shapeErr(op, "needs an NHWC input (4-d)", shape)
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
	b, h, w, c := shape[0], shape[1], shape[2], shape[3]
	oh, pt := convOutDim(h, kh, sh, 1, same)
	ow, pleft := convOutDim(w, kw, sw, 1, same)
	if (oh <= 0 || ow <= 0) && h > 0 && w > 0 {
		shapeErr(op, "input is smaller than the pool window with valid padding", shape)
	}
	g = backend.ConvGeom{H: h, W: w, C: c, KH: kh, KW: kw, SH: sh, SW: sw, DH: 1, DW: 1,
		PadT: pt, PadL: pleft, OH: oh, OW: ow}
	return g, b
}

// MaxPool2D returns the maximum over each Size window of the NHWC input x
// [B,H,W,C], moving by Strides: [B,OH,OW,C], like Keras MaxPooling2D. With
// "same" padding, taps outside the input are ignored. The backward pass
// routes each gradient to its window's maximum (ties: the first in
// row-major window order).
func MaxPool2D(x *Tensor, opt Pool2DOptions) *Tensor {
	g, b := poolSetup("MaxPool2D", x, opt)
	x = x.contiguous()
	out := empty(x.arena, b, g.OH, g.OW, g.C)
	if g.OH*g.OW*g.C == 0 || b == 0 {
		return record(out, "MaxPool2D", func(gr *Tensor) []*Tensor { return []*Tensor{zeros(gr.arena, x.shape...)} }, x)
	}
	s := backend.PoolSpec{Geom: g, Batch: b}
	var ws backend.Buffer
	if n := engine.MaxPoolWorkspace(s); n > 0 {
		ws = scratch(x.arena, n)
	}
	engine.MaxPool(s, out.buf, ws, x.storage())
	return record(out, "MaxPool2D", func(gr *Tensor) []*Tensor {
		gr = gr.contiguous()
		dx := empty(gr.arena, x.shape...)
		engine.MaxPoolBackward(s, dx.buf, gr.storage(), ws, x.storage(), out.buf)
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
	if g.OH*g.OW*g.C == 0 || b == 0 {
		return record(out, "AvgPool2D", func(gr *Tensor) []*Tensor { return []*Tensor{zeros(gr.arena, x.shape...)} }, x)
	}
	s := backend.PoolSpec{Geom: g, Batch: b}
	engine.AvgPool(s, out.buf, x.storage())
	return record(out, "AvgPool2D", func(gr *Tensor) []*Tensor {
		gr = gr.contiguous()
		dx := empty(gr.arena, x.shape...)
		engine.AvgPoolBackward(s, dx.buf, gr.storage())
		return []*Tensor{dx}
	}, x)
}
