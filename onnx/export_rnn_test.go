package onnx

import (
	"path/filepath"
	"testing"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
)

func recurrentCases() []exportCase {
	in := func() []nn.Layer { return []nn.Layer{model.InputShape(5, 3)} }
	seq := func(ls ...nn.Layer) func() (*model.Model, error) { return seqModel(append(in(), ls...)...) }
	return []exportCase{
		{name: "simple_rnn", build: seq(nn.NewSimpleRNN(4, nn.RNNConfig{})), inputs: input(40, 2, 5, 3)},
		{name: "simple_rnn_seq_relu", build: seq(nn.NewSimpleRNN(4, nn.RNNConfig{ReturnSequences: true, Activation: "relu"})), inputs: input(41, 2, 5, 3)},
		{name: "lstm", build: seq(nn.NewLSTM(6, nn.RNNConfig{})), inputs: input(42, 3, 5, 3)},
		{name: "lstm_seq_backwards", build: seq(nn.NewLSTM(4, nn.RNNConfig{ReturnSequences: true, GoBackwards: true})), inputs: input(43, 2, 5, 3)},
		{name: "lstm_backwards_last", build: seq(nn.NewLSTM(4, nn.RNNConfig{GoBackwards: true, NoBias: true})), inputs: input(44, 2, 5, 3)},
		{name: "gru_reset_after", build: seq(nn.NewGRU(5, nn.RNNConfig{ReturnSequences: true})), inputs: input(45, 2, 5, 3)},
		{name: "gru_reset_before", build: seq(nn.NewGRU(5, nn.RNNConfig{ResetBefore: true})), inputs: input(46, 2, 5, 3)},
		{name: "stacked_lstm_gru", build: seq(nn.NewLSTM(4, nn.RNNConfig{ReturnSequences: true}), nn.NewGRU(3, nn.RNNConfig{}), nn.NewDense(2, nn.DenseConfig{Activation: "softmax"})), inputs: input(47, 2, 5, 3)},
		{name: "bidi_lstm_concat_seq", build: seq(nn.NewBidirectional(nn.NewLSTM(4, nn.RNNConfig{ReturnSequences: true}), nn.BidirectionalConfig{})), inputs: input(48, 2, 5, 3)},
		{name: "bidi_gru_concat_last", build: seq(nn.NewBidirectional(nn.NewGRU(4, nn.RNNConfig{}), nn.BidirectionalConfig{})), inputs: input(49, 2, 5, 3)},
		{name: "bidi_rnn_sum", build: seq(nn.NewBidirectional(nn.NewSimpleRNN(4, nn.RNNConfig{ReturnSequences: true}), nn.BidirectionalConfig{MergeMode: "sum"})), inputs: input(50, 2, 5, 3)},
		{name: "bidi_lstm_ave", build: seq(nn.NewBidirectional(nn.NewLSTM(4, nn.RNNConfig{}), nn.BidirectionalConfig{MergeMode: "ave"})), inputs: input(51, 2, 5, 3)},
		{name: "bidi_gru_mul_opset13", opset: 13, build: seq(nn.NewBidirectional(nn.NewGRU(4, nn.RNNConfig{ReturnSequences: true, ResetBefore: true}), nn.BidirectionalConfig{MergeMode: "mul"})), inputs: input(52, 2, 5, 3)},
		{name: "embedding_lstm", build: seqModel(model.InputShape(7), nn.NewEmbedding(12, 5, nn.EmbeddingConfig{}), nn.NewLSTM(4, nn.RNNConfig{})),
			inputs: func() []*tensor.Tensor { return []*tensor.Tensor{randIDs(53, 12, 3, 7)} }},
	}
}

func TestExportRecurrentMatchesOnnxruntime(t *testing.T) {
	checkExports(t, recurrentCases())
}

func attentionCases() []exportCase {
	return []exportCase{
		{name: "mha_self", build: seqModel(model.InputShape(5, 8), nn.NewMultiHeadAttention(2, 3, nn.MultiHeadAttentionConfig{})), inputs: input(60, 2, 5, 8)},
		{name: "mha_cross_value_dim_no_bias", build: func() (*model.Model, error) {
			q, v, k := model.Input(4, 6), model.Input(7, 5), model.Input(7, 3)
			o := model.Apply(nn.NewMultiHeadAttention(3, 2, nn.MultiHeadAttentionConfig{ValueDim: 4, NoBias: true, OutputShape: 5}), q, v, k)
			return model.NewModel([]*model.Node{q, v, k}, []*model.Node{o})
		}, inputs: func() []*tensor.Tensor {
			return []*tensor.Tensor{randInput(61, 2, 4, 6), randInput(62, 2, 7, 5), randInput(63, 2, 7, 3)}
		}},
		{name: "transformer_encoder_post_norm", build: seqModel(model.InputShape(6, 8),
			nn.NewPositionalEncoding(nn.PositionalEncodingConfig{}),
			nn.NewTransformerEncoder(16, 2, nn.TransformerConfig{}), nn.NewGlobalAveragePooling1D(), nn.NewDense(3, nn.DenseConfig{Activation: "softmax"})),
			inputs: input(64, 2, 6, 8)},
		{name: "transformer_encoder_pre_norm_gelu_opset13", opset: 13, build: seqModel(model.InputShape(6),
			nn.NewEmbedding(20, 8, nn.EmbeddingConfig{}), nn.NewPositionEmbedding(10, nn.PositionEmbeddingConfig{}),
			nn.NewTransformerEncoder(12, 4, nn.TransformerConfig{NormalizeFirst: true, Activation: "gelu"})),
			inputs: func() []*tensor.Tensor { return []*tensor.Tensor{randIDs(65, 20, 3, 6)} }},
		{name: "transformer_decoder_cross", build: func() (*model.Model, error) {
			d, e := model.Input(5, 8), model.Input(7, 8)
			o := model.Apply(nn.NewTransformerDecoder(16, 2, nn.TransformerConfig{}), d, e)
			return model.NewModel([]*model.Node{d, e}, []*model.Node{o})
		}, inputs: func() []*tensor.Tensor { return []*tensor.Tensor{randInput(66, 2, 5, 8), randInput(67, 2, 7, 8)} }},
		{name: "transformer_decoder_only_pre_norm", build: seqModel(model.InputShape(5, 8),
			nn.NewTransformerDecoder(16, 2, nn.TransformerConfig{NormalizeFirst: true})), inputs: input(68, 2, 5, 8)},
	}
}

func TestExportAttentionMatchesOnnxruntime(t *testing.T) {
	checkExports(t, attentionCases())
}

func TestExportTimeDistributedMatchesOnnxruntime(t *testing.T) {
	checkExports(t, []exportCase{
		{name: "time_distributed_dense", build: seqModel(model.InputShape(4, 6), nn.NewTimeDistributed(nn.NewDense(3, nn.DenseConfig{Activation: "tanh"}))), inputs: input(70, 2, 4, 6)},
		{name: "time_distributed_conv2d", build: seqModel(model.InputShape(3, 6, 5, 2),
			nn.NewTimeDistributed(nn.NewConv2D(3, [2]int{3, 3}, nn.Conv2DConfig{Padding: "same"})),
			nn.NewTimeDistributed(nn.NewFlatten()), nn.NewLSTM(4, nn.RNNConfig{})), inputs: input(71, 2, 3, 6, 5, 2)},
	})
}

// TestExportCoversEveryLayerClass checks that the export tests above use
// every registered layer class.
func TestExportCoversEveryLayerClass(t *testing.T) {
	seen := map[string]bool{}
	var all []exportCase
	all = append(all, feedForwardCases()...)
	all = append(all, recurrentCases()...)
	all = append(all, attentionCases()...)
	all = append(all, exportCase{name: "td", build: seqModel(model.InputShape(4, 6), nn.NewTimeDistributed(nn.NewDense(3, nn.DenseConfig{})))})
	all = append(all, graphCases(t)...)
	for _, c := range all {
		m, err := c.build()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range m.Layers() {
			seen[l.ClassName()] = true
		}
	}
	for _, class := range nn.Classes() {
		if !seen[class] {
			t.Errorf("layer class %s is not covered by an export test", class)
		}
	}
}

// graphCases re-export imported PyTorch Transformer encoders (Graph layers).
func graphCases(t *testing.T) []exportCase {
	var cases []exportCase
	for _, c := range []struct {
		file  string
		opset int
	}{{"encoder_opset14", 14}, {"encoder_opset17", 17}} {
		cases = append(cases, exportCase{name: "graph_" + c.file, opset: c.opset, build: func() (*model.Model, error) {
			return Read(filepath.Join("..", "testdata", "onnx", c.file+".onnx"))
		}, inputs: input(80, 3, 5, 8)})
	}
	return cases
}

func TestExportImportedGraphMatchesOnnxruntime(t *testing.T) {
	checkExports(t, graphCases(t))
}
