package kernels

import "math"

// Optimizer update kernels. Each one is a single pass over a parameter's flat
// data p, its gradient g and the optimizer's slot slices (all the same
// length, len(p)); they update p and the slots in place and allocate nothing.
// Scalars that depend only on the step (bias corrections, the current
// learning rate) are computed by the caller.

// SGDUpdate sets p[i] -= lr*g[i]. SIMD (NEON) when available,
// bit-identical to the reference sgdRef.
func SGDUpdate(p, g []float32, lr float32) {
	g = g[:len(p)]
	if k := simd.sgd; k != nil && len(p) > 0 {
		k(&p[0], &g[0], len(p), lr)
		return
	}
	sgdRef(p, g, lr)
}

// sgdRef is SGDUpdate's reference. Here and in the other references, the
// explicit float32 conversions keep the compiler from fusing multiply-adds
// (as it may on arm64), so the SIMD kernels can match them bit for bit.
func sgdRef(p, g []float32, lr float32) {
	g = g[:len(p)]
	for i := range p {
		p[i] -= float32(lr * g[i])
	}
}

// MomentumUpdate is Keras's SGD with momentum:
//
//	m = momentum*m - lr*g
//	p += m                      (plain)
//	p += momentum*m - lr*g      (nesterov, with the new m)
//
// SIMD (NEON) when available, bit-identical to the reference momentumRef.
func MomentumUpdate(p, g, m []float32, lr, momentum float32, nesterov bool) {
	g, m = g[:len(p)], m[:len(p)]
	k := simd.momentum
	if nesterov {
		k = simd.nesterov
	}
	if k != nil && len(p) > 0 {
		k(&p[0], &g[0], &m[0], len(p), lr, momentum)
		return
	}
	momentumRef(p, g, m, lr, momentum, nesterov)
}

func momentumRef(p, g, m []float32, lr, momentum float32, nesterov bool) {
	g, m = g[:len(p)], m[:len(p)]
	if nesterov {
		for i := range p {
			lg := float32(lr * g[i])
			mi := float32(momentum*m[i]) - lg
			m[i] = mi
			p[i] += float32(momentum*mi) - lg
		}
		return
	}
	for i := range p {
		mi := float32(momentum*m[i]) - float32(lr*g[i])
		m[i] = mi
		p[i] += mi
	}
}

// AdamUpdate is Keras's Adam step with the bias corrections folded into
// alpha = lr·sqrt(1-β2^t)/(1-β1^t):
//
//	m += (g - m)·(1-β1)
//	v += (g² - v)·(1-β2)
//	p -= alpha·m / (sqrt(v) + eps)
//
// SIMD (AVX-512 or AVX2) when available (bit-identical); the reference is adamUpdateRef.
func AdamUpdate(p, g, m, v []float32, alpha, b1, b2, eps float32) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	if k := simd.adam; k != nil && len(p) > 0 {
		k(&p[0], &g[0], &m[0], &v[0], len(p), alpha, 1-b1, 1-b2, eps)
		return
	}
	adamUpdateRef(p, g, m, v, alpha, b1, b2, eps)
}

func adamUpdateRef(p, g, m, v []float32, alpha, b1, b2, eps float32) {
	adamStepRef(p, g, m, v, alpha, 1-b1, 1-b2, eps)
}

// adamStepRef is adamUpdateRef with c1 = 1-β1 and c2 = 1-β2. The explicit
// float32 conversions keep the compiler from fusing multiply-adds (as it
// may on arm64 or with GOAMD64=v3), so the SIMD kernels can match it bit
// for bit.
func adamStepRef(p, g, m, v []float32, alpha, c1, c2, eps float32) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i := range p {
		gi := g[i]
		mi := m[i] + float32((gi-m[i])*c1)
		vi := v[i] + float32((float32(gi*gi)-v[i])*c2)
		m[i], v[i] = mi, vi
		p[i] -= alpha * mi / (float32(math.Sqrt(float64(vi))) + eps)
	}
}

// AMSGradUpdate is AdamUpdate with the AMSGrad variant: vhat keeps the
// running maximum of v, and the denominator uses sqrt(vhat).
func AMSGradUpdate(p, g, m, v, vhat []float32, alpha, b1, b2, eps float32) {
	g, m, v, vhat = g[:len(p)], m[:len(p)], v[:len(p)], vhat[:len(p)]
	c1, c2 := 1-b1, 1-b2
	for i := range p {
		gi := g[i]
		mi := m[i] + (gi-m[i])*c1
		vi := v[i] + (gi*gi-v[i])*c2
		m[i], v[i] = mi, vi
		vh := max(vhat[i], vi)
		vhat[i] = vh
		p[i] -= alpha * mi / (float32(math.Sqrt(float64(vh))) + eps)
	}
}

// RMSpropUpdate is Keras's RMSprop step. v is the moving average of g²; mom
// (the momentum slot) and avg (the moving average of g, centered variant) may
// be nil when momentum is 0 or centering is off:
//
//	v = rho·v + (1-rho)·g²
//	avg = rho·avg + (1-rho)·g                     (centered)
//	inc = lr·g / sqrt(v - avg² + eps)             (centered; else sqrt(v + eps))
//	mom = momentum·mom + inc; p -= mom            (mom != nil; else p -= inc)
//
// The variants without centering run on SIMD (NEON) when available,
// bit-identical to the reference rmspropRef.
func RMSpropUpdate(p, g, v, mom, avg []float32, lr, rho, momentum, eps float32) {
	g, v = g[:len(p)], v[:len(p)]
	c := 1 - rho
	switch {
	case avg == nil && mom == nil:
		if k := simd.rmsprop; k != nil && len(p) > 0 {
			k(&p[0], &g[0], &v[0], len(p), lr, rho, c, eps)
			return
		}
		rmspropRef(p, g, v, nil, lr, rho, c, 0, eps)
	case avg == nil:
		mom = mom[:len(p)]
		if k := simd.rmspropMom; k != nil && len(p) > 0 {
			k(&p[0], &g[0], &v[0], &mom[0], len(p), lr, rho, c, momentum, eps)
			return
		}
		rmspropRef(p, g, v, mom, lr, rho, c, momentum, eps)
	default:
		avg = avg[:len(p)]
		for i := range p {
			gi := g[i]
			vi := rho*v[i] + c*gi*gi
			v[i] = vi
			ai := rho*avg[i] + c*gi
			avg[i] = ai
			inc := lr * gi / float32(math.Sqrt(float64(vi-ai*ai+eps)))
			if mom != nil {
				inc += momentum * mom[i]
				mom[i] = inc
			}
			p[i] -= inc
		}
	}
}

// rmspropRef is RMSpropUpdate without centering (mom nil: no momentum),
// with c = 1-rho.
func rmspropRef(p, g, v, mom []float32, lr, rho, c, momentum, eps float32) {
	g, v = g[:len(p)], v[:len(p)]
	if mom != nil {
		mom = mom[:len(p)]
	}
	for i := range p {
		gi := g[i]
		vi := float32(rho*v[i]) + float32(float32(c*gi)*gi)
		v[i] = vi
		inc := float32(lr*gi) / float32(math.Sqrt(float64(vi+eps)))
		if mom != nil {
			inc += float32(momentum * mom[i])
			mom[i] = inc
		}
		p[i] -= inc
	}
}

// AdagradUpdate is Keras's Adagrad step:
//
//	acc += g²
//	p -= lr·g / sqrt(acc + eps)
//
// SIMD (NEON) when available, bit-identical to the reference adagradRef.
func AdagradUpdate(p, g, acc []float32, lr, eps float32) {
	g, acc = g[:len(p)], acc[:len(p)]
	if k := simd.adagrad; k != nil && len(p) > 0 {
		k(&p[0], &g[0], &acc[0], len(p), lr, eps)
		return
	}
	adagradRef(p, g, acc, lr, eps)
}

func adagradRef(p, g, acc []float32, lr, eps float32) {
	g, acc = g[:len(p)], acc[:len(p)]
	for i := range p {
		gi := g[i]
		a := acc[i] + float32(gi*gi)
		acc[i] = a
		p[i] -= float32(lr*gi) / float32(math.Sqrt(float64(a+eps)))
	}
}

// ScaleInPlace sets x[i] *= s.
func ScaleInPlace(x []float32, s float32) {
	for i := range x {
		x[i] *= s
	}
}

// ScaleTo sets dst[i] = s*x[i].
func ScaleTo(dst, x []float32, s float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = s * x[i]
	}
}

// ClipTo sets dst[i] = min(max(x[i], lo), hi).
func ClipTo(dst, x []float32, lo, hi float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = min(max(x[i], lo), hi)
	}
}

// SumSquares returns Σ x[i]², accumulated in float64.
func SumSquares(x []float32) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		a, b, c, d := float64(x[i]), float64(x[i+1]), float64(x[i+2]), float64(x[i+3])
		s0 += a * a
		s1 += b * b
		s2 += c * c
		s3 += d * d
	}
	for ; i < len(x); i++ {
		a := float64(x[i])
		s0 += a * a
	}
	return s0 + s1 + s2 + s3
}
