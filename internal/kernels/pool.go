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
