package rl

import (
	"fmt"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/optim"
	"github.com/tensile-ml/tensile/tensor"
)

// MLP returns a built Sequential network in → hidden... → out with the
// given hidden activation ("relu", "tanh") and a linear output layer,
// initialised from seed.
func MLP(in int, hidden []int, activation string, out int, seed uint64) (*model.Model, error) {
	m := model.NewSequential(model.InputShape(in))
	for _, h := range hidden {
		if err := m.Add(nn.NewDense(h, nn.DenseConfig{Activation: activation})); err != nil {
			return nil, err
		}
	}
	if err := m.Add(nn.NewDense(out, nn.DenseConfig{})); err != nil {
		return nil, err
	}
	m.SetSeed(seed)
	if err := m.Build(nil); err != nil {
		return nil, err
	}
	return m, nil
}

// Forward runs m on a batch x of b rows without recording gradients and
// returns its output rows (a fresh slice).
func Forward(m *model.Model, x []float32, b int) ([]float32, error) {
	d := len(x) / b
	var out []*tensor.Tensor
	var err error
	tensor.NoGrad(func() {
		out, err = m.Call([]*tensor.Tensor{tensor.FromSlice(x, b, d)}, false)
	})
	if err != nil {
		return nil, err
	}
	return out[0].Data(), nil
}

// trainForward runs m in training mode, recording the graph for Backward.
func trainForward(m *model.Model, x []float32, b int) (*tensor.Tensor, error) {
	out, err := m.Call([]*tensor.Tensor{tensor.FromSlice(x, b, len(x)/b)}, true)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// update backpropagates loss into m's parameters and takes one step of opt.
func update(m *model.Model, opt optim.Optimizer, loss *tensor.Tensor) error {
	ps := m.Params()
	for _, p := range ps {
		p.ZeroGrad()
	}
	return model.Guard(func() error {
		loss.Backward()
		opt.Step(ps)
		return nil
	})
}

// copyWeights copies src's weights into dst (same architecture).
func copyWeights(dst, src *model.Model) error {
	dw, sw := dst.Weights(), src.Weights()
	if len(dw) != len(sw) {
		return fmt.Errorf("rl: copy weights: %d and %d tensors", len(dw), len(sw))
	}
	for i := range dw {
		copy(dw[i].Data(), sw[i].Data())
	}
	return nil
}

// snapshot returns copies of m's weights; restore puts them back.
func snapshot(m *model.Model) [][]float32 {
	var out [][]float32
	for _, w := range m.Weights() {
		out = append(out, append([]float32(nil), w.Data()...))
	}
	return out
}

func restore(m *model.Model, s [][]float32) {
	for i, w := range m.Weights() {
		copy(w.Data(), s[i])
	}
}

// argmax returns the index of the largest value (the first on ties).
func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

func toF32(dst []float32, v []float64) []float32 {
	for _, x := range v {
		dst = append(dst, float32(x))
	}
	return dst
}
