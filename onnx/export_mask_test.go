package onnx

import (
	"testing"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
)

// paddedIDs returns token ids [5, T] in [1, n) with padding (id 0) placed
// as tensile's masks allow: row 0 post-padded, row 1 with interior zeros,
// row 2 pre-padded, row 3 all padding, row 4 none.
func paddedIDs(seed uint64, n, T int) *tensor.Tensor {
	x := randIDs(seed, n-1, 5, T)
	d := x.Data()
	for i := range d {
		d[i]++
	}
	for t := range T {
		if t >= T-3 {
			d[0*T+t] = 0
		}
		if t == 1 || t == 3 || t == 4 {
			d[1*T+t] = 0
		}
		if t < 2 {
			d[2*T+t] = 0
		}
		d[3*T+t] = 0
	}
	return x
}

// maskCases are models whose Embedding masks padding, built with or
// without mask_zero (the same weights after randomizeWeights).
func maskCases(maskZero bool) []exportCase {
	const V, T = 11, 7
	emb := func() nn.Layer { return nn.NewEmbedding(V, 4, nn.EmbeddingConfig{MaskZero: maskZero}) }
	seq := func(ls ...nn.Layer) func() (*model.Model, error) {
		return seqModel(append([]nn.Layer{model.InputShape(T), emb()}, ls...)...)
	}
	ids := func(seed uint64) func() []*tensor.Tensor {
		return func() []*tensor.Tensor { return []*tensor.Tensor{paddedIDs(seed, V, T)} }
	}
	return []exportCase{
		{name: "mask_lstm_last", build: seq(nn.NewLSTM(5, nn.RNNConfig{})), inputs: ids(90)},
		{name: "mask_lstm_seq_backwards", build: seq(nn.NewLSTM(4, nn.RNNConfig{ReturnSequences: true, GoBackwards: true})), inputs: ids(91)},
		{name: "mask_gru_seq_avgpool_dense", build: seq(nn.NewGRU(5, nn.RNNConfig{ReturnSequences: true}), nn.NewGlobalAveragePooling1D(), nn.NewDense(3, nn.DenseConfig{Activation: "softmax"})), inputs: ids(92)},
		{name: "mask_dense_gru_reset_before_last", build: seq(nn.NewDense(6, nn.DenseConfig{Activation: "tanh"}), nn.NewGRU(4, nn.RNNConfig{ResetBefore: true})), inputs: ids(93)},
		{name: "mask_simple_rnn_backwards_last", build: seq(nn.NewSimpleRNN(4, nn.RNNConfig{GoBackwards: true})), inputs: ids(94)},
		{name: "mask_bidi_lstm_concat_seq_stacked", build: seq(nn.NewBidirectional(nn.NewLSTM(3, nn.RNNConfig{ReturnSequences: true}), nn.BidirectionalConfig{}), nn.NewSimpleRNN(4, nn.RNNConfig{ReturnSequences: true})), inputs: ids(95)},
		{name: "mask_bidi_gru_sum_last_opset13", opset: 13, build: seq(nn.NewBidirectional(nn.NewGRU(4, nn.RNNConfig{}), nn.BidirectionalConfig{MergeMode: "sum"})), inputs: ids(96)},
		{name: "mask_bidi_rnn_ave_seq_avgpool", build: seq(nn.NewBidirectional(nn.NewSimpleRNN(3, nn.RNNConfig{ReturnSequences: true}), nn.BidirectionalConfig{MergeMode: "ave"}), nn.NewGlobalAveragePooling1D()), inputs: ids(97)},
		{name: "mask_avgpool_only", build: seq(nn.NewGlobalAveragePooling1D()), inputs: ids(98)},
		{name: "mask_functional_add_lstm", build: func() (*model.Model, error) {
			in := model.Input(T)
			e := model.Apply(emb(), in)
			a := model.Apply(nn.NewDense(4, nn.DenseConfig{}), e)
			s := model.Apply(nn.NewAdd(), e, a)
			o := model.Apply(nn.NewLSTM(3, nn.RNNConfig{ReturnSequences: true}), s)
			return model.NewModel([]*model.Node{in}, []*model.Node{o})
		}, inputs: ids(99)},
		{name: "mask_mha_self", build: seq(nn.NewMultiHeadAttention(2, 3, nn.MultiHeadAttentionConfig{})), inputs: ids(100)},
		{name: "mask_mha_query_value_key", build: func() (*model.Model, error) {
			q, v := model.Input(T), model.Input(5)
			eq, ev := model.Apply(emb(), q), model.Apply(emb(), v)
			k := model.Apply(nn.NewDense(3, nn.DenseConfig{}), ev)
			o := model.Apply(nn.NewMultiHeadAttention(2, 2, nn.MultiHeadAttentionConfig{ValueDim: 3}), eq, ev, k)
			return model.NewModel([]*model.Node{q, v}, []*model.Node{o})
		}, inputs: func() []*tensor.Tensor { return []*tensor.Tensor{paddedIDs(101, V, T), paddedIDs(102, V, 5)} }},
		{name: "mask_encoder_avgpool_dense", build: seq(nn.NewPositionalEncoding(nn.PositionalEncodingConfig{}), nn.NewTransformerEncoder(8, 2, nn.TransformerConfig{}),
			nn.NewGlobalAveragePooling1D(), nn.NewDense(3, nn.DenseConfig{Activation: "softmax"})), inputs: ids(103)},
		{name: "mask_encoder_prenorm_stacked", build: seq(nn.NewTransformerEncoder(6, 2, nn.TransformerConfig{NormalizeFirst: true, Activation: "gelu"}),
			nn.NewTransformerEncoder(8, 4, nn.TransformerConfig{})), inputs: ids(104)},
		{name: "mask_decoder_causal", build: seq(nn.NewTransformerDecoder(8, 2, nn.TransformerConfig{})), inputs: ids(105)},
		{name: "mask_encoder_decoder_lstm", build: func() (*model.Model, error) {
			d, e := model.Input(T), model.Input(5)
			enc := model.Apply(nn.NewTransformerEncoder(8, 2, nn.TransformerConfig{}), model.Apply(emb(), e))
			dec := model.Apply(nn.NewTransformerDecoder(8, 2, nn.TransformerConfig{NormalizeFirst: true}), model.Apply(emb(), d), enc)
			o := model.Apply(nn.NewLSTM(3, nn.RNNConfig{ReturnSequences: true}), dec)
			return model.NewModel([]*model.Node{d, e}, []*model.Node{o})
		}, inputs: func() []*tensor.Tensor { return []*tensor.Tensor{paddedIDs(106, V, T), paddedIDs(107, V, 5)} }},
	}
}

// TestExportMaskMatchesOnnxruntime judges masked exports by onnxruntime
// and checks that the inputs exercise the mask: each model's tensile
// output differs from the same model (same weights) without mask_zero.
func TestExportMaskMatchesOnnxruntime(t *testing.T) {
	masked, plain := maskCases(true), maskCases(false)
	for i := range masked {
		var outs [2]*tensor.Tensor
		for k, c := range []exportCase{masked[i], plain[i]} {
			m, err := c.build()
			if err != nil {
				t.Fatal(err)
			}
			xs := c.inputs()
			if err := m.Build(xs[0].Shape()[1:]); err != nil && len(xs) == 1 {
				t.Fatal(err)
			}
			randomizeWeights(m, uint64(i+1)) // as checkExports
			ys, err := m.Call(xs, false)
			if err != nil {
				t.Fatal(err)
			}
			outs[k] = ys[0]
		}
		if worst, _ := closeRel(outs[0].Contiguous().Float64s(), outs[1].Contiguous().Float64s(), 0); worst < 1e-3 {
			t.Errorf("%s: the mask changes tensile's output by only %.2g; the inputs do not exercise it", masked[i].name, worst)
		}
	}
	checkExports(t, masked)
}
