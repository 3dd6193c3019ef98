package kernels

import "math"

// This file holds activation, softmax and fused-loss kernels. Forward kernels
// write dst from x; backward kernels write dx from the output gradient dy and
// whichever of the input x and output y the derivative needs. Transcendental
// functions are evaluated in float64 and rounded, so results are accurate to
// float32 rounding and stable for large |x|.

// ReLU sets dst[i] = max(x[i], 0); NaN stays NaN, as in PyTorch and the
// fused GEMM and convolution epilogues.
func ReLU(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		if v <= 0 {
			dst[i] = 0
		} else {
			dst[i] = v
		}
	}
}

// ReLUBackward sets dx[i] = dy[i] where y[i] > 0, else 0 (y is ReLU's output).
func ReLUBackward(dx, dy, y []float32) {
	dy, y = dy[:len(dx)], y[:len(dx)]
	if k := simd.reluBackward; k != nil && len(dx) >= simdMin {
		k(&dx[0], &dy[0], &y[0], len(dx))
		return
	}
	reluBackwardRef(dx, dy, y)
}

func reluBackwardRef(dx, dy, y []float32) {
	dy, y = dy[:len(dx)], y[:len(dx)]
	for i, v := range y {
		if v > 0 {
			dx[i] = dy[i]
		} else {
			dx[i] = 0
		}
	}
}

// LeakyReLU sets dst[i] = x[i] if x[i] > 0, else alpha*x[i].
func LeakyReLU(dst, x []float32, alpha float32) {
	x = x[:len(dst)]
	for i, v := range x {
		if v > 0 {
			dst[i] = v
		} else {
			dst[i] = alpha * v
		}
	}
}

// LeakyReLUBackward sets dx[i] = dy[i] if x[i] > 0, else alpha*dy[i].
func LeakyReLUBackward(dx, dy, x []float32, alpha float32) {
	dy, x = dy[:len(dx)], x[:len(dx)]
	for i, v := range x {
		if v > 0 {
			dx[i] = dy[i]
		} else {
			dx[i] = alpha * dy[i]
		}
	}
}

// sigmoid64 is the logistic function, stable for large |x|.
func sigmoid64(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// Sigmoid sets dst[i] = 1/(1+exp(-x[i])), without overflow for large |x|.
func Sigmoid(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = float32(sigmoid64(float64(v)))
	}
}

// SigmoidBackward sets dx[i] = dy[i]*y[i]*(1-y[i]) (y is Sigmoid's output).
func SigmoidBackward(dx, dy, y []float32) {
	dy, y = dy[:len(dx)], y[:len(dx)]
	for i, v := range y {
		dx[i] = dy[i] * v * (1 - v)
	}
}

// Tanh sets dst[i] = tanh(x[i]).
func Tanh(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = float32(math.Tanh(float64(v)))
	}
}

// TanhBackward sets dx[i] = dy[i]*(1-y[i]²) (y is Tanh's output).
func TanhBackward(dx, dy, y []float32) {
	dy, y = dy[:len(dx)], y[:len(dx)]
	for i, v := range y {
		dx[i] = dy[i] * (1 - v*v)
	}
}

// ELU sets dst[i] = x[i] if x[i] > 0, else alpha*(exp(x[i])-1).
func ELU(dst, x []float32, alpha float32) {
	x = x[:len(dst)]
	for i, v := range x {
		if v > 0 {
			dst[i] = v
		} else {
			dst[i] = alpha * float32(math.Expm1(float64(v)))
		}
	}
}

// ELUBackward sets dx[i] = dy[i] if x[i] > 0, else dy[i]*alpha*exp(x[i]).
func ELUBackward(dx, dy, x []float32, alpha float32) {
	dy, x = dy[:len(dx)], x[:len(dx)]
	for i, v := range x {
		if v > 0 {
			dx[i] = dy[i]
		} else {
			dx[i] = dy[i] * alpha * float32(math.Exp(float64(v)))
		}
	}
}

const (
	invSqrt2    = 0.70710678118654752440
	invSqrt2Pi  = 0.39894228040143267794
	sqrt2OverPi = 0.79788456080286535588
	geluCoef    = 0.044715
)

// GELU sets dst[i] = x·Φ(x) = 0.5·x·(1+erf(x/√2)) (the exact form).
func GELU(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		z := float64(v)
		dst[i] = float32(0.5 * z * (1 + math.Erf(z*invSqrt2)))
	}
}

// GELUBackward sets dx[i] = dy[i]·(Φ(x)+x·φ(x)).
func GELUBackward(dx, dy, x []float32) {
	dy, x = dy[:len(dx)], x[:len(dx)]
	for i, v := range x {
		z := float64(v)
		d := 0.5*(1+math.Erf(z*invSqrt2)) + z*invSqrt2Pi*math.Exp(-0.5*z*z)
		dx[i] = dy[i] * float32(d)
	}
}

// GELUTanh sets dst[i] = 0.5·x·(1+tanh(√(2/π)·(x+0.044715·x³))).
func GELUTanh(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		z := float64(v)
		dst[i] = float32(0.5 * z * (1 + math.Tanh(sqrt2OverPi*(z+geluCoef*z*z*z))))
	}
}

// GELUTanhBackward is the derivative of GELUTanh times dy.
func GELUTanhBackward(dx, dy, x []float32) {
	dy, x = dy[:len(dx)], x[:len(dx)]
	for i, v := range x {
		z := float64(v)
		t := math.Tanh(sqrt2OverPi * (z + geluCoef*z*z*z))
		d := 0.5*(1+t) + 0.5*z*(1-t*t)*sqrt2OverPi*(1+3*geluCoef*z*z)
		dx[i] = dy[i] * float32(d)
	}
}

// softplus64 is log(1+exp(x)), stable for large |x|.
func softplus64(x float64) float64 {
	return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x)))
}

// Softplus sets dst[i] = log(1+exp(x[i])), computed as
// max(x,0)+log1p(exp(-|x|)) so it never overflows.
func Softplus(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = float32(softplus64(float64(v)))
	}
}

// SoftplusBackward sets dx[i] = dy[i]·sigmoid(x[i]).
func SoftplusBackward(dx, dy, x []float32) {
	dy, x = dy[:len(dx)], x[:len(dx)]
	for i, v := range x {
		dx[i] = dy[i] * float32(sigmoid64(float64(v)))
	}
}

// Swish sets dst[i] = x[i]·sigmoid(x[i]) (also called SiLU).
func Swish(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		z := float64(v)
		dst[i] = float32(z * sigmoid64(z))
	}
}

// SwishBackward sets dx[i] = dy[i]·(s + x·s·(1-s)) with s = sigmoid(x[i]).
func SwishBackward(dx, dy, x []float32) {
	dy, x = dy[:len(dx)], x[:len(dx)]
	for i, v := range x {
		z := float64(v)
		s := sigmoid64(z)
		dx[i] = dy[i] * float32(s+z*s*(1-s))
	}
}

// Softmax writes the softmax of src along the middle axis of the
// [pre, n, post] layout to dst: dst = exp(x-max)/Σexp(x-max). Subtracting
// the maximum keeps it finite for any finite input.
func Softmax(dst, src []float32, pre, n, post int) {
	smRows(dst, src, pre, n, post, false)
}

// LogSoftmax writes log(softmax(src)) along the middle axis of [pre, n, post]
// to dst, computed as x - max - log Σexp(x-max).
func LogSoftmax(dst, src []float32, pre, n, post int) {
	smRows(dst, src, pre, n, post, true)
}

func smRows(dst, src []float32, pre, n, post int, logOut bool) {
	if n == 0 {
		return
	}
	_ = dst[pre*n*post-1]
	_ = src[pre*n*post-1]
	for p := 0; p < pre; p++ {
		for j := 0; j < post; j++ {
			base := p*n*post + j
			m := src[base]
			for i := 1; i < n; i++ {
				if v := src[base+i*post]; v > m {
					m = v
				}
			}
			var s float64
			if logOut {
				for i := 0; i < n; i++ {
					s += math.Exp(float64(src[base+i*post] - m))
				}
				lse := float32(math.Log(s))
				for i := 0; i < n; i++ {
					dst[base+i*post] = src[base+i*post] - m - lse
				}
				continue
			}
			for i := 0; i < n; i++ {
				e := math.Exp(float64(src[base+i*post] - m))
				dst[base+i*post] = float32(e)
				s += e
			}
			inv := float32(1 / s)
			for i := 0; i < n; i++ {
				dst[base+i*post] *= inv
			}
		}
	}
}

// SoftmaxBackward sets dx = y·(dy - Σ dy·y) along the middle axis of
// [pre, n, post] (y is Softmax's output).
func SoftmaxBackward(dx, dy, y []float32, pre, n, post int) {
	if n == 0 {
		return
	}
	for p := 0; p < pre; p++ {
		for j := 0; j < post; j++ {
			base := p*n*post + j
			var s float32
			for i := 0; i < n; i++ {
				s += dy[base+i*post] * y[base+i*post]
			}
			for i := 0; i < n; i++ {
				k := base + i*post
				dx[k] = y[k] * (dy[k] - s)
			}
		}
	}
}

// LogSoftmaxBackward sets dx = dy - exp(y)·Σdy along the middle axis of
// [pre, n, post] (y is LogSoftmax's output).
func LogSoftmaxBackward(dx, dy, y []float32, pre, n, post int) {
	if n == 0 {
		return
	}
	for p := 0; p < pre; p++ {
		for j := 0; j < post; j++ {
			base := p*n*post + j
			var s float32
			for i := 0; i < n; i++ {
				s += dy[base+i*post]
			}
			for i := 0; i < n; i++ {
				k := base + i*post
				dx[k] = dy[k] - float32(math.Exp(float64(y[k])))*s
			}
		}
	}
}

// SigmoidXent sets dst[i] = max(x,0) - x·t + log1p(exp(-|x|)), the binary
// cross-entropy of target t[i] against sigmoid(x[i]), stable for any x.
func SigmoidXent(dst, x, t []float32) {
	x, t = x[:len(dst)], t[:len(dst)]
	for i, v := range x {
		z := float64(v)
		dst[i] = float32(math.Max(z, 0) - z*float64(t[i]) + math.Log1p(math.Exp(-math.Abs(z))))
	}
}

// SigmoidXentBackward sets dx[i] = dy[i]·(sigmoid(x[i]) - t[i]) and, when dt
// is not nil, dt[i] = -dy[i]·x[i].
func SigmoidXentBackward(dx, dt, dy, x, t []float32) {
	dy, t = dy[:len(x)], t[:len(x)]
	if dx != nil {
		dx = dx[:len(x)]
		for i, v := range x {
			dx[i] = dy[i] * (float32(sigmoid64(float64(v))) - t[i])
		}
	}
	if dt != nil {
		dt = dt[:len(x)]
		for i, v := range x {
			dt[i] = -dy[i] * v
		}
	}
}

// XentSparseBackward sets dx[r*k+j] = g[r]·(exp(logp[r*k+j]) - [j == labels[r]])
// for each row r of the rows×k log-probabilities logp: the gradient of the
// softmax cross-entropy -logp[r, labels[r]] with respect to the logits.
func XentSparseBackward(dx, g, logp []float32, labels []int, k int) {
	for r, lab := range labels {
		gr := g[r]
		d := dx[r*k : r*k+k]
		lp := logp[r*k : r*k+k]
		for j, v := range lp {
			d[j] = gr * float32(math.Exp(float64(v)))
		}
		d[lab] -= gr
	}
}

// XentDense sets loss[r] = -Σ_j t[r*k+j]·logp[r*k+j] for rows×k matrices.
func XentDense(loss, logp, t []float32, k int) {
	for r := range loss {
		lp := logp[r*k : r*k+k]
		tr := t[r*k : r*k+k]
		var s float64
		for j, v := range lp {
			s -= float64(tr[j]) * float64(v)
		}
		loss[r] = float32(s)
	}
}

// XentDenseBackward writes the gradients of XentDense scaled by g[r]:
// dx[r,j] = g[r]·(exp(logp[r,j])·Σ_i t[r,i] - t[r,j]) with respect to the
// logits and, when dt is not nil, dt[r,j] = -g[r]·logp[r,j] with respect to
// the targets.
func XentDenseBackward(dx, dt, g, logp, t []float32, k int) {
	for r, gr := range g {
		lp := logp[r*k : r*k+k]
		tr := t[r*k : r*k+k]
		if dx != nil {
			var st float32
			for _, v := range tr {
				st += v
			}
			d := dx[r*k : r*k+k]
			for j, v := range lp {
				d[j] = gr * (float32(math.Exp(float64(v)))*st - tr[j])
			}
		}
		if dt != nil {
			d := dt[r*k : r*k+k]
			for j, v := range lp {
				d[j] = -gr * v
			}
		}
	}
}
