package cpu

import (
	"unsafe"

	"github.com/tensile-ml/tensile/backend"
	"github.com/tensile-ml/tensile/internal/kernels"
	"github.com/tensile-ml/tensile/internal/parallel"
)

// poolGrain is the batch grain for splitting pooling across workers.
func poolGrain(perImage int) int { return max(1, 32768/max(perImage, 1)) }

// pool2x2 reports whether g is an unpadded 2×2 window with stride 2, the
// common case MaxPool runs with row kernels and without argmax indices.
func pool2x2(g *kernels.ConvGeom) bool {
	return g.KH == 2 && g.KW == 2 && g.SH == 2 && g.SW == 2 && g.DH == 1 && g.DW == 1 &&
		g.PadT == 0 && g.PadL == 0 && 2*g.OH <= g.H && 2*g.OW <= g.W
}

// int32s views a float32 workspace as int32 argmax indices.
func int32s(f []float32) []int32 {
	if len(f) == 0 {
		return nil
	}
	return unsafe.Slice((*int32)(unsafe.Pointer(&f[0])), len(f))
}

// MaxPoolWorkspace is 0 for the 2×2 stride-2 case (its backward finds the
// winning tap again from x and y) and one index per output otherwise.
func (*CPU) MaxPoolWorkspace(s backend.PoolSpec) int {
	if pool2x2(&s.Geom) {
		return 0
	}
	return s.Batch * s.Geom.OH * s.Geom.OW * s.Geom.C
}

// MaxPool computes y, split across the worker pool by images (by output
// rows for the 2×2 case).
func (*CPU) MaxPool(s backend.PoolSpec, y, ws, x backend.Buffer) {
	g := s.Geom
	b := s.Batch
	outLen := g.OH * g.OW * g.C
	inLen := g.H * g.W * g.C
	if outLen == 0 || b == 0 {
		return
	}
	xd, od := x.Host, y.Host
	if pool2x2(&g) {
		rowLen := g.W * g.C
		orow := g.OW * g.C
		parallel.For(b*g.OH, max(1, poolGrain(inLen)*g.OH), func(lo, hi int) {
			for r := lo; r < hi; r++ {
				i, oy := r/g.OH, r%g.OH
				src := xd[i*inLen+2*oy*rowLen:]
				kernels.MaxPool2x2Row(od[i*outLen+oy*orow:], src, src[rowLen:], g.OW, g.C)
			}
		})
		return
	}
	argmax := int32s(ws.Host)
	parallel.For(b, poolGrain(inLen), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			kernels.MaxPool2D(od[i*outLen:(i+1)*outLen], argmax[i*outLen:(i+1)*outLen], xd[i*inLen:(i+1)*inLen], &g)
		}
	})
}

// poolRoute returns route(d, i), which writes image i's input gradient d of
// a 2×2 stride-2 max pooling with input xd and output od from the output
// gradient gd, finding each window's winning tap (the first equal to the
// maximum) again.
func poolRoute(g *kernels.ConvGeom, xd, od, gd []float32) func(d []float32, i int) {
	outLen := g.OH * g.OW * g.C
	inLen := g.H * g.W * g.C
	rowLen := g.W * g.C
	orow := g.OW * g.C
	odd := 2*g.OH < g.H || 2*g.OW < g.W
	return func(d []float32, i int) {
		if odd {
			clear(d) // taps outside every window get 0
		}
		for oy := 0; oy < g.OH; oy++ {
			o0 := 2 * oy * rowLen
			src := xd[i*inLen+o0:]
			o := i*outLen + oy*orow
			kernels.MaxPool2x2RowBackward(d[o0:], d[o0+rowLen:], src, src[rowLen:],
				od[o:o+orow], gd[o:o+orow], g.OW, g.C)
		}
	}
}

// MaxPoolBackward writes dx from dy, split across the worker pool by images.
func (*CPU) MaxPoolBackward(s backend.PoolSpec, dx, dy, ws, x, y backend.Buffer) {
	g := s.Geom
	b := s.Batch
	outLen := g.OH * g.OW * g.C
	inLen := g.H * g.W * g.C
	dxd, gd := dx.Host, dy.Host
	if outLen == 0 || b == 0 {
		clear(dxd)
		return
	}
	if pool2x2(&g) {
		route := poolRoute(&g, x.Host, y.Host, gd)
		parallel.For(b, poolGrain(inLen), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				route(dxd[i*inLen:(i+1)*inLen], i)
			}
		})
		return
	}
	argmax := int32s(ws.Host)
	parallel.For(b, poolGrain(inLen), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			d := dxd[i*inLen : (i+1)*inLen]
			clear(d)
			kernels.MaxPool2DBackward(d, gd[i*outLen:(i+1)*outLen], argmax[i*outLen:(i+1)*outLen])
		}
	})
}

// AvgPool computes y, split across the worker pool by images.
func (*CPU) AvgPool(s backend.PoolSpec, y, x backend.Buffer) {
	g := s.Geom
	b := s.Batch
	outLen := g.OH * g.OW * g.C
	inLen := g.H * g.W * g.C
	if outLen == 0 || b == 0 {
		return
	}
	xd, od := x.Host, y.Host
	parallel.For(b, poolGrain(inLen), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			kernels.AvgPool2D(od[i*outLen:(i+1)*outLen], xd[i*inLen:(i+1)*inLen], &g)
		}
	})
}

// AvgPoolBackward writes dx from dy, split across the worker pool by images.
func (*CPU) AvgPoolBackward(s backend.PoolSpec, dx, dy backend.Buffer) {
	g := s.Geom
	b := s.Batch
	outLen := g.OH * g.OW * g.C
	inLen := g.H * g.W * g.C
	dxd, gd := dx.Host, dy.Host
	if outLen == 0 || b == 0 {
		clear(dxd)
		return
	}
	parallel.For(b, poolGrain(inLen), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			d := dxd[i*inLen : (i+1)*inLen]
			clear(d)
			kernels.AvgPool2DBackward(d, gd[i*outLen:(i+1)*outLen], &g)
		}
	})
}
