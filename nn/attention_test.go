package nn_test

import (
	"math"
	"testing"

	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

func attentionHarnessCases() []layerCase {
	return []layerCase{
		{name: "mha_self", make: func() nn.Layer { return nn.NewMultiHeadAttention(2, 3, nn.MultiHeadAttentionConfig{}) },
			in: []int{4, 5}, params: 3*(5*2*3+2*3) + 2*3*5 + 5},
		{name: "mha_value_dim_out", make: func() nn.Layer {
			return nn.NewMultiHeadAttention(2, 2, nn.MultiHeadAttentionConfig{ValueDim: 3, OutputShape: 4, NoBias: true})
		}, in: []int{3, 5}, params: 2*(5*2*2) + 5*2*3 + 2*3*4},
	}
}

func TestAttentionHarness(t *testing.T) { runHarness(t, attentionHarnessCases()) }

// TestMHAGradCheck checks gradients of cross-attention with a key distinct
// from the value and every kind of mask.
func TestMHAGradCheck(t *testing.T) {
	l := nn.NewMultiHeadAttention(2, 2, nn.MultiHeadAttentionConfig{ValueDim: 3})
	if err := l.BuildMulti([][]int{{3, 4}, {5, 2}, {5, 3}}, tensor.NewRNG(1)); err != nil {
		t.Fatal(err)
	}
	rng := tensor.NewRNG(2)
	q := tensor.RandNormal(rng, 0, 1, 2, 3, 4)
	v := tensor.RandNormal(rng, 0, 1, 2, 5, 2)
	k := tensor.RandNormal(rng, 0, 1, 2, 5, 3)
	opt := nn.AttentionOptions{
		ValueMask:     tensor.FromSlice([]float32{1, 1, 1, 0, 0, 1, 1, 1, 1, 0}, 2, 5),
		AttentionMask: tensor.FromSlice([]float32{1, 0, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1}, 3, 5),
		UseCausalMask: true, ReturnScores: true,
	}
	xs := append([]*tensor.Tensor{q, v, k}, l.Params()...)
	tensortest.GradCheck(t, "mha", func(in ...*tensor.Tensor) *tensor.Tensor {
		o := opt
		o.Key = in[2]
		y, s := l.Call(in[0], in[1], o, false)
		return tensor.Concat(1, y.Reshape(2, -1), s.Reshape(2, -1))
	}, tensortest.GradCheckOptions{Eps: 1e-3, Tol: 2e-2}, xs...)
	// Masked positions get zero probability; rows sum to 1.
	_, s := l.Call(q, v, nn.AttentionOptions{Key: k, ValueMask: opt.ValueMask, ReturnScores: true}, false)
	for b := range 2 {
		for h := range 2 {
			for i := range 3 {
				var sum float64
				for j := range 5 {
					p := s.At(b, h, i, j)
					if opt.ValueMask.At(b, j) == 0 && p != 0 {
						t.Fatalf("masked prob %v", p)
					}
					sum += float64(p)
				}
				if math.Abs(sum-1) > 1e-5 {
					t.Fatalf("row sum %v", sum)
				}
			}
		}
	}
}

func TestMHADropoutSeeded(t *testing.T) {
	run := func(training bool) []float32 {
		l := nn.NewMultiHeadAttention(2, 2, nn.MultiHeadAttentionConfig{Dropout: 0.5, Seed: 3})
		_ = l.Build([]int{4, 4}, tensor.NewRNG(1))
		return l.Forward(tensor.RandNormal(tensor.NewRNG(2), 0, 1, 2, 4, 4), training).Data()
	}
	a, b, c := run(true), run(true), run(false)
	if ok, _ := tensortest.Close(a, b, 0, 0); !ok {
		t.Error("same seed, different outputs")
	}
	if ok, _ := tensortest.Close(a, c, 0, 0); ok {
		t.Error("dropout inactive in training")
	}
}

// TestGoldenMHA compares MultiHeadAttention with nn.MultiheadAttention
// (weights converted by ImportPyTorchMHA).
func TestGoldenMHA(t *testing.T) {
	for _, c := range loadSeqGolden(t, "mha.json") {
		t.Run(c.Name, func(t *testing.T) {
			q := c.Query.tensor().SetRequiresGrad(true)
			v := q
			if c.Value != nil {
				v = c.Value.tensor().SetRequiresGrad(true)
			}
			l := nn.NewMultiHeadAttention(c.NumHeads, c.KeyDim, nn.MultiHeadAttentionConfig{})
			if err := l.BuildMulti([][]int{q.Shape()[1:], v.Shape()[1:]}, nil); err != nil {
				t.Fatal(err)
			}
			if err := nn.ImportPyTorchMHA(l, stateDict(c.StateDict), ""); err != nil {
				t.Fatal(err)
			}
			opt := nn.AttentionOptions{UseCausalMask: c.Causal, ReturnScores: true}
			if c.AttentionMask != nil {
				opt.AttentionMask = c.AttentionMask.tensor()
			}
			y, s := l.Call(q, v, opt, false)
			checkClose(t, "output", y, c.Output)
			checkClose(t, "scores", s, c.Scores)
			y.BackwardWith(c.GradOutput.tensor())
			checkClose(t, "grad query", q.Grad(), c.GradQuery)
			if c.GradValue != nil {
				checkClose(t, "grad value", v.Grad(), *c.GradValue)
			}
			// Gradients: map PyTorch's onto a twin with the same import.
			twin := nn.NewMultiHeadAttention(c.NumHeads, c.KeyDim, nn.MultiHeadAttentionConfig{})
			_ = twin.BuildMulti([][]int{q.Shape()[1:], v.Shape()[1:]}, nil)
			if err := nn.ImportPyTorchMHA(twin, stateDict(c.GradStateDict), ""); err != nil {
				t.Fatal(err)
			}
			for i, w := range l.Params() {
				checkClose(t, "grad "+w.Name(), w.Grad(), goldenOf(twin.Params()[i]))
			}
			// A padding mask given as ValueMask is the same as the
			// attention mask built from it.
			if c.PaddingMask != nil && !c.Causal {
				y2, _ := l.Call(q.Detach(), v.Detach(), nn.AttentionOptions{ValueMask: c.PaddingMask.tensor()}, false)
				checkClose(t, "output via ValueMask", y2, c.Output)
			}
		})
	}
}
