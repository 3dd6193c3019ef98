package tensor

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tensile-ml/tensile/internal/kernels"
	"github.com/tensile-ml/tensile/internal/parallel"
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
	var bd []float32
	if bias != nil {
		bias = bias.contiguous()
		bd = bias.Data()
	}
	out := empty(arenaOf(x, kernel, bias), pl.b, pl.g.OH, pl.g.OW, pl.f)
	convForward(out.data, x.Data(), kernel.Data(), bd, pl, opt.ReLU)
	relu := opt.ReLU
	res := record(out, "Conv2D", func(g *Tensor) []*Tensor {
		g = g.contiguous()
		a := g.arena
		dy := g.Data()
		if !x.requiresGrad && kernels.Conv3x3C1Fast(&pl.g, pl.f) {
			// first-layer direct kernel; the ReLU mask is fused into it
			var dw, db *Tensor
			var dwd, dbd, y []float32
			if kernel.requiresGrad {
				dw = empty(a, kernel.shape...)
				dwd = dw.data
			}
			if bias != nil && bias.requiresGrad {
				db = empty(a, bias.shape...)
				dbd = db.data
			}
			if relu {
				y = out.data
			}
			convBackwardC1(dwd, dbd, dy, x.Data(), y, pl)
			return []*Tensor{nil, dw, db}
		}
		var y, mask []float32
		if relu {
			y, mask = out.data, empty(a, g.shape...).data
		}
		var dx, dw, db *Tensor
		var dxd, dwd, dbd []float32
		if x.requiresGrad {
			dx = empty(a, x.shape...)
			dxd = dx.data
		}
		if kernel.requiresGrad {
			dw = empty(a, kernel.shape...)
			dwd = dw.data
		}
		if bias != nil && bias.requiresGrad {
			db = empty(a, bias.shape...)
			dbd = db.data
		}
		convBackward(dxd, dwd, dbd, dy, x.Data(), kernel.Data(), pl, y, mask)
		return []*Tensor{dx, dw, db}
	}, x, kernel, bias)
	if res.node != nil && pl.b > 0 && pl.f > 0 {
		c1 := !x.requiresGrad && kernels.Conv3x3C1Fast(&pl.g, pl.f)
		if c1 || (pl.nChunks == 1 && !pl.pointwise) {
			link := &c1Link{out: out, x: x, pl: pl, kernel: kernel, bias: bias, c1: c1}
			if relu {
				link.y = out.data
			}
			out.convLink = link
		}
	}
	return res
}

// backward returns the gradients of the linked convolution's input (nil for
// the first-layer kernel), kernel and bias, given route(i, d), which writes
// image i's output gradient into d (one image's output size).
func (l *c1Link) backward(a *Arena, route func(i int, d []float32)) []*Tensor {
	var dx, dk, db *Tensor
	var dxd, dkd, dbd []float32
	if l.kernel.requiresGrad {
		dk = empty(a, l.kernel.shape...)
		dkd = dk.data
	}
	if l.bias != nil && l.bias.requiresGrad {
		db = empty(a, l.bias.shape...)
		dbd = db.data
	}
	pl := l.pl
	n := pl.p * pl.f
	if l.c1 {
		convBackwardC1Fn(dkd, dbd, l.x.Data(), l.y, pl, func(i int, buf []float32) []float32 {
			route(i, buf)
			return buf
		}, true)
		return []*Tensor{nil, dk, db}
	}
	if l.x.requiresGrad {
		dx = empty(a, l.x.shape...)
		dxd = dx.data
	}
	convBackwardRouted(dxd, dkd, dbd, l.x.Data(), l.kernel.Data(), pl, l.y, func(g0, g1 int, buf []float32) {
		for i := g0; i < g1; i++ {
			route(i, buf[(i-g0)*n:(i-g0+1)*n])
		}
	})
	return []*Tensor{dx, dk, db}
}

// c1Link describes the output of a first-layer convolution (Conv3x3C1Fast,
// input needing no gradient) for a 2×2 max pooling that follows it:
// MaxPool2D finds the link on its input tensor (Tensor.convLink, taken once)
// and then records its result
// as a function of the convolution's kernel and bias directly, bypassing
// the convolution output in the graph. Its backward pass routes each
// image's gradient into a small scratch buffer (hot in cache) and sums the
// kernel and bias gradients from it at once, instead of writing a
// conv-sized input gradient and reading it back in the convolution's
// backward. The convolution's own node stays: if its output has other
// consumers, their gradients still flow through it, and the engine adds
// both contributions to the kernel and bias.
//
// Convolutions whose units hold whole images (convPlan.nChunks == 1) link
// the same way: the pooling's backward then runs the convolution's unit
// backward (convBackwardUnits) with each unit's output gradient routed into
// a scratch buffer, and also returns the convolution's input gradient.
type c1Link struct {
	out          *Tensor // the convolution output
	x            *Tensor // the convolution input
	y            []float32
	pl           *convPlan
	kernel, bias *Tensor // bias may be nil
	c1           bool    // first-layer direct kernel (x needs no gradient)
}

// c1LinkUsed counts poolings fused with a convolution (for tests).
var c1LinkUsed atomic.Int64

// convPatchBudget is the size in floats of the patch matrix fed to one GEMM
// (1 MiB): large enough that GEMMs are big and pack the kernel rarely, small
// enough to stay in the outer caches.
const convPatchBudget = 1 << 18

// convUnits is the number of image groups a batch is cut into when whole
// images fit the patch budget (fewer when the budget caps a group). The cut
// depends only on the batch and geometry, never on the thread count.
const convUnits = 8

// convBiasRows is the fixed row block of the bias-gradient partial sums.
const convBiasRows = 256

// convPlan is the geometry of one Conv2D call and how its work is cut into
// units: a unit is a group of images [g0, g1) and a range of output pixels
// [q0, q1), whose patch matrix (at most convPatchBudget floats) is one GEMM;
// a group holds several images only when a unit covers all their pixels.
type convPlan struct {
	g         kernels.ConvGeom
	b, f      int // batch, filters
	k, p      int // patch length KH*KW*C, output pixels OH*OW
	imgLen    int // H*W*C
	group     int // images per unit
	chunk     int // pixels per unit
	nGroups   int
	nChunks   int
	pointwise bool // 1×1, stride 1: a plain GEMM
}

func (pl *convPlan) unit(u int) (g0, g1, q0, q1 int) {
	grp, ch := u/pl.nChunks, u%pl.nChunks
	g0 = grp * pl.group
	g1 = min(g0+pl.group, pl.b)
	q0 = ch * pl.chunk
	q1 = min(q0+pl.chunk, pl.p)
	return
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

func convSetup(x, kernel, bias *Tensor, opt Conv2DOptions) *convPlan {
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
	pl := &convPlan{
		g: kernels.ConvGeom{H: h, W: w, C: c, KH: kh, KW: kw, SH: sh, SW: sw, DH: dh, DW: dw,
			PadT: pt, PadL: pleft, OH: oh, OW: ow},
		b: b, f: f, k: kh * kw * c, p: oh * ow, imgLen: h * w * c,
	}
	pl.pointwise = kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pleft == 0 && oh == h && ow == w
	perImg := pl.p * pl.k
	if perImg <= convPatchBudget {
		// Units of whole images run in parallel, one GEMM each; aim for
		// about convUnits of them so that two or more cores stay balanced.
		pl.group = max(1, min(convPatchBudget/max(perImg, 1), (b+convUnits-1)/convUnits))
		pl.chunk = pl.p
	} else {
		pl.group = 1
		pl.chunk = max(1, convPatchBudget/pl.k)
	}
	pl.nGroups = (b + pl.group - 1) / pl.group
	pl.nChunks = (pl.p + pl.chunk - 1) / pl.chunk
	return pl
}

// convBufs keeps the patch buffers, transposed kernels and partial bias
// sums of finished convolutions for reuse, so steady-state convolutions do
// not allocate. Unlike a sync.Pool it is not emptied by garbage collection:
// the buffers are few and each is at most a few MiB.
type convBufs struct {
	mu   sync.Mutex
	free []*[]float32
}

var (
	convPatchPool = &convBufs{}
	convPartPool  = &convBufs{}
)

// get returns a buffer of n floats with undefined contents.
func (c *convBufs) get(n int) *[]float32 {
	c.mu.Lock()
	var p *[]float32
	if l := len(c.free); l > 0 {
		p = c.free[l-1]
		c.free = c.free[:l-1]
	}
	c.mu.Unlock()
	if p == nil {
		p = new([]float32)
	}
	if cap(*p) < n {
		*p = make([]float32, n)
	}
	*p = (*p)[:n]
	return p
}

// put returns a buffer for reuse; a handful are kept.
func (c *convBufs) put(p *[]float32) {
	c.mu.Lock()
	if len(c.free) < 8 {
		c.free = append(c.free, p)
	}
	c.mu.Unlock()
}

// convIm2col fills buf with the patch matrix of unit (g0, g1, q0, q1), the
// rows split across the worker pool.
func convIm2col(buf, x []float32, pl *convPlan, g0, g1, q0, q1 int) {
	n, k := q1-q0, pl.k
	rows := (g1 - g0) * n
	parallel.For(rows, max(1, 16384/max(k, 1)), func(lo, hi int) {
		for r := lo; r < hi; {
			i, q := g0+r/n, q0+r%n
			e := min(hi-r, q1-q) // rows left in this image
			kernels.Im2col(buf[r*k:(r+e)*k], x[i*pl.imgLen:(i+1)*pl.imgLen], &pl.g, q, q+e)
			r += e
		}
	})
}

// convForward computes out = act(conv(x, w) + bias) for the plan. GEMMs run
// on the calling goroutine and split themselves across the worker pool;
// only patch building and the bias pass run inside parallel.For, so no
// parallel loop is ever nested in another.
func convForward(out, x, w, bias []float32, pl *convPlan, relu bool) {
	f, k := pl.f, pl.k
	if pl.b == 0 || f == 0 {
		return
	}
	ep := kernels.Epilogue{Bias: bias, ReLU: relu}
	if kernels.Conv3x3C1Fast(&pl.g, f) {
		n := pl.p * f
		parallel.Each(pl.nGroups, func(u int) {
			for i := u * pl.group; i < min((u+1)*pl.group, pl.b); i++ {
				kernels.Conv3x3C1(out[i*n:(i+1)*n], x[i*pl.imgLen:(i+1)*pl.imgLen], w, bias, &pl.g, f, relu)
			}
		})
		return
	}
	if pl.pointwise {
		rows := pl.b * pl.p
		kernels.SgemmEpilogue(false, false, rows, f, k, 1, x, k, w, f, 0, out, f, ep)
		return
	}
	if pl.nChunks == 1 {
		// whole images per unit: units run in parallel, each building its
		// patches and running its GEMM on one core while they are in cache
		parallel.Each(pl.nGroups, func(u int) {
			sc := convPatchPool.get(pl.group * pl.p * k)
			buf := *sc
			g0, g1, _, _ := pl.unit(u)
			rows := (g1 - g0) * pl.p
			for i := g0; i < g1; i++ {
				kernels.Im2col(buf[(i-g0)*pl.p*k:(i-g0+1)*pl.p*k], x[i*pl.imgLen:(i+1)*pl.imgLen], &pl.g, 0, pl.p)
			}
			kernels.SgemmEpilogue(false, false, rows, f, k, 1, buf, k, w, f, 0, out[g0*pl.p*f:g1*pl.p*f], f, ep)
			convPatchPool.put(sc)
		})
		return
	}
	sc := convPatchPool.get(pl.group * pl.chunk * k)
	buf := *sc
	for u := 0; u < pl.nGroups*pl.nChunks; u++ {
		g0, g1, q0, q1 := pl.unit(u)
		rows := (g1 - g0) * (q1 - q0)
		convIm2col(buf, x, pl, g0, g1, q0, q1)
		o := out[(g0*pl.p+q0)*f : (g0*pl.p+q0+rows)*f]
		kernels.SgemmEpilogue(false, false, rows, f, k, 1, buf, k, w, f, 0, o, f, ep)
	}
	convPatchPool.put(sc)
}

// convBiasGrad sets db to the column sums of the rows×f matrix dy. Partial
// sums over fixed blocks of rows are added in order, so the result does not
// depend on the thread count.
func convBiasGrad(db, dy []float32, rows, f int, part []float32) {
	nb := (rows + convBiasRows - 1) / convBiasRows
	clear(part[:nb*f])
	parallel.For(nb, 1, func(lo, hi int) {
		for blk := lo; blk < hi; blk++ {
			r0, r1 := blk*convBiasRows, min((blk+1)*convBiasRows, rows)
			kernels.SumRows(part[blk*f:(blk+1)*f], dy[r0*f:r1*f], r1-r0, f)
		}
	})
	clear(db)
	for blk := 0; blk < nb; blk++ {
		kernels.Axpy(db, 1, part[blk*f:(blk+1)*f])
	}
}

// convBackward computes the gradients dx, dw, db (each nil when not wanted;
// all fully overwritten) from the output gradient dy. The kernel gradient
// accumulates unit by unit in a fixed order and every GEMM keeps its inner
// sums on one goroutine, so results do not depend on the thread count.
//
// When y (the ReLU output of the forward pass) is not nil, dy is first
// masked by y > 0 into mask (same length), the fused activation's backward.
func convBackward(dx, dw, db, dy, x, w []float32, pl *convPlan, y, mask []float32) {
	f, k := pl.f, pl.k
	if pl.b == 0 || f == 0 {
		if dx != nil {
			clear(dx)
		}
		if dw != nil {
			clear(dw)
		}
		if db != nil {
			clear(db)
		}
		return
	}
	rowsAll := pl.b * pl.p
	kf := k * f
	part := convPartPool.get(kf + (rowsAll+convBiasRows-1)/convBiasRows*f)
	defer convPartPool.put(part)
	var wt []float32
	if dx != nil && !pl.pointwise {
		// the kernel as [F, K], so dcol = dy·wt needs no transposed GEMM
		wt = (*part)[:kf]
		for i := 0; i < k; i++ {
			for j := 0; j < f; j++ {
				wt[j*k+i] = w[i*f+j]
			}
		}
	}
	if pl.nChunks == 1 && !pl.pointwise {
		convBackwardUnits(dx, dw, db, dy, x, wt, pl, y, mask)
		return
	}
	if y != nil {
		parallel.For(rowsAll, max(1, 16384/f), func(lo, hi int) {
			kernels.ReLUBackward(mask[lo*f:hi*f], dy[lo*f:hi*f], y[lo*f:hi*f])
		})
		dy = mask
	}
	if db != nil {
		convBiasGrad(db, dy, rowsAll, f, (*part)[kf:])
	}
	if pl.pointwise {
		if dw != nil {
			kernels.Sgemm(true, false, k, f, rowsAll, 1, x, k, dy, f, 0, dw, f)
		}
		if dx != nil {
			kernels.Sgemm(false, true, rowsAll, k, f, 1, dy, f, w, f, 0, dx, k)
		}
		return
	}
	sc := convPatchPool.get(pl.group * pl.chunk * k)
	defer convPatchPool.put(sc)
	buf := *sc
	for u := 0; u < pl.nGroups*pl.nChunks; u++ {
		g0, g1, q0, q1 := pl.unit(u)
		n := q1 - q0
		rows := (g1 - g0) * n
		dyu := dy[(g0*pl.p+q0)*f : (g0*pl.p+q0+rows)*f]
		if dw != nil {
			convIm2col(buf, x, pl, g0, g1, q0, q1)
			beta := float32(1)
			if u == 0 {
				beta = 0
			}
			kernels.Sgemm(true, false, k, f, rows, 1, buf, k, dyu, f, beta, dw, f)
		}
		if dx != nil {
			kernels.Sgemm(false, false, rows, k, f, 1, dyu, f, wt, k, 0, buf, k)
			// images are disjoint in dx; pixel chunks of one image are not,
			// so a unit splits across workers by image only
			parallel.For(g1-g0, 1, func(lo, hi int) {
				for i := g0 + lo; i < g0+hi; i++ {
					d := dx[i*pl.imgLen : (i+1)*pl.imgLen]
					if q0 == 0 {
						clear(d)
					}
					kernels.Col2im(d, buf[(i-g0)*n*k:(i-g0+1)*n*k], &pl.g, q0, q1)
				}
			})
		}
	}
}

// convBackwardUnits is convBackward for plans whose units hold whole images:
// units run in parallel (dynamically scheduled), each masking its rows of
// dy by the ReLU output y (when not nil), computing its images' input
// gradients and its own partial kernel and bias gradients; the partials are
// then added in unit order, so the result does not depend on the thread
// count.
func convBackwardUnits(dx, dw, db, dy, x, wt []float32, pl *convPlan, y, mask []float32) {
	convBackwardUnitsFn(dx, dw, db, dy, x, wt, pl, y, mask, nil)
}

// convBackwardRouted is convBackward for plans whose units hold whole
// images, with each unit's output gradient (images [g0, g1)) written by
// route into a scratch buffer instead of read from a full-size array; the
// ReLU mask (y not nil) is applied in place there.
func convBackwardRouted(dx, dw, db, x, w []float32, pl *convPlan, y []float32, route func(g0, g1 int, buf []float32)) {
	f, k := pl.f, pl.k
	kf := k * f
	var wt []float32
	var part *[]float32
	if dx != nil {
		part = convPartPool.get(kf)
		wt = (*part)[:kf]
		for i := 0; i < k; i++ {
			for j := 0; j < f; j++ {
				wt[j*k+i] = w[i*f+j]
			}
		}
	}
	convBackwardUnitsFn(dx, dw, db, nil, x, wt, pl, y, nil, route)
	if part != nil {
		convPartPool.put(part)
	}
}

// convBackwardUnitsFn is convBackwardUnits; when route is not nil it writes
// each unit's output gradient into a scratch buffer (dy and mask unused).
func convBackwardUnitsFn(dx, dw, db, dy, x, wt []float32, pl *convPlan, y, mask []float32, route func(g0, g1 int, buf []float32)) {
	f, k, p := pl.f, pl.k, pl.p
	kf := k * f
	stride := kf + f // per unit: kernel gradient, bias gradient
	sp := convPartPool.get(pl.nGroups * stride)
	part := *sp
	parallel.Each(pl.nGroups, func(u int) {
		sc := convPatchPool.get(pl.group * p * k)
		buf := *sc
		g0, g1, _, _ := pl.unit(u)
		rows := (g1 - g0) * p
		var dyu []float32
		var sd *[]float32
		if route != nil {
			sd = convPatchPool.get(rows * f)
			dyu = *sd
			route(g0, g1, dyu)
			if y != nil {
				kernels.ReLUBackward(dyu, dyu, y[g0*p*f:g1*p*f])
			}
		} else {
			dyu = dy[g0*p*f : g1*p*f]
			if y != nil {
				mu := mask[g0*p*f : g1*p*f]
				kernels.ReLUBackward(mu, dyu, y[g0*p*f:g1*p*f])
				dyu = mu
			}
		}
		if db != nil {
			pb := part[u*stride+kf : (u+1)*stride]
			clear(pb)
			kernels.SumRows(pb, dyu, rows, f)
		}
		if dw != nil {
			for i := g0; i < g1; i++ {
				kernels.Im2col(buf[(i-g0)*p*k:(i-g0+1)*p*k], x[i*pl.imgLen:(i+1)*pl.imgLen], &pl.g, 0, p)
			}
			kernels.Sgemm(true, false, k, f, rows, 1, buf, k, dyu, f, 0, part[u*stride:u*stride+kf], f)
		}
		if dx != nil {
			kernels.Sgemm(false, false, rows, k, f, 1, dyu, f, wt, k, 0, buf, k)
			for i := g0; i < g1; i++ {
				d := dx[i*pl.imgLen : (i+1)*pl.imgLen]
				clear(d)
				kernels.Col2im(d, buf[(i-g0)*p*k:(i-g0+1)*p*k], &pl.g, 0, p)
			}
		}
		convPatchPool.put(sc)
		if sd != nil {
			convPatchPool.put(sd)
		}
	})
	if dw != nil {
		copy(dw, part[:kf])
		for u := 1; u < pl.nGroups; u++ {
			kernels.AddVV(dw, dw, part[u*stride:u*stride+kf])
		}
	}
	if db != nil {
		copy(db, part[kf:stride])
		for u := 1; u < pl.nGroups; u++ {
			kernels.AddVV(db, db, part[u*stride+kf:(u+1)*stride])
		}
	}
	convPartPool.put(sp)
}

// convBackwardC1 is the backward pass of a Conv3x3C1Fast convolution whose
// input needs no gradient: units of images (the plan's fixed groups) run in
// parallel, each summing its kernel and bias gradients (dy masked by y > 0
// when y is not nil) into its own partial; the partials are then added in
// unit order, so the result does not depend on the thread count. dw or db
// may be nil.
func convBackwardC1(dw, db, dy, x, y []float32, pl *convPlan) {
	n := pl.p * pl.f
	convBackwardC1Fn(dw, db, x, y, pl, func(i int, _ []float32) []float32 { return dy[i*n : (i+1)*n] }, false)
}

// convBackwardC1Fn is convBackwardC1 with image i's output gradient given by
// dyOf(i, buf), called on the goroutine that sums image i; buf is a scratch
// buffer of one image's output size (nil unless scratch is set) that dyOf
// may fill and return.
func convBackwardC1Fn(dw, db, x, y []float32, pl *convPlan, dyOf func(i int, buf []float32) []float32, scratch bool) {
	f := pl.f
	n := pl.p * f
	stride := 10 * f // 9·f kernel + f bias per unit
	sp := convPartPool.get(pl.nGroups * stride)
	part := *sp
	parallel.Each(pl.nGroups, func(u int) {
		pu := part[u*stride : (u+1)*stride]
		clear(pu)
		var sc *[]float32
		var buf []float32
		if scratch {
			sc = convPatchPool.get(n)
			buf = *sc
		}
		g0, g1 := u*pl.group, min((u+1)*pl.group, pl.b)
		for i := g0; i < g1; i++ {
			var yi []float32
			if y != nil {
				yi = y[i*n : (i+1)*n]
			}
			kernels.Conv3x3C1Grad(pu[:9*f], pu[9*f:], x[i*pl.imgLen:(i+1)*pl.imgLen], dyOf(i, buf), yi, &pl.g, f)
		}
		if sc != nil {
			convPatchPool.put(sc)
		}
	})
	if dw != nil {
		copy(dw, part[:9*f])
		for u := 1; u < pl.nGroups; u++ {
			kernels.AddVV(dw, dw, part[u*stride:u*stride+9*f])
		}
	}
	if db != nil {
		copy(db, part[9*f:stride])
		for u := 1; u < pl.nGroups; u++ {
			kernels.AddVV(db, db, part[u*stride+9*f:(u+1)*stride])
		}
	}
	convPartPool.put(sp)
}
