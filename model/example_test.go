package model_test

import (
	"fmt"
	"os"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
)

// ExampleNewSequential builds the Keras MNIST CNN and prints its summary.
func ExampleNewSequential() {
	m := model.NewSequential(
		model.InputShape(28, 28, 1),
		nn.NewConv2D(32, [2]int{3, 3}, nn.Conv2DConfig{Activation: "relu"}),
		nn.NewMaxPooling2D([2]int{2, 2}, nn.PoolConfig{}),
		nn.NewConv2D(64, [2]int{3, 3}, nn.Conv2DConfig{Activation: "relu"}),
		nn.NewMaxPooling2D([2]int{2, 2}, nn.PoolConfig{}),
		nn.NewConv2D(64, [2]int{3, 3}, nn.Conv2DConfig{Activation: "relu"}),
		nn.NewFlatten(),
		nn.NewDense(64, nn.DenseConfig{Activation: "relu"}),
		nn.NewDense(10, nn.DenseConfig{Activation: "softmax"}),
	)
	if err := m.Summary(os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// Model: "sequential"
	// ___________________________________________________________________
	// Layer (type)                   Output Shape              Param #
	// ===================================================================
	// conv2d (Conv2D)                (None, 26, 26, 32)        320
	// ___________________________________________________________________
	// max_pooling2d (MaxPooling2D)   (None, 13, 13, 32)        0
	// ___________________________________________________________________
	// conv2d_1 (Conv2D)              (None, 11, 11, 64)        18,496
	// ___________________________________________________________________
	// max_pooling2d_1 (MaxPooling2D) (None, 5, 5, 64)          0
	// ___________________________________________________________________
	// conv2d_2 (Conv2D)              (None, 3, 3, 64)          36,928
	// ___________________________________________________________________
	// flatten (Flatten)              (None, 576)               0
	// ___________________________________________________________________
	// dense (Dense)                  (None, 64)                36,928
	// ___________________________________________________________________
	// dense_1 (Dense)                (None, 10)                650
	// ===================================================================
	// Total params: 93,322
	// Trainable params: 93,322
	// Non-trainable params: 0
	// ___________________________________________________________________
}

// ExampleNewModel builds a functional model with two branches merged by
// concatenation.
func ExampleNewModel() {
	in := model.Input(16)
	a := model.Apply(nn.NewDense(8, nn.DenseConfig{Activation: "relu"}), in)
	b := model.Apply(nn.NewDense(4, nn.DenseConfig{Activation: "tanh"}), in)
	merged := model.Apply(nn.NewConcatenate(-1), a, b)
	out := model.Apply(nn.NewDense(1, nn.DenseConfig{Activation: "sigmoid"}), merged)
	m, err := model.NewModel([]*model.Node{in}, []*model.Node{out})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, total := m.CountParams()
	fmt.Println(m.Layers()[len(m.Layers())-1].Name(), out.Shape(), total)
	// Output:
	// dense_2 [1] 217
}
