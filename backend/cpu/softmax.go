package cpu

import (
	"github.com/tensile-ml/tensile/backend"
	"github.com/tensile-ml/tensile/internal/kernels"
	"github.com/tensile-ml/tensile/internal/parallel"
)

// smGrain returns the worker grain (in pre rows) of a softmax over
// [pre, n, post].
func smGrain(n, post int) int { return max(1, actGrain/max(n*post, 1)) }

// Softmax computes dst = softmax(x) or log-softmax along the middle axis,
// split across the worker pool by pre rows.
func (*CPU) Softmax(dst, x backend.Buffer, pre, n, post int, log bool) {
	od, xd := dst.Host, x.Host
	blk := n * post
	parallel.For(pre, smGrain(n, post), func(lo, hi int) {
		if log {
			kernels.LogSoftmax(od[lo*blk:hi*blk], xd[lo*blk:hi*blk], hi-lo, n, post)
		} else {
			kernels.Softmax(od[lo*blk:hi*blk], xd[lo*blk:hi*blk], hi-lo, n, post)
		}
	})
}

// SoftmaxBackward computes dx from dy and the output y.
func (*CPU) SoftmaxBackward(dx, dy, y backend.Buffer, pre, n, post int, log bool) {
	dd, gd, od := dx.Host, dy.Host, y.Host
	blk := n * post
	parallel.For(pre, smGrain(n, post), func(lo, hi int) {
		if log {
			kernels.LogSoftmaxBackward(dd[lo*blk:hi*blk], gd[lo*blk:hi*blk], od[lo*blk:hi*blk], hi-lo, n, post)
		} else {
			kernels.SoftmaxBackward(dd[lo*blk:hi*blk], gd[lo*blk:hi*blk], od[lo*blk:hi*blk], hi-lo, n, post)
		}
	})
}

// XentSparse computes loss[r] = -logp[r, labels[r]].
func (*CPU) XentSparse(loss, logp backend.Buffer, labels []int, k int) {
	l, p := loss.Host, logp.Host
	for i, lab := range labels {
		l[i] = -p[i*k+lab]
	}
}

// XentSparseBackward computes the logits' gradient of XentSparse.
func (*CPU) XentSparseBackward(dx, g, logp backend.Buffer, labels []int, k int) {
	kernels.XentSparseBackward(dx.Host, g.Host, logp.Host, labels, k)
}

// XentDense computes loss[r] = -Σ_j t[r, j]·logp[r, j].
func (*CPU) XentDense(loss, logp, t backend.Buffer, k int) {
	kernels.XentDense(loss.Host, logp.Host, t.Host, k)
}

// XentDenseBackward computes the gradients of XentDense.
func (*CPU) XentDenseBackward(dx, dt, g, logp, t backend.Buffer, k int) {
	kernels.XentDenseBackward(dx.Host, dt.Host, g.Host, logp.Host, t.Host, k)
}

// SigmoidXent computes the stable binary cross-entropy from logits.
func (*CPU) SigmoidXent(dst, x, t backend.Buffer) { kernels.SigmoidXent(dst.Host, x.Host, t.Host) }

// SigmoidXentBackward computes the gradients of SigmoidXent.
func (*CPU) SigmoidXentBackward(dx, dt, dy, x, t backend.Buffer) {
	kernels.SigmoidXentBackward(dx.Host, dt.Host, dy.Host, x.Host, t.Host)
}
