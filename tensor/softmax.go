package tensor

// smOp implements Softmax and LogSoftmax.
func smOp(op string, x *Tensor, axis int, logOut bool) *Tensor {
	if len(x.shape) == 0 {
		shapeErr(op, "needs at least one dimension", x.shape)
	}
	ax := normAxis(op, axis, len(x.shape))
	x = x.contiguous()
	pre, n, post := splitAt(x.shape, ax)
	out := empty(x.arena, x.shape...)
	engine.Softmax(out.buf, x.storage(), pre, n, post, logOut)
	return record(out, op, func(g *Tensor) []*Tensor {
		g = g.contiguous()
		dx := empty(g.arena, x.shape...)
		engine.SoftmaxBackward(dx.buf, g.storage(), out.buf, pre, n, post, logOut)
		return []*Tensor{dx}
	}, x)
}

// Softmax returns exp(x)/Σexp(x) along axis (negative counts from the end).
// It subtracts the maximum along the axis first, so it neither overflows nor
// produces NaN for large finite logits.
func Softmax(x *Tensor, axis int) *Tensor { return smOp("Softmax", x, axis, false) }

// LogSoftmax returns log(Softmax(x, axis)), computed stably as
// x - max - log Σexp(x - max).
func LogSoftmax(x *Tensor, axis int) *Tensor { return smOp("LogSoftmax", x, axis, true) }
