package kernels

// conv3x3c1Geom reports whether g is a 3×3, stride-1, undilated, unpadded
// convolution of a one-channel image (the first layer of small image CNNs).
func conv3x3c1Geom(g *ConvGeom) bool {
	return g.C == 1 && g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1 && g.DH == 1 && g.DW == 1 &&
		g.PadT == 0 && g.PadL == 0 && g.OH == g.H-2 && g.OW == g.W-2 && g.OH > 0 && g.OW > 0
}

// Conv3x3C1Fast reports whether Conv3x3C1 and Conv3x3C1Grad apply to g
// with f filters and run a SIMD kernel of the active tier (f a multiple
// of 32 on AVX-512, 8 on AVX2). For a one-channel input the
// im2col GEMM has an inner dimension of only 9 and is bound by building
// and reading the patch matrix; the direct kernel keeps the 9×f kernel in
// registers and reads each input pixel from L1.
func Conv3x3C1Fast(g *ConvGeom, f int) bool {
	return simd.conv3x3c1 != nil && f%simd.conv1Align == 0 && f > 0 && conv3x3c1Geom(g)
}

// Conv3x3C1 writes out [OH*OW*f] = act(conv(x, w) + bias) for one image x
// [H*W] of a geometry accepted by conv3x3c1Geom, with w the HWIO kernel
// viewed as [9, f] and bias of length f or nil. Each output sums its nine
// taps in order from 0 (with FMAs in the SIMD kernels, matching the GEMM
// micro-kernel), then adds the bias, then applies ReLU as max(v, 0). The
// reference is conv3x3c1Ref.
func Conv3x3C1(out, x, w, bias []float32, g *ConvGeom, f int, relu bool) {
	n := g.OH * g.OW * f
	_, _, _ = out[n-1], x[g.H*g.W-1], w[9*f-1]
	if Conv3x3C1Fast(g, f) {
		var bp *float32
		if bias != nil {
			_ = bias[f-1]
			bp = &bias[0]
		}
		simd.conv3x3c1(&out[0], &x[0], &w[0], bp, g.W, g.OW, g.OH, f, relu)
		return
	}
	conv3x3c1Ref(out, x, w, bias, g, f, relu)
}

func conv3x3c1Ref(out, x, w, bias []float32, g *ConvGeom, f int, relu bool) {
	for oy := 0; oy < g.OH; oy++ {
		for ox := 0; ox < g.OW; ox++ {
			o := out[(oy*g.OW+ox)*f : (oy*g.OW+ox+1)*f]
			for j := range o {
				var acc float32
				for t := 0; t < 9; t++ {
					acc += x[(oy+t/3)*g.W+ox+t%3] * w[t*f+j]
				}
				if bias != nil {
					acc += bias[j]
				}
				if relu {
					acc = max(acc, 0)
				}
				o[j] = acc
			}
		}
	}
}

// Conv3x3C1Grad adds the kernel gradient of Conv3x3C1 for one image to dw
// [9, f] and the bias gradient to db [f], from the output gradient dy
// [OH*OW*f]. When y (Conv3x3C1's ReLU output) is not nil, dy is first
// masked by y > 0: the fused ReLU backward. Pixels are summed in order.
// The reference is conv3x3c1GradRef.
func Conv3x3C1Grad(dw, db, x, dy, y []float32, g *ConvGeom, f int) {
	n := g.OH * g.OW * f
	_, _, _, _ = dw[9*f-1], db[f-1], x[g.H*g.W-1], dy[n-1]
	if y != nil {
		_ = y[n-1]
	}
	if Conv3x3C1Fast(g, f) {
		var yp *float32
		if y != nil {
			yp = &y[0]
		}
		simd.conv3x3c1Grad(&dw[0], &db[0], &x[0], &dy[0], yp, g.W, g.OW, g.OH, f)
		return
	}
	conv3x3c1GradRef(dw, db, x, dy, y, g, f)
}

func conv3x3c1GradRef(dw, db, x, dy, y []float32, g *ConvGeom, f int) {
	for oy := 0; oy < g.OH; oy++ {
		for ox := 0; ox < g.OW; ox++ {
			p := (oy*g.OW + ox) * f
			for j := 0; j < f; j++ {
				d := dy[p+j]
				if y != nil && !(y[p+j] > 0) {
					d = 0
				}
				db[j] += d
				for t := 0; t < 9; t++ {
					dw[t*f+j] += x[(oy+t/3)*g.W+ox+t%3] * d
				}
			}
		}
	}
}
