package tensor

import (
	"strings"

	"github.com/tensile-ml/tensile/backend"
)

// Conv2DOptions configure Conv2D. The zero value is a stride-1, undilated,
// 'valid' convolution without activation.
type Conv2DOptions struct {
	Strides  [2]int // vertical, horizontal; 0 means 1
	Padding  string // "valid" (also "") or "same", as in Keras
	Dilation [2]int // vertical, horizontal dilation rate; 0 means 1
	ReLU     bool   // apply ReLU after the bias in the same pass (fused)
}

// Conv2D returns the 2-d cross-correlation of the NHWC input x [B,H,W,C] with
// the HWIO kernel [KH,KW,C,F], plus bias [F] (nil for none): an NHWC tensor
// [B,OH,OW,F], as Keras Conv2D computes it.
//
// With "valid" padding OH = (H-((KH-1)·d+1))/s + 1. With "same" padding
// OH = ceil(H/s) and the input is zero-padded by
// max((OH-1)·s + (KH-1)·d + 1 - H, 0) rows in total, the odd extra row at the
// bottom (likewise for columns, on the right), as in TensorFlow. With
// opt.ReLU the result is max(conv+bias, 0), computed in the same pass.
//
// Gradients flow to x, kernel and bias. The convolution runs as GEMM over
// im2col patch matrices of up to 1 MiB (several images, or part of one large
// image), built in parallel into a reused buffer; each GEMM splits itself
// across the worker pool. A 1×1 stride-1 convolution is a single GEMM.
// Results do not depend on the number of threads.
func Conv2D(x, kernel, bias *Tensor, opt Conv2DOptions) *Tensor {
	pl := convSetup(x, kernel, bias, opt)
	x, kernel = x.contiguous(), kernel.contiguous()
	var bb backend.Buffer
	if bias != nil {
		bias = bias.contiguous()
		bb = bias.storage()
	}
	s := pl.Spec()
	out := empty(arenaOf(x, kernel, bias), s.Batch, s.Geom.OH, s.Geom.OW, s.Filters)
	engine.ConvForward(pl, out.buf, x.storage(), kernel.storage(), bb, opt.ReLU)
	relu := opt.ReLU
	return record(out, "Conv2D", func(g *Tensor) []*Tensor {
		g = g.contiguous()
		a := g.arena
		dx, dw, db, dxb, dwb, dbb := convGrads(a, x, kernel, bias)
		var yb, ws backend.Buffer
		if relu {
			yb = out.buf
			if n := engine.ConvBackwardWorkspace(pl, x.requiresGrad, true); n > 0 {
				ws = scratch(a, n)
			}
		}
		engine.ConvBackward(pl, dxb, dwb, dbb, g.storage(), x.storage(), kernel.storage(), yb, ws)
		return []*Tensor{dx, dw, db}
	}, x, kernel, bias)
}

// convGrads allocates, in arena a, the gradients of a convolution's input,
// kernel and bias that need one (nil tensors and buffers for the others).
func convGrads(a *Arena, x, kernel, bias *Tensor) (dx, dw, db *Tensor, dxb, dwb, dbb backend.Buffer) {
	if x.requiresGrad {
		dx = empty(a, x.shape...)
		dxb = dx.buf
	}
	if kernel.requiresGrad {
		dw = empty(a, kernel.shape...)
		dwb = dw.buf
	}
	if bias != nil && bias.requiresGrad {
		db = empty(a, bias.shape...)
		dbb = db.buf
	}
	return
}

// Conv2DMaxPool returns MaxPool2D(Conv2D(x, kernel, bias, copt), popt) as one
// explicitly fused op. The values are those of the two ops; the backward
// pass differs: where the backend supports the fusion (on the CPU: a 2×2
// stride-2 pooling after a first-layer 3×3 convolution, or after a
// convolution whose work units hold whole images) it routes the pooled
// gradient straight into the convolution's backward, image group by image
// group, without writing and re-reading the gradient of the convolution
// output. Otherwise it runs the two ops one after the other.
//
// nn.Conv2D followed by nn.MaxPool2D in a model uses it (see
// nn.Conv2DMaxPool).
func Conv2DMaxPool(x, kernel, bias *Tensor, copt Conv2DOptions, popt Pool2DOptions) *Tensor {
	const op = "Conv2DMaxPool"
	if !willRecord(x, kernel, bias) {
		return MaxPool2D(Conv2D(x, kernel, bias, copt), popt)
	}
	pl := convSetup(x, kernel, bias, copt)
	s := pl.Spec()
	yshape := []int{s.Batch, s.Geom.OH, s.Geom.OW, s.Filters}
	pg, b := poolGeom(op, yshape, popt)
	if pg.OH*pg.OW*pg.C == 0 || b == 0 || !engine.ConvMaxPoolFusable(pl, pg, x.requiresGrad) {
		return MaxPool2D(Conv2D(x, kernel, bias, copt), popt)
	}
	x, kernel = x.contiguous(), kernel.contiguous()
	var bb backend.Buffer
	if bias != nil {
		bias = bias.contiguous()
		bb = bias.storage()
	}
	a := arenaOf(x, kernel, bias)
	y := empty(a, yshape...)
	engine.ConvForward(pl, y.buf, x.storage(), kernel.storage(), bb, copt.ReLU)
	ps := backend.PoolSpec{Geom: pg, Batch: b}
	var ws backend.Buffer
	if n := engine.MaxPoolWorkspace(ps); n > 0 {
		ws = scratch(a, n)
	}
	z := empty(a, b, pg.OH, pg.OW, pg.C)
	engine.MaxPool(ps, z.buf, ws, y.buf)
	relu := copt.ReLU
	return record(z, op, func(g *Tensor) []*Tensor {
		g = g.contiguous()
		ga := g.arena
		dx, dw, db, dxb, dwb, dbb := convGrads(ga, x, kernel, bias)
		engine.ConvMaxPoolBackward(pl, pg, dxb, dwb, dbb, g.storage(), z.buf, y.buf, x.storage(), kernel.storage(), relu)
		return []*Tensor{dx, dw, db}
	}, x, kernel, bias)
}

// convOutDim returns the output size and leading pad of one spatial axis.
func convOutDim(in, k, s, d int, same bool) (out, pad int) {
	eff := (k-1)*d + 1
	if same {
		out = (in + s - 1) / s
		total := max((out-1)*s+eff-in, 0)
		return out, total / 2
	}
	if in < eff {
		return 0, 0
	}
	return (in-eff)/s + 1, 0
}

// convPadding parses a Keras padding name; it reports true for "same".
func convPadding(op, p string) bool {
	switch strings.ToLower(p) {
	case "", "valid":
		return false
	case "same":
		return true
	}
	argErr(op, "padding %q is neither \"valid\" nor \"same\"", p)
	return false
}

func convPair(op, what string, v [2]int) (int, int) {
	a, b := v[0], v[1]
	if a == 0 {
		a = 1
	}
	if b == 0 {
		b = 1
	}
	if a < 0 || b < 0 {
		argErr(op, "%s %v must be positive", what, v)
	}
	return a, b
}

// convSetup validates a Conv2D call and returns the backend's plan for it.
func convSetup(x, kernel, bias *Tensor, opt Conv2DOptions) backend.ConvPlan {
	const op = "Conv2D"
	if len(x.shape) != 4 || len(kernel.shape) != 4 {
		shapeErr(op, "need an NHWC input and an HWIO kernel (4-d each)", x.shape, kernel.shape)
	}
	if x.shape[3] != kernel.shape[2] {
		shapeErr(op, "input channels do not match kernel input channels", x.shape, kernel.shape)
	}
	f := kernel.shape[3]
	if bias != nil && (len(bias.shape) != 1 || bias.shape[0] != f) {
		shapeErr(op, "bias does not match kernel filters", kernel.shape, bias.shape)
	}
	sh, sw := convPair(op, "strides", opt.Strides)
	dh, dw := convPair(op, "dilation", opt.Dilation)
	same := convPadding(op, opt.Padding)
	b, h, w, c := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	kh, kw := kernel.shape[0], kernel.shape[1]
	if kh == 0 || kw == 0 {
		shapeErr(op, "kernel has an empty window", kernel.shape)
	}
	oh, pt := convOutDim(h, kh, sh, dh, same)
	ow, pleft := convOutDim(w, kw, sw, dw, same)
	if oh <= 0 || ow <= 0 {
		shapeErr(op, "input is smaller than the (dilated) kernel with valid padding", x.shape, kernel.shape)
	}
	g := backend.ConvGeom{H: h, W: w, C: c, KH: kh, KW: kw, SH: sh, SW: sw, DH: dh, DW: dw,
		PadT: pt, PadL: pleft, OH: oh, OW: ow}
	return engine.PlanConv(backend.ConvSpec{Geom: g, Batch: b, Filters: f})
}
