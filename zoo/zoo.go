// Package zoo holds ready-made model architectures by name, such as the
// Keras MNIST CNN that the CLI trains with "tensile train mnist-cnn".
package zoo

import (
	"fmt"
	"sort"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
)

// MNISTCNN returns the Keras MNIST CNN, uncompiled, for 28×28×1 inputs:
// Conv2D 32 → MaxPool → Conv2D 64 → MaxPool → Conv2D 64 → Flatten →
// Dense 64 → Dense 10 softmax (93,322 parameters).
func MNISTCNN() *model.Model {
	return model.NewSequential(
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
}

var models = map[string]func() *model.Model{
	"mnist-cnn": MNISTCNN,
}

// New returns a fresh, uncompiled model by name.
func New(name string) (*model.Model, error) {
	f, ok := models[name]
	if !ok {
		return nil, fmt.Errorf("zoo: unknown model %q (known: %v)", name, Names())
	}
	return f(), nil
}

// Names lists the known model names.
func Names() []string {
	var ns []string
	for n := range models {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}
