package model

import (
	"fmt"

	"github.com/tensile-ml/tensile/losses"
	"github.com/tensile-ml/tensile/tensor"
)

// Minimal optimizer, losses and metric for tests, independent of the real
// implementations in optim, losses and metrics.

type testSGD struct {
	lr    float32
	iters int
}

func (o *testSGD) Step(ps []*tensor.Tensor) {
	for _, p := range ps {
		if g := p.Grad(); g != nil {
			d, gd := p.Data(), g.Data()
			for i := range d {
				d[i] -= o.lr * gd[i]
			}
		}
	}
	o.iters++
}
func (o *testSGD) LearningRate() float32      { return o.lr }
func (o *testSGD) SetLearningRate(lr float32) { o.lr = lr }
func (o *testSGD) Iterations() int            { return o.iters }
func (o *testSGD) State() map[string][]float32 {
	return map[string][]float32{"iterations": {float32(o.iters)}}
}
func (o *testSGD) LoadState(s map[string][]float32) error {
	it, ok := s["iterations"]
	if !ok || len(it) != 1 {
		return fmt.Errorf("bad iterations")
	}
	o.iters = int(it[0])
	return nil
}
func (o *testSGD) Config() map[string]any {
	return map[string]any{"name": "sgd", "learning_rate": o.lr}
}

type testSparseCE struct{ logits bool }

func (l testSparseCE) PerSample(y, p *tensor.Tensor) *tensor.Tensor {
	yd := y.Data()
	ids := make([]int, len(yd))
	for i, v := range yd {
		ids[i] = int(v)
	}
	if l.logits {
		return tensor.SoftmaxCrossEntropy(p, ids)
	}
	return tensor.SoftmaxCrossEntropy(tensor.Log(p), ids) // log-probs through log-softmax: same value
}
func (l testSparseCE) Name() string { return "sparse_categorical_crossentropy" }
func (l testSparseCE) Config() map[string]any {
	return map[string]any{"name": l.Name(), "from_logits": l.logits}
}
func (l testSparseCE) FromLogits() bool        { return l.logits }
func (l testSparseCE) WithLogits() losses.Loss { return testSparseCE{true} }
func (l testSparseCE) Activation() string      { return "softmax" }

type testAcc struct{ hit, n int }

func (a *testAcc) Name() string { return "accuracy" }
func (a *testAcc) Update(y, p *tensor.Tensor) {
	am := tensor.ArgMax(p, -1)
	yd := y.Data()
	for i, c := range am {
		if int(yd[i]) == c {
			a.hit++
		}
		a.n++
	}
}
func (a *testAcc) Result() float64 {
	if a.n == 0 {
		return 0
	}
	return float64(a.hit) / float64(a.n)
}
func (a *testAcc) Reset() { a.hit, a.n = 0, 0 }
