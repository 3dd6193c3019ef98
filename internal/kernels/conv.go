package kernels

// ConvGeom describes a 2-d convolution or pooling window over one NHWC image:
// input H×W×C, window KH×KW with strides SH, SW and dilations DH, DW, zero
// padding PadT rows above and PadL columns left of the input, and output
// OH×OW positions. Padding below and right is implied by OH and OW.
type ConvGeom struct {
	H, W, C    int
	KH, KW     int
	SH, SW     int
	DH, DW     int
	PadT, PadL int
	OH, OW     int
}

// PatchLen returns KH*KW*C, the length of one im2col row.
func (g *ConvGeom) PatchLen() int { return g.KH * g.KW * g.C }

// Pixels returns OH*OW, the number of output positions (im2col rows).
func (g *ConvGeom) Pixels() int { return g.OH * g.OW }

// Im2col writes the patch matrix of output positions [p0, p1) of one NHWC
// image src (H*W*C values) to dst, one row of PatchLen values per position,
// ordered (ky, kx, c) to match an HWIO kernel viewed as [KH*KW*C, F]. Taps
// that fall in the padding are zero. Reference:
//
//	for p in [p0,p1), ky, kx, c:
//	    iy, ix = oy*SH-PadT+ky*DH, ox*SW-PadL+kx*DW
//	    dst[(p-p0)*K + (ky*KW+kx)*C + c] = src[(iy*W+ix)*C+c] or 0 outside
func Im2col(dst, src []float32, g *ConvGeom, p0, p1 int) {
	c := g.C
	k := g.PatchLen()
	runLen := g.KW * c
	_ = dst[(p1-p0)*k-1]
	if im2colSegs(g, runLen) {
		// unpadded, horizontally stride 1: for each output row and kernel
		// row, one call copies the runs of all its pixels (source runs
		// overlap, advancing by C)
		for p := p0; p < p1; {
			oy, ox := p/g.OW, p%g.OW
			n := min(g.OW-ox, p1-p)
			for ky := 0; ky < g.KH; ky++ {
				s := ((oy*g.SH+ky*g.DH)*g.W + ox) * c
				_ = src[s+(n-1)*c+runLen-1]
				simd.copySegs(&dst[(p-p0)*k+ky*runLen], &src[s], n, runLen, k, c)
			}
			p += n
		}
		return
	}
	for p := p0; p < p1; p++ {
		oy, ox := p/g.OW, p%g.OW
		row := dst[(p-p0)*k : (p-p0+1)*k]
		iy0 := oy*g.SH - g.PadT
		ix0 := ox*g.SW - g.PadL
		inside := ix0 >= 0 && ix0+(g.KW-1)*g.DW < g.W
		for ky := 0; ky < g.KH; ky++ {
			seg := row[ky*runLen : (ky+1)*runLen]
			iy := iy0 + ky*g.DH
			if iy < 0 || iy >= g.H {
				clear(seg)
				continue
			}
			base := iy * g.W * c
			if inside && g.DW == 1 {
				s := src[base+ix0*c : base+ix0*c+runLen]
				if runLen <= 8 {
					// short runs (C=1 first layers): a loop beats copy's call
					for i, v := range s {
						seg[i] = v
					}
				} else {
					copy(seg, s)
				}
				continue
			}
			for kx := 0; kx < g.KW; kx++ {
				ix := ix0 + kx*g.DW
				d := seg[kx*c : kx*c+c]
				if ix < 0 || ix >= g.W {
					clear(d)
					continue
				}
				copy(d, src[base+ix*c:base+ix*c+c])
			}
		}
	}
}

// im2colSegs reports whether Im2col and Col2im can handle whole output rows
// per kernel row with one SIMD segment call (when the tier has one): every tap inside the image
// (no padding) and horizontal stride 1, so the runs KW·C of consecutive
// pixels start C floats apart.
func im2colSegs(g *ConvGeom, runLen int) bool {
	return simd.copySegs != nil && simd.addSegs != nil && runLen >= simdMin && g.PadT == 0 && g.PadL == 0 && g.DW == 1 && g.SW == 1 &&
		(g.KW-1)+g.OW <= g.W && (g.OH-1)*g.SH+(g.KH-1)*g.DH < g.H
}

// Col2im is the adjoint of Im2col: it adds each row of the patch matrix src
// (positions [p0, p1)) back into the image dst at the taps it was read from,
// dropping taps in the padding. dst is accumulated, not overwritten.
func Col2im(dst, src []float32, g *ConvGeom, p0, p1 int) {
	c := g.C
	k := g.PatchLen()
	runLen := g.KW * c
	_ = src[(p1-p0)*k-1]
	if im2colSegs(g, runLen) {
		// per output row and kernel row, one call adds the runs of all
		// its pixels in pixel order: every element receives its terms in
		// the same order as below
		for p := p0; p < p1; {
			oy, ox := p/g.OW, p%g.OW
			n := min(g.OW-ox, p1-p)
			for ky := 0; ky < g.KH; ky++ {
				d := ((oy*g.SH+ky*g.DH)*g.W + ox) * c
				_ = dst[d+(n-1)*c+runLen-1]
				simd.addSegs(&dst[d], &src[(p-p0)*k+ky*runLen], n, runLen, c, k)
			}
			p += n
		}
		return
	}
	for p := p0; p < p1; p++ {
		oy, ox := p/g.OW, p%g.OW
		row := src[(p-p0)*k : (p-p0+1)*k]
		iy0 := oy*g.SH - g.PadT
		ix0 := ox*g.SW - g.PadL
		inside := ix0 >= 0 && ix0+(g.KW-1)*g.DW < g.W
		for ky := 0; ky < g.KH; ky++ {
			iy := iy0 + ky*g.DH
			if iy < 0 || iy >= g.H {
				continue
			}
			seg := row[ky*runLen : (ky+1)*runLen]
			base := iy * g.W * c
			if inside && g.DW == 1 {
				d := dst[base+ix0*c : base+ix0*c+runLen]
				AddVV(d, d, seg)
				continue
			}
			for kx := 0; kx < g.KW; kx++ {
				ix := ix0 + kx*g.DW
				if ix < 0 || ix >= g.W {
					continue
				}
				d := dst[base+ix*c : base+ix*c+c]
				s := seg[kx*c : kx*c+c]
				AddVV(d, d, s)
			}
		}
	}
}

// BiasAct adds bias (length f) to every row of the rows×f matrix dst and,
// when relu is set, clamps negative results to zero. bias may be nil.
func BiasAct(dst, bias []float32, rows, f int, relu bool) {
	if bias == nil && !relu {
		return
	}
	_ = dst[rows*f-1]
	for r := 0; r < rows; r++ {
		row := dst[r*f : r*f+f]
		if bias != nil {
			b := bias[:f]
			for j := range row {
				row[j] += b[j]
			}
		}
		if relu {
			for j, v := range row {
				if v < 0 {
					row[j] = 0
				}
			}
		}
	}
}

// SumRows adds the rows of the rows×f matrix src into dst (length f).
func SumRows(dst, src []float32, rows, f int) {
	dst = dst[:f]
	if k := simd.sumRows; k != nil && f%simd.chanAlign == 0 && f > 0 && rows > 0 {
		_ = src[rows*f-1]
		k(&dst[0], &src[0], rows, f)
		return
	}
	sumRowsRef(dst, src, rows, f)
}

func sumRowsRef(dst, src []float32, rows, f int) {
	dst = dst[:f]
	for r := 0; r < rows; r++ {
		row := src[r*f : r*f+f]
		for j, v := range row {
			dst[j] += v
		}
	}
}
