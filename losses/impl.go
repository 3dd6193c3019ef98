package losses

import (
	"fmt"
	"math"

	"github.com/tensile-ml/tensile/tensor"
)

// Epsilon is the clipping margin for probability inputs, Keras's
// backend.epsilon(): probabilities are clipped to [Epsilon, 1-Epsilon]
// before the logarithm.
const Epsilon = 1e-7

// Options configure the cross-entropy losses.
type Options struct {
	// FromLogits says that yPred holds logits (pre-activation scores)
	// rather than probabilities; the loss then uses the fused, stable
	// tensor primitives.
	FromLogits bool
	// LabelSmoothing s in [0, 1] softens the targets as Keras does:
	// categorical t·(1-s) + s/C, binary t·(1-s) + s/2. It is not available
	// for sparse targets (ignored there, as in Keras).
	LabelSmoothing float32
}

func (o Options) check(name string) {
	if !(o.LabelSmoothing >= 0 && o.LabelSmoothing <= 1) {
		panic(fmt.Errorf("losses: %s: label smoothing %g must be in [0, 1]", name, o.LabelSmoothing))
	}
}

func shapeErr(op, msg string, shapes ...[]int) {
	cp := make([][]int, len(shapes))
	for i, s := range shapes {
		cp[i] = append([]int(nil), s...)
	}
	panic(&tensor.ShapeError{Op: "losses." + op, Shapes: cp, Msg: msg})
}

// batchOf returns the batch size (first axis) of yPred.
func batchOf(op string, yPred *tensor.Tensor) int {
	if yPred.Dims() == 0 {
		shapeErr(op, "predictions need a batch axis", yPred.Shape())
	}
	return yPred.Dim(0)
}

// perSample averages l ([B, ...]) over every axis but the first.
func perSample(l *tensor.Tensor, b int) *tensor.Tensor {
	if l.Dims() <= 1 {
		return l
	}
	if b == 0 || l.Size() == 0 {
		return tensor.Zeros(b)
	}
	return tensor.Mean(l.Reshape(b, l.Size()/b), []int{1}, false)
}

// matchTarget returns yTrue with yPred's shape: as is, or reshaped when the
// element counts agree (e.g. [B] against [B, 1]).
func matchTarget(op string, yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	ts, ps := yTrue.Shape(), yPred.Shape()
	if len(ts) == len(ps) {
		same := true
		for i := range ts {
			same = same && ts[i] == ps[i]
		}
		if same {
			return yTrue
		}
	}
	if yTrue.Size() != yPred.Size() {
		shapeErr(op, "targets and predictions do not match", ts, ps)
	}
	return yTrue.Contiguous().Reshape(ps...)
}

// MeanSquaredError is mean((yPred - yTrue)²) over the non-batch axes.
type MeanSquaredError struct{}

// NewMeanSquaredError returns the "mean_squared_error" loss.
func NewMeanSquaredError() *MeanSquaredError { return &MeanSquaredError{} }

// PerSample returns the per-sample loss [B].
func (MeanSquaredError) PerSample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	b := batchOf("MeanSquaredError", yPred)
	yTrue = matchTarget("MeanSquaredError", yTrue, yPred)
	return perSample(tensor.Square(tensor.Sub(yPred, yTrue)), b)
}

// Name returns "mean_squared_error".
func (MeanSquaredError) Name() string { return "mean_squared_error" }

// Config returns the name.
func (l MeanSquaredError) Config() map[string]any { return map[string]any{"name": l.Name()} }

// MeanAbsoluteError is mean(|yPred - yTrue|) over the non-batch axes.
type MeanAbsoluteError struct{}

// NewMeanAbsoluteError returns the "mean_absolute_error" loss.
func NewMeanAbsoluteError() *MeanAbsoluteError { return &MeanAbsoluteError{} }

// PerSample returns the per-sample loss [B].
func (MeanAbsoluteError) PerSample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	b := batchOf("MeanAbsoluteError", yPred)
	yTrue = matchTarget("MeanAbsoluteError", yTrue, yPred)
	return perSample(tensor.Abs(tensor.Sub(yPred, yTrue)), b)
}

// Name returns "mean_absolute_error".
func (MeanAbsoluteError) Name() string { return "mean_absolute_error" }

// Config returns the name.
func (l MeanAbsoluteError) Config() map[string]any { return map[string]any{"name": l.Name()} }

// Huber is Keras's Huber loss with threshold Delta, averaged over the
// non-batch axes: with e = yPred - yTrue, 0.5·e² where |e| <= Delta and
// Delta·|e| - 0.5·Delta² elsewhere.
type Huber struct{ delta float32 }

// NewHuber returns the "huber" loss; delta <= 0 means Keras's default 1.
func NewHuber(delta float32) *Huber {
	if !(delta > 0) {
		delta = 1
	}
	return &Huber{delta: delta}
}

// PerSample returns the per-sample loss [B].
func (h *Huber) PerSample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	b := batchOf("Huber", yPred)
	yTrue = matchTarget("Huber", yTrue, yPred)
	e := tensor.Sub(yPred, yTrue)
	a := tensor.Abs(e)
	quad := tensor.MulScalar(tensor.Square(e), 0.5)
	lin := tensor.AddScalar(tensor.MulScalar(a, h.delta), -0.5*h.delta*h.delta)
	return perSample(tensor.Where(tensor.LessEqual(a, tensor.Scalar(h.delta)), quad, lin), b)
}

// Name returns "huber".
func (h *Huber) Name() string { return "huber" }

// Delta returns the threshold.
func (h *Huber) Delta() float32 { return h.delta }

// Config returns the name and delta.
func (h *Huber) Config() map[string]any {
	return map[string]any{"name": h.Name(), "delta": float64(h.delta)}
}

// BinaryCrossentropy is Keras's binary_crossentropy, averaged over the
// non-batch axes (Keras averages over the last axis; the batch reduction
// then averages the rest). yTrue and yPred have the same number of
// elements; targets are 0/1 or probabilities. Probabilities are clipped to
// [Epsilon, 1-Epsilon]: -(t·log p + (1-t)·log(1-p)). From logits it is
// tensor.SigmoidCrossEntropy, stable for any logits.
type BinaryCrossentropy struct{ opt Options }

// NewBinaryCrossentropy returns the "binary_crossentropy" loss. It panics
// if LabelSmoothing is outside [0, 1].
func NewBinaryCrossentropy(opt Options) *BinaryCrossentropy {
	opt.check("binary_crossentropy")
	return &BinaryCrossentropy{opt: opt}
}

// PerSample returns the per-sample loss [B].
func (l *BinaryCrossentropy) PerSample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	b := batchOf("BinaryCrossentropy", yPred)
	t := matchTarget("BinaryCrossentropy", yTrue, yPred)
	if s := l.opt.LabelSmoothing; s > 0 {
		t = tensor.AddScalar(tensor.MulScalar(t, 1-s), 0.5*s)
	}
	if l.opt.FromLogits {
		return perSample(tensor.SigmoidCrossEntropy(yPred, t), b)
	}
	p := tensor.Clip(yPred, Epsilon, 1-Epsilon)
	one := func(x *tensor.Tensor) *tensor.Tensor { return tensor.AddScalar(tensor.Neg(x), 1) }
	ll := tensor.Add(tensor.Mul(t, tensor.Log(p)), tensor.Mul(one(t), tensor.Log(one(p))))
	return perSample(tensor.Neg(ll), b)
}

// Name returns "binary_crossentropy".
func (l *BinaryCrossentropy) Name() string { return "binary_crossentropy" }

// Config returns the name and options.
func (l *BinaryCrossentropy) Config() map[string]any { return xentConfig(l.Name(), l.opt) }

// FromLogits reports whether yPred holds logits.
func (l *BinaryCrossentropy) FromLogits() bool { return l.opt.FromLogits }

// WithLogits returns the same loss taking logits.
func (l *BinaryCrossentropy) WithLogits() Loss {
	o := l.opt
	o.FromLogits = true
	return &BinaryCrossentropy{opt: o}
}

// Activation returns "sigmoid".
func (l *BinaryCrossentropy) Activation() string { return "sigmoid" }

// CategoricalCrossentropy is Keras's categorical_crossentropy with one-hot
// (or probability) targets of yPred's shape [..., C], averaged over the
// non-batch axes other than the class axis. Probabilities are renormalised
// to sum to 1 over the class axis and clipped to [Epsilon, 1-Epsilon]
// before -Σ t·log p, as Keras does; from logits it is
// tensor.SoftmaxCrossEntropyDense.
type CategoricalCrossentropy struct{ opt Options }

// NewCategoricalCrossentropy returns the "categorical_crossentropy" loss.
// It panics if LabelSmoothing is outside [0, 1].
func NewCategoricalCrossentropy(opt Options) *CategoricalCrossentropy {
	opt.check("categorical_crossentropy")
	return &CategoricalCrossentropy{opt: opt}
}

// classAxis returns C, the number of rows N and B for yPred [B, ..., C].
func classAxis(op string, yPred *tensor.Tensor) (c, n, b int) {
	b = batchOf(op, yPred)
	if yPred.Dims() < 2 {
		shapeErr(op, "predictions need a batch and a class axis [B, C]", yPred.Shape())
	}
	c = yPred.Dim(-1)
	if c == 0 {
		shapeErr(op, "has no classes", yPred.Shape())
	}
	return c, yPred.Size() / c, b
}

// logProbs returns log of the renormalised, clipped probabilities.
func logProbs(yPred *tensor.Tensor) *tensor.Tensor {
	p := tensor.Div(yPred, tensor.Sum(yPred, []int{-1}, true))
	return tensor.Log(tensor.Clip(p, Epsilon, 1-Epsilon))
}

// PerSample returns the per-sample loss [B].
func (l *CategoricalCrossentropy) PerSample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	const op = "CategoricalCrossentropy"
	c, n, b := classAxis(op, yPred)
	t := matchTarget(op, yTrue, yPred)
	if s := l.opt.LabelSmoothing; s > 0 {
		t = tensor.AddScalar(tensor.MulScalar(t, 1-s), s/float32(c))
	}
	var rows *tensor.Tensor
	if l.opt.FromLogits {
		rows = tensor.SoftmaxCrossEntropyDense(yPred.Reshape(n, c), t.Contiguous().Reshape(n, c))
	} else {
		rows = tensor.Neg(tensor.Sum(tensor.Mul(t, logProbs(yPred)), []int{-1}, false))
	}
	return perSample(rows.Reshape(b, n/max(b, 1)), b)
}

// Name returns "categorical_crossentropy".
func (l *CategoricalCrossentropy) Name() string { return "categorical_crossentropy" }

// Config returns the name and options.
func (l *CategoricalCrossentropy) Config() map[string]any { return xentConfig(l.Name(), l.opt) }

// FromLogits reports whether yPred holds logits.
func (l *CategoricalCrossentropy) FromLogits() bool { return l.opt.FromLogits }

// WithLogits returns the same loss taking logits.
func (l *CategoricalCrossentropy) WithLogits() Loss {
	o := l.opt
	o.FromLogits = true
	return &CategoricalCrossentropy{opt: o}
}

// Activation returns "softmax".
func (l *CategoricalCrossentropy) Activation() string { return "softmax" }

// SparseCategoricalCrossentropy is Keras's sparse_categorical_crossentropy:
// yPred is [B, ..., C], yTrue holds class ids as float32 with shape
// [B, ...] or [B, ..., 1]. Probabilities are renormalised and clipped as in
// CategoricalCrossentropy; from logits it is tensor.SoftmaxCrossEntropy.
// An id that is not an integer in [0, C) panics with a *tensor.ShapeError
// naming the id and C.
type SparseCategoricalCrossentropy struct{ opt Options }

// NewSparseCategoricalCrossentropy returns the
// "sparse_categorical_crossentropy" loss. LabelSmoothing is ignored.
func NewSparseCategoricalCrossentropy(opt Options) *SparseCategoricalCrossentropy {
	opt.LabelSmoothing = 0
	return &SparseCategoricalCrossentropy{opt: opt}
}

// labels converts float32 class ids to ints, checking that there is one
// per row of yPred [..., C] and that each is an integer in [0, C). It
// panics with a *tensor.ShapeError otherwise.
func labels(op string, yTrue, yPred *tensor.Tensor) []int {
	c, n, _ := classAxis(op, yPred)
	if yTrue.Size() != n {
		shapeErr(op, fmt.Sprintf("want one class id per row of the %d-class predictions", c), yTrue.Shape(), yPred.Shape())
	}
	ids := make([]int, n)
	for i, v := range yTrue.Data() {
		if !(v >= 0 && v < float32(c)) || v != float32(math.Trunc(float64(v))) {
			shapeErr(op, fmt.Sprintf("class id %g (sample %d) is not an integer in [0, %d): the model has %d classes", v, i, c, c), yTrue.Shape(), yPred.Shape())
		}
		ids[i] = int(v)
	}
	return ids
}

// PerSample returns the per-sample loss [B].
func (l *SparseCategoricalCrossentropy) PerSample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	const op = "SparseCategoricalCrossentropy"
	c, n, b := classAxis(op, yPred)
	ids := labels(op, yTrue, yPred)
	var rows *tensor.Tensor
	if l.opt.FromLogits {
		rows = tensor.SoftmaxCrossEntropy(yPred.Reshape(n, c), ids)
	} else {
		d := make([]float32, n*c)
		for i, id := range ids {
			d[i*c+id] = 1
		}
		oh := tensor.FromSlice(d, n, c)
		lp := logProbs(yPred).Reshape(n, c)
		rows = tensor.Neg(tensor.Sum(tensor.Mul(oh, lp), []int{-1}, false))
	}
	return perSample(rows.Reshape(b, n/max(b, 1)), b)
}

// Name returns "sparse_categorical_crossentropy".
func (l *SparseCategoricalCrossentropy) Name() string { return "sparse_categorical_crossentropy" }

// Config returns the name and options.
func (l *SparseCategoricalCrossentropy) Config() map[string]any { return xentConfig(l.Name(), l.opt) }

// FromLogits reports whether yPred holds logits.
func (l *SparseCategoricalCrossentropy) FromLogits() bool { return l.opt.FromLogits }

// WithLogits returns the same loss taking logits.
func (l *SparseCategoricalCrossentropy) WithLogits() Loss {
	o := l.opt
	o.FromLogits = true
	return &SparseCategoricalCrossentropy{opt: o}
}

// Activation returns "softmax".
func (l *SparseCategoricalCrossentropy) Activation() string { return "softmax" }

func xentConfig(name string, o Options) map[string]any {
	return map[string]any{"name": name, "from_logits": o.FromLogits, "label_smoothing": float64(o.LabelSmoothing)}
}
