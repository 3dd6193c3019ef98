package explain_test

import (
	"fmt"

	"github.com/tensile-ml/tensile/explain"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
)

func ExampleExplainer_IntegratedGradients() {
	m := model.NewSequential(
		model.InputShape(8, 8, 1),
		nn.NewConv2D(4, [2]int{3, 3}, nn.Conv2DConfig{Activation: "relu"}),
		nn.NewFlatten(),
		nn.NewDense(3, nn.DenseConfig{Activation: "softmax"}),
	)
	m.SetSeed(1)
	if err := m.Build(nil); err != nil {
		panic(err)
	}
	e, err := explain.New(m)
	if err != nil {
		panic(err)
	}
	x := make([]float32, 64)
	for i := range x {
		x[i] = float32(i%7) / 7
	}
	ig, err := e.IntegratedGradients(x, nil, 1, 0) // zero baseline, 100 steps
	if err != nil {
		panic(err)
	}
	fmt.Println(len(ig.Attributions), ig.CompletenessError < 0.01)
	// Output: 64 true
}
