package tensor

import (
	"github.com/tensile-ml/tensile/internal/kernels"
	"github.com/tensile-ml/tensile/internal/parallel"
)

// smApply runs a [pre, n, post] softmax-style kernel with the pre dimension
// split across the worker pool.
func smApply(pre, n, post int, fn func(lo, hi int)) {
	parallel.For(pre, max(1, actGrain/max(n*post, 1)), fn)
}

// smOp implements Softmax and LogSoftmax.
func smOp(op string, x *Tensor, axis int, logOut bool) *Tensor {
	if len(x.shape) == 0 {
		shapeErr(op, "needs at least one dimension", x.shape)
	}
	ax := normAxis(op, axis, len(x.shape))
	x = x.contiguous()
	pre, n, post := splitAt(x.shape, ax)
	out := empty(x.arena, x.shape...)
	xd, od := x.Data(), out.data
	blk := n * post
	smApply(pre, n, post, func(lo, hi int) {
		if logOut {
			kernels.LogSoftmax(od[lo*blk:hi*blk], xd[lo*blk:hi*blk], hi-lo, n, post)
		} else {
			kernels.Softmax(od[lo*blk:hi*blk], xd[lo*blk:hi*blk], hi-lo, n, post)
		}
	})
	return record(out, op, func(g *Tensor) []*Tensor {
		g = g.contiguous()
		gd := g.Data()
		dx := empty(g.arena, x.shape...)
		smApply(pre, n, post, func(lo, hi int) {
			if logOut {
				kernels.LogSoftmaxBackward(dx.data[lo*blk:hi*blk], gd[lo*blk:hi*blk], od[lo*blk:hi*blk], hi-lo, n, post)
			} else {
				kernels.SoftmaxBackward(dx.data[lo*blk:hi*blk], gd[lo*blk:hi*blk], od[lo*blk:hi*blk], hi-lo, n, post)
			}
		})
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
