package tensor

import (
	"strings"
	"sync"

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
// im2col patch matrices built a few images at a time in cache-sized
// per-worker buffers, with the batch split across the parallel worker pool;
// a 1×1 stride-1 convolution is a single GEMM.
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
	return record(out, "Conv2D", func(g *Tensor) []*Tensor {
		g = g.contiguous()
		a := g.arena
		dy := g.Data()
		if relu {
			m := empty(a, g.shape...)
			kernels.ReLUBackward(m.data, dy, out.data)
			dy = m.data
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
		convBackward(dxd, dwd, dbd, dy, x.Data(), kernel.Data(), pl)
		return []*Tensor{dx, dw, db}
	}, x, kernel, bias)
}

// convPatchBudget is the size in floats of one worker's patch buffer
// (256 KiB), small enough to stay in L2 next to the kernel.
const convPatchBudget = 1 << 16

// convMaxSlots bounds the number of partial kernel-gradient sums in the
// backward pass. It is fixed, not derived from the thread count, so results
// do not depend on how many threads run.
const convMaxSlots = 16

// convMinSlotRows is the least number of im2col rows a backward slot covers.
const convMinSlotRows = 128

// convPlan is the geometry of one Conv2D call and how its work is cut into
// units: a unit is a group of images [g0, g1) and a range of output pixels
// [q0, q1); a group holds several images only when a unit covers all pixels.
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
		// several images per GEMM for small images, but at least ~8 units
		// so the batch splits evenly across cores
		pl.group = max(1, min(convPatchBudget/max(perImg, 1), (b+7)/8))
		pl.chunk = pl.p
	} else {
		pl.group = 1
		pl.chunk = max(1, convPatchBudget/pl.k)
	}
	pl.nGroups = (b + pl.group - 1) / pl.group
	pl.nChunks = (pl.p + pl.chunk - 1) / pl.chunk
	return pl
}

// convPatchPool holds per-worker patch buffers and convPartPool the
// backward pass's partial sums and transposed kernels, so steady-state
// convolutions do not allocate. They are separate pools so that buffers of
// one kind keep their size.
var (
	convPatchPool = sync.Pool{New: func() any { return new([]float32) }}
	convPartPool  = sync.Pool{New: func() any { return new([]float32) }}
)

func convGetScratch(pool *sync.Pool, n int) *[]float32 {
	p := pool.Get().(*[]float32)
	if cap(*p) < n {
		*p = make([]float32, n)
	}
	*p = (*p)[:n]
	return p
}

// convForward computes out = act(conv(x, w) + bias) for the plan.
func convForward(out, x, w, bias []float32, pl *convPlan, relu bool) {
	f, k := pl.f, pl.k
	if pl.b == 0 || f == 0 {
		return
	}
	if pl.pointwise {
		rows := pl.b * pl.p
		kernels.Sgemm(false, false, rows, f, k, 1, x, k, w, f, 0, out, f)
		if bias != nil || relu {
			parallel.For(rows, max(1, 16384/f), func(lo, hi int) {
				kernels.BiasAct(out[lo*f:hi*f], bias, hi-lo, f, relu)
			})
		}
		return
	}
	parallel.For(pl.nGroups*pl.nChunks, 1, func(lo, hi int) {
		sc := convGetScratch(&convPatchPool, pl.group*pl.chunk*k)
		buf := *sc
		for u := lo; u < hi; u++ {
			g0, g1, q0, q1 := pl.unit(u)
			n := q1 - q0
			rows := (g1 - g0) * n
			for i := g0; i < g1; i++ {
				kernels.Im2col(buf[(i-g0)*n*k:(i-g0+1)*n*k], x[i*pl.imgLen:(i+1)*pl.imgLen], &pl.g, q0, q1)
			}
			o := out[(g0*pl.p+q0)*f : (g0*pl.p+q0+rows)*f]
			kernels.Sgemm(false, false, rows, f, k, 1, buf, k, w, f, 0, o, f)
			kernels.BiasAct(o, bias, rows, f, relu)
		}
		convPatchPool.Put(sc)
	})
}

// convBackward computes the gradients dx, dw, db (each nil when not wanted;
// all fully overwritten) from the output gradient dy.
func convBackward(dx, dw, db, dy, x, w []float32, pl *convPlan) {
	f, k := pl.f, pl.k
	if dx != nil {
		clear(dx)
	}
	if dw != nil {
		clear(dw)
	}
	if db != nil {
		clear(db)
	}
	if pl.b == 0 || f == 0 {
		return
	}
	if pl.pointwise {
		rows := pl.b * pl.p
		if dw != nil {
			kernels.Sgemm(true, false, k, f, rows, 1, x, k, dy, f, 0, dw, f)
		}
		if dx != nil {
			kernels.Sgemm(false, true, rows, k, f, 1, dy, f, w, f, 0, dx, k)
		}
		if db != nil {
			kernels.SumRows(db, dy, rows, f)
		}
		return
	}
	// Each slot owns a partial kernel gradient; slots depend only on the
	// shapes (never on the thread count) so results are reproducible, and
	// each slot covers enough rows that reducing the partials stays cheap
	// next to the GEMMs.
	slots := max(1, min(pl.nGroups, convMaxSlots, pl.b*pl.p/convMinSlotRows))
	kf := k * f
	var part *[]float32
	var parts, wt []float32
	if dw != nil || db != nil || dx != nil {
		part = convGetScratch(&convPartPool, slots*(kf+f)+kf)
		parts = (*part)[:slots*(kf+f)]
		clear(parts)
		if dx != nil {
			// the kernel as [F, K], so dcol = dy·wt needs no transposed GEMM
			wt = (*part)[slots*(kf+f):]
			for i := 0; i < k; i++ {
				for j := 0; j < f; j++ {
					wt[j*k+i] = w[i*f+j]
				}
			}
		}
	}
	parallel.For(slots, 1, func(lo, hi int) {
		sc := convGetScratch(&convPatchPool, pl.group*pl.chunk*k)
		buf := *sc
		for s := lo; s < hi; s++ {
			var pw, pb []float32
			if dw != nil || db != nil {
				pw = parts[s*(kf+f) : s*(kf+f)+kf]
				pb = parts[s*(kf+f)+kf : (s+1)*(kf+f)]
			}
			for grp := s * pl.nGroups / slots; grp < (s+1)*pl.nGroups/slots; grp++ {
				for ch := 0; ch < pl.nChunks; ch++ {
					g0, g1, q0, q1 := pl.unit(grp*pl.nChunks + ch)
					n := q1 - q0
					rows := (g1 - g0) * n
					dyu := dy[(g0*pl.p+q0)*f : (g0*pl.p+q0+rows)*f]
					if dw != nil {
						for i := g0; i < g1; i++ {
							kernels.Im2col(buf[(i-g0)*n*k:(i-g0+1)*n*k], x[i*pl.imgLen:(i+1)*pl.imgLen], &pl.g, q0, q1)
						}
						kernels.Sgemm(true, false, k, f, rows, 1, buf, k, dyu, f, 1, pw, f)
					}
					if db != nil {
						kernels.SumRows(pb, dyu, rows, f)
					}
					if dx != nil {
						kernels.Sgemm(false, false, rows, k, f, 1, dyu, f, wt, k, 0, buf, k)
						for i := g0; i < g1; i++ {
							kernels.Col2im(dx[i*pl.imgLen:(i+1)*pl.imgLen], buf[(i-g0)*n*k:(i-g0+1)*n*k], &pl.g, q0, q1)
						}
					}
				}
			}
		}
		convPatchPool.Put(sc)
	})
	if part != nil {
		for s := 0; s < slots; s++ {
			if dw != nil {
				kernels.Axpy(dw, 1, parts[s*(kf+f):s*(kf+f)+kf])
			}
			if db != nil {
				kernels.Axpy(db, 1, parts[s*(kf+f)+kf:(s+1)*(kf+f)])
			}
		}
		convPartPool.Put(part)
	}
}
