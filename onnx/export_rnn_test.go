package onnx

import (
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
