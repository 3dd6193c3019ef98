package model

import (
	"testing"

	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

// maskedOutput builds a fresh model from layers (seed 7), runs it on one
// sequence of ids and returns the output row.
func maskedOutput(t *testing.T, layers func() []nn.Layer, ids []float32) []float32 {
	t.Helper()
	m := NewSequential(append([]nn.Layer{InputShape(len(ids))}, layers()...)...)
	m.SetSeed(7)
	if err := m.Build(nil); err != nil {
		t.Fatal(err)
	}
	out, err := m.Call([]*tensor.Tensor{tensor.FromSlice(ids, 1, len(ids))}, false)
	if err != nil {
		t.Fatal(err)
	}
	return out[0].Contiguous().Data()
}

// TestMaskPropagationPadding checks that Embedding(mask_zero) makes a
// padded sequence give the same output as the unpadded one, through the
// layers that consume and keep the mask.
func TestMaskPropagationPadding(t *testing.T) {
	emb := func(maskZero bool) nn.Layer {
		return nn.NewEmbedding(20, 8, nn.EmbeddingConfig{MaskZero: maskZero})
	}
	cases := []struct {
		name   string
		layers func(maskZero bool) []nn.Layer
	}{
		{"lstm", func(mz bool) []nn.Layer { return []nn.Layer{emb(mz), nn.NewLSTM(6, nn.RNNConfig{})} }},
		{"gru", func(mz bool) []nn.Layer { return []nn.Layer{emb(mz), nn.NewGRU(5, nn.RNNConfig{})} }},
		{"simple_rnn", func(mz bool) []nn.Layer { return []nn.Layer{emb(mz), nn.NewSimpleRNN(4, nn.RNNConfig{})} }},
		{"bidirectional_lstm", func(mz bool) []nn.Layer {
			return []nn.Layer{emb(mz), nn.NewBidirectional(nn.NewLSTM(4, nn.RNNConfig{}), nn.BidirectionalConfig{}), nn.NewDense(3, nn.DenseConfig{Activation: "softmax"})}
		}},
		{"stacked_through_dropout", func(mz bool) []nn.Layer {
			return []nn.Layer{emb(mz), nn.NewLSTM(5, nn.RNNConfig{ReturnSequences: true}), nn.NewDropout(0.5, nn.DropoutConfig{}),
				nn.NewGRU(4, nn.RNNConfig{})}
		}},
		{"dense_then_average", func(mz bool) []nn.Layer {
			return []nn.Layer{emb(mz), nn.NewDense(4, nn.DenseConfig{Activation: "tanh"}), nn.NewGlobalAveragePooling1D()}
		}},
	}
	seq := []float32{3, 9, 1, 17, 5}
	pre := append([]float32{0, 0, 0}, seq...)
	post := append(append([]float32{}, seq...), 0, 0, 0)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := maskedOutput(t, func() []nn.Layer { return c.layers(true) }, seq)
			for name, ids := range map[string][]float32{"pre": pre, "post": post} {
				got := maskedOutput(t, func() []nn.Layer { return c.layers(true) }, ids)
				if ok, msg := tensortest.Close(got, want, 1e-5, 1e-6); !ok {
					t.Errorf("%s-padded: %s", name, msg)
				}
			}
			// Without the mask the padding changes the result.
			unmasked := maskedOutput(t, func() []nn.Layer { return c.layers(false) }, pre)
			if ok, _ := tensortest.Close(unmasked, want, 1e-5, 1e-6); ok {
				t.Errorf("unmasked pre-padded output equals the masked one: the test does not exercise the mask")
			}
		})
	}
}

// TestMaskFunctional checks mask propagation in a functional graph with a
// merge: two recurrent branches over one masked embedding, concatenated.
func TestMaskFunctional(t *testing.T) {
	build := func(T int) *Model {
		in := Input(T)
		e := Apply(nn.NewEmbedding(12, 6, nn.EmbeddingConfig{MaskZero: true}), in)
		a := Apply(nn.NewLSTM(4, nn.RNNConfig{ReturnSequences: true}), e)
		b := Apply(nn.NewGRU(4, nn.RNNConfig{ReturnSequences: true}), e)
		c := Apply(nn.NewConcatenate(-1), a, b)
		out := Apply(nn.NewSimpleRNN(3, nn.RNNConfig{}), c)
		m, err := NewModel([]*Node{in}, []*Node{out})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	run := func(ids []float32) []float32 {
		m := build(len(ids))
		out, err := m.Call([]*tensor.Tensor{tensor.FromSlice(ids, 1, len(ids))}, false)
		if err != nil {
			t.Fatal(err)
		}
		return out[0].Data()
	}
	want := run([]float32{4, 2, 11})
	got := run([]float32{0, 0, 4, 2, 11})
	if ok, msg := tensortest.Close(got, want, 1e-5, 1e-6); !ok {
		t.Error(msg)
	}
}

// TestMaskDroppedByConv checks that a layer outside the mask-keeping classes
// drops the mask (Conv1D), so a following recurrent layer runs unmasked.
func TestMaskDroppedByConv(t *testing.T) {
	layers := func() []nn.Layer {
		return []nn.Layer{nn.NewEmbedding(10, 4, nn.EmbeddingConfig{MaskZero: true}),
			nn.NewConv1D(3, 1, nn.Conv1DConfig{}), nn.NewLSTM(2, nn.RNNConfig{})}
	}
	ref := func() []nn.Layer {
		return []nn.Layer{nn.NewEmbedding(10, 4, nn.EmbeddingConfig{}),
			nn.NewConv1D(3, 1, nn.Conv1DConfig{}), nn.NewLSTM(2, nn.RNNConfig{})}
	}
	ids := []float32{0, 0, 3, 4}
	got, want := maskedOutput(t, layers, ids), maskedOutput(t, ref, ids)
	if ok, msg := tensortest.Close(got, want, 0, 0); !ok {
		t.Error(msg)
	}
}

// TestMaskMultiInput checks that padding masks reach multi-input layers:
// the encoder's padding mask reaches a TransformerDecoder's cross-attention
// (and a MultiHeadAttention's value mask), so padding the encoder sequence
// does not change the decoder's output; without mask_zero it does.
func TestMaskMultiInput(t *testing.T) {
	for _, layer := range []string{"decoder", "attention"} {
		run := func(enc []float32, maskZero bool) []float32 {
			encIn, decIn := Input(len(enc)), Input(2)
			e := Apply(nn.NewEmbedding(12, 8, nn.EmbeddingConfig{MaskZero: maskZero}), encIn)
			d := Apply(nn.NewEmbedding(12, 8, nn.EmbeddingConfig{MaskZero: maskZero}), decIn)
			var l nn.Layer = nn.NewTransformerDecoder(16, 2, nn.TransformerConfig{})
			if layer == "attention" {
				l = nn.NewMultiHeadAttention(2, 4, nn.MultiHeadAttentionConfig{})
			}
			out := Apply(l, d, e)
			m, err := NewModel([]*Node{encIn, decIn}, []*Node{out})
			if err != nil {
				t.Fatal(err)
			}
			m.SetSeed(7)
			if err := m.Build(nil); err != nil {
				t.Fatal(err)
			}
			o, err := m.Call([]*tensor.Tensor{tensor.FromSlice(enc, 1, len(enc)), tensor.FromSlice([]float32{3, 5}, 1, 2)}, false)
			if err != nil {
				t.Fatal(err)
			}
			return o[0].Contiguous().Data()
		}
		want := run([]float32{4, 2, 11}, true)
		got := run([]float32{4, 2, 11, 0, 0}, true)
		if ok, msg := tensortest.Close(got, want, 1e-5, 1e-6); !ok {
			t.Errorf("%s: padded encoder changed the output: %s", layer, msg)
		}
		if ok, _ := tensortest.Close(run([]float32{4, 2, 11, 0, 0}, false), run([]float32{4, 2, 11}, false), 1e-5, 1e-6); ok {
			t.Errorf("%s: control without mask_zero is unchanged by padding; the test cannot fail", layer)
		}
	}
}
