package cpu

import (
	"sync"

	"github.com/tensile-ml/tensile/backend"
	"github.com/tensile-ml/tensile/internal/kernels"
	"github.com/tensile-ml/tensile/internal/parallel"
)

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

// Spec returns the convolution the plan was made for.
func (pl *convPlan) Spec() backend.ConvSpec {
	return backend.ConvSpec{Geom: pl.g, Batch: pl.b, Filters: pl.f}
}

// PlanConv cuts the convolution into units: groups of about a batch/8
// whole images when an image's patch matrix fits convPatchBudget, else
// single images cut into pixel chunks. The cut depends only on the batch
// and geometry, never on the thread count.
func (*CPU) PlanConv(s backend.ConvSpec) backend.ConvPlan {
	g := s.Geom
	b, f := s.Batch, s.Filters
	pl := &convPlan{g: g, b: b, f: f, k: g.KH * g.KW * g.C, p: g.OH * g.OW, imgLen: g.H * g.W * g.C}
	pl.pointwise = g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.PadT == 0 && g.PadL == 0 && g.OH == g.H && g.OW == g.W
	perImg := pl.p * pl.k
	if perImg <= convPatchBudget {
		// Units of whole images run in parallel, one GEMM each; aim for
		// about convUnits of them so that two or more cores stay balanced.
		pl.group = max(1, min(convPatchBudget/max(perImg, 1), (b+convUnits-1)/convUnits))
		pl.chunk = pl.p
	} else {
		pl.group = 1
		pl.chunk = max(1, convPatchBudget/max(pl.k, 1))
	}
	pl.nGroups = (b + pl.group - 1) / pl.group
	pl.nChunks = (pl.p + pl.chunk - 1) / max(pl.chunk, 1)
	return pl
}

// ConvForward computes y = relu?(conv(x, w) + bias).
func (*CPU) ConvForward(p backend.ConvPlan, y, x, w, bias backend.Buffer, relu bool) {
	convForward(y.Host, x.Host, w.Host, bias.Host, p.(*convPlan), relu)
}

// ConvBackwardWorkspace is the size of the ReLU mask of a ReLU-fused
// convolution (none for the first-layer direct kernel, which fuses it).
func (*CPU) ConvBackwardWorkspace(p backend.ConvPlan, needDx, relu bool) int {
	pl := p.(*convPlan)
	if !relu || (!needDx && kernels.Conv3x3C1Fast(&pl.g, pl.f)) {
		return 0
	}
	return pl.b * pl.p * pl.f
}

// ConvBackward computes dx, dw, db (each optional) from dy; with y set, dy
// is first masked by y > 0 into ws. Without dx, a first-layer 3×3
// convolution runs a direct kernel with the mask fused in.
func (*CPU) ConvBackward(p backend.ConvPlan, dx, dw, db, dy, x, w, y, ws backend.Buffer) {
	pl := p.(*convPlan)
	if dx.Host == nil && kernels.Conv3x3C1Fast(&pl.g, pl.f) {
		convBackwardC1(dw.Host, db.Host, dy.Host, x.Host, y.Host, pl)
		return
	}
	mask := ws.Host
	if y.Host != nil && mask == nil {
		mask = make([]float32, len(dy.Host))
	}
	convBackward(dx.Host, dw.Host, db.Host, dy.Host, x.Host, w.Host, pl, y.Host, mask)
}

// ConvBackwardData computes dx from dy.
func (c *CPU) ConvBackwardData(p backend.ConvPlan, dx, dy, w backend.Buffer) {
	pl := p.(*convPlan)
	convBackward(dx.Host, nil, nil, dy.Host, nil, w.Host, pl, nil, nil)
}

// ConvBackwardFilter computes dw and db (optional) from dy.
func (c *CPU) ConvBackwardFilter(p backend.ConvPlan, dw, db, dy, x backend.Buffer) {
	c.ConvBackward(p, backend.Buffer{}, dw, db, dy, x, backend.Buffer{}, backend.Buffer{}, backend.Buffer{})
}

// ConvMaxPoolFusable reports whether the convolution and an unpadded 2×2
// stride-2 max pooling of its output fuse their backward passes: for the
// first-layer direct kernel (no input gradient), or when the plan's units
// hold whole images.
func (*CPU) ConvMaxPoolFusable(p backend.ConvPlan, pool backend.ConvGeom, needDx bool) bool {
	pl := p.(*convPlan)
	if pl.b == 0 || pl.f == 0 || !pool2x2(&pool) || pool.H != pl.g.OH || pool.W != pl.g.OW || pool.C != pl.f {
		return false
	}
	c1 := !needDx && kernels.Conv3x3C1Fast(&pl.g, pl.f)
	return c1 || (pl.nChunks == 1 && !pl.pointwise)
}

// ConvMaxPoolBackward is the backward pass of a convolution followed by a
// 2×2 max pooling (ConvMaxPoolFusable). Each unit of images routes its
// pooled-output gradient dz into a small scratch buffer (hot in cache) as
// the convolution's output gradient and runs the convolution's backward on
// it at once, instead of writing a conv-sized gradient and reading it back.
func (*CPU) ConvMaxPoolBackward(p backend.ConvPlan, pool backend.ConvGeom, dx, dw, db, dz, z, y, x, w backend.Buffer, relu bool) {
	pl := p.(*convPlan)
	g := &pool
	route := poolRoute(g, y.Host, z.Host, dz.Host)
	var ys []float32
	if relu {
		ys = y.Host
	}
	n := pl.p * pl.f
	if dx.Host == nil && kernels.Conv3x3C1Fast(&pl.g, pl.f) {
		convBackwardC1Fn(dw.Host, db.Host, x.Host, ys, pl, func(i int, buf []float32) []float32 {
			route(buf, i)
			return buf
		}, true)
		return
	}
	convBackwardRouted(dx.Host, dw.Host, db.Host, x.Host, w.Host, pl, ys, func(g0, g1 int, buf []float32) {
		for i := g0; i < g1; i++ {
			route(buf[(i-g0)*n:(i-g0+1)*n], i)
		}
	})
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
