package tensor

import "github.com/tensile-ml/tensile/backend"

// This file holds the element-wise math ops: unary functions (Exp, Log, ...)
// and the broadcasting binary ops Maximum, Minimum and PowT. Each op's
// backward sits next to its forward.

// unaryOp applies the backend's element-wise op to the elements of x (with
// parameters pa, pb) and returns the new contiguous output and the
// contiguous input it read (the input to record).
func unaryOp(x *Tensor, op backend.UnaryOp, pa, pb float32) (out, src *Tensor) {
	src = x.contiguous()
	out = empty(x.arena, x.shape...)
	engine.Unary(op, out.buf, src.storage(), pa, pb)
	return out, src
}

// Exp returns e^x elementwise.
func Exp(x *Tensor) *Tensor {
	out, src := unaryOp(x, backend.Exp, 0, 0)
	return record(out, "Exp", func(g *Tensor) []*Tensor { return []*Tensor{Mul(g, out)} }, src)
}

// Log returns the natural logarithm elementwise (-Inf at 0, NaN below).
func Log(x *Tensor) *Tensor {
	out, src := unaryOp(x, backend.Log, 0, 0)
	return record(out, "Log", func(g *Tensor) []*Tensor { return []*Tensor{Div(g, src)} }, src)
}

// Sqrt returns √x elementwise. Its gradient 1/(2√x) is +Inf at 0.
func Sqrt(x *Tensor) *Tensor {
	out, src := unaryOp(x, backend.Sqrt, 0, 0)
	return record(out, "Sqrt", func(g *Tensor) []*Tensor {
		return []*Tensor{Div(MulScalar(g, 0.5), out)}
	}, src)
}

// Rsqrt returns 1/√x elementwise.
func Rsqrt(x *Tensor) *Tensor {
	out, src := unaryOp(x, backend.Rsqrt, 0, 0)
	return record(out, "Rsqrt", func(g *Tensor) []*Tensor {
		// d/dx x^-1/2 = -1/2 · x^-3/2 = -1/2 · out³
		return []*Tensor{Mul(g, MulScalar(Pow(out, 3), -0.5))}
	}, src)
}

// Square returns x² elementwise.
func Square(x *Tensor) *Tensor {
	out, src := unaryOp(x, backend.Square, 0, 0)
	return record(out, "Square", func(g *Tensor) []*Tensor {
		return []*Tensor{Mul(g, MulScalar(src, 2))}
	}, src)
}

// Abs returns |x| elementwise. Its gradient is Sign(x): 0 at x = 0, as in
// PyTorch.
func Abs(x *Tensor) *Tensor {
	out, src := unaryOp(x, backend.Abs, 0, 0)
	return record(out, "Abs", func(g *Tensor) []*Tensor { return []*Tensor{Mul(g, Sign(src))} }, src)
}

// Pow returns x^p elementwise for a constant exponent p. The gradient is
// p·x^(p-1) (zero for p = 0).
func Pow(x *Tensor, p float32) *Tensor {
	out, src := unaryOp(x, backend.Pow, p, 0)
	return record(out, "Pow", func(g *Tensor) []*Tensor {
		if p == 0 {
			return []*Tensor{zeros(g.arena, g.shape...)}
		}
		return []*Tensor{Mul(g, MulScalar(Pow(src, p-1), p))}
	}, src)
}

// Reciprocal returns 1/x elementwise.
func Reciprocal(x *Tensor) *Tensor {
	out, src := unaryOp(x, backend.Reciprocal, 0, 0)
	return record(out, "Reciprocal", func(g *Tensor) []*Tensor {
		return []*Tensor{Mul(g, MulScalar(Square(out), -1))}
	}, src)
}

// Sign returns -1, 0 or 1 elementwise by the sign of x. It is piecewise
// constant, so it records no gradient: the result never requires one.
func Sign(x *Tensor) *Tensor {
	out, _ := unaryOp(x.Detach(), backend.Sign, 0, 0)
	return out
}

// Clip returns x limited to [lo, hi] elementwise. As in PyTorch's clamp the
// gradient passes (is 1) where lo <= x <= hi, bounds included, and is 0
// outside. It panics if lo > hi.
func Clip(x *Tensor, lo, hi float32) *Tensor {
	if lo > hi {
		argErr("Clip", "lower bound %g above upper bound %g", lo, hi)
	}
	out, src := unaryOp(x, backend.Clip, lo, hi)
	return record(out, "Clip", func(g *Tensor) []*Tensor {
		mask, _ := unaryOp(src.Detach(), backend.ClipMask, lo, hi)
		return []*Tensor{Mul(g, mask)}
	}, src)
}

// Maximum returns the elementwise maximum of a and b with broadcasting; a NaN
// in either propagates. Where a == b the gradient is split evenly, half to
// each, as in PyTorch.
func Maximum(a, b *Tensor) *Tensor {
	out := binary("Maximum", a, b, backend.Max)
	return record(out, "Maximum", func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		if a.requiresGrad {
			ga = Mul(g, binary("Maximum", a, b, backend.Step))
		}
		if b.requiresGrad {
			gb = Mul(g, binary("Maximum", b, a, backend.Step))
		}
		return []*Tensor{ga, gb}
	}, a, b)
}

// Minimum returns the elementwise minimum of a and b with broadcasting; a NaN
// in either propagates. Where a == b the gradient is split evenly, half to
// each, as in PyTorch.
func Minimum(a, b *Tensor) *Tensor {
	out := binary("Minimum", a, b, backend.Min)
	return record(out, "Minimum", func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		if a.requiresGrad {
			ga = Mul(g, binary("Minimum", b, a, backend.Step))
		}
		if b.requiresGrad {
			gb = Mul(g, binary("Minimum", a, b, backend.Step))
		}
		return []*Tensor{ga, gb}
	}, a, b)
}

// PowT returns a^b elementwise with broadcasting. The gradients are
// b·a^(b-1) for a (0 where b = 0) and a^b·ln a for b (0 where a = 0 and
// b >= 0), as in PyTorch; for a < 0 the gradient of b is NaN.
func PowT(a, b *Tensor) *Tensor {
	out := binary("PowT", a, b, backend.PowB)
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
