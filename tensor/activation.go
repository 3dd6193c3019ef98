package tensor

import (
	"github.com/tensile-ml/tensile/internal/kernels"
	"github.com/tensile-ml/tensile/internal/parallel"
)

// actGrain is the element count below which an activation runs on one core.
const actGrain = 1 << 14

// actUnary applies the slice kernel fwd elementwise (split across the worker
// pool for large tensors) and records bwd, which gets the output gradient,
// the input and the output.
func actUnary(op string, x *Tensor, fwd func(dst, src []float32), bwd func(dx, dy, x, y []float32)) *Tensor {
	x = x.contiguous()
	out := empty(x.arena, x.shape...)
	xd, od := x.Data(), out.data
	parallel.For(len(od), actGrain, func(lo, hi int) { fwd(od[lo:hi], xd[lo:hi]) })
	return record(out, op, func(g *Tensor) []*Tensor {
		g = g.contiguous()
		gd := g.Data()
		dx := empty(g.arena, x.shape...)
		parallel.For(len(gd), actGrain, func(lo, hi int) {
			bwd(dx.data[lo:hi], gd[lo:hi], xd[lo:hi], od[lo:hi])
		})
		return []*Tensor{dx}
	}, x)
}

// ReLU returns max(x, 0) elementwise. Its gradient at 0 is 0.
func ReLU(x *Tensor) *Tensor {
	return actUnary("ReLU", x, kernels.ReLU, func(dx, dy, _, y []float32) { kernels.ReLUBackward(dx, dy, y) })
}

// LeakyReLU returns x where x > 0 and alpha·x elsewhere.
func LeakyReLU(x *Tensor, alpha float32) *Tensor {
	return actUnary("LeakyReLU", x,
		func(dst, src []float32) { kernels.LeakyReLU(dst, src, alpha) },
		func(dx, dy, x, _ []float32) { kernels.LeakyReLUBackward(dx, dy, x, alpha) })
}

// Sigmoid returns 1/(1+exp(-x)) elementwise, without overflow for large |x|.
func Sigmoid(x *Tensor) *Tensor {
	return actUnary("Sigmoid", x, kernels.Sigmoid, func(dx, dy, _, y []float32) { kernels.SigmoidBackward(dx, dy, y) })
}

// Tanh returns tanh(x) elementwise.
func Tanh(x *Tensor) *Tensor {
	return actUnary("Tanh", x, kernels.Tanh, func(dx, dy, _, y []float32) { kernels.TanhBackward(dx, dy, y) })
}

// ELU returns x where x > 0 and alpha·(exp(x)-1) elsewhere (Keras default
// alpha is 1).
func ELU(x *Tensor, alpha float32) *Tensor {
	return actUnary("ELU", x,
		func(dst, src []float32) { kernels.ELU(dst, src, alpha) },
		func(dx, dy, x, _ []float32) { kernels.ELUBackward(dx, dy, x, alpha) })
}

// GELU returns x·Φ(x) = 0.5·x·(1+erf(x/√2)), the exact Gaussian error linear
// unit (Keras gelu with approximate=False).
func GELU(x *Tensor) *Tensor {
	return actUnary("GELU", x, kernels.GELU, func(dx, dy, x, _ []float32) { kernels.GELUBackward(dx, dy, x) })
}

// GELUTanh returns the tanh approximation of GELU,
// 0.5·x·(1+tanh(√(2/π)·(x+0.044715·x³))) (Keras gelu with approximate=True).
func GELUTanh(x *Tensor) *Tensor {
	return actUnary("GELUTanh", x, kernels.GELUTanh, func(dx, dy, x, _ []float32) { kernels.GELUTanhBackward(dx, dy, x) })
}

// Softplus returns log(1+exp(x)) elementwise, computed stably as
// max(x,0)+log1p(exp(-|x|)).
func Softplus(x *Tensor) *Tensor {
	return actUnary("Softplus", x, kernels.Softplus, func(dx, dy, x, _ []float32) { kernels.SoftplusBackward(dx, dy, x) })
}

// Swish returns x·sigmoid(x) elementwise (also called SiLU).
func Swish(x *Tensor) *Tensor {
	return actUnary("Swish", x, kernels.Swish, func(dx, dy, x, _ []float32) { kernels.SwishBackward(dx, dy, x) })
}
