package tensor

import "github.com/tensile-ml/tensile/internal/kernels"

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
		kernels.LogSoftmax(logp.data, x.Data(), b, k, 1)
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
	for i, l := range labs {
		out.data[i] = -logp.data[i*k+l]
	}
	return record(out, op, func(g *Tensor) []*Tensor {
		g = g.contiguous()
		dx := empty(g.arena, b, k)
		kernels.XentSparseBackward(dx.data, g.Data(), logp.data, labs, k)
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
	if !sameShape(logits.shape, targets.shape) || len(logits.shape) != 2 {
		shapeErr(op, "need logits and targets of the same shape [B, K]", logits.shape, targets.shape)
	}
	x, logp, b, k := xentLogits(op, logits)
	t := targets.contiguous()
	out := empty(arenaOf(x, t), b)
	kernels.XentDense(out.data, logp.data, t.Data(), k)
	return record(out, op, func(g *Tensor) []*Tensor {
		g = g.contiguous()
		var dx, dt *Tensor
		var dxd, dtd []float32
		if x.requiresGrad {
			dx = empty(g.arena, b, k)
			dxd = dx.data
		}
		if t.requiresGrad {
			dt = empty(g.arena, b, k)
			dtd = dt.data
		}
		kernels.XentDenseBackward(dxd, dtd, g.Data(), logp.data, t.Data(), k)
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
	if !sameShape(logits.shape, targets.shape) {
		shapeErr(op, "need logits and targets of the same shape", logits.shape, targets.shape)
	}
	x, t := logits.contiguous(), targets.contiguous()
	out := empty(arenaOf(x, t), x.shape...)
	kernels.SigmoidXent(out.data, x.Data(), t.Data())
	return record(out, op, func(g *Tensor) []*Tensor {
		g = g.contiguous()
		var dx, dt *Tensor
		var dxd, dtd []float32
		if x.requiresGrad {
			dx = empty(g.arena, x.shape...)
			dxd = dx.data
		}
		if t.requiresGrad {
			dt = empty(g.arena, x.shape...)
			dtd = dt.data
		}
		kernels.SigmoidXentBackward(dxd, dtd, g.Data(), x.Data(), t.Data())
		return []*Tensor{dx, dt}
	}, x, t)
}
