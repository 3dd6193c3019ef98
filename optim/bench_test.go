package optim

import (
	"testing"

	"github.com/tensile-ml/tensile/tensor"
)

// BenchmarkStep measures one optimizer step over a 1.2M-parameter model
// (the Keras MNIST CNN's size); bytes/s counts the parameter bytes.
func BenchmarkStep(b *testing.B) {
	sizes := []int{288, 32, 18432, 64, 1179648, 128, 1280, 10}
	var ps []*tensor.Tensor
	total := 0
	for i, n := range sizes {
		p := tensor.RandNormal(tensor.NewRNG(uint64(i)), 0, 1, n).SetName(string(rune('a' + i))).SetRequiresGrad(true)
		setGrad(p, tensor.RandNormal(tensor.NewRNG(uint64(i+100)), 0, 1, n).Data())
		ps = append(ps, p)
		total += n
	}
	for name, mk := range map[string]func() Optimizer{
		"sgd":      func() Optimizer { return MustNewSGD(SGDConfig{}) },
		"momentum": func() Optimizer { return MustNewSGD(SGDConfig{Momentum: 0.9}) },
		"adam":     func() Optimizer { return MustNewAdam(AdamConfig{}) },
		"rmsprop":  func() Optimizer { return MustNewRMSprop(RMSpropConfig{}) },
		"adagrad":  func() Optimizer { return MustNewAdagrad(AdagradConfig{}) },
	} {
		b.Run(name, func(b *testing.B) {
			o := mk()
			o.Step(ps)
			b.SetBytes(int64(total * 4))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				o.Step(ps)
			}
		})
	}
}
