package torchweights_test

import (
	"fmt"
	"log"
	"path/filepath"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/torchweights"
)

func ExampleLoad() {
	// A PyTorch CNN's state dict (testdata/torchweights/make_golden.py).
	sd, err := torchweights.ReadFile(filepath.Join("..", "testdata", "torchweights", "cnn.safetensors"))
	if err != nil {
		log.Fatal(err)
	}
	m := model.NewSequential(model.InputShape(10, 8, 3), // NHWC
		nn.NewConv2D(4, [2]int{3, 3}, nn.Conv2DConfig{Padding: "same"}),
		nn.NewBatchNormalization(nn.BatchNormConfig{Epsilon: 1e-5}),
		nn.NewActivation("relu"),
		nn.NewMaxPooling2D([2]int{2, 2}, nn.PoolConfig{}),
		nn.NewConv2D(6, [2]int{3, 3}, nn.Conv2DConfig{Activation: "relu"}),
		nn.NewFlatten(),
		nn.NewDense(5, nn.DenseConfig{Activation: "relu"}),
		nn.NewDense(3, nn.DenseConfig{}))
	if err := m.Build(nil); err != nil {
		log.Fatal(err)
	}
	if err := torchweights.Load(m, sd); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(sd), "tensors loaded")
	// Output: 12 tensors loaded
}
