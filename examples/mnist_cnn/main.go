// Command mnist_cnn is the Keras MNIST CNN from the deep-learning overview,
// written with tensile:
//
//	model = models.Sequential()
//	model.add(layers.Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28, 1)))
//	model.add(layers.MaxPooling2D((2, 2)))
//	model.add(layers.Conv2D(64, (3, 3), activation='relu'))
//	model.add(layers.MaxPooling2D((2, 2)))
//	model.add(layers.Conv2D(64, (3, 3), activation='relu'))
//	model.add(layers.Flatten())
//	model.add(layers.Dense(64, activation='relu'))
//	model.add(layers.Dense(10, activation='softmax'))
//	model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
//	model.fit(train_images, train_labels, epochs=5)
//	test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=2)
//
// Run it with: go run ./examples/mnist_cnn
package main

import (
	"fmt"
	"log"

	"github.com/tensile-ml/tensile/datasets/mnist"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
)

func main() {
	train, test, err := mnist.Load() // embedded; pixels scaled to [0, 1], NHWC
	if err != nil {
		log.Fatal(err)
	}

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
	if err := m.CompileNames("adam", "sparse_categorical_crossentropy", "accuracy"); err != nil {
		log.Fatal(err)
	}
	if _, err := m.Fit(train, model.FitConfig{Epochs: 5}); err != nil {
		log.Fatal(err)
	}
	logs, err := m.Evaluate(test, model.EvalConfig{Verbose: model.VerboseEpoch})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("test_loss=%.4f test_accuracy=%.4f\n", logs["loss"], logs["accuracy"])
}
