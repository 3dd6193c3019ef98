package tensor

import "github.com/tensile-ml/tensile/backend"

// actUnary applies the backend's activation op (parameter alpha)
// elementwise and records its backward, which the backend computes from the
// output gradient, the input and the output.
func actUnary(name string, x *Tensor, op backend.UnaryOp, alpha float32) *Tensor {
	x = x.contiguous()
	out := empty(x.arena, x.shape...)
	engine.Unary(op, out.buf, x.storage(), alpha, 0)
	return record(out, name, func(g *Tensor) []*Tensor {
		g = g.contiguous()
		dx := empty(g.arena, x.shape...)
		engine.UnaryBackward(op, dx.buf, g.storage(), x.storage(), out.buf, alpha)
		return []*Tensor{dx}
	}, x)
}

// ReLU returns max(x, 0) elementwise. Its gradient at 0 is 0.
func ReLU(x *Tensor) *Tensor {
	return actUnary("ReLU", x, backend.ReLU, 0)
}

// LeakyReLU returns x where x > 0 and alpha·x elsewhere.
func LeakyReLU(x *Tensor, alpha float32) *Tensor {
	return actUnary("LeakyReLU", x, backend.LeakyReLU, alpha)
}

// Sigmoid returns 1/(1+exp(-x)) elementwise, without overflow for large |x|.
func Sigmoid(x *Tensor) *Tensor {
	return actUnary("Sigmoid", x, backend.Sigmoid, 0)
}

// Tanh returns tanh(x) elementwise.
func Tanh(x *Tensor) *Tensor {
	return actUnary("Tanh", x, backend.Tanh, 0)
}

// ELU returns x where x > 0 and alpha·(exp(x)-1) elsewhere (Keras default
// alpha is 1).
func ELU(x *Tensor, alpha float32) *Tensor {
	return actUnary("ELU", x, backend.ELU, alpha)
}

// GELU returns x·Φ(x) = 0.5·x·(1+erf(x/√2)), the exact Gaussian error linear
// unit (Keras gelu with approximate=False).
func GELU(x *Tensor) *Tensor {
	return actUnary("GELU", x, backend.GELU, 0)
}

// GELUTanh returns the tanh approximation of GELU,
// 0.5·x·(1+tanh(√(2/π)·(x+0.044715·x³))) (Keras gelu with approximate=True).
func GELUTanh(x *Tensor) *Tensor {
	return actUnary("GELUTanh", x, backend.GELUTanh, 0)
}

// Softplus returns log(1+exp(x)) elementwise, computed stably as
// max(x,0)+log1p(exp(-|x|)).
func Softplus(x *Tensor) *Tensor {
	return actUnary("Softplus", x, backend.Softplus, 0)
}

// Swish returns x·sigmoid(x) elementwise (also called SiLU).
func Swish(x *Tensor) *Tensor {
	return actUnary("Swish", x, backend.Swish, 0)
}
