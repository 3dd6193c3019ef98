package plot_test

import (
	"fmt"

	"github.com/tensile-ml/tensile/plot"
)

func ExampleConfusion() {
	labels := []int{0, 0, 1, 2, 2, 2}
	preds := []int{0, 1, 1, 2, 2, 0}
	m, _ := plot.Confusion(labels, preds, 3)
	for _, row := range m {
		fmt.Println(row)
	}
	// Output:
	// [1 1 0]
	// [0 1 0]
	// [1 0 2]
}
