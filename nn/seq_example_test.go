package nn_test

import (
	"fmt"
	"os"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
)

// ExampleNewLSTM builds a Keras-style text classifier: token ids → embedding
// → bidirectional LSTM → dense sigmoid, and prints its summary.
func ExampleNewLSTM() {
	m := model.NewSequential(
		model.InputShape(20),
		nn.NewEmbedding(1000, 16, nn.EmbeddingConfig{}),
		nn.NewBidirectional(nn.NewLSTM(32, nn.RNNConfig{}), nn.BidirectionalConfig{}),
		nn.NewDense(1, nn.DenseConfig{Activation: "sigmoid"}),
	)
	if err := m.Summary(os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// Model: "sequential"
	// __________________________________________________________________
	// Layer (type)                  Output Shape              Param #
	// ==================================================================
	// embedding (Embedding)         (None, 20, 16)            16,000
	// __________________________________________________________________
	// bidirectional (Bidirectional) (None, 64)                12,544
	// __________________________________________________________________
	// dense (Dense)                 (None, 1)                 65
	// ==================================================================
	// Total params: 28,609
	// Trainable params: 28,609
	// Non-trainable params: 0
	// __________________________________________________________________
}

// ExampleLSTM_ForwardState runs an LSTM with return_sequences and reads its
// final states, as Keras's return_state=True.
func ExampleLSTM_ForwardState() {
	l := nn.NewLSTM(4, nn.RNNConfig{ReturnSequences: true, ReturnState: true})
	if err := l.Build([]int{5, 3}, tensor.NewRNG(1)); err != nil {
		fmt.Println(err)
		return
	}
	x := tensor.RandNormal(tensor.NewRNG(2), 0, 1, 2, 5, 3) // [B, T, D]
	mask := tensor.FromSlice([]float32{1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, 2, 5)
	seq, states := l.ForwardState(x, mask, nil, false)
	fmt.Println(seq.Shape(), states[0].Shape(), states[1].Shape())
	// The second sample's padded steps repeat its last real output.
	fmt.Println(seq.At(1, 4, 0) == seq.At(1, 2, 0))
	// Output:
	// [2 5 4] [2 4] [2 4]
	// true
}

// ExampleNewTransformerEncoder stacks a small Transformer classifier.
func ExampleNewTransformerEncoder() {
	m := model.NewSequential(
		model.InputShape(12),
		nn.NewEmbedding(500, 32, nn.EmbeddingConfig{}),
		nn.NewPositionEmbedding(12, nn.PositionEmbeddingConfig{}),
		nn.NewTransformerEncoder(64, 4, nn.TransformerConfig{Dropout: 0.1}),
		nn.NewGlobalAveragePooling1D(),
		nn.NewDense(2, nn.DenseConfig{Activation: "softmax"}),
	)
	if err := m.Build(nil); err != nil {
		fmt.Println(err)
		return
	}
	_, total := m.CountParams()
	fmt.Println(total)
	// Output:
	// 24994
}
