package kernels

import "math"

// MaxPool2D writes the window maxima of one NHWC image src (H*W*C values) to
// dst (OH*OW*C values) and, for each output, the index (iy*W+ix)*C+c of the
// input element it came from to argmax. Taps in the padding are ignored; a
// window lying wholly in the padding yields -Inf with argmax -1 (callers
// choose paddings where that cannot happen). Ties keep the first tap in
// (ky, kx) order. Dilation is taken from g.DH and g.DW.
func MaxPool2D(dst []float32, argmax []int32, src []float32, g *ConvGeom) {
	c := g.C
	negInf := float32(math.Inf(-1))
	_ = dst[g.OH*g.OW*c-1]
	_ = argmax[g.OH*g.OW*c-1]
	for oy := 0; oy < g.OH; oy++ {
		for ox := 0; ox < g.OW; ox++ {
			o := (oy*g.OW + ox) * c
			d := dst[o : o+c]
			am := argmax[o : o+c]
			for i := range d {
				d[i] = negInf
				am[i] = -1
			}
			iy0, ix0 := oy*g.SH-g.PadT, ox*g.SW-g.PadL
			for ky := 0; ky < g.KH; ky++ {
				iy := iy0 + ky*g.DH
				if iy < 0 || iy >= g.H {
					continue
				}
				for kx := 0; kx < g.KW; kx++ {
					ix := ix0 + kx*g.DW
					if ix < 0 || ix >= g.W {
						continue
					}
					base := (iy*g.W + ix) * c
					s := src[base : base+c]
					for i, v := range s {
						if v > d[i] || am[i] < 0 {
							d[i] = v
							am[i] = int32(base + i)
						}
					}
				}
			}
		}
	}
}

// MaxPool2DBackward adds each dy[i] to dx[argmax[i]] (entries with argmax -1
// are skipped). dx is accumulated.
func MaxPool2DBackward(dx, dy []float32, argmax []int32) {
	argmax = argmax[:len(dy)]
	for i, v := range dy {
		if j := argmax[i]; j >= 0 {
			dx[j] += v
		}
	}
}

// AvgPool2D writes the window means of one NHWC image src to dst. Only taps
// inside the image are averaged (padding is excluded from the count, as in
// TensorFlow/Keras 'same' pooling).
func AvgPool2D(dst, src []float32, g *ConvGeom) {
	c := g.C
	_ = dst[g.OH*g.OW*c-1]
	for oy := 0; oy < g.OH; oy++ {
		for ox := 0; ox < g.OW; ox++ {
			o := (oy*g.OW + ox) * c
			d := dst[o : o+c]
			clear(d)
			n := 0
			iy0, ix0 := oy*g.SH-g.PadT, ox*g.SW-g.PadL
			for ky := 0; ky < g.KH; ky++ {
				iy := iy0 + ky*g.DH
				if iy < 0 || iy >= g.H {
					continue
				}
				for kx := 0; kx < g.KW; kx++ {
					ix := ix0 + kx*g.DW
					if ix < 0 || ix >= g.W {
						continue
					}
					n++
					base := (iy*g.W + ix) * c
					s := src[base : base+c]
					for i, v := range s {
						d[i] += v
					}
				}
			}
			if n > 0 {
				inv := 1 / float32(n)
				for i := range d {
					d[i] *= inv
				}
			}
		}
	}
}

// AvgPool2DBackward is the adjoint of AvgPool2D: it spreads dy[o]/count over
// the valid taps of window o, accumulating into dx.
func AvgPool2DBackward(dx, dy []float32, g *ConvGeom) {
	c := g.C
	_ = dy[g.OH*g.OW*c-1]
	for oy := 0; oy < g.OH; oy++ {
		for ox := 0; ox < g.OW; ox++ {
			o := (oy*g.OW + ox) * c
			iy0, ix0 := oy*g.SH-g.PadT, ox*g.SW-g.PadL
			ylo, yhi := poolValid(iy0, g.KH, g.DH, g.H)
			xlo, xhi := poolValid(ix0, g.KW, g.DW, g.W)
			n := (yhi - ylo) * (xhi - xlo)
			if n <= 0 {
				continue
			}
			inv := 1 / float32(n)
			gy := dy[o : o+c]
			for ky := ylo; ky < yhi; ky++ {
				iy := iy0 + ky*g.DH
				for kx := xlo; kx < xhi; kx++ {
					ix := ix0 + kx*g.DW
					base := (iy*g.W + ix) * c
					d := dx[base : base+c]
					for i, v := range gy {
						d[i] += v * inv
					}
				}
			}
		}
	}
}

// poolValid returns the range [lo, hi) of taps k for which i0+k*d lies in
// [0, n).
func poolValid(i0, k, d, n int) (lo, hi int) {
	lo, hi = 0, k
	for lo < hi && i0+lo*d < 0 {
		lo++
	}
	for hi > lo && i0+(hi-1)*d >= n {
		hi--
	}
	return lo, hi
}

// MaxPool2x2Row computes one output row of a 2×2, stride-2, unpadded max
// pool over NHWC data with c channels: r0 and r1 are the two input rows
// (at least 2·ow·c values each) and dst[ox*c+i] is the maximum of the taps
// r0[2ox·c+i], r0[(2ox+1)·c+i], r1[2ox·c+i], r1[(2ox+1)·c+i]. A later tap
// replaces the running maximum only when strictly greater, as in
// MaxPool2D (so a NaN first tap yields NaN and later NaNs are ignored).
// SIMD when available and c is a multiple of 16 (AVX-512) or 8 (AVX2); the reference is
// maxPool2x2RowRef.
func MaxPool2x2Row(dst, r0, r1 []float32, ow, c int) {
	n := ow * c
	if n == 0 {
		return
	}
	_, _, _ = dst[n-1], r0[2*n-1], r1[2*n-1]
	if k := simd.maxPool2; k != nil && c%simd.chanAlign == 0 {
		k(&dst[0], &r0[0], &r1[0], ow, c)
		return
	}
	maxPool2x2RowRef(dst, r0, r1, ow, c)
}

func maxPool2x2RowRef(dst, r0, r1 []float32, ow, c int) {
	for ox := 0; ox < ow; ox++ {
		a, b := r0[2*ox*c:(2*ox+2)*c], r1[2*ox*c:(2*ox+2)*c]
		d := dst[ox*c : ox*c+c]
		for i := range d {
			m := a[i]
			if v := a[c+i]; v > m {
				m = v
			}
			if v := b[i]; v > m {
				m = v
			}
			if v := b[c+i]; v > m {
				m = v
			}
			d[i] = m
		}
	}
}

// MaxPool2x2RowBackward is the adjoint of MaxPool2x2Row for one output row:
// given the input rows x0, x1, the pooled row y and its gradient dy, it
// writes dy[o] to the first tap of window o (row-major order) equal to y[o]
// and 0 to the other taps, overwriting dx0 and dx1 (2·ow·c values each).
// When y[o] is NaN the first tap gets the gradient, matching MaxPool2D's
// argmax. SIMD when available and c is a multiple of 16 (AVX-512) or 8 (AVX2); the reference
// is maxPool2x2RowBackwardRef.
func MaxPool2x2RowBackward(dx0, dx1, x0, x1, y, dy []float32, ow, c int) {
	n := ow * c
	if n == 0 {
		return
	}
	_, _, _, _, _, _ = dx0[2*n-1], dx1[2*n-1], x0[2*n-1], x1[2*n-1], y[n-1], dy[n-1]
	if k := simd.maxPool2Back; k != nil && c%simd.chanAlign == 0 {
		k(&dx0[0], &dx1[0], &x0[0], &x1[0], &y[0], &dy[0], ow, c)
		return
	}
	maxPool2x2RowBackwardRef(dx0, dx1, x0, x1, y, dy, ow, c)
}

func maxPool2x2RowBackwardRef(dx0, dx1, x0, x1, y, dy []float32, ow, c int) {
	for ox := 0; ox < ow; ox++ {
		lo, hi := 2*ox*c, (2*ox+2)*c
		a, b := x0[lo:hi], x1[lo:hi]
		da, db := dx0[lo:hi], dx1[lo:hi]
		for i := 0; i < c; i++ {
			m, g := y[ox*c+i], dy[ox*c+i]
			var g0, g1, g2, g3 float32
			switch {
			case a[i] == m || m != m:
				g0 = g
			case a[c+i] == m:
				g1 = g
			case b[i] == m:
				g2 = g
			case b[c+i] == m:
				g3 = g
			}
			da[i], da[c+i], db[i], db[c+i] = g0, g1, g2, g3
		}
	}
}
