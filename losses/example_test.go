package losses_test

import (
	"fmt"

	"github.com/tensile-ml/tensile/losses"
	"github.com/tensile-ml/tensile/tensor"
)

func ExampleSparseCategoricalCrossentropy() {
	loss, _ := losses.ByName("sparse_categorical_crossentropy")
	labels := tensor.FromSlice([]float32{0, 2}, 2)
	probs := tensor.FromSlice([]float32{
		0.5, 0.25, 0.25,
		0.25, 0.25, 0.5,
	}, 2, 3)
	fmt.Printf("%.4f\n", loss.PerSample(labels, probs).Data())
	// From logits: the fused, stable form.
	logits := tensor.FromSlice([]float32{1e4, 0, 0}, 1, 3)
	sce := loss.(losses.LogitsLoss).WithLogits()
	fmt.Printf("%.4f\n", sce.PerSample(tensor.FromSlice([]float32{1}, 1), logits).Data())
	// Output:
	// [0.6931 0.6931]
	// [10000.0000]
}
