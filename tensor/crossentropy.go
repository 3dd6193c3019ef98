package tensor

import (
	"slices"

	"github.com/tensile-ml/tensile/backend"
)

// xentLogits validates logits [B, K] and returns them contiguous with their
// log-softmax along K.
func xentLogits(op string, logits *Tensor) (x, logp *Tensor, b, k int) {
	if len(logits.shape) != 2 {
		shapeErr(op, "needs logits [B, K]", logits.shape)
	}
	x = logits.contiguous()
	b, k = x.shape[0], x.shape[1]
	logp = empty(x.arena, b, k)
	if k > 0 {
		engine.Softmax(logp.buf, x.storage(), b, k, 1, true)
	}
	return x, logp, b, k
}

// SoftmaxCrossEntropy returns the per-sample loss -log softmax(logits)[label]
// [B] for logits [B, K] and integer class labels (len B), as Keras
// sparse_categorical_crossentropy with from_logits=True computes it before
// averaging. It is stable for any finite logits. The backward pass computes
// (softmax - onehot)·g in one pass. A label outside [0, K) panics with an
// error naming the label and K.
func SoftmaxCrossEntropy(logits *Tensor, labels []int) *Tensor {
	const op = "SoftmaxCrossEntropy"
	if len(logits.shape) != 2 {
		shapeErr(op, "needs logits [B, K]", logits.shape)
	}
	if len(labels) != logits.shape[0] {
		argErr(op, "%d labels for logits %v", len(labels), logits.shape)
	}
	k := logits.shape[1]
	for i, l := range labels {
		if l < 0 || l >= k {
			argErr(op, "label %d (sample %d) is out of range for %d classes", l, i, k)
		}
	}
	x, logp, b, _ := xentLogits(op, logits)
	labs := append([]int(nil), labels...)
	out := empty(x.arena, b)
	engine.XentSparse(out.buf, logp.buf, labs, k)
	return record(out, op, func(g *Tensor) []*Tensor {
		g = g.contiguous()
		dx := empty(g.arena, b, k)
		engine.XentSparseBackward(dx.buf, g.storage(), logp.buf, labs, k)
		return []*Tensor{dx}
	}, x)
}

// SoftmaxCrossEntropyDense returns the per-sample loss
// -Σ_k targets[b,k]·log softmax(logits)[b,k] [B] for logits and targets
// [B, K] (probabilities or one-hot rows), as Keras categorical_crossentropy
// with from_logits=True computes it before averaging. Gradients flow to the
// logits and, if they require one, to the targets.
func SoftmaxCrossEntropyDense(logits, targets *Tensor) *Tensor {
	const op = "SoftmaxCrossEntropyDense"
	if !slices.Equal(logits.shape, targets.shape) || len(logits.shape) != 2 {
		shapeErr(op, "need logits and targets of the same shape [B, K]", logits.shape, targets.shape)
	}
	x, logp, b, k := xentLogits(op, logits)
	t := targets.contiguous()
	out := empty(arenaOf(x, t), b)
	engine.XentDense(out.buf, logp.buf, t.storage(), k)
	return record(out, op, func(g *Tensor) []*Tensor {
		g = g.contiguous()
		var dx, dt *Tensor
		var dxd, dtd backend.Buffer
		if x.requiresGrad {
			dx = empty(g.arena, b, k)
			dxd = dx.buf
		}
		if t.requiresGrad {
			dt = empty(g.arena, b, k)
			dtd = dt.buf
		}
		engine.XentDenseBackward(dxd, dtd, g.storage(), logp.buf, t.storage(), k)
		return []*Tensor{dx, dt}
	}, x, t)
}

// SigmoidCrossEntropy returns the elementwise binary cross-entropy of
// targets against sigmoid(logits), computed stably from the logits as
// max(x,0) - x·t + log(1+exp(-|x|)) (Keras binary_crossentropy with
// from_logits=True, before averaging). logits and targets have the same
// shape. Gradients: (sigmoid(x) - t)·g for the logits, -x·g for the targets.
func SigmoidCrossEntropy(logits, targets *Tensor) *Tensor {
	const op = "SigmoidCrossEntropy"
	if !slices.Equal(logits.shape, targets.shape) {
		shapeErr(op, "need logits and targets of the same shape", logits.shape, targets.shape)
	}
	x, t := logits.contiguous(), targets.contiguous()
	out := empty(arenaOf(x, t), x.shape...)
	engine.SigmoidXent(out.buf, x.storage(), t.storage())
	return record(out, op, func(g *Tensor) []*Tensor {
		g = g.contiguous()
		var dx, dt *Tensor
		var dxd, dtd backend.Buffer
		if x.requiresGrad {
			dx = empty(g.arena, x.shape...)
			dxd = dx.buf
		}
		if t.requiresGrad {
			dt = empty(g.arena, x.shape...)
			dtd = dt.buf
		}
		engine.SigmoidXentBackward(dxd, dtd, g.storage(), x.storage(), t.storage())
		return []*Tensor{dx, dt}
	}, x, t)
}
