package kernels

import "math"

// This file holds the fused LSTM cell kernels and the float32 sigmoid and
// tanh they use. Rows are batch samples; gate pre-activations hold the four
// gate blocks i, f, g, o of width h side by side (row width 4h).

// Sigmoid32 returns 1/(1+e^-x) in float32 arithmetic, within a few ulp of
// the correctly rounded result (see TestSigmoid32Accuracy); ±Inf give 0 and
// 1, NaN gives NaN.
func Sigmoid32(x float32) float32 {
	if x < expMin {
		if x != x {
			return x
		}
		return float32(1 / (1 + math.Exp(-float64(x))))
	}
	if x > -expMin {
		return 1
	}
	return 1 / (1 + exp32(-x))
}

// Tanh32 returns tanh(x) in float32 arithmetic, within a few ulp of the
// correctly rounded result (see TestTanh32Accuracy).
func Tanh32(x float32) float32 {
	a := x
	if a < 0 {
		a = -a
	}
	switch {
	case a < 0.25:
		// Taylor series to x⁹: the next term is below 2e-9·|x|.
		z := x * x
		p := float32(62.0 / 2835)
		p = p*z - 17.0/315
		p = p*z + 2.0/15
		p = p*z - 1.0/3
		return x + x*z*p
	case a < 10:
		// 1 - 2/(e^{2a}+1); at a >= 0.25 the cancellation costs < 4 ulp.
		t := 1 - 2/(exp32(2*a)+1)
		if x < 0 {
			return -t
		}
		return t
	case a >= 10: // tanh(10) rounds to 1 in float32; ±Inf too
		if x < 0 {
			return -1
		}
		return 1
	}
	return x // NaN
}

// LSTMCellForward computes one LSTM step for n rows: with z = xz + hz
// (gate pre-activations, row width 4h), i, f, o = σ(z_i, z_f, z_o),
// g = tanh(z_g), cn = f⊙c + i⊙g and hn = o⊙tanh(cn). It keeps the
// activated gates in act (row width 4h) and tanh(cn) in tc for the backward
// pass. xz, hz and act are [n, 4h]; c, cn, hn and tc are [n, h].
func LSTMCellForward(hn, cn, act, tc, xz, hz, c []float32, n, h int) {
	w := 4 * h
	AddVV(act[:n*w], xz[:n*w], hz[:n*w])
	for r := range n {
		a := act[r*w : (r+1)*w]
		sigmoidSlice(a[:2*h], a[:2*h])
		tanhSlice(a[2*h:3*h], a[2*h:3*h])
		sigmoidSlice(a[3*h:], a[3*h:])
		cr := cn[r*h : (r+1)*h]
		cp, i, f, g := c[r*h:(r+1)*h], a[:h], a[h:2*h], a[2*h:3*h]
		cp, i, f, g = cp[:len(cr)], i[:len(cr)], f[:len(cr)], g[:len(cr)]
		for j := range cr {
			cr[j] = f[j]*cp[j] + i[j]*g[j]
		}
	}
	tanhSlice(tc[:n*h], cn[:n*h])
	for r := range n {
		hr := hn[r*h : (r+1)*h]
		o, t := act[r*w+3*h:(r+1)*w], tc[r*h:(r+1)*h]
		o, t = o[:len(hr)], t[:len(hr)]
		for j := range hr {
			hr[j] = o[j] * t[j]
		}
	}
}

// sigmoidSlice sets dst[i] = Sigmoid32(x[i]), with SIMD (AVX-512 or AVX2) when available
// (dst may be x).
func sigmoidSlice(dst, x []float32) {
	x = x[:len(dst)]
	if k := simd.sigmoid; k != nil && len(dst) > 0 {
		k(&dst[0], &x[0], len(dst))
		return
	}
	for i, v := range x {
		dst[i] = Sigmoid32(v)
	}
}

// tanhSlice sets dst[i] = Tanh32(x[i]), with SIMD (AVX-512 or AVX2) when available (dst
// may be x).
func tanhSlice(dst, x []float32) {
	x = x[:len(dst)]
	if k := simd.tanh; k != nil && len(dst) > 0 {
		k(&dst[0], &x[0], len(dst))
		return
	}
	for i, v := range x {
		dst[i] = Tanh32(v)
	}
}

// LSTMCellBackwardH is the h-output half of the LSTM cell's backward pass:
// from dh, the saved gates act and tanh(cn) tc it writes the o block of dz
// ([n, 4h]; the other blocks are left alone) and dcn = dh⊙o⊙(1-tanh²(cn)).
func LSTMCellBackwardH(dz, dcn, dh, act, tc []float32, n, h int) {
	w := 4 * h
	for r := range n {
		a, d := act[r*w:(r+1)*w], dz[r*w:(r+1)*w]
		gh, t, gc := dh[r*h:(r+1)*h], tc[r*h:(r+1)*h], dcn[r*h:(r+1)*h]
		for j := range h {
			o, tj, g := a[3*h+j], t[j], gh[j]
			d[3*h+j] = g * tj * o * (1 - o)
			gc[j] = g * o * (1 - tj*tj)
		}
	}
}

// LSTMCellBackwardC is the c-output half of the LSTM cell's backward pass:
// from dcn it writes the i, f and g blocks of dz ([n, 4h]; the o block is
// left alone) and dc = dcn⊙f, given the saved gates act and previous cell
// state c.
func LSTMCellBackwardC(dz, dc, dcn, act, c []float32, n, h int) {
	w := 4 * h
	for r := range n {
		a, d := act[r*w:(r+1)*w], dz[r*w:(r+1)*w]
		g, cp := dcn[r*h:(r+1)*h], c[r*h:(r+1)*h]
		var dcr []float32
		if dc != nil {
			dcr = dc[r*h : (r+1)*h]
		}
		for j := range h {
			i, f, gg, gj := a[j], a[h+j], a[2*h+j], g[j]
			d[j] = gj * gg * i * (1 - i)
			d[h+j] = gj * cp[j] * f * (1 - f)
			d[2*h+j] = gj * i * (1 - gg*gg)
			if dcr != nil {
				dcr[j] = gj * f
			}
		}
	}
}

// LSTMCellBackward is the LSTM cell's whole backward pass in one sweep:
// LSTMCellBackwardH, then dcn += dcIn, then LSTMCellBackwardC, with the
// same arithmetic (and results) as those three calls. From dh and dcIn
// (the gradients of hn and cn, [n, h]), the saved gates act ([n, 4h]),
// tanh(cn) tc and the previous cell state c it writes all four blocks of
// dz ([n, 4h]) and dc = dcn⊙f ([n, h]; it may be dcIn).
func LSTMCellBackward(dz, dc, dh, dcIn, act, tc, c []float32, n, h int) {
	w := 4 * h
	for r := range n {
		a, d := act[r*w:(r+1)*w], dz[r*w:(r+1)*w]
		gh := dh[r*h : (r+1)*h]
		gin, t, cp, gc := dcIn[r*h:(r+1)*h], tc[r*h:(r+1)*h], c[r*h:(r+1)*h], dc[r*h:(r+1)*h]
		gin, t, cp, gc = gin[:len(gh)], t[:len(gh)], cp[:len(gh)], gc[:len(gh)]
		ai, af, ag, ao := a[:h], a[h:2*h], a[2*h:3*h], a[3*h:]
		ai, af, ag, ao = ai[:len(gh)], af[:len(gh)], ag[:len(gh)], ao[:len(gh)]
		di, df, dg, do := d[:h], d[h:2*h], d[2*h:3*h], d[3*h:]
		di, df, dg, do = di[:len(gh)], df[:len(gh)], dg[:len(gh)], do[:len(gh)]
		for j, g := range gh {
			o, tj := ao[j], t[j]
			do[j] = g * tj * o * (1 - o)
			gj := float32(g*o*(1-tj*tj)) + gin[j] // rounded first, as in the unfused calls
			i, f, gg := ai[j], af[j], ag[j]
			di[j] = gj * gg * i * (1 - i)
			df[j] = gj * cp[j] * f * (1 - f)
			dg[j] = gj * i * (1 - gg*gg)
			gc[j] = gj * f
		}
	}
}

// GRUCellForward computes one GRU step (reset_after form) for n rows: with
// x the input projections and q the recurrent projections (recurrent bias
// included), both [n, 3h] with gate blocks z, r, h̃,
//
//	z = σ(x_z + q_z)   r = σ(x_r + q_r)   hh = tanh(x_h + r⊙q_h)
//	hn = hh + z⊙(hp - hh)
//
// where hp [n, h] is the previous state. It keeps z, r, hh in act [n, 3h]
// for the backward pass; act may not alias x or q.
func GRUCellForward(hn, act, x, q, hp []float32, n, h int) {
	w := 3 * h
	for r := range n {
		a, xr, qr := act[r*w:(r+1)*w], x[r*w:(r+1)*w], q[r*w:(r+1)*w]
		AddVV(a[:2*h], xr[:2*h], qr[:2*h])
		sigmoidSlice(a[:2*h], a[:2*h])
		rg, hh := a[h:2*h], a[2*h:]
		xh, qh := xr[2*h:], qr[2*h:]
		for j := range hh {
			hh[j] = xh[j] + rg[j]*qh[j]
		}
		tanhSlice(hh, hh)
		z, p, o := a[:h], hp[r*h:(r+1)*h], hn[r*h:(r+1)*h]
		for j := range o {
			o[j] = hh[j] + z[j]*(p[j]-hh[j])
		}
	}
}

// GRUCellBackward is GRUCellForward's backward pass: from dh [n, h], the
// saved gates act, the recurrent projections q and the previous state hp it
// writes the gradients of x (dx) and q (dq), both [n, 3h], and the direct
// part of hp's gradient, dhp = dh⊙z (the part through q is the caller's).
func GRUCellBackward(dx, dq, dhp, dh, act, q, hp []float32, n, h int) {
	w := 3 * h
	for r := range n {
		a, qr := act[r*w:(r+1)*w], q[r*w:(r+1)*w]
		gx, gq := dx[r*w:(r+1)*w], dq[r*w:(r+1)*w]
		g, p, gp := dh[r*h:(r+1)*h], hp[r*h:(r+1)*h], dhp[r*h:(r+1)*h]
		for j := range h {
			z, rg, hh, gj := a[j], a[h+j], a[2*h+j], g[j]
			dz := gj * (p[j] - hh) * z * (1 - z)
			dpre := gj * (1 - z) * (1 - hh*hh)
			dr := dpre * qr[2*h+j] * rg * (1 - rg)
			gx[j], gq[j] = dz, dz
			gx[h+j], gq[h+j] = dr, dr
			gx[2*h+j], gq[2*h+j] = dpre, dpre*rg
			gp[j] = gj * z
		}
	}
}
