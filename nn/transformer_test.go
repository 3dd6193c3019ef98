package nn_test

import (
	"math"
	"testing"

	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

func transformerHarnessCases() []layerCase {
	// D = 4, 2 heads of 2, intermediate 6: attention 4·(4·4+4), FF
	// 4·6+6 + 6·4+4, two layer norms 2·8.
	encParams := 4*(4*4+4) + (4*6 + 6) + (6*4 + 4) + 16
	return []layerCase{
		{name: "transformer_encoder", make: func() nn.Layer { return nn.NewTransformerEncoder(6, 2, nn.TransformerConfig{}) }, in: []int{3, 4}, params: encParams, noGrad: true},
		{name: "transformer_encoder_prenorm_gelu", make: func() nn.Layer {
			return nn.NewTransformerEncoder(6, 2, nn.TransformerConfig{NormalizeFirst: true, Activation: "gelu"})
		}, in: []int{3, 4}, params: encParams},
		{name: "transformer_decoder", make: func() nn.Layer { return nn.NewTransformerDecoder(6, 2, nn.TransformerConfig{Activation: "tanh"}) }, in: []int{3, 4}, params: encParams},
		{name: "positional_encoding", make: func() nn.Layer { return nn.NewPositionalEncoding(nn.PositionalEncodingConfig{}) }, in: []int{5, 4}},
		{name: "position_embedding", make: func() nn.Layer { return nn.NewPositionEmbedding(6, nn.PositionEmbeddingConfig{}) }, in: []int{5, 4}, params: 24},
	}
}

func TestTransformerHarness(t *testing.T) { runHarness(t, transformerHarnessCases()) }

// TestTransformerGradCheck checks the encoder with a padding mask (the ReLU
// encoder is skipped in the harness: kinks) and the decoder with
// cross-attention and masks, with smooth activations.
func TestTransformerGradCheck(t *testing.T) {
	rng := tensor.NewRNG(3)
	enc := nn.NewTransformerEncoder(5, 2, nn.TransformerConfig{Activation: "tanh"})
	_ = enc.Build([]int{3, 4}, rng)
	x := tensor.RandNormal(rng, 0, 1, 2, 3, 4)
	mask := tensor.FromSlice([]float32{1, 1, 0, 1, 1, 1}, 2, 3)
	tensortest.GradCheck(t, "encoder", func(in ...*tensor.Tensor) *tensor.Tensor {
		return enc.ForwardMasked(in[0], mask, false)
	}, tensortest.GradCheckOptions{Eps: 1e-3, Tol: 3e-2}, append([]*tensor.Tensor{x}, enc.Params()...)...)

	dec := nn.NewTransformerDecoder(5, 2, nn.TransformerConfig{Activation: "tanh", NormalizeFirst: true})
	if err := dec.BuildMulti([][]int{{3, 4}, {4, 6}}, rng); err != nil {
		t.Fatal(err)
	}
	if got, want := nn.CountParams(dec.Params()), 80+(16+4+2*(24+4)+16+4)+24+(4*5+5)+(5*4+4); got != want {
		t.Errorf("decoder params %d, want %d", got, want)
	}
	e := tensor.RandNormal(rng, 0, 1, 2, 4, 6)
	emask := tensor.FromSlice([]float32{1, 1, 1, 0, 1, 0, 1, 1}, 2, 4)
	tensortest.GradCheck(t, "decoder", func(in ...*tensor.Tensor) *tensor.Tensor {
		return dec.Call(in[0], in[1], mask, emask, false)
	}, tensortest.GradCheckOptions{Eps: 1e-3, Tol: 3e-2}, append([]*tensor.Tensor{x, e}, dec.Params()...)...)
}

// TestTransformerDecoderCausal checks that decoder position t ignores later
// decoder positions.
func TestTransformerDecoderCausal(t *testing.T) {
	dec := nn.NewTransformerDecoder(8, 2, nn.TransformerConfig{})
	_ = dec.BuildMulti([][]int{{5, 4}, {3, 4}}, tensor.NewRNG(1))
	x := tensor.RandNormal(tensor.NewRNG(2), 0, 1, 1, 5, 4)
	e := tensor.RandNormal(tensor.NewRNG(3), 0, 1, 1, 3, 4)
	y1 := dec.ForwardMulti([]*tensor.Tensor{x, e}, false)
	x2 := x.Clone()
	x2.Set(5, 0, 3, 1)
	y2 := dec.ForwardMulti([]*tensor.Tensor{x2, e}, false)
	for tt := range 5 {
		same := y1.At(0, tt, 0) == y2.At(0, tt, 0)
		if same != (tt < 3) {
			t.Errorf("step %d changed: %v", tt, !same)
		}
	}
}

func TestSinusoidalEncoding(t *testing.T) {
	pe := nn.SinusoidalEncoding(6, 8, 10000)
	for _, c := range []struct {
		t, j int
		want float64
	}{{0, 0, 0}, {0, 1, 1}, {3, 0, math.Sin(3)}, {3, 1, math.Cos(3)}, {5, 4, math.Sin(5 / math.Pow(10000, 4.0/8))}, {5, 5, math.Cos(5 / math.Pow(10000, 4.0/8))}} {
		if got := pe.At(c.t, c.j); math.Abs(float64(got)-c.want) > 1e-6 {
			t.Errorf("PE[%d,%d] = %v, want %v", c.t, c.j, got, c.want)
		}
	}
}

// TestGoldenTransformerEncoder compares TransformerEncoder with
// nn.TransformerEncoderLayer (post- and pre-norm, with a padding mask).
func TestGoldenTransformerEncoder(t *testing.T) {
	for _, c := range loadSeqGolden(t, "transformer.json") {
		t.Run(c.Name, func(t *testing.T) {
			x := c.Input.tensor().SetRequiresGrad(true)
			cfg := nn.TransformerConfig{NormalizeFirst: c.NormFirst, LayerNormEpsilon: c.Epsilon}
			l := nn.NewTransformerEncoder(c.FFDim, c.NumHeads, cfg)
			if err := l.Build(x.Shape()[1:], nil); err != nil {
				t.Fatal(err)
			}
			if err := nn.ImportPyTorchTransformerEncoder(l, stateDict(c.StateDict), ""); err != nil {
				t.Fatal(err)
			}
			var mask *tensor.Tensor
			if c.PaddingMask != nil {
				mask = c.PaddingMask.tensor()
			}
			y := l.ForwardMasked(x, mask, false)
			checkClose(t, "output", y, c.Output)
			y.BackwardWith(c.GradOutput.tensor())
			checkClose(t, "grad input", x.Grad(), c.GradInput)
			twin := nn.NewTransformerEncoder(c.FFDim, c.NumHeads, cfg)
			_ = twin.Build(x.Shape()[1:], nil)
			if err := nn.ImportPyTorchTransformerEncoder(twin, stateDict(c.GradStateDict), ""); err != nil {
				t.Fatal(err)
			}
			for i, w := range l.Params() {
				checkClose(t, "grad "+w.Name(), w.Grad(), goldenOf(twin.Params()[i]))
			}
		})
	}
}
