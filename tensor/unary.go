package tensor

import (
	"github.com/tensile-ml/tensile/internal/kernels"
	"github.com/tensile-ml/tensile/internal/parallel"
)

// This file holds the element-wise math ops: unary functions (Exp, Log, ...)
// and the broadcasting binary ops Maximum, Minimum and PowT. Each op's
// backward sits next to its forward.

// unaryGrain is the number of elements below which a unary kernel runs on
// the calling goroutine only.
const unaryGrain = 1 << 15

// unaryOp applies kernel k to the elements of x and returns the new
// contiguous output and the contiguous input it read (the input to record).
func unaryOp(x *Tensor, k func(dst, src []float32)) (out, src *Tensor) {
	src = x.contiguous()
	out = empty(x.arena, x.shape...)
	d, s := out.data, src.Data()
	if len(d) < 2*unaryGrain {
		k(d, s)
		return out, src
	}
	parallel.For(len(d), unaryGrain, func(lo, hi int) { k(d[lo:hi], s[lo:hi]) })
	return out, src
}

// Exp returns e^x elementwise.
func Exp(x *Tensor) *Tensor {
	out, src := unaryOp(x, kernels.Exp)
	return record(out, "Exp", func(g *Tensor) []*Tensor { return []*Tensor{Mul(g, out)} }, src)
}

// Log returns the natural logarithm elementwise (-Inf at 0, NaN below).
func Log(x *Tensor) *Tensor {
	out, src := unaryOp(x, kernels.Log)
	return record(out, "Log", func(g *Tensor) []*Tensor { return []*Tensor{Div(g, src)} }, src)
}

// Sqrt returns √x elementwise. Its gradient 1/(2√x) is +Inf at 0.
func Sqrt(x *Tensor) *Tensor {
	out, src := unaryOp(x, kernels.Sqrt)
	return record(out, "Sqrt", func(g *Tensor) []*Tensor {
		return []*Tensor{Div(MulScalar(g, 0.5), out)}
	}, src)
}

// Rsqrt returns 1/√x elementwise.
func Rsqrt(x *Tensor) *Tensor {
	out, src := unaryOp(x, kernels.Rsqrt)
	return record(out, "Rsqrt", func(g *Tensor) []*Tensor {
		// d/dx x^-1/2 = -1/2 · x^-3/2 = -1/2 · out³
		return []*Tensor{Mul(g, MulScalar(Pow(out, 3), -0.5))}
	}, src)
}

// Square returns x² elementwise.
func Square(x *Tensor) *Tensor {
	out, src := unaryOp(x, kernels.Square)
	return record(out, "Square", func(g *Tensor) []*Tensor {
		return []*Tensor{Mul(g, MulScalar(src, 2))}
	}, src)
}

// Abs returns |x| elementwise. Its gradient is Sign(x): 0 at x = 0, as in
// PyTorch.
func Abs(x *Tensor) *Tensor {
	out, src := unaryOp(x, kernels.Abs)
	return record(out, "Abs", func(g *Tensor) []*Tensor { return []*Tensor{Mul(g, Sign(src))} }, src)
}

// Pow returns x^p elementwise for a constant exponent p. The gradient is
// p·x^(p-1) (zero for p = 0).
func Pow(x *Tensor, p float32) *Tensor {
	out, src := unaryOp(x, func(d, s []float32) { kernels.PowVS(d, s, p) })
	return record(out, "Pow", func(g *Tensor) []*Tensor {
		if p == 0 {
			return []*Tensor{zeros(g.arena, g.shape...)}
		}
		return []*Tensor{Mul(g, MulScalar(Pow(src, p-1), p))}
	}, src)
}

// Reciprocal returns 1/x elementwise.
func Reciprocal(x *Tensor) *Tensor {
	out, src := unaryOp(x, kernels.Reciprocal)
	return record(out, "Reciprocal", func(g *Tensor) []*Tensor {
		return []*Tensor{Mul(g, MulScalar(Square(out), -1))}
	}, src)
}

// Sign returns -1, 0 or 1 elementwise by the sign of x. It is piecewise
// constant, so it records no gradient: the result never requires one.
func Sign(x *Tensor) *Tensor {
	out, _ := unaryOp(x.Detach(), kernels.Sign)
	return out
}

// Clip returns x limited to [lo, hi] elementwise. As in PyTorch's clamp the
// gradient passes (is 1) where lo <= x <= hi, bounds included, and is 0
// outside. It panics if lo > hi.
func Clip(x *Tensor, lo, hi float32) *Tensor {
	if lo > hi {
		argErr("Clip", "lower bound %g above upper bound %g", lo, hi)
	}
	out, src := unaryOp(x, func(d, s []float32) { kernels.Clip(d, s, lo, hi) })
	return record(out, "Clip", func(g *Tensor) []*Tensor {
		mask, _ := unaryOp(src.Detach(), func(d, s []float32) { kernels.ClipMask(d, s, lo, hi) })
		return []*Tensor{Mul(g, mask)}
	}, src)
}

var (
	unaryMaxK  = binKernels{kernels.MaxVV, kernels.MaxVS, func(d []float32, s float32, b []float32) { kernels.MaxVS(d, b, s) }}
	unaryMinK  = binKernels{kernels.MinVV, kernels.MinVS, func(d []float32, s float32, b []float32) { kernels.MinVS(d, b, s) }}
	unaryStepK = binKernels{kernels.StepVV, kernels.StepVS, kernels.StepSV}
	unaryPowK  = binKernels{kernels.PowVV, kernels.PowVS, kernels.PowSV}
)

// Maximum returns the elementwise maximum of a and b with broadcasting; a NaN
// in either propagates. Where a == b the gradient is split evenly, half to
// each, as in PyTorch.
func Maximum(a, b *Tensor) *Tensor {
	out := binary("Maximum", a, b, unaryMaxK)
	return record(out, "Maximum", func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		if a.requiresGrad {
			ga = Mul(g, binary("Maximum", a, b, unaryStepK))
		}
		if b.requiresGrad {
			gb = Mul(g, binary("Maximum", b, a, unaryStepK))
		}
		return []*Tensor{ga, gb}
	}, a, b)
}

// Minimum returns the elementwise minimum of a and b with broadcasting; a NaN
// in either propagates. Where a == b the gradient is split evenly, half to
// each, as in PyTorch.
func Minimum(a, b *Tensor) *Tensor {
	out := binary("Minimum", a, b, unaryMinK)
	return record(out, "Minimum", func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		if a.requiresGrad {
			ga = Mul(g, binary("Minimum", b, a, unaryStepK))
		}
		if b.requiresGrad {
			gb = Mul(g, binary("Minimum", a, b, unaryStepK))
		}
		return []*Tensor{ga, gb}
	}, a, b)
}

// PowT returns a^b elementwise with broadcasting. The gradients are
// b·a^(b-1) for a (0 where b = 0) and a^b·ln a for b (0 where a = 0 and
// b >= 0), as in PyTorch; for a < 0 the gradient of b is NaN.
func PowT(a, b *Tensor) *Tensor {
	out := binary("PowT", a, b, unaryPowK)
	return record(out, "PowT", func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		zero := Scalar(0)
		if a.requiresGrad {
			d := Mul(b, PowT(a, AddScalar(b, -1)))
			ga = Mul(g, Where(Equal(b, zero), zero, d))
		}
		if b.requiresGrad {
			d := Mul(out, Log(a))
			gb = Mul(g, Where(Mul(Equal(a, zero), GreaterEqual(b, zero)), zero, d))
		}
		return []*Tensor{ga, gb}
	}, a, b)
}
