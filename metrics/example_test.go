package metrics_test

import (
	"fmt"

	"github.com/tensile-ml/tensile/metrics"
	"github.com/tensile-ml/tensile/tensor"
)

func ExampleByName() {
	acc, _ := metrics.ByName("accuracy", "sparse_categorical_crossentropy")
	labels := tensor.FromSlice([]float32{2, 0, 1}, 3)
	probs := tensor.FromSlice([]float32{
		0.1, 0.2, 0.7,
		0.6, 0.3, 0.1,
		0.5, 0.4, 0.1,
	}, 3, 3)
	acc.Update(labels, probs)
	fmt.Printf("%s %.3f\n", acc.Name(), acc.Result())
	// Output: accuracy 0.667
}
