package onnx

import (
	"strings"
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
			if err := m.Build(xs[0].Shape()[1:]); err != nil {
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

// TestExportMaskRefusesAttention checks that a mask consumer without a
// masked export is an error naming the layer.
func TestExportMaskRefusesAttention(t *testing.T) {
	m := model.NewSequential(model.InputShape(6), nn.NewEmbedding(10, 8, nn.EmbeddingConfig{MaskZero: true}),
		nn.NewTransformerEncoder(8, 2, nn.TransformerConfig{}))
	if err := m.Build([]int{6}); err != nil {
		t.Fatal(err)
	}
	_, err := Export(m, ExportOptions{})
	if err == nil || !strings.Contains(err.Error(), "TransformerEncoder") || !strings.Contains(err.Error(), "mask") {
		t.Fatalf("Export = %v, want an error naming the TransformerEncoder and the mask", err)
	}
}
