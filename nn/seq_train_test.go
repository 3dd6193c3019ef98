package nn_test

import (
	"testing"

	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
)

// TestSequenceModelsLearn trains small Embedding(mask_zero) → recurrent /
// attention → Dense(sigmoid) stacks with plain SGD on a toy task (does
// token 1 occur in a padded sequence?) and checks that they learn it.
func TestSequenceModelsLearn(t *testing.T) {
	const N, T, V = 64, 6, 5
	rng := tensor.NewRNG(9)
	ids := make([]float32, N*T)
	labels := make([]float32, N)
	for i := range N {
		n := 3 + rng.IntN(T-2)
		for j := range n {
			ids[i*T+j] = float32(2 + rng.IntN(V-2))
		}
		if i%2 == 0 {
			ids[i*T+rng.IntN(n)] = 1
			labels[i] = 1
		}
	}
	x := tensor.FromSlice(ids, N, T)
	y := tensor.FromSlice(labels, N, 1)
	makers := map[string]func() nn.Layer{
		"lstm": func() nn.Layer { return nn.NewLSTM(8, nn.RNNConfig{}) },
		"gru":  func() nn.Layer { return nn.NewGRU(8, nn.RNNConfig{}) },
		"bidi_simple_rnn": func() nn.Layer {
			return nn.NewBidirectional(nn.NewSimpleRNN(6, nn.RNNConfig{}), nn.BidirectionalConfig{MergeMode: "sum"})
		},
	}
	for name, mk := range makers {
		t.Run(name, func(t *testing.T) {
			emb := nn.NewEmbedding(V, 8, nn.EmbeddingConfig{MaskZero: true})
			rec := mk()
			out := nn.NewDense(1, nn.DenseConfig{})
			_ = emb.Build([]int{T}, tensor.NewRNG(1))
			_ = rec.Build([]int{T, 8}, tensor.NewRNG(2))
			os, _ := rec.OutputShape([]int{T, 8})
			_ = out.Build(os, tensor.NewRNG(3))
			params := append(append(emb.Params(), rec.Params()...), out.Params()...)
			loss := func() *tensor.Tensor {
				h := rec.(nn.MaskConsumer).ForwardMasked(emb.Forward(x, true), emb.ComputeMask(x, nil), true)
				return tensor.Mean(tensor.SigmoidCrossEntropy(out.Forward(h, true), y), nil, false)
			}
			var first, last float32
			for step := range 100 {
				for _, p := range params {
					p.ZeroGrad()
				}
				l := loss()
				if step == 0 {
					first = l.Item()
				}
				last = l.Item()
				l.Backward()
				for _, p := range params {
					pd, gd := p.Data(), p.Grad().Data()
					for i := range pd {
						pd[i] -= 0.5 * gd[i]
					}
				}
			}
			if !(last < 0.3*first) {
				t.Errorf("loss %v → %v", first, last)
			}
		})
	}
}
